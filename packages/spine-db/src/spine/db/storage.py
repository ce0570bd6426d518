"""``Database``: the ``StorageBackend`` over one lazily opened :class:`SpineConnection`.

``StorageBackend`` (spine.types) is the small protocol every persistent primitive can take:
``transaction()`` yields a connection inside a transaction, ``get_connection()`` returns the
connection for callers that manage transactions themselves. :class:`Database` is its one
implementation; :class:`~spine.db.adapters.DatabaseAdapter` (the spec's configuration-driven
adapters) is the same object built from a :class:`~spine.db.DatabaseConfig`.

Example:
    >>> from spine.db import Database
    >>> with Database("memory") as db:
    ...     with db.transaction() as conn:
    ...         _ = conn.execute("CREATE TABLE t (id INTEGER)")
    ...         _ = conn.execute("INSERT INTO t VALUES (1)")
    ...     db.get_connection().execute("SELECT COUNT(*) FROM t").fetchone()
    (1,)
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Self

from spine.db.connection import ConnectionInfo, SpineConnection, connect
from spine.db.dialects import Dialect
from spine.db.schema.component import SchemaComponent
from spine.db.schema.install import SchemaInstall, install_schema
from spine.db.transaction import transaction

__all__ = ["Database", "SpineStorage"]


class Database:
    """A database reached through one lazily opened :class:`SpineConnection`.

    Args:
        url: Any URL accepted by :func:`spine.db.connect` (``None`` = in-memory SQLite).
        **opts: Connection options (``connect_timeout``, ``schema``, ...).

    ``transaction()`` blocks are serialised by a lock, so a ``Database`` may be shared by
    threads; for parallel work give each worker its own ``Database`` (or use
    :func:`spine.db.create_sync_pool`).
    """

    def __init__(self, url: str | None = None, **opts: Any) -> None:
        self._url = url
        self._opts = opts
        self._conn: SpineConnection | None = None
        self._lock = threading.RLock()

    @classmethod
    def from_connection(cls, conn: SpineConnection) -> Self:
        """A ``Database`` over an already open connection (closed by :meth:`close`)."""
        db = cls.__new__(cls)
        Database.__init__(db)
        db._conn = conn
        return db

    def _open(self) -> SpineConnection:
        """Open the connection (subclasses change where the URL comes from)."""
        return connect(self._url, **self._opts)

    @property
    def is_connected(self) -> bool:
        """Whether the connection is open."""
        return self._conn is not None and not self._conn.closed

    def get_connection(self) -> SpineConnection:
        """The connection (opened on first use). The caller manages transactions."""
        with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = self._open()
            return self._conn

    @contextmanager
    def transaction(self) -> Iterator[SpineConnection]:
        """Yield the connection inside a transaction: commit on success, roll back on error."""
        with self._lock, transaction(self.get_connection()) as conn:
            yield conn

    @property
    def dialect(self) -> Dialect:
        """The backend's dialect (opens the connection if needed)."""
        return self.get_connection().dialect

    @property
    def info(self) -> ConnectionInfo | None:
        """Connection details with the password masked (opens the connection if needed)."""
        return self.get_connection().info

    def install_schema(
        self, components: Iterable[str | SchemaComponent] | None = None
    ) -> SchemaInstall:
        """:func:`spine.db.schema.install_schema` on this database."""
        with self._lock:
            return install_schema(self.get_connection(), components)

    def create_core_tables(self) -> list[str]:
        """Create and migrate the tables of every schema component; returns those created."""
        return list(self.install_schema().created)

    def close(self) -> None:
        """Close the connection (a later call reopens it)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        from spine.db.url import mask_url

        return f"Database({mask_url(self._url)!r})"


SpineStorage = Database
"""Alias of :class:`Database`."""
