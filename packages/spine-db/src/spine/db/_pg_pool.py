"""psycopg_pool glue for :mod:`spine.db.pool` (imported only when a pool is created)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from spine.db.identifiers import validate_identifier
from spine.db.url import DatabaseURL

__all__ = ["PoolTimeout", "SpinePool", "make_pool", "psycopg"]


class SpinePool(AsyncConnectionPool[psycopg.AsyncConnection[tuple[Any, ...]]]):
    """An ``AsyncConnectionPool`` with an ``acquire()`` alias of ``connection()``."""

    def acquire(
        self, timeout: float | None = None
    ) -> AbstractAsyncContextManager[psycopg.AsyncConnection[tuple[Any, ...]]]:
        """Borrow a connection: ``async with pool.acquire() as conn: ...``."""
        return self.connection(timeout=timeout)


def make_pool(
    url: DatabaseURL,
    min_size: int,
    max_size: int,
    *,
    timeout: float,
    connect_timeout: float,
    schema: str | None,
    **pool_kwargs: Any,
) -> SpinePool:
    """Build (without opening) a :class:`SpinePool` for ``url``."""
    query = url.query_dict
    settings = [query.pop("options", "").strip(), "-c TimeZone=UTC"]
    if schema is not None:
        settings.append(f"-c search_path={validate_identifier(schema, allow_dotted=False)}")
    query.pop("connect_timeout", None)
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
    return SpinePool(
        "",
        min_size=min_size,
        max_size=max_size,
        kwargs=kwargs,
        timeout=timeout,
        open=False,
        **pool_kwargs,
    )
