"""Adapting plain typed functions into steps (``Step.function``).

A function step calls ``fn(**kwargs)`` where each parameter is filled by name, first found in:

1. the step's ``config``;
2. the run's params (with earlier ``context_updates`` merged);
3. the output of an upstream step *named like the parameter* (the whole output mapping);
4. a key of that name in the output of an upstream step, nearest upstream step first;
5. the parameter's default.

Arguments are validated against the annotations with pydantic (lax mode: ``"2025-12-26"``
becomes a ``date`` for a ``date`` parameter, ``"5"`` an ``int``), so a function gets the types
it declares also after a resume, where checkpointed outputs come back from JSON.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_type_hints, is_typeddict

from spine.orchestration.errors import WorkflowDefinitionError

__all__ = ["MISSING", "FunctionSpec", "inspect_function", "resolve_arguments"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class FunctionParam:
    """One parameter of a function step."""

    name: str
    required: bool


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """What the runner needs to call a function step."""

    params: tuple[FunctionParam, ...]
    accepts_kwargs: bool
    call: Callable[..., Any]
    output_keys: frozenset[str] | None
    """Keys the function declares it returns (a ``TypedDict`` return annotation), else None."""


def inspect_function(fn: Callable[..., Any], step: str, *, check_types: bool) -> FunctionSpec:
    """Check that ``fn`` can be called by keyword and build its :class:`FunctionSpec`.

    Raises:
        WorkflowDefinitionError: ``fn`` is not callable, takes ``*args`` or positional-only
            parameters, or its annotations cannot be turned into a validator.
    """
    if not callable(fn):
        raise WorkflowDefinitionError(
            f"function step {step!r} needs a callable, got {type(fn).__name__}", step=step
        )
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise WorkflowDefinitionError(
            f"function step {step!r}: cannot read the signature of {fn!r}: {exc}", step=step
        ) from None
    params: list[FunctionParam] = []
    accepts_kwargs = False
    for p in signature.parameters.values():
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            accepts_kwargs = True
            continue
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.POSITIONAL_ONLY):
            raise WorkflowDefinitionError(
                f"function step {step!r}: parameter {p.name!r} of {_name(fn)} cannot be filled "
                "by name (no *args or positional-only parameters)",
                step=step,
            )
        params.append(FunctionParam(p.name, p.default is inspect.Parameter.empty))
    call = fn
    if check_types and any(
        p.annotation is not inspect.Parameter.empty for p in signature.parameters.values()
    ):
        call = _validating(fn, step)
    return FunctionSpec(tuple(params), accepts_kwargs, call, _output_keys(fn))


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


def _validating(fn: Callable[..., Any], step: str) -> Callable[..., Any]:
    from pydantic import ConfigDict, PydanticUserError, validate_call

    try:
        wrapped: Callable[..., Any] = validate_call(
            config=ConfigDict(arbitrary_types_allowed=True), validate_return=False
        )(fn)
    except (PydanticUserError, NameError, TypeError) as exc:
        raise WorkflowDefinitionError(
            f"function step {step!r}: cannot build a validator from the annotations of "
            f"{_name(fn)} ({exc}); fix the annotations or pass check_types=False",
            step=step,
        ) from None
    return wrapped


def _output_keys(fn: Callable[..., Any]) -> frozenset[str] | None:
    try:
        hints = get_type_hints(fn)
    except Exception:  # unresolvable annotations: nothing declared
        return None
    ret = hints.get("return")
    if ret is not None and is_typeddict(ret):
        return frozenset(getattr(ret, "__annotations__", {}))
    return None


def resolve_arguments(
    spec: FunctionSpec,
    config: Mapping[str, Any],
    params: Mapping[str, Any],
    outputs: Mapping[str, Mapping[str, Any]],
    upstream: Sequence[str],
) -> tuple[dict[str, Any], list[str]]:
    """Fill the function's parameters by name (order in the module docs).

    Returns:
        ``(kwargs, missing)``: the arguments, and the names of required parameters that
        nothing provided.
    """
    kwargs: dict[str, Any] = {}
    missing: list[str] = []
    for p in spec.params:
        value = _find(p.name, config, params, outputs, upstream)
        if value is MISSING:
            if p.required:
                missing.append(p.name)
            continue
        kwargs[p.name] = value
    if spec.accepts_kwargs:
        for source in (params, config):
            for key, value in source.items():
                if key not in kwargs:
                    kwargs[key] = value
    return kwargs, missing


def _find(
    name: str,
    config: Mapping[str, Any],
    params: Mapping[str, Any],
    outputs: Mapping[str, Mapping[str, Any]],
    upstream: Sequence[str],
) -> Any:
    if name in config:
        return config[name]
    if name in params:
        return params[name]
    if name in outputs and name in upstream:
        return outputs[name]
    for step in upstream:
        output = outputs.get(step)
        if output is not None and name in output:
            return output[name]
    return MISSING
