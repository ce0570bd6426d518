"""``WorkSpec``: what to run - a handler name, its params and how to run it.

A spec is the one contract between callers, the dispatcher, executors and workers: the
same spec runs inline, in a thread or process pool, on Celery or (from the worker queue) on
any machine. Constructing one never raises; :meth:`WorkSpec.validate` does, and the
dispatcher calls it so that every refused submission is recorded in the ledger.

Example:
    >>> from spine.types import RetryStrategy
    >>> spec = WorkSpec(
    ...     "finra.otc.ingest",
    ...     {"week_ending": "2025-12-26", "tier": "NMS_TIER_1"},
    ...     idempotency_key="finra.otc.ingest:2025-12-26:NMS_TIER_1",
    ...     timeout=600,
    ...     retry=RetryStrategy.exponential(max_retries=3, base_delay=30),
    ... )
    >>> spec.validate().lane
    'default'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from spine.execution.errors import InvalidSpecError
from spine.execution.models import MAX_IDEMPOTENCY_KEY, MAX_LANE, MAX_WORKFLOW
from spine.types import SpineError
from spine.types.enums import TriggerSource
from spine.types.retry import RetryStrategy

__all__ = ["WORK_KINDS", "WorkSpec"]

WORK_KINDS = frozenset({"task", "operation", "workflow", "step"})
"""What a spec may describe."""


@dataclass(frozen=True)
class WorkSpec:
    """A unit of work to submit.

    Attributes:
        name: The registered handler (operation, task or workflow) to run.
        params: JSON-ready parameters (``dict`` of str -> JSON values).
        kind: ``"task"``, ``"operation"``, ``"workflow"`` or ``"step"`` (informational).
        idempotency_key: The same key means the same logical work: submitting it again
            returns the existing execution instead of running twice.
        lane: Routing lane (queue name).
        priority: Higher runs first where a queue orders work.
        trigger_source: What started it (``manual``, ``schedule``, ``api``...).
        parent_execution_id: The execution that spawned it (a workflow run).
        batch_id: Shared by related executions (a backfill).
        timeout: Seconds the handler may run (``None``: the handler's default, or no limit).
        retry: Retry policy (``None``: the handler's default, else the dispatcher's).
        metadata: JSON-ready annotations stored with the execution.
    """

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "task"
    idempotency_key: str | None = None
    lane: str = "default"
    priority: int = 0
    trigger_source: TriggerSource | str = TriggerSource.MANUAL
    parent_execution_id: str | None = None
    batch_id: str | None = None
    timeout: float | None = None
    retry: RetryStrategy | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, name: Any, params: Any = None, **options: Any) -> WorkSpec:
        """A spec from a name, params and keyword options; unknown options raise.

        Raises:
            InvalidSpecError: an option that is not a :class:`WorkSpec` field.
        """
        unknown = sorted(set(options) - _FIELDS) if options else None
        if unknown:
            raise InvalidSpecError(
                f"unknown work spec option(s): {', '.join(unknown)}; "
                f"expected some of {', '.join(sorted(_FIELDS - {'name', 'params'}))}"
            )
        spec = object.__new__(cls)  # the frozen dataclass __init__ is a setattr per field
        spec.__dict__.update(
            _DEFAULTS, metadata={}, **options, name=name, params={} if params is None else params
        )
        return spec

    def validate(self) -> WorkSpec:
        """Check every field (params are checked as JSON by the dispatcher); return ``self``.

        Raises:
            InvalidSpecError: the first problem found, naming the field.
        """
        problem = self.problem()
        if problem is not None:
            raise InvalidSpecError(problem)
        return self

    def problem(self) -> str | None:
        """The first problem of this spec as text, or ``None`` when it is valid."""
        if not isinstance(self.name, str) or not self.name or len(self.name) > MAX_WORKFLOW:
            return f"name must be a str of 1..{MAX_WORKFLOW} chars, got {self.name!r}"
        params: object = self.params
        if type(params) is not dict and not isinstance(params, Mapping):
            return f"params must be a mapping, got {type(params).__name__}"
        if self.kind not in WORK_KINDS:
            return f"kind must be one of {', '.join(sorted(WORK_KINDS))}, got {self.kind!r}"
        if not isinstance(self.lane, str) or not self.lane or len(self.lane) > MAX_LANE:
            return f"lane must be a str of 1..{MAX_LANE} chars, got {self.lane!r}"
        key = self.idempotency_key
        if key is not None and (
            not isinstance(key, str) or not key or len(key) > MAX_IDEMPOTENCY_KEY
        ):
            return f"idempotency_key must be a str of 1..{MAX_IDEMPOTENCY_KEY} chars, got {key!r}"
        if isinstance(self.priority, bool) or not isinstance(self.priority, int):
            return f"priority must be an int, got {self.priority!r}"
        try:
            self.trigger  # noqa: B018 - validates the value
        except ValueError:
            valid = ", ".join(s.value for s in TriggerSource)
            return f"trigger_source must be one of {valid}, got {self.trigger_source!r}"
        for name in ("parent_execution_id", "batch_id"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 64):
                return f"{name} must be a str of 1..64 chars, got {value!r}"
        timeout = self.timeout
        if timeout is not None and (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not math.isfinite(timeout)
            or timeout <= 0
        ):
            return f"timeout must be a finite number of seconds > 0, got {timeout!r}"
        retry: object = self.retry
        if retry is not None and not isinstance(retry, RetryStrategy):
            return f"retry must be a RetryStrategy, got {type(retry).__name__}"
        metadata: object = self.metadata
        if type(metadata) is not dict and not isinstance(metadata, Mapping):
            return f"metadata must be a mapping, got {type(metadata).__name__}"
        return None

    @property
    def trigger(self) -> TriggerSource:
        """``trigger_source`` as the enum (after :meth:`validate`)."""
        source = self.trigger_source
        return source if type(source) is TriggerSource else TriggerSource(source)


_FIELDS = frozenset(f.name for f in fields(WorkSpec))
_DEFAULTS: dict[str, Any] = {
    f.name: f.default for f in fields(WorkSpec) if not isinstance(f.default, type(MISSING))
}


def spec_error_context(spec: WorkSpec, error: SpineError) -> SpineError:
    """Add the spec's name to an error's context (when it is a usable name)."""
    if isinstance(spec.name, str) and spec.name:
        error.with_context(workflow=spec.name[:MAX_WORKFLOW])
    return error
