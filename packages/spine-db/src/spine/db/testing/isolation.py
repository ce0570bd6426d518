"""``IsolatedDatabase``: a private space on a test backend, with any number of connections.

=========  ==================================================================================
backend    isolation
=========  ==================================================================================
sqlite     a new database file in a temporary directory
postgres   a new schema (``spine_t_<random>``); connections set ``search_path`` to it; dropped
           with ``CASCADE`` afterwards
mysql      a new database (``utf8mb4_bin``); dropped afterwards
db2        a new schema; connections ``SET SCHEMA`` to it; its tables and the schema are
           dropped afterwards
oracle     the URL's own schema (use a schema dedicated to tests): tables that did not exist
           when the space was created are dropped afterwards, and leftovers of crashed runs
           (``CORE_*``, ``_MIGRATIONS``, ``SPINE_T*``) are dropped before
=========  ==================================================================================

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     space = IsolatedDatabase.create("sqlite", tmp_path=d)
    ...     a, b = space.connect(), space.connect()   # two connections, same data
    ...     _ = a.execute("CREATE TABLE t (id INTEGER)"); a.commit()
    ...     b.execute("SELECT COUNT(*) FROM t").fetchone()
    ...     space.cleanup()
    (0,)
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from pathlib import Path
from typing import Any

from spine.db.connection import SpineConnection, create_connection
from spine.db.testing.backends import _canonical, backend_url
from spine.types import InvalidConfigError

__all__ = ["IsolatedDatabase"]

_ORACLE_LEFTOVERS = ("CORE_", "_MIGRATIONS", "SPINE_T")


class IsolatedDatabase:
    """An isolated space on one backend; :meth:`connect` opens connections into it.

    Create with :meth:`create`; always call :meth:`cleanup` (closes every connection it
    opened, then drops the space).
    """

    def __init__(
        self,
        backend: str,
        url: str | None,
        *,
        schema: str | None = None,
        path: Path | None = None,
        tmpdir: tempfile.TemporaryDirectory[str] | None = None,
        oracle_baseline: frozenset[str] | None = None,
    ) -> None:
        self.backend = backend
        self.url = url
        self.schema = schema
        self.path = path
        self._tmpdir = tmpdir
        self._oracle_baseline = oracle_baseline
        self._connections: list[SpineConnection] = []

    @classmethod
    def create(
        cls, backend: str, url: str | None = None, *, tmp_path: str | Path | None = None
    ) -> IsolatedDatabase:
        """Create an isolated space on ``backend`` (``sqlite``, ``postgres``, ``mysql``,
        ``oracle``, ``db2``). ``url`` defaults to :func:`backend_url`."""
        key = _canonical(backend)
        if key == "sqlite":
            tmpdir = None
            if tmp_path is None:
                tmpdir = tempfile.TemporaryDirectory(prefix="spine-db-")
                tmp_path = tmpdir.name
            path = Path(tmp_path) / f"spine_{secrets.token_hex(4)}.db"
            return cls(key, str(path), path=path, tmpdir=tmpdir)
        url = url or backend_url(key)
        if url is None:
            raise InvalidConfigError(f"no test URL for backend {key!r}")
        name = f"spine_t_{secrets.token_hex(6)}"
        admin, _ = create_connection(url)
        try:
            if key == "postgres":
                admin.execute(f"CREATE SCHEMA {name}")
                admin.commit()
                return cls(key, url, schema=name)
            if key == "mysql":
                admin.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                return cls(key, url, schema=name)
            if key == "db2":
                return cls(key, url, schema=name.upper())  # created implicitly by CREATE TABLE
            baseline = _oracle_tables(admin)
            for table in baseline:
                if table.startswith(_ORACLE_LEFTOVERS):
                    _oracle_drop(admin, table)
            return cls(key, url, oracle_baseline=_oracle_tables(admin))
        finally:
            admin.close()

    def connect(self, **opts: Any) -> SpineConnection:
        """A new connection into the isolated space (closed by :meth:`cleanup`)."""
        if self.backend == "sqlite":
            conn, _ = create_connection(self.url, **opts)
        else:
            conn, _ = create_connection(self.url, schema=self.schema, **opts)
        self._connections.append(conn)
        return conn

    def cleanup(self) -> None:
        """Close every connection opened here, then drop the space (best effort)."""
        for conn in self._connections:
            with contextlib.suppress(Exception):
                conn.rollback()
            with contextlib.suppress(Exception):
                conn.close()
        self._connections.clear()
        if self.backend == "sqlite":
            if self._tmpdir is not None:
                self._tmpdir.cleanup()
            elif self.path is not None:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(str(self.path) + suffix).unlink(missing_ok=True)
            return
        admin, _ = create_connection(self.url)
        try:
            if self.backend == "postgres":
                admin.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
                admin.commit()
            elif self.backend == "mysql":
                admin.execute(f"DROP DATABASE IF EXISTS {self.schema}")
            elif self.backend == "db2":
                cur = admin.execute(
                    "SELECT TABNAME FROM SYSCAT.TABLES WHERE TABSCHEMA = ? AND TYPE = 'T'",
                    (self.schema,),
                )
                for (table,) in cur.fetchall():
                    admin.execute(f'DROP TABLE "{self.schema}"."{table}"')
                admin.commit()
                with contextlib.suppress(Exception):
                    admin.execute(f'DROP SCHEMA "{self.schema}" RESTRICT')
                    admin.commit()
            else:
                baseline = self._oracle_baseline or frozenset()
                for table in _oracle_tables(admin) - baseline:
                    _oracle_drop(admin, table)
        finally:
            admin.close()


def _oracle_tables(conn: SpineConnection) -> frozenset[str]:
    cur = conn.execute("SELECT table_name FROM user_tables")
    return frozenset(str(r[0]) for r in cur.fetchall())


def _oracle_drop(conn: SpineConnection, table: str) -> None:
    escaped = table.replace('"', '""')
    with contextlib.suppress(Exception):
        conn.execute(f'DROP TABLE "{escaped}" CASCADE CONSTRAINTS PURGE')
