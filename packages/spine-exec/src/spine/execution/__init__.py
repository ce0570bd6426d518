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
    from spine.execution.circuit_breaker import (
        BreakerState,
        BreakerStateStore,
        CircuitBreaker,
        CircuitState,
        InMemoryBreakerStore,
    )
    from spine.execution.context import TrackedContext, TrackedExecution, tracked_execution
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
    from spine.execution.executors.celery_executor import CeleryExecutor, install_spine_task
    from spine.execution.executors.memory import MemoryExecutor
    from spine.execution.executors.processes import ProcessExecutor
    from spine.execution.executors.threads import ThreadExecutor
    from spine.execution.ledger import Ledger
    from spine.execution.locks import LockGuard, LockInfo, default_owner, hold_lock, lock_key
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
    from spine.execution.rate_limit import (
        CompositeRateLimiter,
        Grant,
        InMemorySlidingWindowStore,
        InMemoryTokenBucketStore,
        KeyedRateLimiter,
        RateLimiter,
        RateLimitExceeded,
        SlidingWindowLimiter,
        SlidingWindowStore,
        TokenBucketLimiter,
        TokenBucketStore,
    )
    from spine.execution.redis_limits import RedisSlidingWindowStore, RedisTokenBucketStore
    from spine.execution.registry import HandlerInfo, HandlerRegistry
    from spine.execution.retry import Backoff, RetryDecision, RetryStrategy, with_retry
    from spine.execution.spec import WorkSpec
    from spine.execution.stores import ExecutionStores, Stores
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
    "LockGuard": "spine.execution.locks",
    "LockInfo": "spine.execution.locks",
    "default_owner": "spine.execution.locks",
    "hold_lock": "spine.execution.locks",
    "lock_key": "spine.execution.locks",
    "ExecutionStores": "spine.execution.stores",
    "Stores": "spine.execution.stores",
    "TrackedContext": "spine.execution.context",
    "TrackedExecution": "spine.execution.context",
    "tracked_execution": "spine.execution.context",
    "BreakerState": "spine.execution.circuit_breaker",
    "BreakerStateStore": "spine.execution.circuit_breaker",
    "CircuitBreaker": "spine.execution.circuit_breaker",
    "CircuitState": "spine.execution.circuit_breaker",
    "InMemoryBreakerStore": "spine.execution.circuit_breaker",
    "CompositeRateLimiter": "spine.execution.rate_limit",
    "Grant": "spine.execution.rate_limit",
    "InMemorySlidingWindowStore": "spine.execution.rate_limit",
    "InMemoryTokenBucketStore": "spine.execution.rate_limit",
    "KeyedRateLimiter": "spine.execution.rate_limit",
    "RateLimitExceeded": "spine.execution.rate_limit",
    "RateLimiter": "spine.execution.rate_limit",
    "SlidingWindowLimiter": "spine.execution.rate_limit",
    "SlidingWindowStore": "spine.execution.rate_limit",
    "TokenBucketLimiter": "spine.execution.rate_limit",
    "TokenBucketStore": "spine.execution.rate_limit",
    "RedisSlidingWindowStore": "spine.execution.redis_limits",
    "RedisTokenBucketStore": "spine.execution.redis_limits",
    "CeleryExecutor": "spine.execution.executors.celery_executor",
    "install_spine_task": "spine.execution.executors.celery_executor",
}

__all__ = [
    "TRANSITIONS",
    "Backoff",
    "BreakerState",
    "BreakerStateStore",
    "CeleryExecutor",
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitState",
    "CompositeRateLimiter",
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
    "ExecutionStores",
    "Executor",
    "Grant",
    "HandlerError",
    "HandlerInfo",
    "HandlerNotFoundError",
    "HandlerRegistry",
    "InMemoryBreakerStore",
    "InMemorySlidingWindowStore",
    "InMemoryTokenBucketStore",
    "InvalidResultError",
    "InvalidSpecError",
    "InvalidTransitionError",
    "Job",
    "JobSink",
    "KeyedRateLimiter",
    "Ledger",
    "LockGuard",
    "LockInfo",
    "LockNotAcquiredError",
    "MemoryExecutor",
    "MissingExtraError",
    "Outcome",
    "ProcessExecutor",
    "RateLimitExceeded",
    "RateLimiter",
    "RedisSlidingWindowStore",
    "RedisTokenBucketStore",
    "RetryDecision",
    "RetryStrategy",
    "RunningExecution",
    "SlidingWindowLimiter",
    "SlidingWindowStore",
    "Stores",
    "ThreadExecutor",
    "TimeoutExpired",
    "TokenBucketLimiter",
    "TokenBucketStore",
    "TrackedContext",
    "TrackedExecution",
    "TriggerSource",
    "UnserializableParamsError",
    "WorkSpec",
    "can_transition",
    "current_execution",
    "default_owner",
    "hold_lock",
    "install_spine_task",
    "lock_key",
    "tracked_execution",
    "with_deadline",
    "with_deadline_async",
    "with_retry",
]

__getattr__, __dir__ = lazy_exports("spine.execution", _LAZY, globals())
