"""Connection pools (PostgreSQL; extra ``postgres``): async and sync, one interface.

:func:`create_pool` opens a ``psycopg_pool.AsyncConnectionPool``, :func:`create_sync_pool` a
``psycopg_pool.ConnectionPool``; both take the same settings, run their connections in UTC
(with ``schema=`` as ``search_path``) and lend them with ``pool.acquire()`` (also
:func:`acquire`), next to psycopg_pool's own ``pool.connection()``. The sync pool lends
:class:`~spine.db.SpineConnection` objects, which every persistent primitive takes; the async
pool lends psycopg ``AsyncConnection`` objects. psycopg is imported only when a pool is made.

Leaving an ``acquire()`` block commits the connection's transaction (rolls it back if the block
raised) and returns the connection to the pool.

Example (sync)::

    pool = create_sync_pool("postgresql://app@db/prod", min_size=2, max_size=10)
    with pool.acquire() as conn:                       # a SpineConnection
        WorkManifest(conn, "otc", stages).advance_to(key, "INGESTED")
    close_sync_pool(pool)

Example (inside ``async def``)::

    pool = await create_pool("postgresql://app@db/prod", min_size=2, max_size=10)
    async with pool.acquire() as conn:               # or: async with acquire(pool) as conn
        cur = await conn.execute("SELECT 1")
    await close_pool(pool)
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, AbstractContextManager
from types import ModuleType
from typing import TYPE_CHECKING, Any, overload

from spine.db.drivers import get_driver
from spine.db.url import DatabaseURL, parse_url
from spine.types import DatabaseConnectionError, InvalidConfigError

if TYPE_CHECKING:
    from spine.db.connection import SpineConnection
    from spine.db.drivers.postgresql_pool import SpinePool, SpineSyncPool

__all__ = ["acquire", "close_pool", "close_sync_pool", "create_pool", "create_sync_pool"]


def _prepare(url: str, min_size: int, max_size: int) -> tuple[DatabaseURL, ModuleType]:
    parsed = parse_url(url)
    if not 0 <= min_size <= max_size or max_size < 1:
        raise InvalidConfigError(
            f"pool sizes must satisfy 0 <= min_size <= max_size: {min_size}, {max_size}"
        )
    return parsed, get_driver(parsed.backend).pool_module()


def _unreachable(mod: ModuleType, parsed: DatabaseURL, timeout: float, exc: Exception) -> None:
    if isinstance(exc, mod.PoolTimeout | mod.psycopg.OperationalError):
        raise DatabaseConnectionError(
            f"{parsed.backend}: pool could not connect to {parsed.masked()} within "
            f"{timeout:g}s: {exc}",
            cause=exc,
        ).with_context(url=parsed.masked()) from exc


async def create_pool(
    url: str,
    min_size: int = 1,
    max_size: int = 10,
    *,
    connect_timeout: float = 10.0,
    timeout: float = 30.0,
    schema: str | None = None,
    **pool_kwargs: Any,
) -> SpinePool:
    """Open an async pool of connections and wait for ``min_size`` of them.

    Args:
        url: A ``postgresql://`` (or ``postgres://``) URL.
        min_size: Connections kept open.
        max_size: Upper bound on connections.
        connect_timeout: Seconds to wait for the first ``min_size`` connections.
        timeout: Default seconds ``acquire()`` waits for a free connection.
        schema: ``search_path`` of every connection.
        **pool_kwargs: Passed to :class:`psycopg_pool.AsyncConnectionPool`.

    Raises:
        InvalidConfigError: a backend without pools, or bad sizes.
        ConfigError: psycopg / psycopg_pool not installed.
        DatabaseConnectionError: the server could not be reached in time (retryable).
    """
    parsed, mod = _prepare(url, min_size, max_size)
    pool: SpinePool = mod.make_pool(
        parsed, min_size, max_size, sync=False, timeout=timeout,
        connect_timeout=connect_timeout, schema=schema, **pool_kwargs,
    )  # fmt: skip
    try:
        await pool.open(wait=True, timeout=connect_timeout)
    except Exception as exc:
        await pool.close()
        _unreachable(mod, parsed, connect_timeout, exc)
        raise
    return pool


def create_sync_pool(
    url: str,
    min_size: int = 1,
    max_size: int = 10,
    *,
    connect_timeout: float = 10.0,
    timeout: float = 30.0,
    schema: str | None = None,
    **pool_kwargs: Any,
) -> SpineSyncPool:
    """Open a (thread-safe) pool of connections and wait for ``min_size`` of them: the same
    arguments as :func:`create_pool`; ``pool.acquire()`` lends
    :class:`~spine.db.SpineConnection` objects.

    Raises:
        InvalidConfigError: a backend without pools, or bad sizes.
        ConfigError: psycopg / psycopg_pool not installed.
        DatabaseConnectionError: the server could not be reached in time (retryable).
    """
    parsed, mod = _prepare(url, min_size, max_size)
    pool: SpineSyncPool = mod.make_pool(
        parsed, min_size, max_size, sync=True, timeout=timeout,
        connect_timeout=connect_timeout, schema=schema, **pool_kwargs,
    )  # fmt: skip
    try:
        pool.open(wait=True, timeout=connect_timeout)
    except Exception as exc:
        pool.close()
        _unreachable(mod, parsed, connect_timeout, exc)
        raise
    return pool


async def close_pool(pool: SpinePool) -> None:
    """Close an async pool and all its connections."""
    await pool.close()


def close_sync_pool(pool: SpineSyncPool) -> None:
    """Close a sync pool and all its connections."""
    pool.close()


@overload
def acquire(
    pool: SpineSyncPool, timeout: float | None = None
) -> AbstractContextManager[SpineConnection]: ...


@overload
def acquire(pool: SpinePool, timeout: float | None = None) -> AbstractAsyncContextManager[Any]: ...


def acquire(pool: Any, timeout: float | None = None) -> Any:
    """Borrow a connection: ``async with acquire(pool)`` (async pool) or ``with
    acquire(pool)`` (sync pool); the same as ``pool.acquire()``."""
    return pool.acquire(timeout=timeout)
