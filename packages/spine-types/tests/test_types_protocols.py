"""Behaviour of the runtime-checkable protocols."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from spine.types import (
    AsyncConnection,
    Connection,
    DispatcherProtocol,
    ExecutorProtocol,
    OperationProtocol,
    StorageBackend,
)


class FakeConnection:
    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.committed = False

    def execute(self, sql: str, params: Any = ()) -> FakeConnection:
        self.statements.append((sql, params))
        return self

    def executemany(self, sql: str, seq_of_params: Any) -> FakeConnection:
        for params in seq_of_params:
            self.execute(sql, params)
        return self

    def fetchone(self) -> tuple[int] | None:
        return (1,)

    def fetchall(self) -> list[tuple[int]]:
        return [(1,)]

    def commit(self) -> None:
        self.committed = True

    def rollback(self) -> None:
        self.committed = False


class FakeBackend:
    def __init__(self) -> None:
        self.conn = FakeConnection()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        try:
            yield self.conn
        except Exception:
            self.conn.rollback()
            raise
        else:
            self.conn.commit()

    def get_connection(self) -> Connection:
        return self.conn


def insert_rows(conn: Connection) -> None:
    conn.execute("INSERT INTO t VALUES (?)", (1,))
    conn.executemany("INSERT INTO t VALUES (?)", [(2,), (3,)])
    conn.commit()


def test_a_structural_implementation_satisfies_connection() -> None:
    conn = FakeConnection()
    assert isinstance(conn, Connection)
    insert_rows(conn)
    assert len(conn.statements) == 3
    assert conn.committed


def test_sqlite_connection_is_not_a_connection_without_a_wrapper() -> None:
    raw = sqlite3.connect(":memory:")
    try:
        assert not isinstance(raw, Connection)
    finally:
        raw.close()


def test_storage_backend_transaction_yields_a_connection() -> None:
    backend = FakeBackend()
    assert isinstance(backend, StorageBackend)
    with backend.transaction() as conn:
        conn.execute("UPDATE t SET x = 1")
    assert backend.conn.committed
    assert isinstance(backend.get_connection(), Connection)


class FakeAsyncConnection:
    async def execute(self, sql: str, params: Any = ()) -> None: ...
    async def executemany(self, sql: str, seq_of_params: Any) -> None: ...
    async def fetchone(self) -> None: ...
    async def fetchall(self) -> list[Any]:
        return []

    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


def test_async_connection_protocol() -> None:
    assert isinstance(FakeAsyncConnection(), AsyncConnection)
    assert not isinstance(object(), AsyncConnection)


class Op:
    name = "ingest"

    def run(self, params: Mapping[str, Any]) -> Any:
        return dict(params)


class Dispatcher:
    def submit(self, name: str, params: Mapping[str, Any] | None = None, **options: Any) -> str:
        return "01J"

    def get_status(self, execution_id: str) -> Any:
        return None

    def cancel(self, execution_id: str) -> bool:
        return False


class Executor:
    async def submit(self, spec: Any) -> str:
        return "ref"

    async def get_status(self, ref: str) -> Any:
        return None

    async def cancel(self, ref: str) -> bool:
        return True


def test_execution_protocols_are_structural() -> None:
    assert isinstance(Op(), OperationProtocol)
    assert isinstance(Dispatcher(), DispatcherProtocol)
    assert isinstance(Executor(), ExecutorProtocol)
    assert not isinstance(Op(), DispatcherProtocol)
