"""PostgreSQL driver glue (psycopg 3; extra ``postgres``).

Connections are opened with ``autocommit=False``, ``TimeZone=UTC`` and, with the
``schema=`` option, ``search_path`` set to that schema. :meth:`PostgreSQLDriver.bulk_insert`
streams rows with ``COPY ... FROM STDIN``; :meth:`PostgreSQLDriver.send_statement` sends a
statement in pipeline mode and collects its result later.

Options: ``application_name``, ``sslmode`` and any other libpq keyword may be given in the
URL query string; ``prepare_threshold`` is passed to psycopg.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any, ClassVar

from spine.db.drivers.base import ConnectOptions, Driver, ErrorKind
from spine.db.identifiers import validate_identifier
from spine.db.url import DatabaseURL
from spine.types import ConfigError

__all__ = ["PostgreSQLDriver"]

_LIBPQ_KEYWORDS = (
    "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "require_auth",
    "channel_binding", "client_encoding", "options", "application_name",
    "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
    "keepalives_count", "tcp_user_timeout", "replication", "gssencmode", "sslmode",
    "requiressl", "sslcompression", "sslcert", "sslkey", "sslkeylogfile", "sslpassword",
    "sslcertmode", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "sslnegotiation",
    "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version", "krbsrvname",
    "gsslib", "gssdelegation", "service", "target_session_attrs", "load_balance_hosts",
)  # fmt: skip
"""libpq connection keywords (PostgreSQL 17), accepted in the URL query string."""

_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03", "53300")
_TRANSIENT_STATES = ("40001", "40P01", "55P03", "57014", "53")


_TUPLE_ROW: list[Any] = []


def _tuple_row() -> Any:
    if not _TUPLE_ROW:
        from psycopg.rows import tuple_row

        _TUPLE_ROW.append(tuple_row)
    return _TUPLE_ROW[0]


_PIPELINE: list[bool] = []


def _pipeline_supported() -> bool:
    """Whether this psycopg/libpq has pipeline mode (libpq 14+), asked once."""
    if not _PIPELINE:
        import psycopg

        _PIPELINE.append(bool(psycopg.Pipeline.is_supported()))
    return _PIPELINE[0]


class PostgreSQLDriver(Driver):
    """Glue for psycopg 3."""

    name: ClassVar[str] = "postgresql"
    module_name: ClassVar[str] = "psycopg"
    extra: ClassVar[str] = "postgres"
    import_hint: ClassVar[str] = (
        "psycopg needs the libpq client library: install it from your OS packages (libpq5, "
        'libpq), or use psycopg\'s self-contained build: pip install "spine-db[postgres-binary]"'
    )
    option_names: ClassVar[frozenset[str]] = frozenset({"prepare_threshold", "application_name"})
    query_options: ClassVar[frozenset[str]] = frozenset(_LIBPQ_KEYWORDS)
    numeric_query_options: ClassVar[Mapping[str, tuple[float, bool]]] = {
        "keepalives": (0, True),
        "keepalives_idle": (0, True),
        "keepalives_interval": (0, True),
        "keepalives_count": (0, True),
        "tcp_user_timeout": (0, True),
        "port": (1, True),
    }
    test_name: ClassVar[str] = "postgres"
    test_url_env: ClassVar[str | None] = "SPINE_TEST_POSTGRES_URL"
    default_test_url: ClassVar[str | None] = "postgresql://postgres@127.0.0.1:5432/test"

    def connect(
        self, url: DatabaseURL, *, timeout: float, schema: str | None, options: ConnectOptions
    ) -> Any:
        self.check_options(options)
        psycopg = self.load()
        query = url.query_dict
        settings = [query.pop("options", "").strip(), "-c TimeZone=UTC"]
        if schema is not None:
            settings.append(f"-c search_path={validate_identifier(schema, allow_dotted=False)}")
        kwargs: dict[str, Any] = {
            key: value for key, value in query.items() if key not in ("connect_timeout", "schema")
        }
        if url.host is not None:
            kwargs["host"] = url.host
        if url.port is not None:
            kwargs["port"] = url.port
        if url.database is not None:
            kwargs["dbname"] = url.database
        if url.username is not None:
            kwargs["user"] = url.username
        if url.password is not None:
            kwargs["password"] = url.password
        if "application_name" in options:
            kwargs["application_name"] = str(options["application_name"])
        kwargs.setdefault("application_name", "spine")
        conn = psycopg.connect(
            "",
            autocommit=False,
            connect_timeout=max(1, round(timeout)),
            options=" ".join(s for s in settings if s),
            **kwargs,
        )
        if "prepare_threshold" in options:
            conn.prepare_threshold = options["prepare_threshold"]
        return conn

    def new_cursor(self, raw: Any) -> Any:
        tuple_row = _tuple_row()
        if raw.row_factory is not tuple_row:
            return raw.cursor(row_factory=tuple_row)
        return raw.cursor()

    def pool_module(self) -> ModuleType:
        """:mod:`spine.db.drivers.postgresql_pool` (psycopg_pool)."""
        try:
            return importlib.import_module("spine.db.drivers.postgresql_pool")
        except ImportError as exc:
            raise ConfigError(
                "PostgreSQL connection pools need psycopg and psycopg_pool: "
                f'pip install "spine-db[{self.extra}]" (or "spine-db[postgres-binary]" where '
                f"the system has no libpq); import failed with: {exc}",
                cause=exc,
            ).with_context(extra=self.extra) from exc

    def transaction_open(self, raw: Any) -> bool | None:
        """Not ``IDLE`` (psycopg's ``transaction_status``: a statement opened one)."""
        return int(raw.info.transaction_status) != 0

    def wait_notifications(self, raw: Any, timeout: float) -> list[tuple[str, str]]:
        """psycopg's ``notifies()``: the first notification within ``timeout``, then every
        one already received."""
        got = [(n.channel, n.payload) for n in raw.notifies(timeout=timeout, stop_after=1)]
        if got:
            got.extend((n.channel, n.payload) for n in raw.notifies(timeout=0.0))
        return got

    def sqlstate(self, exc: BaseException) -> str | None:
        state = getattr(exc, "sqlstate", None)
        return state if isinstance(state, str) else None

    def classify(self, exc: BaseException) -> ErrorKind:
        psycopg = self.load()
        state = self.sqlstate(exc)
        if state:
            if state.startswith("23"):
                return ErrorKind.INTEGRITY
            if state == "22003":  # numeric_value_out_of_range
                return ErrorKind.VALUE
            if state.startswith("28") or state in ("3D000",):
                return ErrorKind.AUTH
            if state.startswith(_CONNECTION_STATES):
                return ErrorKind.CONNECTION
            if state.startswith(_TRANSIENT_STATES):
                return ErrorKind.TRANSIENT
            if state.startswith(("42", "22", "0A", "21", "2B", "44")):
                return ErrorKind.QUERY
            return ErrorKind.OTHER
        message = str(exc).lower()
        if "authentication failed" in message or (
            "does not exist" in message and ("database" in message or "role" in message)
        ):
            return ErrorKind.AUTH
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
            return ErrorKind.CONNECTION
        if isinstance(exc, psycopg.ProgrammingError | psycopg.DataError):
            return ErrorKind.QUERY
        if isinstance(exc, psycopg.IntegrityError):
            return ErrorKind.INTEGRITY
        return ErrorKind.OTHER

    def send_statement(self, raw: Any, sql: str) -> Callable[[], int]:
        """Send ``sql`` in pipeline mode and return at once: the server runs it while the
        caller works; the returned callable syncs the pipeline (waits for the result, raises
        its error) and gives the row count. With a libpq older than 14 (no pipeline mode)
        the statement runs at once."""
        if not _pipeline_supported():
            return super().send_statement(raw, sql)
        pipeline = raw.pipeline()
        pipeline.__enter__()
        try:
            cur = raw.cursor()
            cur.execute(sql)
        except BaseException as exc:
            pipeline.__exit__(type(exc), exc, exc.__traceback__)
            raise

        def finish() -> int:
            try:
                pipeline.__exit__(None, None, None)
                return int(cur.rowcount)
            finally:
                cur.close()

        return finish

    def run_batch(self, raw: Any, statements: Sequence[tuple[str, Any]]) -> list[int]:
        """Send every statement in pipeline mode, then sync once: one round trip (one by
        one with a libpq older than 14)."""
        if not _pipeline_supported():
            return super().run_batch(raw, statements)
        cursors = []
        try:
            with raw.pipeline():
                for sql, params in statements:
                    cur = raw.cursor()
                    cursors.append(cur)
                    cur.execute(sql, params or None)
            return [int(cur.rowcount) for cur in cursors]
        finally:
            for cur in cursors:
                cur.close()

    def bulk_insert(
        self,
        raw: Any,
        insert_sql: str,
        table_sql: str,
        columns_sql: str,
        rows: Iterable[Sequence[Any]],
        chunk_size: int | None,
        ncols: int,
    ) -> int:
        """``COPY table (cols) FROM STDIN`` with ``write_row`` (psycopg adapts each value)."""
        sent = 0
        with raw.cursor() as cur, cur.copy(f"COPY {table_sql} ({columns_sql}) FROM STDIN") as cp:
            write = cp.write_row
            for sent, row in enumerate(rows, 1):  # noqa: B007 - the last index is the count
                write(row)
        return sent
