"""Values no database can take raise a typed ``ValidationError`` saying what to do, on every
backend, and nothing is written (issue 7, item 7).

A lone surrogate in text, an integer beyond the column's range, a column name that is not a
string: each used to escape as ``UnicodeEncodeError`` / ``OverflowError`` / ``QueryError`` /
``AttributeError`` depending on the backend. An exhausted connection pool raised
psycopg_pool's ``PoolTimeout``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from spine.db import SpineConnection, transaction, write
from spine.db.schema import BIGINT, STR, Column, Table, create_table
from spine.types import DatabaseConnectionError, ValidationError

_T = Table("value_errs", columns=(Column("name", STR(40), nullable=True),
                                  Column("n", BIGINT, nullable=True)))  # fmt: skip


def _count(conn: SpineConnection) -> int:
    row = conn.execute(f"SELECT COUNT(*) FROM {conn.dialect.quote(_T.name)}").fetchone()
    conn.rollback()
    assert row is not None
    return int(row[0])


@pytest.fixture
def table(db: SpineConnection) -> SpineConnection:
    create_table(db, _T)
    return db


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("name", "ok\ud800", "lone surrogate"),
        ("n", 2**70, "DECIMAL/NUMERIC"),
        ("n", -(2**64), "DECIMAL/NUMERIC"),
    ],
    ids=["surrogate", "int-too-big", "int-too-small"],
)
@pytest.mark.parametrize("path", ["execute", "executemany", "insert_rows"])
def test_unstorable_values_raise_validation_error_and_nothing_is_written(
    table: SpineConnection,
    db_factory: Callable[[], SpineConnection],
    column: str,
    value: object,
    says: str,
    path: str,
) -> None:
    conn, d = table, table.dialect
    sql = d.insert_sql(_T.name, [column])
    good = "fine" if column == "name" else 1

    def attempt() -> None:
        with write(conn):
            if path == "execute":
                conn.execute(sql, (good,))
                conn.execute(sql, (value,))
            elif path == "executemany":
                conn.executemany(sql, [(good,), (value,), (good,)])
            else:
                conn.insert_rows(_T.name, [column], [(good,), (value,), (good,)])

    with pytest.raises(ValidationError, match=says) as info:
        attempt()
    assert info.value.retryable is False
    assert "refused" in str(info.value)
    assert _count(db_factory()) == 0
    assert _count(conn) == 0
    conn.insert_rows(_T.name, [column], [(good,)])  # the connection is still usable
    conn.commit()
    assert _count(db_factory()) == 1


@pytest.mark.parametrize("bad", [None, 5, 1.5, b"name"], ids=repr)
def test_a_column_name_that_is_not_a_string_is_a_validation_error(
    table: SpineConnection, bad: object
) -> None:
    conn, d = table, table.dialect
    for call in (
        lambda: conn.insert_rows(_T.name, [bad], [(1,)]),  # type: ignore[list-item]
        lambda: d.quote(bad),  # type: ignore[arg-type]
        lambda: d.fold(bad),  # type: ignore[arg-type]
        lambda: d.needs_quoting(bad),  # type: ignore[arg-type]
        lambda: d.is_reserved(bad),  # type: ignore[arg-type]
        lambda: d.insert_sql(_T.name, [bad]),  # type: ignore[list-item]
        lambda: d.drop_catalog_table_sql(bad),  # type: ignore[arg-type]
        lambda: d.upsert(_T.name, ["name", bad], ["name"]),  # type: ignore[list-item]
    ):
        with pytest.raises(ValidationError, match=r"identifier"):
            call()
    assert _count(conn) == 0


@pytest.mark.backend("postgres")
def test_an_exhausted_pool_raises_a_typed_retryable_error(backend_name: str) -> None:
    from spine.db import close_sync_pool, create_sync_pool
    from spine.db.testing import backend_url

    url = backend_url(backend_name)
    assert url is not None
    pool = create_sync_pool(url, min_size=1, max_size=1)
    try:
        with pool.acquire() as held:
            held.execute("SELECT 1").fetchall()
            with (
                pytest.raises(DatabaseConnectionError, match=r"pool exhausted.*max_size") as info,
                pool.acquire(timeout=0.2),
            ):
                pass  # pragma: no cover - never lent
            assert info.value.retryable
            with (
                pytest.raises(DatabaseConnectionError, match="pool exhausted"),
                pool.connection(timeout=0.2),  # psycopg_pool's own API too
            ):
                pass  # pragma: no cover
    finally:
        close_sync_pool(pool)


@pytest.mark.backend("postgres")
def test_an_exhausted_async_pool_raises_a_typed_retryable_error(backend_name: str) -> None:
    from spine.db import close_pool, create_pool
    from spine.db.testing import backend_url

    url = backend_url(backend_name)
    assert url is not None

    async def main() -> None:
        pool = await create_pool(url, min_size=1, max_size=1)
        try:
            async with pool.acquire():
                with pytest.raises(DatabaseConnectionError, match="pool exhausted"):
                    await _borrow(pool)
        finally:
            await close_pool(pool)

    asyncio.run(main())


async def _borrow(pool: Any) -> None:
    async with pool.acquire(timeout=0.2):
        pass  # pragma: no cover - never lent


def test_transaction_block_is_rolled_back_whole_on_a_value_error(
    table: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    conn, d = table, table.dialect

    def block() -> None:
        with transaction(conn):
            conn.execute(d.insert_sql(_T.name, ["name"]), ("first",))
            conn.execute(d.insert_sql(_T.name, ["name"]), ("x\udfff",))

    with pytest.raises(ValidationError):
        block()
    assert _count(db_factory()) == 0


@pytest.mark.parametrize("path", ["executemany", "insert_rows"])
def test_a_failed_batch_on_an_idle_connection_leaves_nothing_to_commit(
    table: SpineConnection, db_factory: Callable[[], SpineConnection], path: str
) -> None:
    conn, d = table, table.dialect
    rows = [("a",), ("b",), ("c\ud800",), ("d",)]

    def batch() -> None:
        if path == "executemany":
            conn.executemany(d.insert_sql(_T.name, ["name"]), rows)
        else:
            conn.insert_rows(_T.name, ["name"], rows, chunk_size=1)

    with pytest.raises(ValidationError, match="lone surrogate"):
        batch()
    conn.commit()  # a careless caller commits after the error: nothing of the batch is kept
    assert _count(db_factory()) == 0


def test_a_failed_batch_inside_the_callers_work_leaves_the_callers_work_alone(
    table: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    conn, d = table, table.dialect
    conn.execute(d.insert_sql(_T.name, ["name"]), ("callers",))

    def batch() -> None:
        with write(conn):
            conn.insert_rows(_T.name, ["name"], [("a",), ("b\ud800",)], chunk_size=1)

    with pytest.raises(ValidationError):
        batch()
    assert conn.has_pending_writes
    conn.commit()
    assert _count(db_factory()) == 1
