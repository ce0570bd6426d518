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

from enum import StrEnum
from typing import Any

from spine.db.dialects.base import Dialect
from spine.db.dialects.db2 import DB2Dialect
from spine.db.dialects.mysql import MySQLDialect
from spine.db.dialects.oracle import OracleDialect
from spine.db.dialects.postgresql import PostgreSQLDialect
from spine.db.dialects.sqlite import SQLiteDialect
from spine.types import InvalidConfigError

__all__ = [
    "BACKEND_NAMES",
    "DIALECT_NAMES",
    "DB2Dialect",
    "DatabaseType",
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
    alias: d.name for d in _DIALECTS.values() for alias in (d.name, *d.aliases)
}
"""The one table of backend names: every name and alias a dialect declares."""

BACKEND_NAMES: frozenset[str] = frozenset(_ALIASES)
"""Every accepted backend name and alias (``postgres``, ``mariadb``, ``ibm_db``...)."""


class DatabaseType(StrEnum):
    """Supported backends (values are the canonical dialect names).

    Example:
        >>> DatabaseType.parse("mariadb")
        <DatabaseType.MYSQL: 'mysql'>
    """

    SQLITE = SQLiteDialect.name
    POSTGRESQL = PostgreSQLDialect.name
    MYSQL = MySQLDialect.name
    ORACLE = OracleDialect.name
    DB2 = DB2Dialect.name

    @classmethod
    def parse(cls, value: str | DatabaseType) -> DatabaseType:
        """Accept any alias a dialect declares: ``postgres``, ``pg``, ``mariadb``,
        ``ibm_db``..."""
        if isinstance(value, DatabaseType):
            return value
        return cls(dialect_name_for(value))


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
    for d in _DIALECTS.values():
        if module.startswith(d.driver_modules):
            return d.name
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
