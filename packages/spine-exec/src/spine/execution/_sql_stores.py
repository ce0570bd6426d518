"""The SQL stores of one connection as a bundle (``tracked_execution(conn, ...)``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from spine.execution._sql_dlq import SqlDeadLetterQueue
from spine.execution._sql_ledger import SqlLedger
from spine.execution._sql_locks import SqlLockGuard
from spine.execution.dlq import DEFAULT_MAX_REPLAYS
from spine.execution.stores import Stores
from spine.types.timestamps import utc_now

__all__ = ["sql_stores"]


def sql_stores(
    conn: Any,
    *,
    clock: Callable[[], datetime] = utc_now,
    max_replays: int = DEFAULT_MAX_REPLAYS,
) -> Stores:
    """The SQL ledger, lock guard and dead-letter queue on ``conn``, sharing its unit of
    work (``stores.atomic()`` is one transaction over the three).

    The tables come from component ``spine-exec`` (``spine.db.install_schema(conn)``).

    Example:
        >>> from spine.db import connect, install_schema
        >>> from spine.execution import tracked_execution
        >>> conn = connect("memory")
        >>> _ = install_schema(conn, ["spine-exec"])
        >>> stores = sql_stores(conn)
        >>> with tracked_execution(stores, workflow="finra.otc.ingest") as ctx:
        ...     ctx.set_result({"rows": 960})
        >>> stores.ledger.get_execution(ctx.id).status.value
        'completed'
    """
    return Stores(
        SqlLedger(conn, clock=clock),
        SqlLockGuard(conn, clock=clock),
        SqlDeadLetterQueue(conn, clock=clock, max_retries=max_replays),
    )
