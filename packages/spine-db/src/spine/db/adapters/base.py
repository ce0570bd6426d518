"""``DatabaseAdapter``: the spec's configuration-driven face of :class:`~spine.db.Database`.

An adapter *is* a :class:`~spine.db.Database` (the ``StorageBackend``: one lazily opened
:class:`~spine.db.SpineConnection`, ``transaction()``, ``get_connection()``) built from a
:class:`~spine.db.DatabaseConfig`, whose secret references are resolved only when it
connects. Its ``execute`` / ``query`` / ``commit`` helpers are one-line delegations to that
connection and :class:`~spine.db.BaseRepository`: there is one connection face.

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

from collections.abc import Iterable
from typing import Any, ClassVar, Self

from spine.db.config import DatabaseConfig, DatabaseType
from spine.db.connection import ConnectionInfo, Params, SpineConnection, SpineCursor, connect
from spine.db.dialects import Dialect, get_dialect
from spine.db.repository import BaseRepository
from spine.db.schema.catalog import table_exists
from spine.db.storage import Database
from spine.types import DatabaseConnectionError, InvalidConfigError

__all__ = ["DatabaseAdapter"]


class DatabaseAdapter(Database):
    """A :class:`~spine.db.Database` built from a :class:`~spine.db.DatabaseConfig`.

    Subclasses set :attr:`db_type`.

    Args:
        config: Connection settings (default: in-memory SQLite for the SQLite adapter).
    """

    db_type: ClassVar[DatabaseType] = DatabaseType.SQLITE

    def __init__(self, config: DatabaseConfig | None = None) -> None:
        config = config if config is not None else DatabaseConfig(type=self.db_type)
        if config.type is not self.db_type:
            raise InvalidConfigError(
                f"{type(self).__name__} handles {self.db_type.value}, got a "
                f"{config.type.value} config"
            )
        super().__init__()
        self.config = config

    def _open(self) -> SpineConnection:
        return connect(self.config.to_url(), **self.config.connection_options())

    def __repr__(self) -> str:
        state = "connected" if self.is_connected else "disconnected"
        return f"<{type(self).__name__} {self.config.safe_url()} ({state})>"

    @property
    def dialect(self) -> Dialect:
        """The backend's dialect (no connection needed)."""
        return get_dialect(self.db_type.value)

    @property
    def info(self) -> ConnectionInfo | None:
        """Connection details (masked URL) once connected, else ``None``."""
        return self._conn.info if self.is_connected and self._conn is not None else None

    def connect(self) -> SpineConnection:
        """Open the connection (idempotent) and return it (same as :meth:`get_connection`)."""
        return self.get_connection()

    def disconnect(self) -> None:
        """Close the connection if open (same as :meth:`close`)."""
        self.close()

    @property
    def connection(self) -> SpineConnection:
        """The open connection (raises if :meth:`connect` was not called)."""
        if self._conn is None or self._conn.closed:
            raise DatabaseConnectionError(
                f"{type(self).__name__} is not connected; call connect()", retryable=False
            )
        return self._conn

    # -- the spec's helpers: delegations to the connection -----------------------------------
    def execute(self, sql: str, params: Params = ()) -> SpineCursor:
        """``connection.execute`` (connects if needed)."""
        return self.connect().execute(sql, params)

    def executemany(self, sql: str, seq_of_params: Iterable[Params]) -> SpineCursor:
        """``connection.executemany``."""
        return self.connect().executemany(sql, seq_of_params)

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """:meth:`BaseRepository.query <spine.db.BaseRepository.query>`: rows as dicts."""
        return BaseRepository(self.connect()).query(sql, params)

    def query_one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        """:meth:`BaseRepository.query_one <spine.db.BaseRepository.query_one>`."""
        return BaseRepository(self.connect()).query_one(sql, params)

    def commit(self) -> None:
        """``connection.commit``."""
        self.connection.commit()

    def rollback(self) -> None:
        """``connection.rollback``."""
        self.connection.rollback()

    def table_exists(self, name: str) -> bool:
        """Whether table ``name`` exists."""
        return table_exists(self.connect(), name)

    def health_check(self) -> bool:
        """Run the backend's ping query; ``True`` when the database answers."""
        try:
            self.connect().ping()
        except DatabaseConnectionError:
            return False
        return True

    def __enter__(self) -> Self:
        self.connect()
        return self
