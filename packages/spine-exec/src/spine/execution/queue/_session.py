"""What one worker talks to: its queue, ledger and dead-letter queue, and how they commit.

A :class:`WorkerSession` bundles the three stores with one unit of work (``atomic``: one
transaction on a SQL connection, so the queue row and the ledger move together) and the
idle wait (LISTEN/NOTIFY where the backend has it, else the poll interval). The worker
opens a new session after a lost connection.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from spine.db.connection import SpineConnection
from spine.db.transaction import claim_transaction, transaction
from spine.execution.dlq import DeadLetterQueue
from spine.execution.ledger import Ledger
from spine.execution.queue.sql import NOTIFY_CHANNEL, SqlWorkQueue
from spine.execution.queue.store import WorkQueue

__all__ = ["NOTIFY_CHANNEL", "SessionFactory", "WorkerSession", "memory_sessions", "sql_sessions"]


class WorkerSession:
    """The stores of one worker connection (see the module docstring)."""

    def __init__(
        self,
        queue: WorkQueue,
        ledger: Ledger,
        dlq: DeadLetterQueue | None,
        *,
        conn: SpineConnection | None = None,
        listener: SpineConnection | None = None,
    ) -> None:
        self.queue = queue
        self.ledger = ledger
        self.dlq = dlq
        self.conn = conn
        self.listener = listener

    def atomic(self, *, claim: bool = False) -> AbstractContextManager[Any]:
        """One unit of work; ``claim=True`` starts it as a claim (SQLite's write lock)."""
        if self.conn is None:
            return self.ledger.atomic()
        return self._sql_atomic(self.conn, claim)

    @contextlib.contextmanager
    def _sql_atomic(self, conn: SpineConnection, claim: bool) -> Iterator[None]:
        # One transaction. A ledger on this connection opens it (its calls inside then run
        # without a savepoint each; on SQLite it starts with BEGIN IMMEDIATE, the claim's
        # write lock); another ledger joins the queue's transaction.
        if getattr(self.ledger, "conn", None) is conn:
            with self.ledger.atomic():
                yield
            return
        with claim_transaction(conn) if claim else transaction(conn), self.ledger.atomic():
            yield

    def savepoint(self) -> AbstractContextManager[Any]:
        """A part of the unit of work that can fail alone (a savepoint on SQL)."""
        if self.conn is None:
            return contextlib.nullcontext()
        return transaction(self.conn)

    def wait(self, timeout: float, stop: threading.Event) -> None:
        """Idle until work may have arrived: a notification, ``timeout`` or ``stop``."""
        if self.listener is not None:
            self.listener.wait_notifications(timeout)
        else:
            stop.wait(timeout)

    def notified(self) -> bool:
        """Whether a notification arrived since the last look (never blocks; ``True`` when
        the listener broke, so the caller's next statement meets the error)."""
        if self.listener is None:
            return False
        try:
            return bool(self.listener.wait_notifications(0))
        except Exception:  # surfaced by the caller's next statement
            return True

    def close(self) -> None:
        """Close the connections (best effort: the session may be broken already)."""
        for conn in (self.conn, self.listener):
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.rollback()
                with contextlib.suppress(Exception):
                    conn.close()


SessionFactory = Callable[[], WorkerSession]
"""Opens a session (the worker calls it again after a lost connection)."""


def sql_sessions(
    conn_factory: Callable[[], SpineConnection],
    ledger_factory: Callable[[SpineConnection], Ledger],
    dlq_factory: Callable[[SpineConnection], DeadLetterQueue] | None,
    *,
    listen: bool = True,
) -> SessionFactory:
    """Sessions over connections from ``conn_factory``: the queue, ledger and DLQ share one
    connection (one transaction); a second one listens for notifications when the backend
    has them and ``listen`` is true."""

    def open_session() -> WorkerSession:
        conn = conn_factory()
        listener: SpineConnection | None = None
        try:
            if listen and conn.dialect.supports_notify:
                listener = conn_factory()
                listener.listen(NOTIFY_CHANNEL)
            return WorkerSession(
                SqlWorkQueue(conn, savepoints=False),
                ledger_factory(conn),
                None if dlq_factory is None else dlq_factory(conn),
                conn=conn,
                listener=listener,
            )
        except BaseException:
            for c in (conn, listener):
                if c is not None:
                    with contextlib.suppress(Exception):
                        c.close()
            raise

    return open_session


def memory_sessions(
    queue: WorkQueue, ledger: Ledger, dlq: DeadLetterQueue | None
) -> SessionFactory:
    """Sessions over in-memory stores (the same stores every time)."""

    def open_session() -> WorkerSession:
        return WorkerSession(queue, ledger, dlq)

    return open_session
