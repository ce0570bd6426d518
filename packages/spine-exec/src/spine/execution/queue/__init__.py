"""`spine.execution.queue`: the crash-safe worker queue (``core_work_items``).

* :class:`NewWork` / :class:`WorkItem` / :class:`WorkStatus` - what is queued and stored.
* :class:`WorkQueue` - the store protocol; :class:`SqlWorkQueue` implements it over any
  spine-db backend (``FOR UPDATE SKIP LOCKED`` claims; a single-writer claim on SQLite),
  :class:`spine.execution.testing.InMemoryWorkQueue` in memory.
* :class:`WorkerLoop` - claims batches of work, runs handlers in a thread pool, renews
  leases by heartbeat, reclaims work whose worker died, retries by re-scheduling rows, sends
  exhausted work to the dead-letter queue and records every transition in the ledger.
* ``SCHEMA`` - the ``spine-exec.queue`` schema component (the ``core_work_items`` table).

Example:
    >>> from spine.db import connect
    >>> from spine.db.schema import install_schema
    >>> from spine.execution.queue import NewWork, SqlWorkQueue, WorkStatus
    >>> conn = connect("memory")
    >>> _ = install_schema(conn, ["spine-exec.queue"])
    >>> ids = SqlWorkQueue(conn).enqueue_many(NewWork("echo", {"n": n}) for n in range(3))
    >>> SqlWorkQueue(conn).counts()[WorkStatus.PENDING]
    3
"""

from __future__ import annotations

from spine.types.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from spine.execution.queue.models import DEFAULT_LANE, NewWork, WorkItem, WorkStatus
    from spine.execution.queue.schema import CORE_WORK_ITEMS, SCHEMA
    from spine.execution.queue.sql import QueueSql, SqlWorkQueue
    from spine.execution.queue.store import WorkQueue
    from spine.execution.queue.worker import WorkerLoop, WorkerMetrics

_LAZY: dict[str, str] = {
    "DEFAULT_LANE": "spine.execution.queue.models",
    "NewWork": "spine.execution.queue.models",
    "WorkItem": "spine.execution.queue.models",
    "WorkStatus": "spine.execution.queue.models",
    "CORE_WORK_ITEMS": "spine.execution.queue.schema",
    "SCHEMA": "spine.execution.queue.schema",
    "QueueSql": "spine.execution.queue.sql",
    "SqlWorkQueue": "spine.execution.queue.sql",
    "WorkQueue": "spine.execution.queue.store",
    "WorkerLoop": "spine.execution.queue.worker",
    "WorkerMetrics": "spine.execution.queue.worker",
}

__all__ = [
    "CORE_WORK_ITEMS",
    "DEFAULT_LANE",
    "SCHEMA",
    "NewWork",
    "QueueSql",
    "SqlWorkQueue",
    "WorkItem",
    "WorkQueue",
    "WorkStatus",
    "WorkerLoop",
    "WorkerMetrics",
]

__getattr__, __dir__ = lazy_exports("spine.execution.queue", _LAZY, globals())
