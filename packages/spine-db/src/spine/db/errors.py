"""Translation of driver exceptions into spine's typed errors, at the connection boundary.

=====================  ==================================================================
driver failure         spine error
=====================  ==================================================================
refused / lost / closed ``DatabaseConnectionError`` (retryable)
bad credentials, unknown database ``DatabaseConnectionError`` with ``retryable=False``
unique / PK / FK / not null / check ``IntegrityError``
syntax, undefined table or column, bad parameters or data ``QueryError``
deadlock, lock timeout, serialization failure ``DatabaseError`` with ``retryable=True``
anything else          ``DatabaseError``
=====================  ==================================================================

The error's context carries the backend, the SQLSTATE (or native code) and the SQL text,
never the bound parameters.

Example:
    >>> from spine.db import create_connection
    >>> from spine.types import IntegrityError
    >>> conn, _ = create_connection("memory")
    >>> _ = conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    >>> _ = conn.execute("INSERT INTO t VALUES (1)")
    >>> try:
    ...     conn.execute("INSERT INTO t VALUES (?)", (1,))
    ... except IntegrityError as e:
    ...     e.context.metadata["sql"]
    'INSERT INTO t VALUES (?)'
"""

from __future__ import annotations

from spine.db.drivers.base import Driver, ErrorKind
from spine.types import (
    DatabaseConnectionError,
    DatabaseError,
    IntegrityError,
    QueryError,
    SpineError,
)

__all__ = ["MAX_SQL_IN_CONTEXT", "translate_error"]

MAX_SQL_IN_CONTEXT = 2000
"""SQL longer than this is truncated in error contexts."""


def _first_line(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)  # psycopg: primary message without DETAIL lines
    primary = getattr(diag, "message_primary", None)
    text = primary if isinstance(primary, str) and primary else str(exc)
    text = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return text


def translate_error(
    exc: BaseException,
    driver: Driver,
    sql: str | None = None,
    *,
    action: str | None = None,
) -> SpineError:
    """Return the spine error for driver exception ``exc`` (``exc`` becomes its cause).

    A ``SpineError`` is returned unchanged.
    """
    if isinstance(exc, SpineError):
        return exc
    kind = driver.classify(exc)
    prefix = f"{driver.name}: {action + ': ' if action else ''}"
    message = prefix + _first_line(exc)
    error: SpineError
    if kind is ErrorKind.CONNECTION:
        error = DatabaseConnectionError(message, cause=exc)
    elif kind is ErrorKind.AUTH:
        error = DatabaseConnectionError(message, retryable=False, cause=exc)
    elif kind is ErrorKind.INTEGRITY:
        error = IntegrityError(message, cause=exc)
    elif kind is ErrorKind.QUERY:
        error = QueryError(message, cause=exc)
    elif kind is ErrorKind.TRANSIENT:
        error = DatabaseError(message, retryable=True, cause=exc)
    else:
        error = DatabaseError(message, cause=exc)
    context: dict[str, object] = {"backend": driver.name, "driver_error": type(exc).__name__}
    state = driver.sqlstate(exc)
    if state:
        context["sqlstate"] = state
    if sql is not None:
        context["sql"] = sql if len(sql) <= MAX_SQL_IN_CONTEXT else sql[:MAX_SQL_IN_CONTEXT] + "…"
    return error.with_context(**context)
