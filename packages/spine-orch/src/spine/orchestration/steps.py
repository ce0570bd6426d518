"""Step types: the units a workflow is made of.

Build steps with the factories on :class:`Step`:

===========================================  ===============================================
``Step.operation(name, operation_name, config)``  runs a registered handler through the
                                                  runnable (spine-exec's dispatcher by default)
                                                  with ``params = ctx.params | config``
``Step.lambda_(name, fn, config)``                calls ``fn(ctx, config)``; returns a
                                                  :class:`StepResult` or a dict (the output)
``Step.function(name, fn, config)``               calls a plain typed function with its
                                                  parameters filled by name from config, params
                                                  and upstream outputs; returns a dict or None
``Step.choice(name, condition, then_step, else_step)``  exactly one branch runs, the other is
                                                  recorded ``SKIPPED``
``Step.wait(name, seconds=... | until=...)``      pauses the run
``Step.map(name, items_from, step, max_concurrency)``   runs ``step`` once per item, results
                                                  in input order, failures per item
===========================================  ===============================================

Every factory also takes ``depends_on`` (step names; any ``depends_on`` in a workflow makes it
a DAG), ``on_error`` (:class:`ErrorPolicy`), ``retry`` (a
:class:`~spine.types.retry.RetryStrategy`), ``after_retries`` and ``timeout`` (seconds).

Steps are frozen values; :meth:`Step.to_dict` / :meth:`Step.from_dict` serialise every step
except inline callables (lambdas and functions are stored by import reference
``"module:qualname"`` when they have one).

Example:
    >>> step = Step.operation("ingest", "finra.otc.ingest", {"tier": "NMS_TIER_1"})
    >>> step.to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'name': 'ingest', 'type': 'operation', 'operation': 'finra.otc.ingest',
     'config': {'tier': 'NMS_TIER_1'}}
    >>> Step.from_dict(step.to_dict()) == step
    True
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from spine.orchestration._functions import FunctionSpec, inspect_function
from spine.orchestration.errors import WorkflowDefinitionError
from spine.orchestration.expressions import Expression
from spine.orchestration.policy import ErrorPolicy
from spine.types import parse_iso
from spine.types.retry import RetryStrategy

if TYPE_CHECKING:
    from spine.orchestration.context import WorkflowContext
    from spine.orchestration.result import StepResult

__all__ = [
    "ChoiceStep",
    "Condition",
    "FunctionStep",
    "LambdaFn",
    "LambdaStep",
    "MapStep",
    "OperationStep",
    "Step",
    "StepType",
    "WaitStep",
    "callable_ref",
    "resolve_callable_ref",
]

LambdaFn: TypeAlias = (
    "Callable[[WorkflowContext, Mapping[str, Any]], StepResult | Mapping[str, Any]]"
)
"""``fn(ctx, config) -> StepResult | dict``."""

Condition: TypeAlias = "Expression | Callable[[WorkflowContext], Any]"
"""A choice condition: a safe :class:`Expression` or ``fn(ctx) -> truthy``."""

ItemsSource: TypeAlias = "Expression | Callable[[WorkflowContext], Sequence[Any]]"
"""Where a map step's items come from: an expression or ``fn(ctx) -> list``."""

STEP_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,99}")
_EMPTY: Mapping[str, Any] = MappingProxyType({})


class StepType(StrEnum):
    """Kind of step (the ``type`` field of a serialised step)."""

    OPERATION = "operation"
    LAMBDA = "lambda"
    FUNCTION = "function"
    CHOICE = "choice"
    WAIT = "wait"
    MAP = "map"


def callable_ref(fn: object) -> str | None:
    """``"module:qualname"`` when ``fn`` can be imported back by that name, else ``None``.

    Lambdas, closures and other inline callables have no reference.
    """
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        return None
    ref = f"{module}:{qualname}"
    try:
        resolved = resolve_callable_ref(ref)
    except WorkflowDefinitionError:
        return None
    return ref if resolved is fn else None


def resolve_callable_ref(ref: str, *, step: str | None = None) -> Callable[..., Any]:
    """Import the callable named ``"module:qualname"``.

    Raises:
        WorkflowDefinitionError: malformed reference, module or attribute not found, or not
            callable.
    """
    module_name, sep, qualname = ref.partition(":")
    if not sep or not module_name or not qualname:
        raise WorkflowDefinitionError(
            f"callable reference {ref!r} must look like 'package.module:function'", step=step
        )
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise WorkflowDefinitionError(f"cannot import {ref!r}: {exc}", step=step) from None
    if not callable(obj):
        raise WorkflowDefinitionError(f"{ref!r} is not callable", step=step)
    result: Callable[..., Any] = obj
    return result


def _freeze(mapping: Mapping[str, Any] | None, what: str, step: str) -> Mapping[str, Any]:
    if mapping is None:
        return _EMPTY
    if not isinstance(mapping, Mapping):
        raise WorkflowDefinitionError(
            f"step {step!r}: {what} must be a mapping, got {type(mapping).__name__}", step=step
        )
    if any(not isinstance(k, str) for k in mapping):
        raise WorkflowDefinitionError(f"step {step!r}: {what} keys must be strings", step=step)
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, kw_only=True)
class Step:
    """Base of every step: name, dependencies and failure handling.

    Attributes:
        name: Unique within the workflow: letters, digits, ``_`` and ``-`` (at most 100).
        depends_on: Steps that must finish first (makes the workflow a DAG).
        on_error: Overrides the workflow's policy for this step.
        retry: Retry strategy; a step with one uses ``RETRY`` unless ``on_error`` says other.
        after_retries: ``STOP`` or ``CONTINUE`` once retries are exhausted.
        timeout: Seconds the step may run (per attempt); ``None`` for no limit.
    """

    step_type: ClassVar[StepType]

    name: str
    depends_on: tuple[str, ...] = ()
    on_error: ErrorPolicy | None = None
    retry: RetryStrategy | None = None
    after_retries: ErrorPolicy = ErrorPolicy.STOP
    timeout: float | None = None

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not STEP_NAME_RE.fullmatch(name):
            raise WorkflowDefinitionError(
                f"invalid step name {name!r}: use 1-100 letters, digits, '_' or '-' "
                "(names are read in expressions as outputs.<name>)",
                step=name if isinstance(name, str) else None,
            )
        deps: object = self.depends_on
        if isinstance(deps, str):
            deps = (deps,)
        if not isinstance(deps, Sequence):
            raise WorkflowDefinitionError(
                f"step {name!r}: depends_on must list step names", step=name
            )
        deps = tuple(deps)
        if any(not isinstance(d, str) for d in deps):
            raise WorkflowDefinitionError(
                f"step {name!r}: depends_on must list step names", step=name
            )
        if len(set(deps)) != len(deps):
            raise WorkflowDefinitionError(
                f"step {name!r}: depends_on lists a step twice: {list(deps)}", step=name
            )
        if name in deps:
            raise WorkflowDefinitionError(f"step {name!r} depends on itself", step=name)
        object.__setattr__(self, "depends_on", deps)
        if self.on_error is not None:
            object.__setattr__(self, "on_error", _policy(self.on_error, name, "on_error"))
        after = _policy(self.after_retries, name, "after_retries")
        if after is ErrorPolicy.RETRY:
            raise WorkflowDefinitionError(
                f"step {name!r}: after_retries must be 'stop' or 'continue'", step=name
            )
        object.__setattr__(self, "after_retries", after)
        if self.retry is not None and not isinstance(self.retry, RetryStrategy):
            raise WorkflowDefinitionError(
                f"step {name!r}: retry must be a RetryStrategy, got {type(self.retry).__name__}",
                step=name,
            )
        if self.timeout is not None:
            if (
                not isinstance(self.timeout, int | float)
                or isinstance(self.timeout, bool)
                or not self.timeout > 0
            ):
                raise WorkflowDefinitionError(
                    f"step {name!r}: timeout must be a positive number of seconds, "
                    f"got {self.timeout!r}",
                    step=name,
                )
            object.__setattr__(self, "timeout", float(self.timeout))

    # -- factories ------------------------------------------------------------------------

    @staticmethod
    def operation(
        name: str,
        operation_name: str,
        config: Mapping[str, Any] | None = None,
        *,
        depends_on: Sequence[str] = (),
        on_error: ErrorPolicy | str | None = None,
        retry: RetryStrategy | None = None,
        after_retries: ErrorPolicy | str = ErrorPolicy.STOP,
        timeout: float | None = None,
    ) -> OperationStep:
        """A step that runs the registered operation ``operation_name`` through the runnable.

        The operation gets ``ctx.params`` merged with ``config`` (config wins); its result
        (a dict) becomes the step's output.
        """
        return OperationStep(
            name=name,
            operation_name=operation_name,
            config=config,  # type: ignore[arg-type]  # frozen in __post_init__
            **_common(depends_on, on_error, retry, after_retries, timeout),
        )

    @staticmethod
    def lambda_(
        name: str,
        fn: LambdaFn | None,
        config: Mapping[str, Any] | None = None,
        *,
        depends_on: Sequence[str] = (),
        on_error: ErrorPolicy | str | None = None,
        retry: RetryStrategy | None = None,
        after_retries: ErrorPolicy | str = ErrorPolicy.STOP,
        timeout: float | None = None,
    ) -> LambdaStep:
        """A step that calls ``fn(ctx, config)``, which returns a :class:`StepResult` or a dict.

        ``fn=None`` builds a step without a handler (the linter reports it; running it fails
        before the run starts).
        """
        return LambdaStep(
            name=name,
            fn=fn,
            config=config,  # type: ignore[arg-type]
            **_common(depends_on, on_error, retry, after_retries, timeout),
        )

    @staticmethod
    def function(
        name: str,
        fn: Callable[..., Any],
        config: Mapping[str, Any] | None = None,
        *,
        check_types: bool = True,
        depends_on: Sequence[str] = (),
        on_error: ErrorPolicy | str | None = None,
        retry: RetryStrategy | None = None,
        after_retries: ErrorPolicy | str = ErrorPolicy.STOP,
        timeout: float | None = None,
    ) -> FunctionStep:
        """A step that calls a plain function ``fn(**kwargs) -> dict | None``.

        Parameters are filled by name from ``config``, the run's params, and the outputs of
        upstream steps (a parameter named like an upstream step gets its whole output; other
        names are looked up as keys in upstream outputs, nearest first), then the parameter's
        default. With ``check_types`` the arguments are validated (and coerced) against the
        annotations. A required parameter that nothing can provide fails the run before it
        starts.

        Example:
            >>> def total(rows: list[int], factor: int = 1) -> dict[str, int]:
            ...     return {"total": sum(rows) * factor}
            >>> Step.function("total", total, {"factor": 2}).step_type.value
            'function'
        """
        return FunctionStep(
            name=name,
            fn=fn,
            config=config,  # type: ignore[arg-type]
            check_types=check_types,
            **_common(depends_on, on_error, retry, after_retries, timeout),
        )

    @staticmethod
    def choice(
        name: str,
        condition: str | Condition | None,
        then_step: str,
        else_step: str | None = None,
        *,
        depends_on: Sequence[str] = (),
        on_error: ErrorPolicy | str | None = None,
    ) -> ChoiceStep:
        """A branch: when ``condition`` holds ``then_step`` runs, else ``else_step`` (if any).

        The branch not taken is recorded ``SKIPPED`` (``branch_not_taken``), and so are steps
        that depend only on it. ``condition`` is an expression string over ``params`` and
        ``outputs`` (see :mod:`spine.orchestration.expressions`) or ``fn(ctx) -> bool``.
        """
        return ChoiceStep(
            name=name,
            condition=condition,  # type: ignore[arg-type]  # str compiled in __post_init__
            then_step=then_step,
            else_step=else_step,
            depends_on=tuple(depends_on),
            on_error=on_error,  # type: ignore[arg-type]
        )

    @staticmethod
    def wait(
        name: str,
        seconds: float | None = None,
        *,
        until: datetime | str | None = None,
        depends_on: Sequence[str] = (),
    ) -> WaitStep:
        """Pause the run for ``seconds``, or until the timezone-aware time ``until``.

        A cancelled run stops waiting at once.
        """
        return WaitStep(
            name=name,
            seconds=seconds,
            until=until,  # type: ignore[arg-type]  # parsed in __post_init__
            depends_on=tuple(depends_on),
        )

    @staticmethod
    def map(
        name: str,
        items_from: str | ItemsSource,
        step: Step,
        max_concurrency: int = 4,
        *,
        item_param: str = "item",
        depends_on: Sequence[str] = (),
        on_error: ErrorPolicy | str | None = None,
        retry: RetryStrategy | None = None,
        after_retries: ErrorPolicy | str = ErrorPolicy.STOP,
        timeout: float | None = None,
    ) -> MapStep:
        """Fan out: run ``step`` once per item of ``items_from``, up to ``max_concurrency`` at once.

        Each run of ``step`` sees the item as ``params[item_param]`` (and its position as
        ``params[item_param + "_index"]``). The output is ``{"results": [...]}`` in input
        order plus ``"items"`` (status, output, error per item). If any item fails the step
        fails (after running every item); a retry or a resume re-runs only the failed items.
        """
        return MapStep(
            name=name,
            items_from=items_from,  # type: ignore[arg-type]
            step=step,
            max_concurrency=max_concurrency,
            item_param=item_param,
            **_common(depends_on, on_error, retry, after_retries, timeout),
        )

    # -- serialisation --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Serialise to plain data (the step format of workflow files).

        Raises:
            WorkflowDefinitionError: the step holds an inline callable (a lambda or closure)
                that has no import reference.
        """
        data: dict[str, Any] = {"name": self.name, "type": self.step_type.value}
        data.update(self._fields_to_dict())
        if self.depends_on:
            data["depends_on"] = list(self.depends_on)
        if self.on_error is not None:
            data["on_error"] = self.on_error.value
        if self.retry is not None:
            data["retry"] = self.retry.to_dict()
        if self.after_retries is not ErrorPolicy.STOP:
            data["after_retries"] = self.after_retries.value
        if self.timeout is not None:
            data["timeout"] = self.timeout
        return data

    def _fields_to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Step:
        """Rebuild a step from :meth:`to_dict` output (validated with pydantic).

        Raises:
            WorkflowDefinitionError: naming the field that is wrong, an unknown ``type``, or a
                callable reference that cannot be imported.
        """
        from spine.orchestration._schema import step_from_data

        return step_from_data(data)

    def renamed(self, name: str) -> Step:
        """A copy under another name (used by composition)."""
        return replace(self, name=name)

    def with_depends_on(self, depends_on: Sequence[str]) -> Step:
        """A copy with other dependencies."""
        return replace(self, depends_on=tuple(depends_on))


def _common(
    depends_on: Sequence[str],
    on_error: ErrorPolicy | str | None,
    retry: RetryStrategy | None,
    after_retries: ErrorPolicy | str,
    timeout: float | None,
) -> dict[str, Any]:
    """The fields every step type shares, as the factories pass them on (validated by
    ``Step.__post_init__``)."""
    return {
        "depends_on": tuple(depends_on),
        "on_error": on_error,
        "retry": retry,
        "after_retries": after_retries,
        "timeout": timeout,
    }


def _policy(value: object, step: str, what: str) -> ErrorPolicy:
    try:
        return ErrorPolicy(str(value))
    except ValueError:
        raise WorkflowDefinitionError(
            f"step {step!r}: {what} must be one of stop, continue, retry; got {value!r}",
            step=step,
        ) from None


def _ref_of(fn: object, step: str, what: str) -> str:
    ref = callable_ref(fn)
    if ref is None:
        raise WorkflowDefinitionError(
            f"step {step!r}: its {what} {fn!r} is an inline callable and cannot be serialised; "
            "use a module-level function (stored as 'module:qualname')",
            step=step,
        )
    return ref


@dataclass(frozen=True, kw_only=True)
class _ConfiguredStep(Step):
    """A step with a ``config`` mapping (frozen on construction)."""

    config: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "config", _freeze(self.config, "config", self.name))

    def _config_dict(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.config:
            data["config"] = dict(self.config)
        return data


@dataclass(frozen=True, kw_only=True)
class OperationStep(_ConfiguredStep):
    """Runs a registered operation through the runnable (see :meth:`Step.operation`)."""

    step_type: ClassVar[StepType] = StepType.OPERATION

    operation_name: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.operation_name, str) or not self.operation_name.strip():
            raise WorkflowDefinitionError(
                f"operation step {self.name!r} needs an operation name", step=self.name
            )

    def _fields_to_dict(self) -> dict[str, Any]:
        return self._config_dict({"operation": self.operation_name})


@dataclass(frozen=True, kw_only=True)
class LambdaStep(_ConfiguredStep):
    """Calls ``fn(ctx, config)`` (see :meth:`Step.lambda_`)."""

    step_type: ClassVar[StepType] = StepType.LAMBDA

    fn: LambdaFn | None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.fn is not None and not callable(self.fn):
            raise WorkflowDefinitionError(
                f"lambda step {self.name!r} needs a callable fn(ctx, config), "
                f"got {type(self.fn).__name__}",
                step=self.name,
            )

    def _fields_to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.fn is not None:
            data["ref"] = _ref_of(self.fn, self.name, "handler")
        return self._config_dict(data)


@dataclass(frozen=True, kw_only=True)
class FunctionStep(_ConfiguredStep):
    """Calls a plain function with parameters filled by name (see :meth:`Step.function`)."""

    step_type: ClassVar[StepType] = StepType.FUNCTION

    fn: Callable[..., Any]
    check_types: bool = True
    spec: FunctionSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(
            self, "spec", inspect_function(self.fn, self.name, check_types=self.check_types)
        )

    def _fields_to_dict(self) -> dict[str, Any]:
        data = self._config_dict({"ref": _ref_of(self.fn, self.name, "function")})
        if not self.check_types:
            data["check_types"] = False
        return data


@dataclass(frozen=True, kw_only=True)
class ChoiceStep(Step):
    """A branch (see :meth:`Step.choice`)."""

    step_type: ClassVar[StepType] = StepType.CHOICE

    condition: Condition | None
    then_step: str
    else_step: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        condition: object = self.condition
        if isinstance(condition, str):
            object.__setattr__(self, "condition", Expression(condition, step=self.name))
        elif (
            condition is not None
            and not isinstance(condition, Expression)
            and not callable(condition)
        ):
            raise WorkflowDefinitionError(
                f"choice step {self.name!r}: condition must be an expression string or "
                f"fn(ctx) -> bool, got {type(condition).__name__}",
                step=self.name,
            )
        if not isinstance(self.then_step, str) or not self.then_step:
            raise WorkflowDefinitionError(
                f"choice step {self.name!r} needs a then_step", step=self.name
            )
        else_step: object = self.else_step
        if else_step is not None and not isinstance(else_step, str):
            raise WorkflowDefinitionError(
                f"choice step {self.name!r}: else_step must be a step name", step=self.name
            )
        if self.else_step == self.then_step:
            raise WorkflowDefinitionError(
                f"choice step {self.name!r}: then_step and else_step are both {self.then_step!r}",
                step=self.name,
            )
        if self.retry is not None:
            raise WorkflowDefinitionError(
                f"choice step {self.name!r} cannot retry (a condition has no side effects)",
                step=self.name,
            )

    @property
    def targets(self) -> tuple[str, ...]:
        """The branch steps (then, and else when given)."""
        return (self.then_step,) if self.else_step is None else (self.then_step, self.else_step)

    def _fields_to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        condition = self.condition
        if isinstance(condition, Expression):
            data["condition"] = condition.source
        elif condition is not None:
            data["condition_ref"] = _ref_of(condition, self.name, "condition")
        data["then"] = self.then_step
        if self.else_step is not None:
            data["else"] = self.else_step
        return data


@dataclass(frozen=True, kw_only=True)
class WaitStep(Step):
    """A pause (see :meth:`Step.wait`)."""

    step_type: ClassVar[StepType] = StepType.WAIT

    seconds: float | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.seconds is None) == (self.until is None):
            raise WorkflowDefinitionError(
                f"wait step {self.name!r} needs exactly one of seconds or until", step=self.name
            )
        if self.seconds is not None:
            s = self.seconds
            if not isinstance(s, int | float) or isinstance(s, bool) or s < 0 or s != s:
                raise WorkflowDefinitionError(
                    f"wait step {self.name!r}: seconds must be a number >= 0, got {s!r}",
                    step=self.name,
                )
            object.__setattr__(self, "seconds", float(s))
        until: object = self.until
        if until is not None:
            if isinstance(until, str):
                try:
                    until = parse_iso(until)
                except ValueError as exc:
                    raise WorkflowDefinitionError(
                        f"wait step {self.name!r}: until is not an ISO timestamp: {exc}",
                        step=self.name,
                    ) from None
            if not isinstance(until, datetime) or until.tzinfo is None:
                raise WorkflowDefinitionError(
                    f"wait step {self.name!r}: until must be a timezone-aware datetime, "
                    f"got {self.until!r}",
                    step=self.name,
                )
            object.__setattr__(self, "until", until)

    def _fields_to_dict(self) -> dict[str, Any]:
        if self.until is not None:
            return {"until": self.until.isoformat()}
        return {"seconds": self.seconds}


@dataclass(frozen=True, kw_only=True)
class MapStep(Step):
    """A fan-out (see :meth:`Step.map`)."""

    step_type: ClassVar[StepType] = StepType.MAP

    items_from: ItemsSource
    step: Step
    max_concurrency: int = 4
    item_param: str = "item"

    def __post_init__(self) -> None:
        super().__post_init__()
        items: object = self.items_from
        if isinstance(items, str):
            object.__setattr__(self, "items_from", Expression(items, step=self.name))
        elif not isinstance(items, Expression) and not callable(items):
            raise WorkflowDefinitionError(
                f"map step {self.name!r}: items_from must be an expression string or "
                f"fn(ctx) -> list, got {type(items).__name__}",
                step=self.name,
            )
        inner: object = self.step
        if not isinstance(inner, Step):
            raise WorkflowDefinitionError(
                f"map step {self.name!r}: step must be a Step, got {type(inner).__name__}",
                step=self.name,
            )
        if isinstance(inner, ChoiceStep):
            raise WorkflowDefinitionError(
                f"map step {self.name!r}: a choice cannot run per item", step=self.name
            )
        if inner.depends_on:
            raise WorkflowDefinitionError(
                f"map step {self.name!r}: its inner step {inner.name!r} cannot have depends_on",
                step=self.name,
            )
        mc = self.max_concurrency
        if not isinstance(mc, int) or isinstance(mc, bool) or mc < 1:
            raise WorkflowDefinitionError(
                f"map step {self.name!r}: max_concurrency must be an int >= 1, got {mc!r}",
                step=self.name,
            )
        if not isinstance(self.item_param, str) or not self.item_param.isidentifier():
            raise WorkflowDefinitionError(
                f"map step {self.name!r}: item_param must be an identifier, "
                f"got {self.item_param!r}",
                step=self.name,
            )

    def _fields_to_dict(self) -> dict[str, Any]:
        items = self.items_from
        data: dict[str, Any] = {}
        if isinstance(items, Expression):
            data["items_from"] = items.source
        else:
            data["items_from_ref"] = _ref_of(items, self.name, "items_from")
        data["step"] = self.step.to_dict()
        data["max_concurrency"] = self.max_concurrency
        if self.item_param != "item":
            data["item_param"] = self.item_param
        return data
