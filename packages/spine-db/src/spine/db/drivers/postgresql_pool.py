"""psycopg_pool glue for :mod:`spine.db.pool` (imported only when a pool is created).

Two pools with one interface: :class:`SpinePool` (``psycopg_pool.AsyncConnectionPool``) and
:class:`SpineSyncPool` (``psycopg_pool.ConnectionPool``). Both take the same settings, run
their connections in UTC with the ``schema=`` search path, and offer ``acquire()`` next to
psycopg_pool's ``connection()``. The sync pool's ``acquire()`` yields a
:class:`~spine.db.SpineConnection` (what every persistent primitive takes); the async pool's
yields psycopg's ``AsyncConnection`` (spine has no async connection type).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, ConnectionPool, PoolClosed, PoolTimeout
from psycopg_pool.errors import TooManyRequests

from spine.db.connection import ConnectionInfo, SpineConnection
from spine.db.drivers import get_driver
from spine.db.identifiers import validate_identifier
from spine.db.url import DatabaseURL
from spine.types import DatabaseConnectionError, InvalidConfigError, SpineError

__all__ = [
    "PoolTimeout",
    "SpinePool",
    "SpineSyncPool",
    "make_pool",
    "pool_error",
    "pool_kwargs",
    "psycopg",
]


def pool_error(pool: ConnectionPool[Any] | AsyncConnectionPool[Any], exc: Exception) -> SpineError:
    """The spine error for psycopg_pool's failure to lend a connection: an exhausted pool
    (``PoolTimeout``, ``TooManyRequests``) is a retryable ``DatabaseConnectionError`` saying
    what to change; a closed pool an ``InvalidConfigError``."""
    where = getattr(getattr(pool, "info", None), "url", None) or "postgresql pool"
    if isinstance(exc, PoolClosed):
        return InvalidConfigError(
            f"{where}: the connection pool is closed; open a new pool (create_sync_pool / "
            "create_pool) instead of reusing a closed one",
            cause=exc,
        ).with_context(pool_max_size=pool.max_size)
    waiting = (
        "too many requests are queued"
        if isinstance(exc, TooManyRequests)
        else (f"no connection was free within the timeout ({exc})")
    )
    return DatabaseConnectionError(
        f"{where}: pool exhausted: all {pool.max_size} connections are in use and {waiting}; "
        "return connections sooner (leave acquire() blocks promptly, never hold one across "
        "slow work), raise max_size, or pass a longer timeout to acquire()",
        cause=exc,
    ).with_context(pool_max_size=pool.max_size, pool_min_size=pool.min_size)


_LEND_ERRORS = (PoolTimeout, PoolClosed, TooManyRequests)


class SpinePool(AsyncConnectionPool[psycopg.AsyncConnection[tuple[Any, ...]]]):
    """An ``AsyncConnectionPool`` with an ``acquire()`` alias of ``connection()``; failures to
    lend a connection raise spine errors (see :func:`pool_error`)."""

    info: ConnectionInfo

    async def getconn(self, timeout: float | None = None) -> psycopg.AsyncConnection[Any]:
        """psycopg_pool's ``getconn``; an exhausted or closed pool raises a spine error."""
        try:
            return await super().getconn(timeout=timeout)
        except _LEND_ERRORS as exc:
            raise pool_error(self, exc) from exc

    def acquire(
        self, timeout: float | None = None
    ) -> AbstractAsyncContextManager[psycopg.AsyncConnection[tuple[Any, ...]]]:
        """Borrow a connection: ``async with pool.acquire() as conn: ...``."""
        return self.connection(timeout=timeout)


class SpineSyncPool(ConnectionPool[psycopg.Connection[tuple[Any, ...]]]):
    """A ``ConnectionPool`` whose ``acquire()`` lends :class:`~spine.db.SpineConnection` s.

    Leaving the block commits the connection's transaction (rolls it back if the block
    raised) and returns the connection to the pool; the ``SpineConnection`` is closed (the
    pooled driver connection is not). ``connection()`` is psycopg_pool's own (raw psycopg
    connections).
    """

    info: ConnectionInfo

    def getconn(self, timeout: float | None = None) -> psycopg.Connection[Any]:
        """psycopg_pool's ``getconn``; an exhausted or closed pool raises a spine error."""
        try:
            return super().getconn(timeout=timeout)
        except _LEND_ERRORS as exc:
            raise pool_error(self, exc) from exc

    @contextmanager
    def acquire(self, timeout: float | None = None) -> Iterator[SpineConnection]:
        """Borrow a connection: ``with pool.acquire() as conn: ...``."""
        with self.connection(timeout=timeout) as raw:
            conn = SpineConnection(raw, get_driver("postgresql"), self.info)
            try:
                yield conn
            finally:
                conn._detach()


def pool_kwargs(url: DatabaseURL, *, connect_timeout: float, schema: str | None) -> dict[str, Any]:
    """psycopg connection keywords for ``url`` (UTC session, ``search_path`` = ``schema``)."""
    query = url.query_dict
    settings = [query.pop("options", "").strip(), "-c TimeZone=UTC"]
    if schema is not None:
        settings.append(f"-c search_path={validate_identifier(schema, allow_dotted=False)}")
    query.pop("connect_timeout", None)
    query.pop("schema", None)
    kwargs: dict[str, Any] = dict(query)
    for key, value in (
        ("host", url.host),
        ("port", url.port),
        ("dbname", url.database),
        ("user", url.username),
        ("password", url.password),
    ):
        if value is not None:
            kwargs[key] = value
    kwargs["options"] = " ".join(s for s in settings if s)
    kwargs["connect_timeout"] = max(1, round(connect_timeout))
    kwargs.setdefault("application_name", "spine")
    return kwargs


def make_pool(
    url: DatabaseURL,
    min_size: int,
    max_size: int,
    *,
    sync: bool,
    timeout: float,
    connect_timeout: float,
    schema: str | None,
    **extra: Any,
) -> SpinePool | SpineSyncPool:
    """Build (without opening) a :class:`SpineSyncPool` (``sync``) or :class:`SpinePool` for
    ``url``."""
    kwargs = pool_kwargs(url, connect_timeout=connect_timeout, schema=schema)
    common: dict[str, Any] = {"min_size": min_size, "max_size": max_size, "timeout": timeout}
    if not sync:
        apool = SpinePool("", kwargs=kwargs, open=False, **common, **extra)
        apool.info = ConnectionInfo.from_url(url, schema)
        return apool
    pool = SpineSyncPool("", kwargs={**kwargs, "autocommit": False}, open=False, **common, **extra)
    pool.info = ConnectionInfo.from_url(url, schema)
    return pool
