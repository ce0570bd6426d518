"""The async PostgreSQL pool, live (skipped when PostgreSQL is unreachable)."""

from __future__ import annotations

import asyncio
import time

import pytest

from spine.db import acquire, close_pool, create_pool
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
