"""The PostgreSQL pools, async and sync, live (skipped when PostgreSQL is unreachable)."""

from __future__ import annotations

import asyncio
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from spine.db import (
    SpineConnection,
    acquire,
    close_pool,
    close_sync_pool,
    connect,
    create_pool,
    create_sync_pool,
    parse_url,
    write,
)
from spine.db.testing import backend_url, probe_backend
from spine.types import DatabaseConnectionError, InvalidConfigError


def _pg_url() -> str:
    status = probe_backend("postgres")
    if not status.available:
        if status.required:
            pytest.fail(status.reason)
        pytest.skip(status.reason)
    url = backend_url("postgres")
    assert url is not None
    return url


def test_pool_acquire_query_and_close() -> None:
    url = _pg_url()

    async def main() -> list[object]:
        pool = await create_pool(url, min_size=1, max_size=3)
        try:
            async with pool.acquire() as conn:
                cur = await conn.execute("SELECT 1 + %s, current_setting('TimeZone')", (1,))
                first = await cur.fetchone()
            async with acquire(pool) as conn:
                cur = await conn.execute("SELECT 42")
                second = await cur.fetchone()

            async def one(i: int) -> int:
                async with pool.connection() as conn:
                    cur = await conn.execute("SELECT %s::int", (i,))
                    row = await cur.fetchone()
                    assert row is not None
                    return int(row[0])

            many = await asyncio.gather(*(one(i) for i in range(10)))
            return [first, second, sorted(many)]
        finally:
            await close_pool(pool)

    first, second, many = asyncio.run(main())
    assert first == (2, "UTC")
    assert second == (42,)
    assert many == list(range(10))


def test_pool_schema_option_sets_search_path() -> None:
    url = _pg_url()

    async def main() -> object:
        pool = await create_pool(url, min_size=1, max_size=1, schema="pg_catalog")
        try:
            async with pool.acquire() as conn:
                cur = await conn.execute("SHOW search_path")
                return await cur.fetchone()
        finally:
            await close_pool(pool)

    assert asyncio.run(main()) == ("pg_catalog",)


def test_pool_to_a_down_server_fails_fast_with_a_connection_error() -> None:
    async def main() -> None:
        await create_pool("postgresql://postgres@127.0.0.1:1/test", connect_timeout=2)

    start = time.monotonic()
    with pytest.raises(DatabaseConnectionError) as info:
        asyncio.run(main())
    assert info.value.retryable
    assert time.monotonic() - start < 10


def test_pool_needs_a_postgresql_url_and_sane_sizes() -> None:
    with pytest.raises(InvalidConfigError):
        asyncio.run(create_pool("mysql://root@127.0.0.1/test"))
    with pytest.raises(InvalidConfigError):
        asyncio.run(create_pool("postgresql://u@h/db", min_size=5, max_size=2))


# --- the sync pool: the same interface, SpineConnections ---------------------------------


def test_sync_pool_lends_spine_connections_that_primitives_take() -> None:
    url = _pg_url()
    pool = create_sync_pool(url, min_size=1, max_size=3)
    try:
        with pool.acquire() as conn:
            assert isinstance(conn, SpineConnection)
            assert conn.execute("SELECT 1 + %s, current_setting('TimeZone')", (1,)).fetchone() == (
                2,
                "UTC",
            )
            assert conn.info.backend == "postgresql"
            assert conn.info.url == parse_url(url).masked()
        assert conn.closed  # the SpineConnection is done; the driver connection went back
        with acquire(pool) as again:
            assert again.execute("SELECT 42").fetchone() == (42,)

        def work(i: int) -> int:
            with pool.acquire(timeout=10) as c:
                row = c.execute("SELECT %s::int, pg_sleep(0.05)", (i,)).fetchone()
                assert row is not None
                return int(row[0])

        with ThreadPoolExecutor(max_workers=6) as ex:
            assert sorted(ex.map(work, range(12))) == list(range(12))
        assert pool.get_stats()["pool_max"] == 3
    finally:
        close_sync_pool(pool)


def test_sync_pool_commits_on_success_and_rolls_back_on_error() -> None:
    url = _pg_url()
    schema = f"spine_t_pool_{secrets.token_hex(4)}"
    admin = connect(url)
    admin.execute(f"CREATE SCHEMA {schema}")
    admin.execute(f"CREATE TABLE {schema}.t (id INTEGER PRIMARY KEY)")
    admin.commit()
    pool = create_sync_pool(url, min_size=1, max_size=1, schema=schema)
    try:
        with pool.acquire() as conn:
            with write(conn):  # the primitive rule holds on pooled connections
                conn.execute("INSERT INTO t VALUES (1)")
            conn.execute("INSERT INTO t VALUES (2)")  # committed when the block exits

        def failing() -> None:
            with pool.acquire() as conn:
                conn.execute("INSERT INTO t VALUES (3)")
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            failing()
        assert admin.execute(f"SELECT id FROM {schema}.t ORDER BY id").fetchall() == [(1,), (2,)]
        admin.commit()
    finally:
        close_sync_pool(pool)
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.commit()
        admin.close()


def test_sync_pool_to_a_down_server_fails_fast_and_other_backends_have_none() -> None:
    start = time.monotonic()
    with pytest.raises(DatabaseConnectionError) as info:
        create_sync_pool("postgresql://postgres@127.0.0.1:1/test", connect_timeout=2)
    assert info.value.retryable
    assert time.monotonic() - start < 10
    with pytest.raises(InvalidConfigError, match="PostgreSQL only"):
        create_sync_pool("mysql://root@127.0.0.1/test")
    with pytest.raises(InvalidConfigError):
        create_sync_pool("postgresql://u@h/db", min_size=3, max_size=1)
