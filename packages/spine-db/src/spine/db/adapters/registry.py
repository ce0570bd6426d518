"""``AdapterRegistry``: database type -> adapter class, and ``get_adapter()``.

Example:
    >>> from spine.db.adapters import get_adapter, DatabaseType
    >>> type(get_adapter(DatabaseType.SQLITE)).__name__
    'SQLiteAdapter'
    >>> type(get_adapter("postgresql://u@localhost/db")).__name__
    'PostgreSQLAdapter'
"""

from __future__ import annotations

from typing import Any

from spine.db.adapters.backends import (
    DB2Adapter,
    MySQLAdapter,
    OracleAdapter,
    PostgreSQLAdapter,
    SQLiteAdapter,
)
from spine.db.adapters.base import DatabaseAdapter
from spine.db.config import DatabaseConfig, DatabaseType
from spine.types import InvalidConfigError

__all__ = ["AdapterRegistry", "adapter_registry", "get_adapter"]


class AdapterRegistry:
    """Maps each :class:`DatabaseType` to the adapter class that serves it.

    Register a subclass to customise a backend (``registry.register(DatabaseType.POSTGRESQL,
    MyPgAdapter)``).
    """

    def __init__(self) -> None:
        self._adapters: dict[DatabaseType, type[DatabaseAdapter]] = {}

    def register(self, db_type: DatabaseType | str, adapter: type[DatabaseAdapter]) -> None:
        """Serve ``db_type`` with ``adapter`` (replacing any previous registration)."""
        self._adapters[DatabaseType.parse(db_type)] = adapter

    def get(self, db_type: DatabaseType | str) -> type[DatabaseAdapter]:
        """The adapter class for ``db_type``."""
        parsed = DatabaseType.parse(db_type)
        try:
            return self._adapters[parsed]
        except KeyError:
            raise InvalidConfigError(f"no adapter registered for {parsed.value}") from None

    def types(self) -> list[DatabaseType]:
        """Registered database types."""
        return list(self._adapters)

    def create(self, config: DatabaseConfig) -> DatabaseAdapter:
        """An (unconnected) adapter for ``config``."""
        return self.get(config.type)(config)


adapter_registry = AdapterRegistry()
"""The process-wide registry used by :func:`get_adapter`."""
for _type, _cls in (
    (DatabaseType.SQLITE, SQLiteAdapter),
    (DatabaseType.POSTGRESQL, PostgreSQLAdapter),
    (DatabaseType.MYSQL, MySQLAdapter),
    (DatabaseType.ORACLE, OracleAdapter),
    (DatabaseType.DB2, DB2Adapter),
):
    adapter_registry.register(_type, _cls)


def get_adapter(
    config_or_type: DatabaseConfig | DatabaseType | str, **fields: Any
) -> DatabaseAdapter:
    """An unconnected adapter from a config, a database type (plus config ``fields``), or a
    URL / SQLite path.

    Raises:
        InvalidConfigError: unknown type or malformed URL.
    """
    if isinstance(config_or_type, DatabaseConfig):
        config = config_or_type
    elif isinstance(config_or_type, DatabaseType):
        config = DatabaseConfig(type=config_or_type, **fields)
    elif "://" in config_or_type:
        config = DatabaseConfig.from_url(config_or_type, **fields)
    else:
        try:
            db_type = DatabaseType.parse(config_or_type)
        except InvalidConfigError:
            config = DatabaseConfig.from_url(config_or_type, **fields)  # a SQLite path
        else:
            config = DatabaseConfig(type=db_type, **fields)
    return adapter_registry.create(config)
