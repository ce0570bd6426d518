"""Async PostgreSQL connection pool (psycopg_pool; extra ``postgres``).

``create_pool`` opens a :class:`psycopg_pool.AsyncConnectionPool` whose connections run in
UTC. psycopg_pool hands out connections with ``pool.connection()``; spine's pool also offers
``pool.acquire()`` (and the :func:`acquire` function) as an alias. psycopg is imported only
when a pool is created.

Example (inside ``async def``)::

    pool = await create_pool("postgresql://app@db/prod", min_size=2, max_size=10)
    async with pool.acquire() as conn:               # or: async with acquire(pool) as conn
        cur = await conn.execute("SELECT id FROM core_executions WHERE status = %s", ("RUNNING",))
        rows = await cur.fetchall()
    await close_pool(pool)

Leaving the ``async with`` block commits the connection's transaction (rolls it back if the
block raised) and returns the connection to the pool.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from spine.db.url import parse_url
from spine.types import ConfigError, DatabaseConnectionError, InvalidConfigError

if TYPE_CHECKING:
    from spine.db._pg_pool import SpinePool

__all__ = ["acquire", "close_pool", "create_pool"]


def _pool_module() -> Any:
    try:
        from spine.db import _pg_pool
    except ImportError as exc:
        raise ConfigError(
            "the async PostgreSQL pool needs psycopg and psycopg_pool: "
            'pip install "spine-db[postgres]" (or "spine-db[postgres-binary]" where the system '
            f"has no libpq); import failed with: {exc}",
            cause=exc,
        ).with_context(extra="postgres") from exc
    return _pg_pool


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
    """Open an async pool of PostgreSQL connections and wait for ``min_size`` of them.

    Args:
        url: A ``postgresql://`` (or ``postgres://``) URL.
        min_size: Connections kept open.
        max_size: Upper bound on connections.
        connect_timeout: Seconds to wait for the first ``min_size`` connections.
        timeout: Default seconds ``acquire()`` waits for a free connection.
        schema: ``search_path`` of every connection.
        **pool_kwargs: Passed to :class:`psycopg_pool.AsyncConnectionPool`.

    Raises:
        InvalidConfigError: not a PostgreSQL URL, or bad sizes.
        ConfigError: psycopg / psycopg_pool not installed.
        DatabaseConnectionError: the server could not be reached in time (retryable).
    """
    parsed = parse_url(url)
    if parsed.backend != "postgresql":
        raise InvalidConfigError(f"create_pool needs a PostgreSQL URL, got {parsed.masked()!r}")
    if not 0 <= min_size <= max_size or max_size < 1:
        raise InvalidConfigError(
            f"pool sizes must satisfy 0 <= min_size <= max_size: {min_size}, {max_size}"
        )
    mod = _pool_module()
    pool: SpinePool = mod.make_pool(
        parsed,
        min_size,
        max_size,
        timeout=timeout,
        connect_timeout=connect_timeout,
        schema=schema,
        **pool_kwargs,
    )
    try:
        await pool.open(wait=True, timeout=connect_timeout)
    except Exception as exc:
        await pool.close()
        if isinstance(exc, mod.PoolTimeout | mod.psycopg.OperationalError):
            raise DatabaseConnectionError(
                f"postgresql: pool could not connect to {parsed.masked()} within "
                f"{connect_timeout:g}s: {exc}",
                cause=exc,
            ).with_context(url=parsed.masked()) from exc
        raise
    return pool


async def close_pool(pool: SpinePool) -> None:
    """Close the pool and all its connections."""
    await pool.close()


def acquire(pool: SpinePool, timeout: float | None = None) -> AbstractAsyncContextManager[Any]:
    """``async with acquire(pool) as conn``: borrow a connection (``pool.connection()``)."""
    return pool.connection(timeout=timeout)
