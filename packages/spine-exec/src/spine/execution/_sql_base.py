"""What the SQL stores of spine-exec share: one connection, one unit of work, one mutex.

Every SQL store (ledger, dead letters, locks, shared breakers and limits) wraps a
:class:`~spine.db.SpineConnection`. Stores built on the same connection share its **unit of
work** (:meth:`SqlStore.atomic`: one transaction, so "create + lock + RUNNING" is one
commit) and a re-entrant mutex, so threads sharing the stores never interleave statements on
the connection. SQL is written once with ``?`` markers and rendered through the
connection's dialect (placeholders, paging); no backend is named here.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from spine.db import SpineConnection, reading, transaction, write, write_retrying
from spine.db.connection import as_spine_connection
from spine.types.timestamps import utc_now

__all__ = ["ConnState", "SqlStore", "conn_state"]

T = TypeVar("T")


class ConnState:
    """Per-connection state: the mutex and the depth of the open unit of work."""

    __slots__ = ("depth", "lock")

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.depth = 0


_STATES: weakref.WeakKeyDictionary[Any, ConnState] = weakref.WeakKeyDictionary()
_STATES_BY_ID: dict[int, ConnState] = {}
_STATES_LOCK = threading.Lock()


def conn_state(conn: SpineConnection) -> ConnState:
    """The shared state of ``conn`` (created on first use, kept while the connection lives)."""
    with _STATES_LOCK:
        try:
            state = _STATES.get(conn.raw)
            if state is None:
                state = _STATES[conn.raw] = ConnState()
        except TypeError:  # a driver connection that cannot be weakly referenced
            state = _STATES_BY_ID.setdefault(id(conn.raw), ConnState())
        return state


class SqlStore:
    """Base of the SQL stores: the connection, its dialect, the clock and the unit of work.

    Args:
        conn: A :class:`~spine.db.SpineConnection` (or a DB-API connection spine-db wraps).
        clock: Source of "now" (timezone-aware UTC); a fake clock lets tests move time.
    """

    def __init__(self, conn: Any, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.conn = as_spine_connection(conn)
        self.dialect = self.conn.dialect
        self._clock = clock
        self._state = conn_state(self.conn)
        self._sql: dict[str, str] = {}

    # -- SQL rendering -------------------------------------------------------------------
    def sql(self, template: str) -> str:
        """``template`` with its ``?`` markers replaced by the dialect's placeholders."""
        found = self._sql.get(template)
        if found is None:
            parts = template.split("?")
            ph = self.dialect.placeholder
            found = parts[0] + "".join(ph(i) + part for i, part in enumerate(parts[1:]))
            self._sql[template] = found
        return found

    def ts(self, value: datetime | None) -> Any:
        """A timestamp as the driver binds it."""
        return self.dialect.encode_timestamp(value)

    def run(self, template: str, params: Sequence[Any] = ()) -> Any:
        """Execute ``template`` (``?`` markers); returns the cursor."""
        return self.conn.execute(self.sql(template), tuple(params))

    def run_many(self, template: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute ``template`` once per row of parameters."""
        if rows:
            self.conn.executemany(self.sql(template), [tuple(r) for r in rows]).close()

    def one(self, template: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or ``None``."""
        cur = self.run(template, params)
        try:
            return cur.fetchone()  # type: ignore[no-any-return]
        finally:
            cur.close()

    def all(self, template: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query."""
        cur = self.run(template, params)
        try:
            return list(cur.fetchall())
        finally:
            cur.close()

    def rowcount(self, template: str, params: Sequence[Any] = ()) -> int:
        """Execute a change; return how many rows it changed."""
        cur = self.run(template, params)
        try:
            return int(cur.rowcount)
        finally:
            cur.close()

    # -- unit of work --------------------------------------------------------------------
    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One unit of work on the connection: the store calls inside (of every store on
        this connection) commit together. On an idle connection it is a transaction of its
        own; inside the caller's open transaction it joins it through a savepoint (the
        caller commits); nested blocks are savepoints."""
        state = self._state
        with state.lock:
            scope = transaction(self.conn) if state.depth else write(self.conn)
            with scope:
                state.depth += 1
                try:
                    yield
                finally:
                    state.depth -= 1

    @contextmanager
    def writing(self) -> Iterator[SpineConnection]:
        """The scope of one store call that writes: it joins an open :meth:`atomic` block
        as is, and is otherwise a :func:`spine.db.write` scope (its own transaction, or a
        savepoint in the caller's)."""
        state = self._state
        with state.lock:
            if state.depth:
                yield self.conn
                return
            with write(self.conn) as sc:
                yield sc

    def retrying(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` as one write; when it owns its transaction and hits a deadlock or a
        serialization failure, run it again (:func:`spine.db.write_retrying`). Inside an
        open unit of work it joins it and the error propagates."""
        state = self._state
        with state.lock:
            if state.depth:
                return fn()
            return write_retrying(self.conn, fn, attempts=6)

    @contextmanager
    def reading(self) -> Iterator[SpineConnection]:
        """The scope of one store call that only reads (see :func:`spine.db.reading`)."""
        state = self._state
        with state.lock:
            if state.depth:
                yield self.conn
                return
            with reading(self.conn) as sc:
                yield sc
