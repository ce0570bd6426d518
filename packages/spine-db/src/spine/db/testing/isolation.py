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

from spine.db.connection import SpineConnection, connect
from spine.db.dialects import Dialect, get_dialect
from spine.db.testing.backends import backend_test_name, backend_url
from spine.types import InvalidConfigError

__all__ = ["IsolatedDatabase"]

_LEFTOVER_PREFIXES = ("core_", "_migrations", "spine_t")
"""Tables of crashed runs dropped before a ``tables``-isolated space is used."""


class IsolatedDatabase:
    """An isolated space on one backend; :meth:`connect` opens connections into it.

    Create with :meth:`create`; always call :meth:`cleanup` (closes every connection it
    opened, then drops the space). How a backend is isolated is its dialect's
    :attr:`~spine.db.dialects.Dialect.isolation`.
    """

    def __init__(
        self,
        backend: str,
        url: str | None,
        *,
        schema: str | None = None,
        path: Path | None = None,
        tmpdir: tempfile.TemporaryDirectory[str] | None = None,
        baseline: frozenset[str] | None = None,
    ) -> None:
        self.backend = backend
        self.url = url
        self.schema = schema
        self.path = path
        self._tmpdir = tmpdir
        self._baseline = baseline
        self._connections: list[SpineConnection] = []

    @property
    def dialect(self) -> Dialect:
        """The backend's dialect."""
        return get_dialect(self.backend)

    @classmethod
    def create(
        cls, backend: str, url: str | None = None, *, tmp_path: str | Path | None = None
    ) -> IsolatedDatabase:
        """Create an isolated space on ``backend`` (``sqlite``, ``postgres``, ``mysql``,
        ``oracle``, ``db2``, or any alias). ``url`` defaults to :func:`backend_url`."""
        key = backend_test_name(backend)
        d = get_dialect(backend)
        if d.isolation == "file":
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
        admin = connect(url)
        try:
            if d.isolation == "schema":
                for stmt in d.create_schema_statements(name):
                    admin.execute(stmt)
                admin.commit()
                return cls(key, url, schema=d.fold(name))
            leftovers = tuple(d.fold(p) for p in _LEFTOVER_PREFIXES)
            for table in _tables(admin):
                if table.startswith(leftovers):
                    _drop(admin, table)
            return cls(key, url, baseline=_tables(admin))
        finally:
            admin.close()

    def connect(self, **opts: Any) -> SpineConnection:
        """A new connection into the isolated space (closed by :meth:`cleanup`)."""
        if self.schema is None:
            conn = connect(self.url, **opts)
        else:
            conn = connect(self.url, schema=self.schema, **opts)
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
        d = self.dialect
        if d.isolation == "file":
            if self._tmpdir is not None:
                self._tmpdir.cleanup()
            elif self.path is not None:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(str(self.path) + suffix).unlink(missing_ok=True)
            return
        admin = connect(self.url)
        try:
            if d.isolation == "schema" and self.schema is not None:
                sql, params = d.list_tables_sql(self.schema)
                tables = [str(r[0]) for r in admin.execute(sql, params).fetchall()]
                admin.commit()
                for stmt in d.drop_schema_statements(self.schema, tables):
                    with contextlib.suppress(Exception):
                        admin.execute(stmt)
                        admin.commit()
            else:
                for table in _tables(admin) - (self._baseline or frozenset()):
                    _drop(admin, table)
        finally:
            admin.close()


def _tables(conn: SpineConnection) -> frozenset[str]:
    sql, params = conn.dialect.list_tables_sql()
    found = frozenset(str(r[0]) for r in conn.execute(sql, params).fetchall())
    conn.commit()
    return found


def _drop(conn: SpineConnection, table: str) -> None:
    with contextlib.suppress(Exception):
        conn.execute(conn.dialect.drop_catalog_table_sql(table))
        conn.commit()
