"""Oracle driver glue (python-oracledb in thin mode; extra ``oracle``).

Connections are opened with ``tcp_connect_timeout`` and no connect retries, then prepared:
session ``TIME_ZONE = '+00:00'`` (timestamps are bound and read as naive UTC), an output type
handler that fetches ``CLOB``/``NCLOB`` as ``str`` and ``BLOB`` as ``bytes`` (no LOB objects
escape), and with the ``schema=`` option ``CURRENT_SCHEMA``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from spine.db.drivers.base import ConnectOptions, Driver, ErrorKind, dbapi_error_kind
from spine.db.identifiers import validate_identifier
from spine.db.url import DatabaseURL

__all__ = ["OracleDriver"]

_INTEGRITY = {"ORA-00001", "ORA-01400", "ORA-01407", "ORA-02290", "ORA-02291", "ORA-02292"}
_TRANSIENT = {"ORA-00054", "ORA-00060", "ORA-08177", "ORA-30006", "ORA-00051"}
_AUTH = {"ORA-01017", "ORA-28000", "ORA-01045", "ORA-28001", "ORA-12514", "ORA-12505"}
_CONNECTION = {
    "ORA-03113",
    "ORA-03114",
    "ORA-03135",
    "ORA-12170",
    "ORA-12537",
    "ORA-12541",
    "ORA-12543",
    "ORA-12545",
    "ORA-01033",
    "ORA-01034",
    "ORA-01089",
    "ORA-01090",
    "ORA-02396",
    "ORA-12528",
    "ORA-12519",
}
_QUERY_PREFIXES = ("ORA-009", "ORA-0655", "ORA-0143", "ORA-0172", "ORA-0184", "ORA-0186")
_VALUE = {"ORA-01438", "ORA-01426"}  # value larger than precision / numeric overflow
_QUERY = {"ORA-01722", "ORA-12899", "ORA-01008", "ORA-01036", "ORA-01461"}


class OracleDriver(Driver):
    """Glue for python-oracledb (thin mode)."""

    name: ClassVar[str] = "oracle"
    module_name: ClassVar[str] = "oracledb"
    extra: ClassVar[str] = "oracle"
    option_names: ClassVar[frozenset[str]] = frozenset({"stmtcachesize"})
    test_name: ClassVar[str] = "oracle"
    test_url_env: ClassVar[str | None] = "SPINE_TEST_ORACLE_URL"

    def connect(
        self, url: DatabaseURL, *, timeout: float, schema: str | None, options: ConnectOptions
    ) -> Any:
        self.check_options(options)
        oracledb = self.load()
        kwargs: dict[str, Any] = {}
        if "stmtcachesize" in options:
            kwargs["stmtcachesize"] = int(options["stmtcachesize"])
        conn = oracledb.connect(
            user=url.username,
            password=url.password,
            dsn=f"{url.host}:{url.port or 1521}/{url.database}",
            tcp_connect_timeout=float(timeout),
            retry_count=0,
            **kwargs,
        )
        try:
            self.prepare(conn)
            if schema is not None:
                cur = conn.cursor()
                name = validate_identifier(schema, allow_dotted=False)
                cur.execute(f"ALTER SESSION SET CURRENT_SCHEMA = {name}")
                cur.close()
        except BaseException:
            conn.close()
            raise
        return conn

    def prepare(self, conn: Any) -> None:
        """UTC session time zone and LOB-free fetches on an oracledb connection."""
        oracledb = self.load()
        long_types = {
            oracledb.DB_TYPE_CLOB: oracledb.DB_TYPE_LONG,
            oracledb.DB_TYPE_NCLOB: oracledb.DB_TYPE_LONG_NVARCHAR,
            oracledb.DB_TYPE_BLOB: oracledb.DB_TYPE_LONG_RAW,
        }

        def output_type_handler(cursor: Any, metadata: Any) -> Any:
            target = long_types.get(metadata.type_code)
            if target is not None:
                return cursor.var(target, arraysize=cursor.arraysize)
            return None

        conn.outputtypehandler = output_type_handler
        cur = conn.cursor()
        cur.execute("ALTER SESSION SET TIME_ZONE = '+00:00'")  # an offset, not a region name
        cur.close()

    def transaction_open(self, raw: Any) -> bool | None:
        """``transaction_in_progress`` (python-oracledb 2.x; set by the first change)."""
        state = getattr(raw, "transaction_in_progress", None)
        return None if state is None else bool(state)

    def _code(self, exc: BaseException) -> str:
        err = exc.args[0] if exc.args else None
        code = getattr(err, "full_code", None)
        if isinstance(code, str) and code:
            return code
        text = str(exc)
        return text.split(":", 1)[0] if text[:4] in ("ORA-", "DPY-", "DPI-") else ""

    def sqlstate(self, exc: BaseException) -> str | None:
        return self._code(exc) or None

    def classify(self, exc: BaseException) -> ErrorKind:
        code = self._code(exc)
        if code in _INTEGRITY:
            return ErrorKind.INTEGRITY
        if code in _VALUE:
            return ErrorKind.VALUE
        if code in _TRANSIENT:
            return ErrorKind.TRANSIENT
        if code in _AUTH:
            return ErrorKind.AUTH
        if code in _CONNECTION or code.startswith(("DPY-6", "DPY-4011", "DPY-1001", "DPI-1080")):
            return ErrorKind.CONNECTION
        if code in _QUERY or code.startswith(_QUERY_PREFIXES):
            return ErrorKind.QUERY
        return dbapi_error_kind(exc)
