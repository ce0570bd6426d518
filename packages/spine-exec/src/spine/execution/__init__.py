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
- **Runtime jobs** (:mod:`spine.execution.runtimes`): :class:`JobEngine` runs a
  :class:`ContainerJobSpec` as a local process (:class:`LocalProcessAdapter`) or a container
  (:class:`DockerAdapter`, extra ``spine-exec[docker]``), tracked in the same ledger.

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
    from spine.execution._sql_dlq import DLQManager, SqlDeadLetterQueue
    from spine.execution._sql_ledger import ExecutionLedger, SqlLedger
    from spine.execution._sql_limits import SqlBreakerStore, SqlTokenBucketStore
    from spine.execution._sql_locks import ConcurrencyGuard, SqlLockGuard
    from spine.execution._sql_stores import sql_stores
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
    from spine.execution.ledger import Ledger, StatusChange
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
    from spine.execution.packaging import PackageManifest, PackagingWarning, WorkflowPackager
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
    from spine.execution.runtimes._base import StubRuntimeAdapter
    from spine.execution.runtimes._types import (
        ContainerJobSpec,
        JobError,
        JobErrorCategory,
        JobStatus,
        ResourceRequirements,
        RuntimeAdapter,
        VolumeMount,
    )
    from spine.execution.runtimes.docker import DockerAdapter
    from spine.execution.runtimes.engine import JobEngine, SubmitResult
    from spine.execution.runtimes.hot_reload import HotReloadAdapter
    from spine.execution.runtimes.local_process import LocalProcessAdapter
    from spine.execution.runtimes.reconciler import JobReconciler
    from spine.execution.runtimes.router import RuntimeAdapterRouter
    from spine.execution.runtimes.validator import SpecValidator
    from spine.execution.spec import WorkSpec
    from spine.execution.stores import ExecutionStores, Stores
    from spine.execution.timeout import Deadline, with_deadline, with_deadline_async

_LAZY: dict[str, str] = {
    "PackageManifest": "spine.execution.packaging",
    "PackagingWarning": "spine.execution.packaging",
    "WorkflowPackager": "spine.execution.packaging",
    "ContainerJobSpec": "spine.execution.runtimes._types",
    "DockerAdapter": "spine.execution.runtimes.docker",
    "HotReloadAdapter": "spine.execution.runtimes.hot_reload",
    "JobEngine": "spine.execution.runtimes.engine",
    "JobError": "spine.execution.runtimes._types",
    "JobErrorCategory": "spine.execution.runtimes._types",
    "JobReconciler": "spine.execution.runtimes.reconciler",
    "JobStatus": "spine.execution.runtimes._types",
    "LocalProcessAdapter": "spine.execution.runtimes.local_process",
    "ResourceRequirements": "spine.execution.runtimes._types",
    "RuntimeAdapter": "spine.execution.runtimes._types",
    "RuntimeAdapterRouter": "spine.execution.runtimes.router",
    "SpecValidator": "spine.execution.runtimes.validator",
    "StubRuntimeAdapter": "spine.execution.runtimes._base",
    "SubmitResult": "spine.execution.runtimes.engine",
    "VolumeMount": "spine.execution.runtimes._types",
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
    "StatusChange": "spine.execution.ledger",
    "ExecutionLedger": "spine.execution._sql_ledger",
    "SqlLedger": "spine.execution._sql_ledger",
    "DLQManager": "spine.execution._sql_dlq",
    "SqlDeadLetterQueue": "spine.execution._sql_dlq",
    "ConcurrencyGuard": "spine.execution._sql_locks",
    "SqlLockGuard": "spine.execution._sql_locks",
    "sql_stores": "spine.execution._sql_stores",
    "SqlBreakerStore": "spine.execution._sql_limits",
    "SqlTokenBucketStore": "spine.execution._sql_limits",
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
    "ConcurrencyGuard",
    "ContainerJobSpec",
    "DLQManager",
    "DeadLetter",
    "DeadLetterNotFoundError",
    "DeadLetterQueue",
    "DeadLetterReplay",
    "DeadLetterStateError",
    "Deadline",
    "Dispatcher",
    "DockerAdapter",
    "DuplicateExecutionError",
    "EventType",
    "Execution",
    "ExecutionEvent",
    "ExecutionLedger",
    "ExecutionNotFoundError",
    "ExecutionStatus",
    "ExecutionStores",
    "Executor",
    "Grant",
    "HandlerError",
    "HandlerInfo",
    "HandlerNotFoundError",
    "HandlerRegistry",
    "HotReloadAdapter",
    "InMemoryBreakerStore",
    "InMemorySlidingWindowStore",
    "InMemoryTokenBucketStore",
    "InvalidResultError",
    "InvalidSpecError",
    "InvalidTransitionError",
    "Job",
    "JobEngine",
    "JobError",
    "JobErrorCategory",
    "JobReconciler",
    "JobSink",
    "JobStatus",
    "KeyedRateLimiter",
    "Ledger",
    "LocalProcessAdapter",
    "LockGuard",
    "LockInfo",
    "LockNotAcquiredError",
    "MemoryExecutor",
    "MissingExtraError",
    "Outcome",
    "PackageManifest",
    "PackagingWarning",
    "ProcessExecutor",
    "RateLimitExceeded",
    "RateLimiter",
    "RedisSlidingWindowStore",
    "RedisTokenBucketStore",
    "ResourceRequirements",
    "RetryDecision",
    "RetryStrategy",
    "RunningExecution",
    "RuntimeAdapter",
    "RuntimeAdapterRouter",
    "SlidingWindowLimiter",
    "SlidingWindowStore",
    "SpecValidator",
    "SqlBreakerStore",
    "SqlDeadLetterQueue",
    "SqlLedger",
    "SqlLockGuard",
    "SqlTokenBucketStore",
    "StatusChange",
    "Stores",
    "StubRuntimeAdapter",
    "SubmitResult",
    "ThreadExecutor",
    "TimeoutExpired",
    "TokenBucketLimiter",
    "TokenBucketStore",
    "TrackedContext",
    "TrackedExecution",
    "TriggerSource",
    "UnserializableParamsError",
    "VolumeMount",
    "WorkSpec",
    "WorkflowPackager",
    "can_transition",
    "current_execution",
    "default_owner",
    "hold_lock",
    "install_spine_task",
    "lock_key",
    "sql_stores",
    "tracked_execution",
    "with_deadline",
    "with_deadline_async",
    "with_retry",
]

# -- scheduling, events, cache, health, settings (issue 15) -----------------------------------
if TYPE_CHECKING:
    from spine.execution.cache import (
        CacheBackend,
        CacheValueError,
        InMemoryCache,
        RedisCache,
    )
    from spine.execution.config.components import (
        CacheKind,
        EventBusKind,
        SchedulerKind,
        validate_component_combination,
    )
    from spine.execution.config.container import (
        SpineContainer,
        get_container,
    )
    from spine.execution.config.factory import (
        connection_factory,
        create_cache,
        create_event_bus,
        create_scheduler,
    )
    from spine.execution.config.loader import (
        find_env_files,
    )
    from spine.execution.config.profiles import (
        Profile,
        load_profile,
    )
    from spine.execution.config.settings import (
        SpineSettings,
        get_settings,
        load_settings,
    )
    from spine.execution.events.base import (
        EventBus,
        EventBusError,
        EventFilter,
        Subscriber,
        Subscription,
        safe_publish,
    )
    from spine.execution.events.memory import (
        InMemoryEventBus,
    )
    from spine.execution.events.models import (
        ArrivalMissed,
        Event,
        ExecutionCompleted,
        ExecutionFailed,
        ExecutionStarted,
        ScheduleFired,
        StepCompleted,
        event_from_dict,
        event_from_json,
        event_types,
        register_event,
    )
    from spine.execution.events.postgres import (
        PostgresEventBus,
    )
    from spine.execution.events.redis import (
        RedisEventBus,
    )
    from spine.execution.health import (
        CheckResult,
        HealthCheck,
        HealthResponse,
        HealthStatus,
        LivenessResponse,
        create_health_router,
        run_health_checks,
        run_health_checks_async,
    )
    from spine.execution.health_checks import (
        database_check,
        redis_check,
        worker_heartbeat_check,
    )
    from spine.execution.scheduling.aio import (
        AsyncScheduler,
    )
    from spine.execution.scheduling.arrivals import (
        AnomalySink,
        ArrivalMonitor,
        ArrivalRecord,
        ArrivalStatus,
        ArrivalStore,
        ExpectedArrival,
        InMemoryAnomalies,
        InMemoryArrivalStore,
        StoredExpectation,
    )
    from spine.execution.scheduling.calendars import (
        BusinessCalendar,
        Calendar,
    )
    from spine.execution.scheduling.clock import (
        Clock,
        ManualClock,
        SystemClock,
    )
    from spine.execution.scheduling.database import (
        DatabaseScheduler,
    )
    from spine.execution.scheduling.errors import (
        DuplicateScheduleError,
        InvalidScheduleError,
        ScheduleNotFoundError,
    )
    from spine.execution.scheduling.leases import (
        SqlLeaderLease,
    )
    from spine.execution.scheduling.planning import (
        FirePlan,
        plan_fires,
    )
    from spine.execution.scheduling.schedule import (
        MisfirePolicy,
        Schedule,
    )
    from spine.execution.scheduling.scheduler import (
        ScheduleBook,
        Scheduler,
        SchedulerCore,
        Submitter,
    )
    from spine.execution.scheduling.sql_arrivals import (
        SqlArrivalStore,
    )
    from spine.execution.scheduling.sql_store import (
        SqlScheduleStore,
    )
    from spine.execution.scheduling.store import (
        FireRecord,
        FireStatus,
        InMemoryScheduleStore,
        ScheduleStore,
        StoredSchedule,
    )
    from spine.execution.scheduling.template import (
        ParamsTemplate,
    )
    from spine.execution.scheduling.threaded import (
        ThreadScheduler,
    )
    from spine.execution.scheduling.triggers import (
        CronTrigger,
        IntervalTrigger,
        Trigger,
    )
    from spine.execution.settings import (
        Secret,
        SpineBaseSettings,
        resolve_secret_refs,
    )

_LAZY.update(
    {
        "AnomalySink": "spine.execution.scheduling.arrivals",
        "ArrivalMonitor": "spine.execution.scheduling.arrivals",
        "ArrivalRecord": "spine.execution.scheduling.arrivals",
        "ArrivalStatus": "spine.execution.scheduling.arrivals",
        "ArrivalStore": "spine.execution.scheduling.arrivals",
        "DatabaseScheduler": "spine.execution.scheduling.database",
        "ExpectedArrival": "spine.execution.scheduling.arrivals",
        "InMemoryAnomalies": "spine.execution.scheduling.arrivals",
        "InMemoryArrivalStore": "spine.execution.scheduling.arrivals",
        "ScheduleBook": "spine.execution.scheduling.scheduler",
        "SqlArrivalStore": "spine.execution.scheduling.sql_arrivals",
        "SqlLeaderLease": "spine.execution.scheduling.leases",
        "SqlScheduleStore": "spine.execution.scheduling.sql_store",
        "StoredExpectation": "spine.execution.scheduling.arrivals",
        "AsyncScheduler": "spine.execution.scheduling.aio",
        "BusinessCalendar": "spine.execution.scheduling.calendars",
        "Calendar": "spine.execution.scheduling.calendars",
        "Clock": "spine.execution.scheduling.clock",
        "ManualClock": "spine.execution.scheduling.clock",
        "SystemClock": "spine.execution.scheduling.clock",
        "DuplicateScheduleError": "spine.execution.scheduling.errors",
        "InvalidScheduleError": "spine.execution.scheduling.errors",
        "ScheduleNotFoundError": "spine.execution.scheduling.errors",
        "FirePlan": "spine.execution.scheduling.planning",
        "plan_fires": "spine.execution.scheduling.planning",
        "MisfirePolicy": "spine.execution.scheduling.schedule",
        "Schedule": "spine.execution.scheduling.schedule",
        "Scheduler": "spine.execution.scheduling.scheduler",
        "SchedulerCore": "spine.execution.scheduling.scheduler",
        "Submitter": "spine.execution.scheduling.scheduler",
        "FireRecord": "spine.execution.scheduling.store",
        "FireStatus": "spine.execution.scheduling.store",
        "InMemoryScheduleStore": "spine.execution.scheduling.store",
        "ScheduleStore": "spine.execution.scheduling.store",
        "StoredSchedule": "spine.execution.scheduling.store",
        "ParamsTemplate": "spine.execution.scheduling.template",
        "ThreadScheduler": "spine.execution.scheduling.threaded",
        "CronTrigger": "spine.execution.scheduling.triggers",
        "IntervalTrigger": "spine.execution.scheduling.triggers",
        "Trigger": "spine.execution.scheduling.triggers",
        "EventBus": "spine.execution.events.base",
        "EventBusError": "spine.execution.events.base",
        "EventFilter": "spine.execution.events.base",
        "Subscriber": "spine.execution.events.base",
        "Subscription": "spine.execution.events.base",
        "safe_publish": "spine.execution.events.base",
        "InMemoryEventBus": "spine.execution.events.memory",
        "ArrivalMissed": "spine.execution.events.models",
        "Event": "spine.execution.events.models",
        "ExecutionCompleted": "spine.execution.events.models",
        "ExecutionFailed": "spine.execution.events.models",
        "ExecutionStarted": "spine.execution.events.models",
        "ScheduleFired": "spine.execution.events.models",
        "StepCompleted": "spine.execution.events.models",
        "event_from_dict": "spine.execution.events.models",
        "event_from_json": "spine.execution.events.models",
        "event_types": "spine.execution.events.models",
        "register_event": "spine.execution.events.models",
        "PostgresEventBus": "spine.execution.events.postgres",
        "RedisEventBus": "spine.execution.events.redis",
        "CacheBackend": "spine.execution.cache",
        "CacheValueError": "spine.execution.cache",
        "InMemoryCache": "spine.execution.cache",
        "RedisCache": "spine.execution.cache",
        "CheckResult": "spine.execution.health",
        "HealthCheck": "spine.execution.health",
        "HealthResponse": "spine.execution.health",
        "HealthStatus": "spine.execution.health",
        "LivenessResponse": "spine.execution.health",
        "create_health_router": "spine.execution.health",
        "run_health_checks": "spine.execution.health",
        "run_health_checks_async": "spine.execution.health",
        "database_check": "spine.execution.health_checks",
        "redis_check": "spine.execution.health_checks",
        "worker_heartbeat_check": "spine.execution.health_checks",
        "Secret": "spine.execution.settings",
        "SpineBaseSettings": "spine.execution.settings",
        "resolve_secret_refs": "spine.execution.settings",
        "CacheKind": "spine.execution.config.components",
        "EventBusKind": "spine.execution.config.components",
        "SchedulerKind": "spine.execution.config.components",
        "validate_component_combination": "spine.execution.config.components",
        "SpineContainer": "spine.execution.config.container",
        "get_container": "spine.execution.config.container",
        "connection_factory": "spine.execution.config.factory",
        "create_cache": "spine.execution.config.factory",
        "create_event_bus": "spine.execution.config.factory",
        "create_scheduler": "spine.execution.config.factory",
        "find_env_files": "spine.execution.config.loader",
        "Profile": "spine.execution.config.profiles",
        "load_profile": "spine.execution.config.profiles",
        "SpineSettings": "spine.execution.config.settings",
        "get_settings": "spine.execution.config.settings",
        "load_settings": "spine.execution.config.settings",
    }
)

__all__ += [
    "AnomalySink",
    "ArrivalMissed",
    "ArrivalMonitor",
    "ArrivalRecord",
    "ArrivalStatus",
    "ArrivalStore",
    "AsyncScheduler",
    "BusinessCalendar",
    "CacheBackend",
    "CacheKind",
    "CacheValueError",
    "Calendar",
    "CheckResult",
    "Clock",
    "CronTrigger",
    "DatabaseScheduler",
    "DuplicateScheduleError",
    "Event",
    "EventBus",
    "EventBusError",
    "EventBusKind",
    "EventFilter",
    "ExecutionCompleted",
    "ExecutionFailed",
    "ExecutionStarted",
    "ExpectedArrival",
    "FirePlan",
    "FireRecord",
    "FireStatus",
    "HealthCheck",
    "HealthResponse",
    "HealthStatus",
    "InMemoryAnomalies",
    "InMemoryArrivalStore",
    "InMemoryCache",
    "InMemoryEventBus",
    "InMemoryScheduleStore",
    "IntervalTrigger",
    "InvalidScheduleError",
    "LivenessResponse",
    "ManualClock",
    "MisfirePolicy",
    "ParamsTemplate",
    "PostgresEventBus",
    "Profile",
    "RedisCache",
    "RedisEventBus",
    "Schedule",
    "ScheduleBook",
    "ScheduleFired",
    "ScheduleNotFoundError",
    "ScheduleStore",
    "Scheduler",
    "SchedulerCore",
    "SchedulerKind",
    "Secret",
    "SpineBaseSettings",
    "SpineContainer",
    "SpineSettings",
    "SqlArrivalStore",
    "SqlLeaderLease",
    "SqlScheduleStore",
    "StepCompleted",
    "StoredExpectation",
    "StoredSchedule",
    "Submitter",
    "Subscriber",
    "Subscription",
    "SystemClock",
    "ThreadScheduler",
    "Trigger",
    "connection_factory",
    "create_cache",
    "create_event_bus",
    "create_health_router",
    "create_scheduler",
    "database_check",
    "event_from_dict",
    "event_from_json",
    "event_types",
    "find_env_files",
    "get_container",
    "get_settings",
    "load_profile",
    "load_settings",
    "plan_fires",
    "redis_check",
    "register_event",
    "resolve_secret_refs",
    "run_health_checks",
    "run_health_checks_async",
    "safe_publish",
    "validate_component_combination",
    "worker_heartbeat_check",
]

# -- the worker queue (issue 12) ---------------------------------------------------------------
if TYPE_CHECKING:
    from spine.execution.queue.models import NewWork, WorkItem, WorkStatus
    from spine.execution.queue.sql import SqlWorkQueue
    from spine.execution.queue.store import WorkQueue
    from spine.execution.queue.worker import WorkerLoop, WorkerMetrics

_LAZY.update(
    {
        "NewWork": "spine.execution.queue.models",
        "WorkItem": "spine.execution.queue.models",
        "WorkStatus": "spine.execution.queue.models",
        "SqlWorkQueue": "spine.execution.queue.sql",
        "WorkQueue": "spine.execution.queue.store",
        "WorkerLoop": "spine.execution.queue.worker",
        "WorkerMetrics": "spine.execution.queue.worker",
    }
)

__all__ += [
    "NewWork",
    "SqlWorkQueue",
    "WorkItem",
    "WorkQueue",
    "WorkStatus",
    "WorkerLoop",
    "WorkerMetrics",
]

__getattr__, __dir__ = lazy_exports("spine.execution", _LAZY, globals())
