"""`spine.execution.events`: typed events on an :class:`EventBus`.

* Events: :class:`ExecutionStarted`, :class:`ExecutionCompleted`, :class:`ExecutionFailed`,
  :class:`StepCompleted`, :class:`ScheduleFired`, :class:`ArrivalMissed` (and your own, with
  :func:`register_event`).
* Buses: :class:`InMemoryEventBus` (one process), :class:`RedisEventBus` (Redis pub/sub,
  extra ``spine-exec[redis]``), :class:`PostgresEventBus` (PostgreSQL LISTEN/NOTIFY, extra
  ``spine-db[postgres]``). One contract suite runs against all three.

A subscriber that raises never breaks the publisher. Every name is also exported from
:mod:`spine.execution`.
"""

from __future__ import annotations

from spine.types.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from spine.execution.events.base import (
        EventBus,
        EventBusError,
        EventFilter,
        Subscriber,
        Subscription,
        safe_publish,
    )
    from spine.execution.events.memory import InMemoryEventBus
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
    from spine.execution.events.postgres import PostgresEventBus
    from spine.execution.events.redis import RedisEventBus

_LAZY: dict[str, str] = {
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
}

__all__ = [
    "ArrivalMissed",
    "Event",
    "EventBus",
    "EventBusError",
    "EventFilter",
    "ExecutionCompleted",
    "ExecutionFailed",
    "ExecutionStarted",
    "InMemoryEventBus",
    "PostgresEventBus",
    "RedisEventBus",
    "ScheduleFired",
    "StepCompleted",
    "Subscriber",
    "Subscription",
    "event_from_dict",
    "event_from_json",
    "event_types",
    "register_event",
    "safe_publish",
]

__getattr__, __dir__ = lazy_exports("spine.execution.events", _LAZY, globals())
