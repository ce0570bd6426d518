"""One :class:`~spine.db.adapters.DatabaseAdapter` subclass per backend.

They differ only in their database type: connection handling, dialect (with its health-check
query) and error translation come from the shared connection layer.
"""

from __future__ import annotations

from typing import ClassVar

from spine.db.adapters.base import DatabaseAdapter
from spine.db.config import DatabaseType

__all__ = ["DB2Adapter", "MySQLAdapter", "OracleAdapter", "PostgreSQLAdapter", "SQLiteAdapter"]


class SQLiteAdapter(DatabaseAdapter):
    """SQLite (stdlib ``sqlite3``, always available)."""

    db_type: ClassVar[DatabaseType] = DatabaseType.SQLITE


class PostgreSQLAdapter(DatabaseAdapter):
    """PostgreSQL through psycopg 3 (``pip install "spine-db[postgres]"``)."""

    db_type: ClassVar[DatabaseType] = DatabaseType.POSTGRESQL


class MySQLAdapter(DatabaseAdapter):
    """MySQL / MariaDB through mysql-connector-python (``spine-db[mysql]``)."""

    db_type: ClassVar[DatabaseType] = DatabaseType.MYSQL


class OracleAdapter(DatabaseAdapter):
    """Oracle through python-oracledb thin mode (``spine-db[oracle]``)."""

    db_type: ClassVar[DatabaseType] = DatabaseType.ORACLE


class DB2Adapter(DatabaseAdapter):
    """IBM Db2 through ibm_db_dbi (``spine-db[db2]``)."""

    db_type: ClassVar[DatabaseType] = DatabaseType.DB2
