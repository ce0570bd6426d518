"""WorkflowContext: the immutable view a step gets of its run.

A step receives the run's parameters (with every earlier step's ``context_updates`` merged
in) and the outputs of the steps that finished before it, keyed by step name. The context
never changes under a step: the runner makes a new one after each step
(:meth:`WorkflowContext.with_output`), so a snapshot taken by the playground or the recorder
stays what it was.

Example:
    >>> ctx = WorkflowContext.create("etl", params={"week": "2025-12-26"})
    >>> ctx = ctx.with_output("extract", {"rows": 3}, {"source": "finra"})
    >>> ctx.params["source"], ctx.get_output("extract", "rows")
    ('finra', 3)
    >>> ctx.params["week"] = "x"
    Traceback (most recent call last):
    ...
    TypeError: 'mappingproxy' object does not support item assignment
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from spine.types import generate_ulid, utc_now

__all__ = ["WorkflowContext"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_new = object.__new__
_set = object.__setattr__


class WorkflowContext:
    """Immutable run context: ``run_id``, ``workflow_name``, ``params``, ``outputs``.

    Attributes:
        run_id: Id of the run (a ULID).
        workflow_name: Name of the running workflow.
        params: Run parameters, with ``context_updates`` of finished steps merged in
            (read-only mapping).
        outputs: Output of every finished step, keyed by step name (read-only mapping).
        partition: The run's partition key (``{}`` when the run has none).
        started_at: When the run started (UTC).
    """

    __slots__ = ("outputs", "params", "partition", "run_id", "started_at", "workflow_name")

    run_id: str
    workflow_name: str
    params: Mapping[str, Any]
    outputs: Mapping[str, Mapping[str, Any]]
    partition: Mapping[str, Any]
    started_at: datetime

    def __init__(
        self,
        run_id: str,
        workflow_name: str,
        params: Mapping[str, Any],
        outputs: Mapping[str, Mapping[str, Any]],
        partition: Mapping[str, Any],
        started_at: datetime,
    ) -> None:
        # Callers inside the package hand over fresh dicts; wrapping keeps them read-only.
        setter = object.__setattr__
        setter(self, "run_id", run_id)
        setter(self, "workflow_name", workflow_name)
        setter(self, "params", _frozen(params))
        setter(self, "outputs", _frozen(outputs))
        setter(self, "partition", _frozen(partition))
        setter(self, "started_at", started_at)

    @classmethod
    def create(
        cls,
        workflow_name: str,
        params: Mapping[str, Any] | None = None,
        *,
        run_id: str | None = None,
        outputs: Mapping[str, Mapping[str, Any]] | None = None,
        partition: Mapping[str, Any] | None = None,
        started_at: datetime | None = None,
    ) -> WorkflowContext:
        """A new context (copies the mappings it is given)."""
        return cls(
            run_id or generate_ulid(),
            workflow_name,
            dict(params or {}),
            dict(outputs or {}),
            dict(partition or {}),
            started_at or utc_now(),
        )

    def with_output(
        self,
        step_name: str,
        output: Mapping[str, Any],
        context_updates: Mapping[str, Any] | None = None,
    ) -> WorkflowContext:
        """A new context with ``step_name``'s output added and ``context_updates`` merged."""
        outputs: dict[str, Mapping[str, Any]] = self.outputs.copy()  # type: ignore[attr-defined]
        outputs[step_name] = output
        ctx = _new(WorkflowContext)
        _set(ctx, "run_id", self.run_id)
        _set(ctx, "workflow_name", self.workflow_name)
        if context_updates:
            _set(ctx, "params", MappingProxyType({**self.params, **context_updates}))
        else:
            _set(ctx, "params", self.params)
        _set(ctx, "outputs", MappingProxyType(outputs))
        _set(ctx, "partition", self.partition)
        _set(ctx, "started_at", self.started_at)
        return ctx

    def with_params(self, **updates: Any) -> WorkflowContext:
        """A new context with ``updates`` merged into ``params``."""
        return WorkflowContext(
            self.run_id,
            self.workflow_name,
            {**self.params, **updates},
            self.outputs,
            self.partition,
            self.started_at,
        )

    def get_param(self, name: str, default: Any = None) -> Any:
        """``params[name]``, or ``default`` when absent."""
        return self.params.get(name, default)

    def get_output(self, step_name: str, key: str | None = None, default: Any = None) -> Any:
        """The output of ``step_name`` (or one ``key`` of it); ``default`` when absent."""
        output = self.outputs.get(step_name)
        if output is None:
            return default
        if key is None:
            return output
        return output.get(key, default)

    def has_output(self, step_name: str) -> bool:
        """Whether ``step_name`` finished and left an output."""
        return step_name in self.outputs

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict copy (for snapshots, recordings and logs)."""
        return {
            "run_id": self.run_id,
            "workflow_name": self.workflow_name,
            "params": dict(self.params),
            "outputs": {k: dict(v) for k, v in self.outputs.items()},
            "partition": dict(self.partition),
            "started_at": self.started_at.isoformat(),
        }

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"WorkflowContext is immutable (tried to set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("WorkflowContext is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkflowContext):
            return NotImplemented
        return (
            self.run_id == other.run_id
            and self.workflow_name == other.workflow_name
            and self.params == other.params
            and self.outputs == other.outputs
            and self.partition == other.partition
        )

    __hash__ = None  # type: ignore[assignment]  # holds mappings

    def __repr__(self) -> str:
        return (
            f"WorkflowContext(workflow={self.workflow_name!r}, run_id={self.run_id!r}, "
            f"params={dict(self.params)!r}, outputs={sorted(self.outputs)!r})"
        )


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(mapping, MappingProxyType):
        return mapping
    if not mapping:
        return _EMPTY
    return MappingProxyType(mapping if isinstance(mapping, dict) else dict(mapping))
