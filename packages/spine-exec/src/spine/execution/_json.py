"""JSON checks for what crosses an execution boundary: params, metadata and results.

Params travel to other threads, processes, machines and database rows as JSON, so they are
checked and copied into their JSON form up front: what a handler receives in-process is
exactly what a remote worker would receive (tuples become lists), and a caller mutating its
dict afterwards changes nothing that was submitted. One walk validates and copies.
"""

from __future__ import annotations

import math
from typing import Any

from spine.execution.errors import InvalidResultError, UnserializableParamsError
from spine.types import SpineError

__all__ = ["copy_json", "json_params", "json_result", "lenient_json"]

_MAX_DEPTH = 100
_SCALARS = (str, int, bool, type(None))
_IMMUTABLE = frozenset({str, int, bool, float, type(None)})
_PLAIN = frozenset({str, int, bool, type(None)})
"""Value types a flat dict may hold to be copied in one step (a float needs its check)."""


def _walk(value: Any, path: str, depth: int, error: type[SpineError], what: str) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        if math.isfinite(value):
            return value
        raise error(f"{what} is not JSON: {path} is {value!r} (NaN/Infinity are not JSON)")
    if depth > _MAX_DEPTH:
        raise error(f"{what} is not JSON: {path} is nested deeper than {_MAX_DEPTH} levels")
    if kind is dict or isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                if not isinstance(key, str):
                    raise error(
                        f"{what} is not JSON: {path} has a {type(key).__name__} key {key!r} "
                        "(JSON object keys are strings)"
                    )
                key = str.__str__(key)
            item_kind = type(item)
            if item_kind is str or item_kind is int or item_kind is bool or item is None:
                out[key] = item
            else:
                out[key] = _walk(item, f"{path}[{key!r}]", depth + 1, error, what)
        return out
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        return [_walk(item, f"{path}[{i}]", depth + 1, error, what) for i, item in enumerate(value)]
    # Subclasses of JSON scalars (StrEnum, IntEnum...) travel as their plain value.
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _walk(float(value), path, depth, error, what)
    hint = ""
    if hasattr(value, "isoformat"):
        hint = " (pass dates and times as ISO-8601 strings: value.isoformat())"
    raise error(f"{what} is not JSON: {path} is a {type(value).__name__}{hint}")


check_json = _walk
"""``check_json(value, path, depth, error_class, what)``: validate and copy a JSON value,
raising ``error_class`` naming the first offending path (the cache uses it)."""


def json_params(params: Any, what: str = "params") -> dict[str, Any]:
    """Validate ``params`` (a dict of str -> JSON) and return its JSON-form copy.

    Raises:
        UnserializableParamsError: not a dict, or holding a value JSON cannot carry; the
            message names the first offending path.
    """
    if params is None:
        return {}
    if not isinstance(params, dict):
        if hasattr(params, "items") and hasattr(params, "keys"):
            params = dict(params)
        else:
            raise UnserializableParamsError(
                f"{what} must be a dict of str -> JSON values, got {type(params).__name__}"
            )
    if type(params) is dict:
        for key, item in params.items():
            if type(key) is not str or type(item) not in _PLAIN:
                break
        else:
            return params.copy()  # flat: one C-level copy
    result: dict[str, Any] = _walk(params, what, 0, UnserializableParamsError, what)
    return result


class _ResultOf:
    """The label of a handler's result in error messages, formatted only when one is raised
    (results are checked on every call; the message almost never)."""

    __slots__ = ("handler",)

    def __init__(self, handler: str) -> None:
        self.handler = handler

    def __str__(self) -> str:
        return f"the result of handler {self.handler!r}"

    __format__ = object.__format__


def json_result(value: Any, handler: str) -> Any:
    """Validate a handler's return value and return its JSON-form copy.

    Raises:
        InvalidResultError: the value cannot be stored as JSON.
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or type(item) not in _PLAIN:
                break
        else:
            return value.copy()  # flat: one C-level copy
    return _walk(value, "result", 0, InvalidResultError, _ResultOf(handler))  # type: ignore[arg-type]


def copy_json(value: Any) -> Any:
    """Deep copy of an already validated JSON value (dicts and lists are copied)."""
    kind = type(value)
    if kind is dict:
        for item in value.values():
            if type(item) not in _IMMUTABLE:
                return {k: copy_json(v) for k, v in value.items()}
        return value.copy()  # flat: one C-level copy
    if kind is list:
        return [v if type(v) in _IMMUTABLE else copy_json(v) for v in value]
    return value


def lenient_json(value: Any, depth: int = 0) -> Any:
    """A JSON-form copy in which anything JSON cannot carry is replaced by its ``repr()``.

    For audit records of refused input: what was submitted is kept, never lost, and the
    record can still be stored.
    """
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if depth > _MAX_DEPTH:
        return repr(value)
    if isinstance(value, dict):
        return {str(k): lenient_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [lenient_json(v, depth + 1) for v in value]
    try:
        return repr(value)
    except Exception:  # a repr that raises: keep the type at least
        return f"<unrepresentable {type(value).__name__}>"
