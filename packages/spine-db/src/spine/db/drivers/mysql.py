"""MySQL / MariaDB driver glue (mysql-connector-python; extra ``mysql``).

Connections use the C extension when it is importable (faster) and the pure-Python protocol
otherwise, ``autocommit=False``, ``utf8mb4`` with the binary collation, session
``time_zone = '+00:00'``, buffered cursors (a result never blocks the next statement) and the
``READ COMMITTED`` isolation level, as on PostgreSQL: each statement sees what other
connections committed before it (InnoDB's default, REPEATABLE READ, would keep serving a
polling worker the snapshot of its first read). Override with ``isolation_level`` in the URL
query or as a ``create_connection`` option.
``executemany`` of an ``INSERT`` is rewritten by the driver into multi-row ``VALUES``;
:meth:`MySQLDriver.bulk_insert` keeps that fast path, in chunks that stay well under
``max_allowed_packet``.

Options: ``use_pure`` (force the pure-Python protocol), ``ssl_disabled``.
"""

from __future__ import annotations

from math import ceil
from typing import Any, ClassVar

from spine.db.drivers.base import ConnectOptions, Driver, ErrorKind, dbapi_error_kind
from spine.db.identifiers import validate_identifier
from spine.db.url import DatabaseURL
from spine.types import InvalidConfigError

__all__ = ["MySQLDriver"]

_INTEGRITY = {1022, 1048, 1062, 1169, 1216, 1217, 1364, 1451, 1452, 1557, 1586, 3819, 4025}
_QUERY = {
    1054,
    1050,
    1051,
    1060,
    1061,
    1064,
    1091,
    1109,
    1110,
    1146,
    1149,
    1166,
    1176,
    1222,
    1241,
    1264,
    1265,
    1292,
    1366,
    1367,
    1406,
    1411,
    1525,
    3140,
    4078,
}
_VALUE = {1264, 1690}  # out of range value for column / BIGINT value is out of range
_TRANSIENT = {1205, 1213, 1614, 3572}
_CONNECTION = {
    1040,
    1042,
    1043,
    1047,
    1053,
    1077,
    1152,
    1153,
    1154,
    1158,
    1159,
    1160,
    1161,
    1927,
    2002,
    2003,
    2005,
    2006,
    2013,
    2026,
    2055,
    4031,
}
_AUTH = {1044, 1045, 1049, 1698, 1227, 1251}
_ISOLATION_LEVELS = frozenset(
    {"READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"}
)


class MySQLDriver(Driver):
    """Glue for mysql-connector-python."""

    name: ClassVar[str] = "mysql"
    module_name: ClassVar[str] = "mysql.connector"
    extra: ClassVar[str] = "mysql"
    option_names: ClassVar[frozenset[str]] = frozenset(
        {"use_pure", "ssl_disabled", "isolation_level"}
    )
    query_options: ClassVar[frozenset[str]] = frozenset({"isolation_level"})
    default_chunk_size: ClassVar[int] = 5_000
    test_name: ClassVar[str] = "mysql"
    test_url_env: ClassVar[str | None] = "SPINE_TEST_MYSQL_URL"
    default_test_url: ClassVar[str | None] = "mysql://root@127.0.0.1:3306/test"

    def connect(
        self, url: DatabaseURL, *, timeout: float, schema: str | None, options: ConnectOptions
    ) -> Any:
        self.check_options(options)
        connector = self.load()
        query = url.query_dict
        query.pop("connect_timeout", None)
        query.pop("schema", None)
        database = validate_identifier(schema, allow_dotted=False) if schema else url.database
        use_pure = bool(options.get("use_pure", not getattr(connector, "HAVE_CEXT", False)))
        kwargs: dict[str, Any] = {
            "host": url.host or "127.0.0.1",
            "port": url.port or 3306,
            "user": url.username or "root",
            "password": url.password or "",
            "connection_timeout": max(1, ceil(timeout)),
            "autocommit": False,
            "use_pure": use_pure,
            "charset": "utf8mb4",
            "collation": "utf8mb4_bin",
            "time_zone": "+00:00",
            "get_warnings": False,
            "raise_on_warnings": False,
        }
        if database:
            kwargs["database"] = database
        if "ssl_disabled" in options:
            kwargs["ssl_disabled"] = bool(options["ssl_disabled"])
        isolation = str(
            options.get("isolation_level", query.get("isolation_level", "READ COMMITTED"))
        ).upper()
        if isolation not in _ISOLATION_LEVELS:
            raise InvalidConfigError(
                f"unknown MySQL isolation_level {isolation!r}; expected one of "
                f"{', '.join(sorted(_ISOLATION_LEVELS))}"
            )
        raw = connector.connect(**kwargs)
        cursor = raw.cursor()
        try:
            cursor.execute(f"SET SESSION TRANSACTION ISOLATION LEVEL {isolation}")
        finally:
            cursor.close()
        return raw

    def new_cursor(self, raw: Any) -> Any:
        return raw.cursor(buffered=True)

    def transaction_open(self, raw: Any) -> bool | None:
        """The server's in-transaction flag (set by the first change, not by reads)."""
        return bool(raw.in_transaction)

    def sqlstate(self, exc: BaseException) -> str | None:
        errno = getattr(exc, "errno", None)
        state = getattr(exc, "sqlstate", None)
        if isinstance(state, str) and state:
            return state
        return str(errno) if isinstance(errno, int) and errno > 0 else None

    def classify(self, exc: BaseException) -> ErrorKind:
        errno = getattr(exc, "errno", None)
        if errno in _VALUE:
            return ErrorKind.VALUE
        if isinstance(errno, int) and errno > 0:
            for codes, kind in (
                (_INTEGRITY, ErrorKind.INTEGRITY),
                (_AUTH, ErrorKind.AUTH),
                (_CONNECTION, ErrorKind.CONNECTION),
                (_TRANSIENT, ErrorKind.TRANSIENT),
                (_QUERY, ErrorKind.QUERY),
            ):
                if errno in codes:
                    return kind
        state = getattr(exc, "sqlstate", None) or ""
        if state.startswith("23"):
            return ErrorKind.INTEGRITY
        if state.startswith("08"):
            return ErrorKind.CONNECTION
        if state.startswith("28"):
            return ErrorKind.AUTH
        if state.startswith(("42", "22")):
            return ErrorKind.QUERY
        if state.startswith("40"):
            return ErrorKind.TRANSIENT
        return dbapi_error_kind(exc)
