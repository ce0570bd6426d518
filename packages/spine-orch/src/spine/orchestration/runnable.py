"""The Runnable protocol: how a workflow's operation steps get executed.

::

    WorkflowRunner ──▶ Runnable protocol (submit_operation_sync)
                           ├── DispatcherRunnable  (spine-exec Dispatcher + HandlerRegistry)
                           └── ContainerRunnable   (JobEngine, runtime adapters)

The runner hands the operation's name and params to ``submit_operation_sync`` and waits for
an :class:`OperationResult`; it never knows where the work ran. A runnable that can also say
which operations exist (:class:`OperationCatalog`) lets the runner reject a workflow naming
an unknown operation before the run starts.

Example:
    >>> class Echo:
    ...     def submit_operation_sync(self, operation_name, params, **kw):
    ...         return OperationResult.completed({"op": operation_name, **params})
    >>> isinstance(Echo(), Runnable)
    True
    >>> Echo().submit_operation_sync("x.echo", {"a": 1}).output
    {'op': 'x.echo', 'a': 1}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from spine.types import ExecutionStatus

__all__ = ["OperationCatalog", "OperationResult", "Runnable"]


@dataclass(frozen=True, slots=True)
class OperationResult:
    """What a runnable reports for one operation.

    Attributes:
        status: Final :class:`~spine.types.ExecutionStatus` (``COMPLETED``, ``FAILED``,
            ``CANCELLED`` or ``TIMED_OUT``).
        output: The operation's result (a mapping; becomes the step's output).
        error: The error of a failed operation (a taxonomy error keeps its ``retryable``).
        execution_id: The ledger execution that ran it, when there is one.
    """

    status: ExecutionStatus
    output: Mapping[str, Any] = field(default_factory=dict)
    error: BaseException | None = None
    execution_id: str | None = None

    @property
    def succeeded(self) -> bool:
        """``status == COMPLETED``."""
        return self.status is ExecutionStatus.COMPLETED

    @classmethod
    def completed(
        cls, output: Mapping[str, Any] | None = None, *, execution_id: str | None = None
    ) -> OperationResult:
        """A successful result."""
        return cls(ExecutionStatus.COMPLETED, dict(output or {}), execution_id=execution_id)

    @classmethod
    def failed(
        cls,
        error: BaseException,
        *,
        status: ExecutionStatus = ExecutionStatus.FAILED,
        execution_id: str | None = None,
    ) -> OperationResult:
        """A failed (or cancelled / timed out) result carrying its error."""
        return cls(status, {}, error, execution_id)


@runtime_checkable
class Runnable(Protocol):
    """Runs one operation by name and waits for it (what operation steps call)."""

    def submit_operation_sync(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        parent_run_id: str | None = None,
        step_name: str | None = None,
        timeout: float | None = None,
    ) -> OperationResult:
        """Run ``operation_name`` with ``params``; return when it has finished.

        Args:
            operation_name: Registered operation (``"finra.otc.ingest"``).
            params: The run's params merged with the step's config.
            parent_run_id: The workflow run the step belongs to (for lineage).
            step_name: The step (for logs and ledgers).
            timeout: Seconds the operation may take, when the step has a timeout.

        Failures are reported in the result (``status`` and ``error``), not raised.
        """
        ...


@runtime_checkable
class OperationCatalog(Protocol):
    """A runnable that knows which operations exist (checked before a run)."""

    def has_operation(self, operation_name: str) -> bool:
        """Whether ``operation_name`` can be run."""
        ...
