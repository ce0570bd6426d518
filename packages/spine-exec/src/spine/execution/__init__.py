"""`spine.execution`: turn a function into tracked, retried, observable work.

- **Ledger**: :class:`Execution` records with a status state machine and an append-only event
  log, behind the :class:`Ledger` store protocol (in-memory twin in
  :mod:`spine.execution.testing`).
- **Dispatch**: :class:`WorkSpec`, :class:`HandlerRegistry`, :class:`Dispatcher` (submit,
  idempotency keys, retry, cancel, status, wait) and executors behind one protocol:
  :class:`MemoryExecutor` (inline), :class:`ThreadExecutor`, :class:`ProcessExecutor`,
  ``CeleryExecutor`` (extra ``spine-exec[celery]``).
- **Resilience**: :class:`RetryStrategy` + :func:`with_retry`, dead letters
  (:class:`DeadLetterQueue`), deadlines (:func:`with_deadline`).

Every name is loaded from its submodule on first access (PEP 562): ``import spine.execution``
stays cheap, and optional libraries (celery, redis) load only when their names are used.

Example:
    >>> from spine.execution import Dispatcher, RetryStrategy, WorkSpec
    >>> dispatcher = Dispatcher()
    >>> @dispatcher.registry.handler("finra.otc.ingest", retry=RetryStrategy.exponential(3))
    ... def ingest(params):
    ...     return {"rows": 960, "week": params["week_ending"]}
    >>> execution_id = dispatcher.submit("finra.otc.ingest", {"week_ending": "2025-12-26"})
    >>> dispatcher.result(execution_id)
    {'rows': 960, 'week': '2025-12-26'}
    >>> [e.event_type.value for e in dispatcher.ledger.get_events(execution_id)]
    ['created', 'started', 'completed']
"""

from __future__ import annotations

from spine.types.lazy import lazy_exports

# Keep the root import free of ``typing``: type checkers treat this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from spine.execution.dispatcher import Dispatcher
    from spine.execution.dlq import DeadLetter, DeadLetterQueue, DeadLetterReplay
    from spine.execution.errors import (
        CircuitOpenError,
        DeadLetterNotFoundError,
        DeadLetterStateError,
        DuplicateExecutionError,
        ExecutionNotFoundError,
        HandlerError,
        HandlerNotFoundError,
        InvalidResultError,
        InvalidSpecError,
        InvalidTransitionError,
        LockNotAcquiredError,
        MissingExtraError,
        TimeoutExpired,
        UnserializableParamsError,
    )
    from spine.execution.executors.base import Executor, Job, JobSink
    from spine.execution.executors.memory import MemoryExecutor
    from spine.execution.executors.processes import ProcessExecutor
    from spine.execution.executors.threads import ThreadExecutor
    from spine.execution.ledger import Ledger
    from spine.execution.models import (
        TRANSITIONS,
        EventType,
        Execution,
        ExecutionEvent,
        ExecutionStatus,
        TriggerSource,
        can_transition,
    )
    from spine.execution.outcome import Outcome, RunningExecution, current_execution
    from spine.execution.registry import HandlerInfo, HandlerRegistry
    from spine.execution.retry import Backoff, RetryDecision, RetryStrategy, with_retry
    from spine.execution.spec import WorkSpec
    from spine.execution.timeout import Deadline, with_deadline, with_deadline_async

_LAZY: dict[str, str] = {
    "Dispatcher": "spine.execution.dispatcher",
    "DeadLetter": "spine.execution.dlq",
    "DeadLetterQueue": "spine.execution.dlq",
    "DeadLetterReplay": "spine.execution.dlq",
    "CircuitOpenError": "spine.execution.errors",
    "DeadLetterNotFoundError": "spine.execution.errors",
    "DeadLetterStateError": "spine.execution.errors",
    "DuplicateExecutionError": "spine.execution.errors",
    "ExecutionNotFoundError": "spine.execution.errors",
    "HandlerError": "spine.execution.errors",
    "HandlerNotFoundError": "spine.execution.errors",
    "InvalidResultError": "spine.execution.errors",
    "InvalidSpecError": "spine.execution.errors",
    "InvalidTransitionError": "spine.execution.errors",
    "LockNotAcquiredError": "spine.execution.errors",
    "MissingExtraError": "spine.execution.errors",
    "TimeoutExpired": "spine.execution.errors",
    "UnserializableParamsError": "spine.execution.errors",
    "Executor": "spine.execution.executors.base",
    "Job": "spine.execution.executors.base",
    "JobSink": "spine.execution.executors.base",
    "MemoryExecutor": "spine.execution.executors.memory",
    "ProcessExecutor": "spine.execution.executors.processes",
    "ThreadExecutor": "spine.execution.executors.threads",
    "Ledger": "spine.execution.ledger",
    "TRANSITIONS": "spine.execution.models",
    "EventType": "spine.execution.models",
    "Execution": "spine.execution.models",
    "ExecutionEvent": "spine.execution.models",
    "ExecutionStatus": "spine.execution.models",
    "TriggerSource": "spine.execution.models",
    "can_transition": "spine.execution.models",
    "Outcome": "spine.execution.outcome",
    "RunningExecution": "spine.execution.outcome",
    "current_execution": "spine.execution.outcome",
    "HandlerInfo": "spine.execution.registry",
    "HandlerRegistry": "spine.execution.registry",
    "Backoff": "spine.execution.retry",
    "RetryDecision": "spine.execution.retry",
    "RetryStrategy": "spine.execution.retry",
    "with_retry": "spine.execution.retry",
    "WorkSpec": "spine.execution.spec",
    "Deadline": "spine.execution.timeout",
    "with_deadline": "spine.execution.timeout",
    "with_deadline_async": "spine.execution.timeout",
}

__all__ = [
    "TRANSITIONS",
    "Backoff",
    "CircuitOpenError",
    "DeadLetter",
    "DeadLetterNotFoundError",
    "DeadLetterQueue",
    "DeadLetterReplay",
    "DeadLetterStateError",
    "Deadline",
    "Dispatcher",
    "DuplicateExecutionError",
    "EventType",
    "Execution",
    "ExecutionEvent",
    "ExecutionNotFoundError",
    "ExecutionStatus",
    "Executor",
    "HandlerError",
    "HandlerInfo",
    "HandlerNotFoundError",
    "HandlerRegistry",
    "InvalidResultError",
    "InvalidSpecError",
    "InvalidTransitionError",
    "Job",
    "JobSink",
    "Ledger",
    "LockNotAcquiredError",
    "MemoryExecutor",
    "MissingExtraError",
    "Outcome",
    "ProcessExecutor",
    "RetryDecision",
    "RetryStrategy",
    "RunningExecution",
    "ThreadExecutor",
    "TimeoutExpired",
    "TriggerSource",
    "UnserializableParamsError",
    "WorkSpec",
    "can_transition",
    "current_execution",
    "with_deadline",
    "with_deadline_async",
    "with_retry",
]

__getattr__, __dir__ = lazy_exports("spine.execution", _LAZY, globals())
