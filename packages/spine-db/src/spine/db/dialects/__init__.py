"""One :class:`Dialect` per backend and :func:`get_dialect` to look them up.

Example:
    >>> from spine.db.dialects import get_dialect
    >>> get_dialect("postgres").name
    'postgresql'
    >>> import sqlite3
    >>> raw = sqlite3.connect(":memory:")
    >>> get_dialect(raw).name
    'sqlite'
    >>> raw.close()
"""

from __future__ import annotations

from typing import Any

from spine.db.dialects.base import Dialect
from spine.db.dialects.db2 import DB2Dialect
from spine.db.dialects.mysql import MySQLDialect
from spine.db.dialects.oracle import OracleDialect
from spine.db.dialects.postgresql import PostgreSQLDialect
from spine.db.dialects.sqlite import SQLiteDialect
from spine.types import InvalidConfigError

__all__ = [
    "DIALECT_NAMES",
    "DB2Dialect",
    "Dialect",
    "MySQLDialect",
    "OracleDialect",
    "PostgreSQLDialect",
    "SQLiteDialect",
    "all_dialects",
    "dialect_name_for",
    "get_dialect",
]

_DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (SQLiteDialect(), PostgreSQLDialect(), MySQLDialect(), OracleDialect(), DB2Dialect())
}

DIALECT_NAMES: tuple[str, ...] = tuple(_DIALECTS)
"""Canonical backend names: sqlite, postgresql, mysql, oracle, db2."""

_ALIASES: dict[str, str] = {
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "memory": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pg": "postgresql",
    "psycopg": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "oracle": "oracle",
    "oracledb": "oracle",
    "db2": "db2",
    "ibm_db": "db2",
    "ibm_db_dbi": "db2",
}

_MODULE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("sqlite3", "sqlite"),
    ("psycopg", "postgresql"),  # psycopg (3) and psycopg2
    ("mysql", "mysql"),
    ("MySQLdb", "mysql"),
    ("pymysql", "mysql"),
    ("oracledb", "oracle"),
    ("cx_Oracle", "oracle"),
    ("ibm_db", "db2"),
)


def all_dialects() -> tuple[Dialect, ...]:
    """Every dialect, in the order sqlite, postgresql, mysql, oracle, db2."""
    return tuple(_DIALECTS.values())


def dialect_name_for(obj: Any) -> str:
    """The canonical backend name of a name, :class:`Dialect`, spine connection or raw
    DB-API connection (recognised by its driver module; no driver is imported)."""
    if isinstance(obj, Dialect):
        return obj.name
    if isinstance(obj, str):
        name = _ALIASES.get(obj.strip().lower())
        if name is None:
            raise InvalidConfigError(
                f"unknown database dialect {obj!r}; expected one of {', '.join(DIALECT_NAMES)}"
            )
        return name
    dialect = getattr(obj, "dialect", None)
    if isinstance(dialect, Dialect):
        return dialect.name
    module = type(obj).__module__ or ""
    for prefix, name in _MODULE_PREFIXES:
        if module.startswith(prefix):
            return name
    raise InvalidConfigError(
        f"cannot infer the SQL dialect of {type(obj).__module__}.{type(obj).__qualname__}; "
        "pass dialect= explicitly"
    )


def get_dialect(conn_or_name: Any) -> Dialect:
    """The :class:`Dialect` for a backend name (aliases such as ``"postgres"`` and
    ``"mariadb"`` accepted), a :class:`~spine.db.SpineConnection`, or a raw DB-API connection
    (``sqlite3``, psycopg, mysql-connector, oracledb, ibm_db_dbi).

    Raises:
        InvalidConfigError: for an unknown name or unrecognised connection type.
    """
    return _DIALECTS[dialect_name_for(conn_or_name)]
