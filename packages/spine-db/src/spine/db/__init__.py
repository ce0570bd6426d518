"""`spine.db`: one storage layer over SQLite, PostgreSQL, MySQL/MariaDB, Oracle and Db2.

* :func:`create_connection` opens a :class:`SpineConnection` from a URL: one DB-API shaped
  connection (the ``spine.types.Connection`` protocol) over every driver, with driver errors
  translated into typed spine errors.
* A :class:`Dialect` per backend renders what differs: placeholders, ``now()``, upserts,
  paging, ``FOR UPDATE SKIP LOCKED``, booleans, JSON, timestamps, identifier quoting, DDL.
* :class:`BaseRepository` gives domain code ``query()/insert()/insert_many()/upsert()``.
* :mod:`spine.db.schema` declares tables once (``CORE_TABLES``) and creates them per backend;
  :mod:`spine.db.migrations` applies versioned, checksummed migrations.
* :func:`transaction` commits or rolls back; :class:`Database` is the ``StorageBackend``.
* :mod:`spine.db.adapters` (``get_adapter(config)``), :class:`DatabaseConfig`, the async
  PostgreSQL pool (:func:`create_pool`) and test helpers (:mod:`spine.db.testing`).

Importing ``spine.db`` imports no database driver; each is loaded when first used, and a
missing one raises ``ConfigError`` naming the extra (``pip install "spine-db[oracle]"``).
It does not import pydantic either: the connection layer (connections, dialects, encoding,
transactions, URLs) is imported eagerly, every other name (adapters, :class:`DatabaseConfig`,
the pool, repository, schema, migrations, storage) is loaded from its submodule on first
access (PEP 562). ``from spine.db import X`` and ``spine.db.X`` both work as usual.

Example:
    >>> from spine.db import BaseRepository, create_connection, transaction
    >>> conn, info = create_connection("memory")
    >>> repo = BaseRepository(conn)
    >>> with transaction(conn):
    ...     _ = repo.execute("CREATE TABLE runs (id TEXT PRIMARY KEY, ok INTEGER)")
    ...     _ = repo.insert("runs", {"id": "r1", "ok": conn.dialect.encode_bool(True)})
    >>> repo.query_one("SELECT * FROM runs")
    {'id': 'r1', 'ok': 1}
"""

from __future__ import annotations

# Eager: ``spine.db.transaction`` is both a submodule and an exported function, so the
# function must be bound here, after the submodule is imported, or the package attribute
# would be the module. It pulls in the connection layer, whose names are exported eagerly too.
from spine.db.connection import (
    DEFAULT_CONNECT_TIMEOUT,
    ConnectionInfo,
    SpineConnection,
    SpineCursor,
    create_connection,
    wrap_connection,
)
from spine.db.dialects import (
    DB2Dialect,
    Dialect,
    MySQLDialect,
    OracleDialect,
    PostgreSQLDialect,
    SQLiteDialect,
    get_dialect,
)
from spine.db.encoding import (
    MAX_PARTITION_KEY_LENGTH,
    canonical_json,
    canonical_partition_key,
    decode_partition_key,
    encode_partition_key,
    partition_hash,
)
from spine.db.errors import translate_error
from spine.db.identifiers import validate_identifier
from spine.db.transaction import claim_rows, claim_transaction, transaction
from spine.db.url import DatabaseURL, mask_url, parse_url
from spine.types.lazy import lazy_exports

# Type checkers treat this name as True (spine.types does the same).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from spine.db.adapters import (
        AdapterRegistry,
        DatabaseAdapter,
        DB2Adapter,
        MySQLAdapter,
        OracleAdapter,
        PostgreSQLAdapter,
        SQLiteAdapter,
        adapter_registry,
        get_adapter,
    )
    from spine.db.config import DatabaseConfig, DatabaseType
    from spine.db.migrations import (
        Migration,
        MigrationChecksumError,
        MigrationError,
        MigrationRunner,
        MigrationStatus,
        load_migrations,
        run_migrations,
    )
    from spine.db.pool import acquire, close_pool, create_pool
    from spine.db.repository import BaseRepository
    from spine.db.schema import (
        CORE_TABLES,
        Column,
        Index,
        SchemaRegistry,
        Table,
        create_core_tables,
        drop_core_tables,
        table_exists,
    )
    from spine.db.storage import Database, SpineStorage

_LAZY: dict[str, str] = {
    "AdapterRegistry": "spine.db.adapters",
    "DB2Adapter": "spine.db.adapters",
    "DatabaseAdapter": "spine.db.adapters",
    "MySQLAdapter": "spine.db.adapters",
    "OracleAdapter": "spine.db.adapters",
    "PostgreSQLAdapter": "spine.db.adapters",
    "SQLiteAdapter": "spine.db.adapters",
    "adapter_registry": "spine.db.adapters",
    "get_adapter": "spine.db.adapters",
    "DatabaseConfig": "spine.db.config",
    "DatabaseType": "spine.db.config",
    "Migration": "spine.db.migrations",
    "MigrationChecksumError": "spine.db.migrations",
    "MigrationError": "spine.db.migrations",
    "MigrationRunner": "spine.db.migrations",
    "MigrationStatus": "spine.db.migrations",
    "load_migrations": "spine.db.migrations",
    "run_migrations": "spine.db.migrations",
    "acquire": "spine.db.pool",
    "close_pool": "spine.db.pool",
    "create_pool": "spine.db.pool",
    "BaseRepository": "spine.db.repository",
    "CORE_TABLES": "spine.db.schema",
    "Column": "spine.db.schema",
    "Index": "spine.db.schema",
    "SchemaRegistry": "spine.db.schema",
    "Table": "spine.db.schema",
    "create_core_tables": "spine.db.schema",
    "drop_core_tables": "spine.db.schema",
    "table_exists": "spine.db.schema",
    "Database": "spine.db.storage",
    "SpineStorage": "spine.db.storage",
}

__all__ = [
    "CORE_TABLES",
    "DEFAULT_CONNECT_TIMEOUT",
    "MAX_PARTITION_KEY_LENGTH",
    "AdapterRegistry",
    "BaseRepository",
    "Column",
    "ConnectionInfo",
    "DB2Adapter",
    "DB2Dialect",
    "Database",
    "DatabaseAdapter",
    "DatabaseConfig",
    "DatabaseType",
    "DatabaseURL",
    "Dialect",
    "Index",
    "Migration",
    "MigrationChecksumError",
    "MigrationError",
    "MigrationRunner",
    "MigrationStatus",
    "MySQLAdapter",
    "MySQLDialect",
    "OracleAdapter",
    "OracleDialect",
    "PostgreSQLAdapter",
    "PostgreSQLDialect",
    "SQLiteAdapter",
    "SQLiteDialect",
    "SchemaRegistry",
    "SpineConnection",
    "SpineCursor",
    "SpineStorage",
    "Table",
    "acquire",
    "adapter_registry",
    "canonical_json",
    "canonical_partition_key",
    "claim_rows",
    "claim_transaction",
    "close_pool",
    "create_connection",
    "create_core_tables",
    "create_pool",
    "decode_partition_key",
    "drop_core_tables",
    "encode_partition_key",
    "get_adapter",
    "get_dialect",
    "load_migrations",
    "mask_url",
    "parse_url",
    "partition_hash",
    "run_migrations",
    "table_exists",
    "transaction",
    "translate_error",
    "validate_identifier",
    "wrap_connection",
]


__getattr__, __dir__ = lazy_exports("spine.db", _LAZY, globals())
