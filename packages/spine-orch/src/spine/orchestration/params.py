"""Workflow parameters: declared names, types and defaults, validated before a run.

A workflow's ``params_schema`` maps each parameter name to a :class:`ParamSpec` (or a
shorthand: a type name such as ``"date"``, or a Python type such as ``int``). Before a run
the runner fills defaults, rejects unknown names and converts values to the declared type
(lax: ``"2025-12-26"`` is accepted for a ``date``, ``"5"`` for an ``int``), and reports every
problem at once in one :class:`~spine.orchestration.errors.WorkflowParamsError`.

Types: ``str int float bool date datetime list dict any`` and ``week_ending`` (a Friday, as
:class:`spine.types.WeekEnding`). A workflow without a schema accepts any params unchanged.

Example:
    >>> schema = normalize_schema({"week": "week_ending", "tier": ParamSpec("str", default="OTC")})
    >>> validate_params(schema, {"week": "2025-12-26"}, workflow="otc")
    {'week': WeekEnding('2025-12-26'), 'tier': 'OTC'}
    >>> validate_params(schema, {"week": "2025-12-25"}, workflow="otc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spine.orchestration.errors.WorkflowParamsError: workflow 'otc': invalid params: week: ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from spine.orchestration._functions import MISSING
from spine.orchestration.errors import WorkflowDefinitionError, WorkflowParamsError
from spine.types import WeekEnding

__all__ = ["ParamSpec", "ParamType", "normalize_schema", "validate_params"]


class ParamType(StrEnum):
    """Declared type of a workflow parameter."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    LIST = "list"
    DICT = "dict"
    ANY = "any"
    WEEK_ENDING = "week_ending"


_PY_TYPES: dict[Any, ParamType] = {
    str: ParamType.STR,
    int: ParamType.INT,
    float: ParamType.FLOAT,
    bool: ParamType.BOOL,
    dt.date: ParamType.DATE,
    dt.datetime: ParamType.DATETIME,
    list: ParamType.LIST,
    dict: ParamType.DICT,
    object: ParamType.ANY,
    WeekEnding: ParamType.WEEK_ENDING,
}


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One declared parameter.

    Attributes:
        type: A :class:`ParamType` (or its name).
        default: Used when the param is not given (must fit the type).
        required: Whether the param must be given; defaults to "no default was declared".
        description: Free text (shown by the CLI and in workflow files).
    """

    type: ParamType | str = ParamType.ANY
    default: Any = MISSING
    required: bool | None = None
    description: str = ""
    _convert: Callable[[Any], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            kind = ParamType(self.type)
        except ValueError:
            kinds = ", ".join(t.value for t in ParamType)
            raise WorkflowDefinitionError(
                f"unknown param type {self.type!r} (one of {kinds})"
            ) from None
        object.__setattr__(self, "type", kind)
        required = self.default is MISSING if self.required is None else bool(self.required)
        if required and self.default is not MISSING:
            raise WorkflowDefinitionError("a required param cannot have a default")
        object.__setattr__(self, "required", required)
        object.__setattr__(self, "_convert", _converter(kind))
        if self.default is not MISSING and self.default is not None:
            try:
                object.__setattr__(self, "default", self._convert(self.default))
            except (ValueError, TypeError) as exc:
                raise WorkflowDefinitionError(
                    f"default {self.default!r} does not fit type {kind.value}: {_short(exc)}"
                ) from None

    @property
    def has_default(self) -> bool:
        """Whether a default was declared."""
        return self.default is not MISSING

    def convert(self, value: Any) -> Any:
        """``value`` converted to this param's type (``ValueError`` when it does not fit)."""
        if value is None:
            return None
        return self._convert(value)

    def to_dict(self) -> dict[str, Any]:
        """The param's entry in a workflow file."""
        data: dict[str, Any] = {"type": ParamType(self.type).value}
        if self.has_default:
            default = self.default
            data["default"] = default.isoformat() if hasattr(default, "isoformat") else default
        elif not self.required:
            data["required"] = False
        if self.description:
            data["description"] = self.description
        return data


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    if len(text) >= 2 and "validation error" in text[0]:
        return text[-1].strip() if len(text) == 2 else text[2].strip()
    return text[0] if text else type(exc).__name__


@cache
def _converter(kind: ParamType) -> Callable[[Any], Any]:
    if kind is ParamType.ANY:
        return lambda value: value
    if kind is ParamType.WEEK_ENDING:
        return lambda value: value if isinstance(value, WeekEnding) else WeekEnding(value)
    from pydantic import TypeAdapter

    python_type: Any = {
        ParamType.STR: str,
        ParamType.INT: int,
        ParamType.FLOAT: float,
        ParamType.BOOL: bool,
        ParamType.DATE: dt.date,
        ParamType.DATETIME: dt.datetime,
        ParamType.LIST: list,
        ParamType.DICT: dict,
    }[kind]
    adapter = TypeAdapter(python_type)

    def convert(value: Any) -> Any:
        from pydantic import ValidationError as PydanticValidationError

        try:
            return adapter.validate_python(value)
        except PydanticValidationError as exc:
            problem = exc.errors()[0]["msg"] if exc.errors() else str(exc)
            raise ValueError(f"{problem} (got {value!r})") from None

    return convert


def normalize_schema(schema: Mapping[str, Any] | None) -> dict[str, ParamSpec]:
    """Turn a ``params_schema`` (specs, type names, Python types or dicts) into ParamSpecs.

    Raises:
        WorkflowDefinitionError: a name is not an identifier or a spec is not understood.
    """
    if not schema:
        return {}
    if not isinstance(schema, Mapping):
        raise WorkflowDefinitionError(
            f"params_schema must be a mapping of name -> spec, got {type(schema).__name__}"
        )
    out: dict[str, ParamSpec] = {}
    for name, spec in schema.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise WorkflowDefinitionError(f"param name {name!r} must be an identifier")
        try:
            out[name] = _spec_of(spec)
        except WorkflowDefinitionError as exc:
            raise WorkflowDefinitionError(f"param {name!r}: {exc.message}") from None
    return out


def _spec_of(spec: Any) -> ParamSpec:
    if isinstance(spec, ParamSpec):
        return spec
    if isinstance(spec, str | ParamType):
        return ParamSpec(spec)
    if isinstance(spec, type) and spec in _PY_TYPES:
        return ParamSpec(_PY_TYPES[spec])
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"type", "default", "required", "description"}
        if unknown:
            raise WorkflowDefinitionError(f"unknown field(s) {', '.join(sorted(unknown))}")
        return ParamSpec(
            spec.get("type", ParamType.ANY),
            spec.get("default", MISSING),
            spec.get("required"),
            spec.get("description", ""),
        )
    raise WorkflowDefinitionError(f"cannot read a param spec from {spec!r}")


def validate_params(
    schema: Mapping[str, ParamSpec], params: Mapping[str, Any] | None, *, workflow: str
) -> dict[str, Any]:
    """Params for a run: defaults filled, types converted; the params unchanged without schema.

    Raises:
        WorkflowParamsError: listing every missing, unknown or ill-typed param.
    """
    given = dict(params or {})
    if any(not isinstance(k, str) for k in given):
        raise WorkflowParamsError(f"workflow {workflow!r}: param names must be strings")
    if not schema:
        return given
    problems: list[str] = []
    out: dict[str, Any] = {}
    for name, spec in schema.items():
        if name in given:
            try:
                out[name] = spec.convert(given[name])
            except (ValueError, TypeError) as exc:
                problems.append(f"{name}: {_short(exc)}")
        elif spec.has_default:
            out[name] = spec.default
        elif spec.required:
            problems.append(f"{name}: required ({ParamType(spec.type).value}) but not given")
    unknown = sorted(set(given) - set(schema))
    if unknown:
        problems.append(
            f"unknown param(s) {', '.join(unknown)} (declared: {', '.join(schema) or 'none'})"
        )
    if problems:
        raise WorkflowParamsError(
            f"workflow {workflow!r}: invalid params: " + "; ".join(problems), workflow=workflow
        )
    return out
