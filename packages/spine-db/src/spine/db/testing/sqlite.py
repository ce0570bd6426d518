"""SQLite fixtures: in-memory and temporary-file connections with the core tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spine.db.connection import SpineConnection, create_connection
from spine.db.schema.install import create_core_tables

__all__ = ["memory_connection", "temp_sqlite"]


def memory_connection(*, core_tables: bool = True, **opts: Any) -> SpineConnection:
    """A new in-memory SQLite connection, with the core tables unless ``core_tables=False``.

    Example:
        >>> conn = memory_connection(core_tables=False)
        >>> conn.dialect.name
        'sqlite'
    """
    conn, _ = create_connection(None, **opts)
    if core_tables:
        create_core_tables(conn)
    return conn


def temp_sqlite(
    tmp_path: str | Path, name: str = "spine.db", *, core_tables: bool = True, **opts: Any
) -> SpineConnection:
    """A connection to the SQLite file ``tmp_path / name`` (created, WAL mode), with the core
    tables unless ``core_tables=False``. Open more connections with
    ``create_connection(str(path))``.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     conn = temp_sqlite(d)
        ...     conn.info.database.endswith("spine.db")
        ...     conn.close()
        True
    """
    path = Path(tmp_path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    conn, _ = create_connection(str(path), **opts)
    if core_tables:
        create_core_tables(conn)
    return conn
