"""Translation of driver exceptions into spine's typed errors, at the connection boundary.

=====================  ==================================================================
driver failure         spine error
=====================  ==================================================================
refused / lost / closed ``DatabaseConnectionError`` (retryable)
bad credentials, unknown database ``DatabaseConnectionError`` with ``retryable=False``
unique / PK / FK / not null / check ``IntegrityError``
numeric value out of the column's range ``ValidationError`` (SQLSTATE 22003 and the like)
syntax, undefined table or column, bad parameters or data ``QueryError``
deadlock, lock timeout, serialization failure ``DatabaseError`` with ``retryable=True``
a value no database can take ``ValidationError`` (not retryable; the message says what
                       to change): text with a lone surrogate (``"\\ud800"``, not encodable
                       as UTF-8), an integer beyond 64 bits on SQLite
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
    ValidationError,
)

__all__ = ["MAX_SQL_IN_CONTEXT", "VALUE_ERROR_TYPES", "translate_error"]

MAX_SQL_IN_CONTEXT = 2000
"""SQL longer than this is truncated in error contexts."""


def _first_line(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)  # psycopg: primary message without DETAIL lines
    primary = getattr(diag, "message_primary", None)
    text = primary if isinstance(primary, str) and primary else str(exc)
    text = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return text


VALUE_ERROR_TYPES: tuple[type[BaseException], ...] = (UnicodeEncodeError, OverflowError)
"""Python errors a driver raises while binding a value it cannot send (caught next to the
driver's own errors and translated into ``ValidationError``)."""

_SURROGATE_HINT = "surrogates not allowed"


def _value_error(exc: BaseException, driver: Driver, action: str | None) -> SpineError | None:
    """The :class:`ValidationError` for a value the driver could not even bind (raised in
    Python before anything reached the server), or ``None``."""
    chain: list[BaseException] = []
    item: BaseException | None = exc
    while item is not None and len(chain) < 8:
        chain.append(item)
        item = item.__cause__ or item.__context__
    where = f"{driver.name}: {action + ': ' if action else ''}"
    for err in chain:
        if isinstance(err, UnicodeEncodeError) or _SURROGATE_HINT in str(err):
            bad = ""
            if isinstance(err, UnicodeEncodeError):
                bad = f" ({err.object[err.start : err.end]!r} at position {err.start})"
            return ValidationError(
                f"{where}a text value holds a lone surrogate{bad}, which no database can "
                "store as UTF-8; the statement was refused. Clean the input first: decode "
                "bytes with errors='replace' (or 'strict' to find the bad record), or drop the "
                "character with text.encode('utf-8', 'replace').decode()",
                cause=exc,
            )
        if isinstance(err, OverflowError):
            return ValidationError(
                f"{where}an integer is beyond the 64-bit range the column type holds "
                f"({err}); the statement was refused. Store such values as decimal.Decimal in a "
                "DECIMAL/NUMERIC column, or as text",
                cause=exc,
            )
    return None


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
    invalid = _value_error(exc, driver, action)
    if invalid is not None:
        return invalid.with_context(**_context(exc, driver, sql, None))
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
    elif kind is ErrorKind.VALUE:
        error = ValidationError(
            f"{message}: a numeric value is outside the column type's range; the statement was "
            "refused. Check the input, or widen the column (DECIMAL/NUMERIC "
            "holds more digits than BIGINT)",
            cause=exc,
        )
    elif kind is ErrorKind.TRANSIENT:
        error = DatabaseError(message, retryable=True, cause=exc)
    else:
        error = DatabaseError(message, cause=exc)
    return error.with_context(**_context(exc, driver, sql, driver.sqlstate(exc)))


def _context(
    exc: BaseException, driver: Driver, sql: str | None, state: str | None
) -> dict[str, object]:
    context: dict[str, object] = {"backend": driver.name, "driver_error": type(exc).__name__}
    if state:
        context["sqlstate"] = state
    if sql is not None:
        context["sql"] = sql if len(sql) <= MAX_SQL_IN_CONTEXT else sql[:MAX_SQL_IN_CONTEXT] + "…"
    return context
