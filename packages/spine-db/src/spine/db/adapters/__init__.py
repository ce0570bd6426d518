"""Database adapters: one per backend, an ``AdapterRegistry`` and ``get_adapter()``.

Example:
    >>> from spine.db.adapters import DatabaseConfig, get_adapter
    >>> adapter = get_adapter(DatabaseConfig(type="sqlite"))
    >>> adapter.health_check()
    True
"""

from __future__ import annotations

from spine.db.adapters.backends import (
    DB2Adapter,
    MySQLAdapter,
    OracleAdapter,
    PostgreSQLAdapter,
    SQLiteAdapter,
)
from spine.db.adapters.base import DatabaseAdapter
from spine.db.adapters.registry import AdapterRegistry, adapter_registry, get_adapter
from spine.db.config import DatabaseConfig, DatabaseType

__all__ = [
    "AdapterRegistry",
    "DB2Adapter",
    "DatabaseAdapter",
    "DatabaseConfig",
    "DatabaseType",
    "MySQLAdapter",
    "OracleAdapter",
    "PostgreSQLAdapter",
    "SQLiteAdapter",
    "adapter_registry",
    "get_adapter",
]
