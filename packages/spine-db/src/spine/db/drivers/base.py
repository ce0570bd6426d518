"""The :class:`Driver` interface: what spine needs from each DB-API driver.

A driver module knows how to import its library lazily (naming the extra to install when it
is missing), open a connection from a :class:`~spine.db.url.DatabaseURL` within a deadline,
classify the library's exceptions into an :class:`ErrorKind`, and bulk-insert rows fast.
Nothing in here imports a database library at module import time.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import Enum
from itertools import islice
from types import ModuleType
from typing import Any, ClassVar, TypeVar

from spine.db.url import DatabaseURL
from spine.types import ConfigError, DatabaseConnectionError, InvalidConfigError

__all__ = [
    "ConnectOptions",
    "Driver",
    "ErrorKind",
    "chunked",
    "connect_with_deadline",
    "dbapi_error_kind",
]

T = TypeVar("T")

ConnectOptions = Mapping[str, Any]
"""Options accepted by ``create_connection(url, **opts)`` after common ones are parsed."""


class ErrorKind(Enum):
    """How a driver exception is translated (see :mod:`spine.db.errors`)."""

    CONNECTION = "connection"  # refused, lost, closed: DatabaseConnectionError (retryable)
    AUTH = "auth"  # bad credentials / unknown database: DatabaseConnectionError, not retryable
    INTEGRITY = "integrity"  # unique, primary key, foreign key, not null, check
    QUERY = "query"  # syntax, undefined table/column, bad parameters, bad data
    TRANSIENT = "transient"  # deadlock, lock timeout, serialization failure: retryable
    VALUE = "value"  # a value out of the column type's range: ValidationError
    OTHER = "other"


_KIND_BY_DBAPI_CLASS: dict[str, ErrorKind] = {
    "IntegrityError": ErrorKind.INTEGRITY,
    "ProgrammingError": ErrorKind.QUERY,
    "DataError": ErrorKind.QUERY,
    "InterfaceError": ErrorKind.CONNECTION,
    "OperationalError": ErrorKind.CONNECTION,
}


def dbapi_error_kind(exc: BaseException) -> ErrorKind:
    """Classify ``exc`` by its DB-API 2 (PEP 249) exception class, nearest class first: the
    fallback of drivers whose error carries no recognised code."""
    for cls in type(exc).__mro__:
        kind = _KIND_BY_DBAPI_CLASS.get(cls.__name__)
        if kind is not None:
            return kind
    return ErrorKind.OTHER


def chunked(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """Split ``rows`` into lists of at most ``size`` items."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def connect_with_deadline(fn: Callable[[], T], timeout: float, *, what: str) -> T:
    """Run a blocking driver ``connect`` with a hard deadline.

    Drivers have their own connect timeouts; this guard makes "never a hang" hold even when
    one of them does not (DNS, TLS or a half-open socket). The call runs in a daemon thread;
    past ``timeout`` plus a grace period a retryable ``DatabaseConnectionError`` is raised and a
    connection that arrives later is closed.
    """
    result: list[T] = []
    error: list[BaseException] = []
    done = threading.Event()
    abandoned = threading.Event()

    def run() -> None:
        try:
            conn = fn()
        except BaseException as exc:
            error.append(exc)
        else:
            if abandoned.is_set():
                with contextlib.suppress(Exception):  # best effort on an abandoned connection
                    conn.close()  # type: ignore[attr-defined]
            else:
                result.append(conn)
        finally:
            done.set()

    thread = threading.Thread(target=run, name=f"spine-db-connect-{what}", daemon=True)
    thread.start()
    if not done.wait(timeout + max(2.0, timeout / 2)):
        abandoned.set()
        if not done.is_set():
            raise DatabaseConnectionError(
                f"{what}: connection not established within {timeout:g}s"
            ).with_context(backend=what, connect_timeout=timeout)
    if error:
        raise error[0]
    return result[0]


class Driver:
    """Base of the per-backend driver glue. Subclasses override the hooks."""

    name: ClassVar[str] = ""
    """Canonical backend name (same as the dialect name)."""
    module_name: ClassVar[str] = ""
    """Import name of the DB-API library."""
    extra: ClassVar[str] = ""
    """The ``spine-db`` extra that installs the library."""
    import_hint: ClassVar[str] = ""
    """What to do when the library is installed but fails to import (e.g. a missing C library)."""
    rows_are_tuples: ClassVar[bool] = True
    """Whether the library's cursors return plain tuples (no conversion needed)."""
    option_names: ClassVar[frozenset[str]] = frozenset()
    """Backend-specific ``create_connection`` options this driver accepts."""
    url_options: ClassVar[tuple[str, ...]] = ()
    """Options of :attr:`option_names` that may also be given in the URL query string."""
    query_options: ClassVar[frozenset[str]] = frozenset()
    """Every URL query parameter this backend accepts besides ``connect_timeout`` and
    ``schema`` (:func:`spine.db.url.parse_url` refuses any other)."""
    query_options_ignore_case: ClassVar[bool] = False
    """Whether query parameter names are matched case-insensitively (Db2 CLI keywords)."""
    numeric_query_options: ClassVar[Mapping[str, tuple[float, bool]]] = {}
    """Numeric query parameters: ``name -> (minimum, minimum allowed)``."""
    default_chunk_size: ClassVar[int] = 10_000
    connect_in_thread: ClassVar[bool] = True
    """Whether ``connect`` runs under :func:`connect_with_deadline` (a network connect can
    hang; opening a local file cannot)."""
    test_name: ClassVar[str] = ""
    """The backend's name in test ids, ``SPINE_REQUIRE_BACKENDS`` and ``@pytest.mark.backend``
    (``postgres`` for PostgreSQL)."""
    test_url_env: ClassVar[str | None] = None
    """Environment variable holding the URL of the backend's test server."""
    default_test_url: ClassVar[str | None] = None
    """The test server's URL when :attr:`test_url_env` is unset (local services)."""

    def load(self) -> ModuleType:
        """Import the driver library, or raise ``ConfigError`` naming the extra to install."""
        try:
            return importlib.import_module(self.module_name)
        except ImportError as exc:
            missing = isinstance(exc, ModuleNotFoundError) and (
                exc.name is None or f"{self.module_name}.".startswith(f"{exc.name}.")
            )
            if missing:
                message = (
                    f"the {self.name} backend needs the {self.module_name!r} driver: "
                    f'pip install "spine-db[{self.extra}]"'
                )
            else:
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                hint = self.import_hint or (
                    f'reinstall it: pip install --force-reinstall "spine-db[{self.extra}]"'
                )
                message = (
                    f"the {self.name} backend's driver {self.module_name!r} is installed but "
                    f"cannot be imported ({reason}); {hint}"
                )
            raise ConfigError(message, cause=exc).with_context(
                backend=self.name, extra=self.extra
            ) from exc

    def check_options(self, options: ConnectOptions) -> None:
        """Reject options this driver does not understand."""
        unknown = sorted(set(options) - self.option_names)
        if unknown:
            raise InvalidConfigError(
                f"unknown option(s) for {self.name}: {', '.join(unknown)}; "
                f"accepted: {', '.join(sorted(self.option_names)) or 'none'}"
            )

    def connect(
        self, url: DatabaseURL, *, timeout: float, schema: str | None, options: ConnectOptions
    ) -> Any:
        """Open and prepare a raw connection (autocommit off, UTC session)."""
        raise NotImplementedError

    def error_types(self) -> tuple[type[BaseException], ...]:
        """The library's exception base classes (caught and translated at the boundary)."""
        return (self.load().Error,)

    def classify(self, exc: BaseException) -> ErrorKind:
        """Map one of the library's exceptions to an :class:`ErrorKind`."""
        return ErrorKind.OTHER

    def sqlstate(self, exc: BaseException) -> str | None:
        """The SQLSTATE (or native error code) of ``exc`` when the library exposes one."""
        return None

    def new_cursor(self, raw: Any) -> Any:
        """A new cursor on ``raw`` (drivers may ask for buffered or tuple cursors)."""
        return raw.cursor()

    def begin(self, raw: Any, *, immediate: bool = False) -> bool:
        """Open a transaction explicitly where the library does not do it before the first
        statement; returns whether a statement was sent. Server backends open transactions
        implicitly (nothing to do)."""
        return False

    def pool_module(self) -> ModuleType:
        """The module making connection pools for this backend (``make_pool(url, ...,
        sync=...)``), imported on first use.

        Raises:
            InvalidConfigError: spine offers no pool for this backend.
            ConfigError: the pool library is not installed (the message names the extra).
        """
        raise InvalidConfigError(
            f"spine offers connection pools for PostgreSQL only, not {self.name}: open one "
            "connection per worker with spine.db.connect"
        ).with_context(backend=self.name)

    def transaction_open(self, raw: Any) -> bool | None:
        """Whether ``raw`` has an open transaction, as the library reports it (``None`` when
        the library cannot tell: the connection then tracks it)."""
        return None

    def wait_notifications(self, raw: Any, timeout: float) -> list[tuple[str, str]]:
        """Block up to ``timeout`` seconds for notifications on ``raw`` (a connection that
        ran the dialect's ``listen_sql`` and committed); return ``(channel, payload)`` pairs,
        ``[]`` when none arrived.

        Raises:
            ConfigError: the backend has no notifications.
        """
        raise ConfigError(f"{self.name} has no asynchronous notifications (LISTEN/NOTIFY)")

    def send_statement(self, raw: Any, sql: str) -> Callable[[], int]:
        """Run ``sql`` (no parameters); return a callable giving its row count.

        The default runs it at once. A driver that can send a statement and collect its
        result later (PostgreSQL: psycopg's pipeline mode) returns as soon as it is sent, so
        the server works while the caller prepares its next batch; ``raw`` must then not be
        used until the callable has been called (it raises the statement's error, if any).
        """
        cur = self.new_cursor(raw)
        try:
            cur.execute(sql)
            n = int(cur.rowcount)
        finally:
            cur.close()
        return lambda: n

    def run_batch(self, raw: Any, statements: Sequence[tuple[str, Any]]) -> list[int]:
        """Run ``statements`` (SQL, parameters) in order; return their row counts.

        The default runs them one by one. A driver with pipelining (PostgreSQL) sends them
        all and waits once: one round trip for the lot. The first error stops the batch (the
        caller's transaction must then be rolled back).
        """
        counts: list[int] = []
        for sql, params in statements:
            cur = self.new_cursor(raw)
            try:
                if params:
                    cur.execute(sql, params)
                else:
                    cur.execute(sql)
                counts.append(int(cur.rowcount))
            finally:
                cur.close()
        return counts

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
        """Insert ``rows`` (tuples in column order, ``ncols`` values each); returns how many
        were sent.

        The default is ``executemany`` in chunks; PostgreSQL overrides it with ``COPY``.
        """
        size = chunk_size or self.default_chunk_size
        cur = self.new_cursor(raw)
        count = 0
        try:
            for chunk in chunked(rows, size):
                cur.executemany(insert_sql, chunk)
                count += len(chunk)
        finally:
            cur.close()
        return count
