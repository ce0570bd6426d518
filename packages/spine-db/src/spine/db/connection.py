"""``create_connection(url)``: one DB-API-shaped connection over every backend.

:class:`SpineConnection` wraps a driver connection and implements the ``Connection``
protocol (``execute``, ``executemany``, ``fetchone``, ``fetchall``, ``commit``,
``rollback``) the same way on SQLite, PostgreSQL, MySQL/MariaDB, Oracle and Db2: rows are
tuples, driver errors become typed spine errors (:mod:`spine.db.errors`), connecting never
hangs past ``connect_timeout``.

Placeholders are the driver's own (``?``, ``%s``, ``:1``): build SQL with
``conn.dialect.placeholders(n)``.

Example:
    >>> from spine.db import create_connection
    >>> conn, info = create_connection("memory")
    >>> info.backend, info.url
    ('sqlite', 'sqlite:///:memory:')
    >>> _ = conn.execute("CREATE TABLE t (id INTEGER, name TEXT)")
    >>> _ = conn.executemany(f"INSERT INTO t VALUES ({conn.dialect.placeholders(2)})",
    ...                      [(1, "a"), (2, "b")])
    >>> conn.commit()
    >>> conn.execute("SELECT name FROM t ORDER BY id").fetchall()
    [('a',), ('b',)]
    >>> conn.close()
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NoReturn, Self

from spine.db.cursor import Params, SpineCursor
from spine.db.dialects import Dialect, dialect_name_for, get_dialect
from spine.db.drivers import Driver, connect_with_deadline, get_driver
from spine.db.errors import VALUE_ERROR_TYPES, translate_error
from spine.db.sqlscript import is_read_statement
from spine.db.tabledef import Table
from spine.db.url import DatabaseURL, parse_url
from spine.types import DatabaseConnectionError, InvalidConfigError, QueryError, ValidationError

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "ConnectionInfo",
    "Params",
    "SpineConnection",
    "SpineCursor",
    "connect",
    "create_connection",
    "wrap_connection",
]

DEFAULT_CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a server before raising ``DatabaseConnectionError``."""

UPDATE_ROWS_CHUNK = 200
"""Rows per set-based statement of :meth:`SpineConnection.update_rows`."""
UPDATE_ROWS_COLUMNAR_CHUNK = 5_000
"""Rows per statement where the dialect binds one array per column."""


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """What a connection is connected to. ``url`` has its password masked.

    Attributes:
        backend: Canonical backend name (``"sqlite"``, ``"postgresql"``, ``"mysql"``,
            ``"oracle"``, ``"db2"``).
        dialect: The backend's :class:`~spine.db.dialects.Dialect`.
        url: The URL with the password replaced by ``***``.
        database: Database name, Oracle service name or SQLite path.
        host: Server host (``None`` for SQLite).
        port: Server port.
        user: User name.
        schema: Schema selected with the ``schema=`` option, if any.
    """

    backend: str
    dialect: Dialect
    url: str
    database: str | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    schema: str | None = None

    @classmethod
    def from_url(cls, url: DatabaseURL, schema: str | None = None) -> ConnectionInfo:
        """Build the info of a parsed URL."""
        return cls(
            backend=url.backend,
            dialect=get_dialect(url.backend),
            url=url.masked(),
            database=url.database,
            host=url.host,
            port=url.port,
            user=url.username,
            schema=schema,
        )


class SpineConnection:
    """A DB-API 2 shaped connection, uniform over every supported driver.

    Implements the ``spine.types`` ``Connection`` protocol. ``execute`` returns a
    :class:`SpineCursor` and remembers it, so ``conn.fetchone()`` / ``conn.fetchall()`` read
    the last result (the ``sqlite3`` convenience, on every backend).

    Attributes:
        raw: The driver connection (``sqlite3.Connection``, ``psycopg.Connection``, ...).
        dialect: The backend's :class:`~spine.db.dialects.Dialect`.
        info: :class:`ConnectionInfo` (masked URL, database, host).

    A connection is not thread-safe: use one per thread (or a lock). As a context manager it
    closes the connection on exit, rolling back first if the block raised.
    """

    __slots__ = (
        "_closed",
        "_driver",
        "_error_types",
        "_last",
        "_owns_raw",
        "_tx_depth",
        "_writes",
        "dialect",
        "info",
        "raw",
    )

    def __init__(
        self, raw: Any, driver: Driver, info: ConnectionInfo, *, owns_raw: bool = True
    ) -> None:
        self.raw = raw
        self.dialect: Dialect = info.dialect
        self.info = info
        self._driver = driver
        self._error_types: tuple[type[BaseException], ...] = (
            *driver.error_types(),
            *VALUE_ERROR_TYPES,
        )
        self._last: SpineCursor | None = None
        self._closed = False
        self._tx_depth = 0
        self._writes = False
        self._owns_raw = owns_raw

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<SpineConnection {self.info.url} ({state})>"

    @property
    def backend(self) -> str:
        """Canonical backend name (same as ``dialect.name``)."""
        return self.dialect.name

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    @property
    def owns_raw(self) -> bool:
        """Whether spine opened :attr:`raw` (``False`` for :func:`wrap_connection`: the
        caller owns and closes the driver connection)."""
        return self._owns_raw

    @property
    def in_transaction_block(self) -> bool:
        """Whether a :func:`spine.db.transaction` block is active on this connection."""
        return self._tx_depth > 0

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on the connection, as the driver reports it.

        On PostgreSQL any statement opens one (a plain ``SELECT`` too); SQLite, MySQL and
        Oracle open one with the first change. For a driver that cannot tell (Db2) the
        connection tracks whether a change ran since the last commit or rollback.
        """
        if self._closed:
            return False
        if self._tx_depth > 0:
            return True
        state = self._driver.transaction_open(self.raw)
        return self._writes if state is None else state

    @property
    def has_pending_writes(self) -> bool:
        """Whether uncommitted work is pending: a :func:`spine.db.transaction` block is
        active, or a statement other than a plain read (see
        :func:`spine.db.sqlscript.is_read_statement`) ran since the last commit or rollback
        in a transaction that is still open (a DDL statement's implicit commit on MySQL,
        Oracle and Db2 ends it).

        This is how persistent primitives decide to join the caller's transaction (see
        :func:`spine.db.transaction.write`).
        """
        if self._closed:
            return False
        if self._tx_depth > 0:
            return True
        return self._writes and self._driver.transaction_open(self.raw) is not False

    def _fail(self, exc: BaseException, sql: str | None, action: str) -> NoReturn:
        raise translate_error(exc, self._driver, sql, action=action) from exc

    def _executed(self, cur: SpineCursor, sql: str, many: bool) -> None:
        """Cursor hook: remember the last result; note uncommitted changes."""
        self._last = cur
        if not self._writes and (many or not is_read_statement(sql)):
            self._writes = True

    def _cursor(self, raw: Any, sql: str | None = None) -> SpineCursor:
        return SpineCursor(raw, self._driver, self._error_types, sql, self._executed)

    def cursor(self) -> SpineCursor:
        """A new (unexecuted) :class:`SpineCursor`."""
        try:
            raw = self._driver.new_cursor(self.raw)
        except self._error_types as exc:
            self._fail(exc, None, "cursor")
        return self._cursor(raw)

    def execute(self, sql: str, params: Params = ()) -> SpineCursor:
        """Execute one statement and return its cursor (also kept for :meth:`fetchone`).

        Values are always bound, never interpolated. With no parameters the statement is
        sent as-is (so ``%`` needs no escaping on ``%s`` backends).
        """
        try:
            raw = self._driver.new_cursor(self.raw)
            if params:
                raw.execute(sql, params)
            else:
                raw.execute(sql)
        except self._error_types as exc:
            self._fail(exc, sql, "execute")
        cur = self._cursor(raw, sql)
        self._executed(cur, sql, False)
        return cur

    def execute_batch(self, statements: Sequence[tuple[str, Params]]) -> list[int]:
        """Execute several statements in order and return their row counts, in one round
        trip where the driver pipelines (PostgreSQL), one by one elsewhere.

        For writes whose results are only counts (an update guarded by a lease, then the
        rows that depend on it): check the counts and raise to roll the transaction back.
        The first failing statement raises its error, translated like :meth:`execute`'s;
        statements after it do not run.

        Example:
            >>> from spine.db import connect
            >>> conn = connect("memory")
            >>> conn.execute("CREATE TABLE t (k INTEGER)").close()
            >>> conn.execute_batch([("INSERT INTO t VALUES (?)", (1,)),
            ...                     ("UPDATE t SET k = k + 1", ())])
            [1, 1]
        """
        if not statements:
            return []
        try:
            counts = self._driver.run_batch(self.raw, statements)
        except self._error_types as exc:
            self._fail(exc, statements[0][0], "execute batch")
        if not self._writes and not all(is_read_statement(sql) for sql, _ in statements):
            self._writes = True
        return [n if n > 0 else 0 for n in counts]

    def start_rowcount(self, sql: str) -> Callable[[], int]:
        """Send a statement (no parameters) whose row count is needed later; returns a
        callable that waits for it and gives the count (``0`` when the driver cannot tell).

        Where the driver can (PostgreSQL: pipeline mode) the call returns once the statement
        is sent, and the server runs it while the caller prepares its next batch; elsewhere
        the statement runs at once. Until the callable has been called the connection must
        not be used for anything else - call it on error paths too: it raises the
        statement's error, translated like :meth:`execute`'s.
        """
        try:
            finish = self._driver.send_statement(self.raw, sql)
        except self._error_types as exc:
            self._fail(exc, sql, "execute")
        if not self._writes and not is_read_statement(sql):
            self._writes = True

        def done() -> int:
            try:
                n = finish()
            except self._error_types as exc:
                self._fail(exc, sql, "execute")
            return n if n > 0 else 0

        return done

    def executemany(self, sql: str, seq_of_params: Iterable[Params]) -> SpineCursor:
        """Execute one statement once per parameter set (drivers batch where they can).

        On a connection without uncommitted work a failure rolls back the parameter sets
        already executed (nothing of the batch is left to commit by mistake); inside the
        caller's open work the caller rolls back (or a :func:`spine.db.write` savepoint does).
        """
        idle = not self.has_pending_writes
        try:
            raw = self._driver.new_cursor(self.raw)
            raw.executemany(sql, seq_of_params)
        except self._error_types as exc:
            self._undo_partial(idle)
            self._fail(exc, sql, "executemany")
        cur = self._cursor(raw, sql)
        self._executed(cur, sql, True)
        return cur

    def _last_cursor(self) -> SpineCursor:
        if self._last is None:
            raise QueryError("no statement has been executed on this connection")
        return self._last

    def fetchone(self) -> tuple[Any, ...] | None:
        """The next row of the last statement's result."""
        return self._last_cursor().fetchone()

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        """Up to ``size`` rows of the last statement's result."""
        return self._last_cursor().fetchmany(size)

    def fetchall(self) -> list[tuple[Any, ...]]:
        """All remaining rows of the last statement's result."""
        return self._last_cursor().fetchall()

    def insert_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        chunk_size: int | None = None,
        temporary: bool = False,
    ) -> int:
        """Bulk-insert tuples in ``columns`` order with the backend's fastest path
        (``COPY`` on PostgreSQL, multi-row ``VALUES`` batches on SQLite and MySQL, array
        ``executemany`` on Oracle and Db2). Returns the row count.

        ``table`` and ``columns`` are validated identifiers; ``temporary`` names a table
        made by ``dialect.create_temp_table_as_sql`` (rendered through
        ``dialect.temp_table_name``). Does not commit. A failure on a connection without
        uncommitted work rolls back the chunks already sent (nothing of the batch is left to
        commit by mistake), as :meth:`executemany` does.
        """
        d = self.dialect
        table_sql = d.temp_table_name(table) if temporary else d.quote(table)
        columns_sql = d.quote_list(columns)
        insert_sql = d.insert_sql(table, columns, temporary=temporary)
        idle = not self.has_pending_writes
        self._writes = True
        try:
            return self._driver.bulk_insert(
                self.raw, insert_sql, table_sql, columns_sql, rows, chunk_size, len(columns)
            )
        except self._error_types as exc:
            self._undo_partial(idle)
            self._fail(exc, insert_sql, "bulk insert")

    def update_rows(
        self,
        table: Table,
        set_columns: Sequence[str],
        where_columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        chunk_size: int = UPDATE_ROWS_CHUNK,
    ) -> int:
        """Apply many single-row updates with the backend's fastest path; return how many
        rows matched (compare with ``len(rows)`` for optimistic checks).

        Each of ``rows`` binds ``UPDATE table SET <set_columns> WHERE <where_columns>``:
        its ``set_columns`` values, then its ``where_columns`` values. One set-based
        statement per ``chunk_size`` rows where the dialect has one
        (:meth:`~spine.db.dialects.Dialect.update_rows_sql`: PostgreSQL, MySQL/MariaDB),
        ``executemany`` of the single-row statement elsewhere. Match each target row with
        one source row at most. Does not commit; a failure on a connection without
        uncommitted work rolls back what was sent.

        Example:
            >>> from spine.db import connect
            >>> from spine.db.tabledef import ID, INT, Column, Table
            >>> t = Table("t", (Column("k", ID), Column("n", INT)), primary_key=("k",))
            >>> conn = connect("memory")
            >>> conn.execute(conn.dialect.create_table_sql(t)).close()
            >>> conn.insert_rows("t", ["k", "n"], [("a", 1), ("b", 2)])
            2
            >>> conn.update_rows(t, ["n"], ["k"], [(10, "a"), (20, "b"), (30, "zz")])
            2
        """
        if not rows:
            return 0
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValidationError(f"chunk_size must be a positive int, got {chunk_size!r}")
        d = self.dialect
        width = len(set_columns) + len(where_columns)
        for row in rows:
            if len(row) != width:
                raise ValidationError(
                    f"update_rows: a row has {len(row)} values, expected {width} "
                    f"({len(set_columns)} SET + {len(where_columns)} WHERE)"
                )
        columnar = d.update_rows_columnar
        if columnar:
            chunk_size = max(chunk_size, UPDATE_ROWS_COLUMNAR_CHUNK)
        full = min(len(rows), chunk_size)  # every chunk's size but perhaps the last one's
        full_sql = d.update_rows_sql(table, set_columns, where_columns, full)
        if full_sql is None:
            cur = self.executemany(d.update_row_sql(table.name, set_columns, where_columns), rows)
            try:
                return max(cur.rowcount, 0)
            finally:
                cur.close()
        matched = 0
        idle = not self.has_pending_writes
        try:
            for start in range(0, len(rows), chunk_size):
                chunk = rows[start : start + chunk_size]
                sql = (  # a columnar statement fits any size
                    full_sql
                    if columnar or len(chunk) == full
                    else d.update_rows_sql(table, set_columns, where_columns, len(chunk))
                )
                assert sql is not None
                if columnar:
                    params: list[Any] = [list(column) for column in zip(*chunk, strict=True)]
                else:
                    params = [value for row in chunk for value in row]
                cur = self.execute(sql, params)
                try:
                    matched += max(cur.rowcount, 0)
                finally:
                    cur.close()
        except BaseException:
            self._undo_partial(idle)
            raise
        return matched

    def _undo_partial(self, idle: bool) -> None:
        """After a failed batch: roll back what it sent when no other work was pending."""
        if idle and self._tx_depth == 0:
            with contextlib.suppress(Exception):  # the batch's error is the one that matters
                self.rollback()

    # -- notifications (backends whose dialect ``supports_notify``) ---------------------
    def listen(self, channel: str) -> None:
        """Subscribe this session to ``channel`` and commit (a subscription starts at
        commit). Use a dedicated connection for listening.

        Raises:
            ConfigError: the backend has no notifications.
        """
        self.execute(self.dialect.listen_sql(channel))
        self.commit()

    def unlisten(self, channel: str) -> None:
        """End this session's subscription to ``channel`` (and commit)."""
        self.execute(self.dialect.unlisten_sql(channel))
        self.commit()

    def notify(self, channel: str, payload: str) -> None:
        """Send ``payload`` on ``channel``. Delivered when the current transaction commits
        (this method does not commit), so a notification never announces work that was
        rolled back.

        Raises:
            ConfigError: the backend has no notifications.
        """
        self.execute(self.dialect.notify_sql(), (channel, payload))
        self._writes = True  # a pending notification is uncommitted work of the caller

    def wait_notifications(self, timeout: float) -> list[tuple[str, str]]:
        """Wait up to ``timeout`` seconds for notifications on the channels this session
        listens to; ``(channel, payload)`` pairs, ``[]`` on timeout.

        Raises:
            ConfigError: the backend has no notifications.
            DatabaseConnectionError: the connection was lost (reconnect and listen again).
        """
        try:
            return self._driver.wait_notifications(self.raw, timeout)
        except self._error_types as exc:
            self._fail(exc, None, "wait for notifications")

    def ping(self) -> None:
        """Run the dialect's ``ping_sql``: raises (a typed error) when the connection is
        unusable. Opens a transaction on server backends like any query; it does not end it.
        """
        self.execute(self.dialect.ping_sql).fetchall()

    def begin(self, *, immediate: bool = False) -> None:
        """Open a transaction explicitly.

        Server backends open transactions implicitly (this is a no-op for them). On SQLite
        it issues ``BEGIN`` (or ``BEGIN IMMEDIATE``, taking the write lock at once) so that
        DDL and reads join the transaction.
        """
        try:
            self._driver.begin(self.raw, immediate=immediate)
        except self._error_types as exc:
            self._fail(exc, "BEGIN", "begin")

    def commit(self) -> None:
        """Commit the current transaction."""
        try:
            self.raw.commit()
        except self._error_types as exc:
            self._fail(exc, None, "commit")
        self._writes = False

    def rollback(self) -> None:
        """Roll back the current transaction."""
        try:
            self.raw.rollback()
        except self._error_types as exc:
            self._fail(exc, None, "rollback")
        self._writes = False

    def close(self) -> None:
        """Close the connection (idempotent). Uncommitted work is discarded."""
        if self._closed:
            return
        self._closed = True
        self._last = None
        self._writes = False
        try:
            self.raw.close()
        except self._error_types as exc:
            self._fail(exc, None, "close")

    def _detach(self) -> None:
        """Mark closed without closing :attr:`raw` (a pool took the driver connection back)."""
        self._closed = True
        self._last = None
        self._writes = False
        self._tx_depth = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None and not self._closed:
            with contextlib.suppress(Exception):
                self.raw.rollback()
        self.close()


_COMMON_QUERY_OPTIONS = ("connect_timeout", "schema")


def _timeout(value: Any) -> float:
    try:
        timeout = float(value)
    except (TypeError, ValueError):
        raise InvalidConfigError(f"connect_timeout must be a number, got {value!r}") from None
    if timeout <= 0:
        raise InvalidConfigError(f"connect_timeout must be positive, got {value!r}")
    return timeout


def connect(url: str | None = None, **opts: Any) -> SpineConnection:
    """Open a connection from a URL (see :mod:`spine.db.url` for the accepted forms).

    Args:
        url: ``None``/``"memory"`` for in-memory SQLite, a SQLite path or ``sqlite:///`` URL,
            or a ``postgresql://``, ``mysql://``/``mariadb://``, ``oracle://`` or ``db2://``
            URL.
        **opts: ``connect_timeout`` (seconds, default 10), ``schema`` (PostgreSQL
            ``search_path``, MySQL database, Oracle ``CURRENT_SCHEMA``, Db2 ``SET SCHEMA``),
            plus backend options (see :mod:`spine.db.drivers`). ``connect_timeout`` and
            ``schema`` may also be given in the URL query string.

    Returns:
        The :class:`SpineConnection`; what it is connected to is ``conn.info``.

    Raises:
        InvalidConfigError: unknown scheme, malformed URL or unknown option.
        ConfigError: the backend's driver is not installed (the message names the extra).
        DatabaseConnectionError: the server is unreachable (retryable) or refuses the
            credentials (not retryable).

    Example:
        >>> conn = connect("memory")
        >>> conn.execute("SELECT 1").fetchone(), conn.info.backend
        ((1,), 'sqlite')
        >>> conn.close()
    """
    parsed = parse_url(url)
    driver = get_driver(parsed.backend)
    query = parsed.query_dict
    options = dict(opts)
    for key in (*_COMMON_QUERY_OPTIONS, *driver.url_options):
        if key in query and key not in options:
            options[key] = query[key]
    timeout = _timeout(options.pop("connect_timeout", DEFAULT_CONNECT_TIMEOUT))
    schema = options.pop("schema", None)
    driver.load()  # ConfigError naming the extra, before any network activity
    info = ConnectionInfo.from_url(parsed, schema)

    def open_raw() -> Any:
        return driver.connect(parsed, timeout=timeout, schema=schema, options=options)

    try:
        if driver.connect_in_thread:
            raw = connect_with_deadline(open_raw, timeout, what=parsed.backend)
        else:
            raw = open_raw()
    except driver.error_types() as exc:
        raise translate_error(exc, driver, action=f"connect to {info.url}").with_context(
            url=info.url
        ) from exc
    except OSError as exc:
        raise DatabaseConnectionError(
            f"{parsed.backend}: cannot connect to {info.url}: {exc}", cause=exc
        ).with_context(url=info.url) from exc
    return SpineConnection(raw, driver, info)


def create_connection(
    url: str | None = None, **opts: Any
) -> tuple[SpineConnection, ConnectionInfo]:
    """:func:`connect`, returning ``(connection, connection.info)`` (the spec's form).

    Example:
        >>> conn, info = create_connection("memory")
        >>> info is conn.info, conn.execute("SELECT 1").fetchone()
        (True, (1,))
        >>> conn.close()
    """
    conn = connect(url, **opts)
    return conn, conn.info


def wrap_connection(raw: Any, dialect_name: str | None = None) -> SpineConnection:
    """Wrap an existing DB-API connection (``sqlite3``, psycopg 3, mysql-connector, oracledb,
    ibm_db_dbi) in a :class:`SpineConnection`. The dialect is inferred from the driver when
    ``dialect_name`` is ``None``. The connection's session settings are left as they are:
    spine's own connections run in UTC (see the dialect notes).

    Example:
        >>> import sqlite3
        >>> conn = wrap_connection(sqlite3.connect(":memory:"))
        >>> conn.dialect.name, conn.execute("SELECT 2").fetchone()
        ('sqlite', (2,))
    """
    if isinstance(raw, SpineConnection):
        return raw
    backend = dialect_name_for(dialect_name if dialect_name is not None else raw)
    driver = get_driver(backend)
    info = ConnectionInfo(backend=backend, dialect=get_dialect(backend), url=f"<wrapped {backend}>")
    return SpineConnection(raw, driver, info, owns_raw=False)


def as_spine_connection(conn: Any) -> SpineConnection:
    """``conn`` itself if it is a :class:`SpineConnection`, else :func:`wrap_connection`."""
    return conn if isinstance(conn, SpineConnection) else wrap_connection(conn)
