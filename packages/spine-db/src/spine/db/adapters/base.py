"""``DatabaseAdapter``: a connect/execute/query/transaction object per backend.

Adapters are the configuration-driven face of spine-db: build one from a
:class:`~spine.db.DatabaseConfig` (or URL) and it opens its connection through
:func:`spine.db.create_connection` — there is no second connect path. An adapter is also a
``StorageBackend`` (``transaction()`` / ``get_connection()``).

Example:
    >>> from spine.db.adapters import get_adapter
    >>> with get_adapter("sqlite") as db:
    ...     _ = db.execute("CREATE TABLE t (id INTEGER)")
    ...     with db.transaction() as conn:
    ...         _ = conn.execute("INSERT INTO t VALUES (1)")
    ...     db.query("SELECT id FROM t")
    [{'id': 1}]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Self

from spine.db.config import DatabaseConfig, DatabaseType
from spine.db.connection import (
    ConnectionInfo,
    Params,
    SpineConnection,
    SpineCursor,
    create_connection,
)
from spine.db.dialects import Dialect, get_dialect
from spine.db.repository import BaseRepository
from spine.db.schema.catalog import table_exists
from spine.db.transaction import transaction
from spine.types import DatabaseConnectionError, InvalidConfigError

__all__ = ["DatabaseAdapter"]


class DatabaseAdapter:
    """Base adapter: lazily connected, one connection, typed errors.

    Subclasses set :attr:`db_type` and :attr:`ping_sql`.

    Args:
        config: Connection settings (default: in-memory SQLite for the SQLite adapter).
    """

    db_type: ClassVar[DatabaseType] = DatabaseType.SQLITE
    ping_sql: ClassVar[str] = "SELECT 1"

    def __init__(self, config: DatabaseConfig | None = None) -> None:
        config = config if config is not None else DatabaseConfig(type=self.db_type)
        if config.type is not self.db_type:
            raise InvalidConfigError(
                f"{type(self).__name__} handles {self.db_type.value}, got a "
                f"{config.type.value} config"
            )
        self.config = config
        self._conn: SpineConnection | None = None
        self._info: ConnectionInfo | None = None

    def __repr__(self) -> str:
        state = "connected" if self.is_connected else "disconnected"
        return f"<{type(self).__name__} {self.config.safe_url()} ({state})>"

    @property
    def dialect(self) -> Dialect:
        """The backend's dialect (no connection needed)."""
        return get_dialect(self.db_type.value)

    @property
    def is_connected(self) -> bool:
        """Whether a connection is open."""
        return self._conn is not None and not self._conn.closed

    @property
    def info(self) -> ConnectionInfo | None:
        """Connection details (masked URL) once connected."""
        return self._info

    def connect(self) -> SpineConnection:
        """Open the connection (idempotent) and return it."""
        if self._conn is None or self._conn.closed:
            self._conn, self._info = create_connection(
                self.config.to_url(), **self.config.connection_options()
            )
        return self._conn

    def disconnect(self) -> None:
        """Close the connection if open."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def connection(self) -> SpineConnection:
        """The open connection (raises if :meth:`connect` was not called)."""
        if self._conn is None or self._conn.closed:
            raise DatabaseConnectionError(
                f"{type(self).__name__} is not connected; call connect()", retryable=False
            )
        return self._conn

    def get_connection(self) -> SpineConnection:
        """The connection, opened on first use (``StorageBackend``)."""
        return self.connect()

    def execute(self, sql: str, params: Params = ()) -> SpineCursor:
        """Execute one statement (connects if needed)."""
        return self.connect().execute(sql, params)

    def executemany(self, sql: str, seq_of_params: Iterable[Params]) -> SpineCursor:
        """Execute one statement once per parameter set."""
        return self.connect().executemany(sql, seq_of_params)

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows as dicts keyed by lower-case column names."""
        return BaseRepository(self.connect()).query(sql, params)

    def query_one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        """The first row as a dict, or ``None``."""
        return BaseRepository(self.connect()).query_one(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[SpineConnection]:
        """Commit on success, roll back on error (see :func:`spine.db.transaction`)."""
        with transaction(self.connect()) as conn:
            yield conn

    def commit(self) -> None:
        """Commit the current transaction."""
        self.connection.commit()

    def rollback(self) -> None:
        """Roll back the current transaction."""
        self.connection.rollback()

    def table_exists(self, name: str) -> bool:
        """Whether table ``name`` exists."""
        return table_exists(self.connect(), name)

    def health_check(self) -> bool:
        """Run a trivial query; ``True`` when the database answers."""
        try:
            cur = self.connect().execute(self.ping_sql)
            cur.fetchall()
            cur.close()
        except DatabaseConnectionError:
            return False
        return True

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()
