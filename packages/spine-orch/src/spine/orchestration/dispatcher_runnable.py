"""DispatcherRunnable: operation steps run through spine-exec's Dispatcher and ledger.

Each operation step becomes a :class:`~spine.execution.WorkSpec` (kind ``operation``, trigger
``workflow``, the workflow run's id as ``batch_id``, the run and step in its metadata)
submitted to a :class:`~spine.execution.Dispatcher`: the handler registered under the
operation's name runs on the dispatcher's executor (inline, threads, processes, Celery), and
the ledger records the execution. The step's output is the handler's result; a failure comes
back with the handler's own typed error (so a retry policy sees whether it is retryable).

Params are handed over as JSON: dates, datetimes and ``WeekEnding`` values (a typed
workflow param) become ISO strings, ``Decimal`` a string — what a handler would get from a
queue or another process anyway.

The default runnable of every runner is ``DispatcherRunnable()``, over the process-wide
:func:`default_dispatcher` (in-memory ledger, inline executor). Register operations on it, or
pass your own dispatcher (a SQL ledger, a pool executor).

Example:
    >>> from spine.execution import Dispatcher
    >>> from spine.orchestration import Step, Workflow, WorkflowRunner
    >>> dispatcher = Dispatcher()
    >>> @dispatcher.registry.handler("otc.count")
    ... def count(params):
    ...     return {"rows": len(params["symbols"])}
    >>> runner = WorkflowRunner(runnable=DispatcherRunnable(dispatcher))
    >>> wf = Workflow("w", [Step.operation("count", "otc.count")])
    >>> runner.execute(wf, {"symbols": ["AAPL", "MSFT"]}).output("count")
    {'rows': 2}
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from spine.db.encoding import canonical_json
from spine.execution import Dispatcher, WorkSpec
from spine.orchestration.runnable import OperationResult
from spine.types import ExecutionStatus, SpineError, TriggerSource, ValidationError

__all__ = ["DispatcherRunnable", "default_dispatcher"]

_default: Dispatcher | None = None
_default_lock = threading.Lock()


def default_dispatcher() -> Dispatcher:
    """The process-wide dispatcher behind ``DispatcherRunnable()`` (created on first use).

    Example:
        >>> @default_dispatcher().registry.handler("demo.hello")
        ... def hello(params):
        ...     return {"hello": params.get("who", "world")}
        >>> "demo.hello" in default_dispatcher().registry
        True
        >>> _ = default_dispatcher().registry.unregister("demo.hello")
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = Dispatcher()
        return _default


def _as_json(params: Mapping[str, Any]) -> dict[str, Any]:
    """Params as JSON data; left as they are when they do not encode (the dispatcher then
    refuses them with a typed error recorded in the ledger)."""
    try:
        value: dict[str, Any] = json.loads(canonical_json(dict(params)))
    except ValidationError:
        return dict(params)
    return value


class DispatcherRunnable:
    """A :class:`~spine.orchestration.runnable.Runnable` over a spine-exec Dispatcher.

    Args:
        dispatcher: Where operations run (default: :func:`default_dispatcher`).
    """

    def __init__(self, dispatcher: Dispatcher | None = None) -> None:
        self.dispatcher = dispatcher if dispatcher is not None else default_dispatcher()

    def has_operation(self, operation_name: str) -> bool:
        """Whether a handler is registered under ``operation_name``."""
        return operation_name in self.dispatcher.registry

    def submit_operation_sync(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        parent_run_id: str | None = None,
        step_name: str | None = None,
        timeout: float | None = None,
    ) -> OperationResult:
        """Submit, wait for the execution, and report it (failures are returned, not raised)."""
        metadata: dict[str, Any] = {}
        if parent_run_id is not None:
            metadata["workflow_run_id"] = parent_run_id
        if step_name is not None:
            metadata["workflow_step"] = step_name
        spec = WorkSpec(
            operation_name,
            _as_json(params),
            kind="operation",
            trigger_source=TriggerSource.WORKFLOW,
            batch_id=parent_run_id,
            timeout=timeout,
            metadata=metadata,
        )
        try:
            execution_id = self.dispatcher.submit(spec)
        except SpineError as exc:  # refused (unknown handler, params not JSON...): recorded
            return OperationResult.failed(exc, execution_id=exc.context.execution_id)
        execution = self.dispatcher.wait(execution_id)
        if execution.status is ExecutionStatus.COMPLETED:
            output: Any = {} if execution.result is None else execution.result
            return OperationResult(ExecutionStatus.COMPLETED, output, execution_id=execution_id)
        try:
            self.dispatcher.result(execution_id)
        except Exception as error:
            return OperationResult.failed(error, status=execution.status, execution_id=execution_id)
        return OperationResult.failed(  # pragma: no cover - result() raises for a failure
            SpineError(f"execution {execution_id} ended {execution.status.value}"),
            status=execution.status,
            execution_id=execution_id,
        )

    def __repr__(self) -> str:
        return f"DispatcherRunnable({self.dispatcher!r})"
