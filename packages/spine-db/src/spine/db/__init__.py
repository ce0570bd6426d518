"""`spine.db`: one storage layer over SQLite, PostgreSQL, MySQL/MariaDB, Oracle and Db2.

* :func:`create_connection` opens a :class:`SpineConnection` from a URL: one DB-API shaped
  connection (the ``spine.types.Connection`` protocol) over every driver, with driver errors
  translated into typed spine errors.
* A :class:`Dialect` per backend renders what differs: placeholders, ``now()``, upserts,
  paging, ``FOR UPDATE SKIP LOCKED``, booleans, JSON, timestamps, identifier quoting, DDL.
* :class:`BaseRepository` gives domain code ``query()/insert()/insert_many()/upsert()``.
* :func:`transaction` commits or rolls back; :func:`write`, :func:`write_retrying` and
  :func:`reading` scope a persistent primitive's work (it joins the caller's open
  transaction through a savepoint and never commits or rolls back the caller's work).
* :mod:`spine.db.schema` holds the table model; each package declares the tables it owns in
  a :class:`SchemaComponent` (entry-point group ``spine.schema``) and :func:`install_schema`
  creates and migrates them (:mod:`spine.db.migrations`: versioned, checksummed, recorded per
  component).
* :class:`Database` is the ``StorageBackend``; :mod:`spine.db.adapters` (``get_adapter``) and
  :class:`DatabaseConfig` are its configuration-driven face. Connection pools
  (:func:`create_pool`, :func:`create_sync_pool`) and test helpers (:mod:`spine.db.testing`).

Importing ``spine.db`` imports no database driver; each is loaded when first used, and a
missing one raises ``ConfigError`` naming the extra (``pip install "spine-db[oracle]"``).
It does not import pydantic either: the connection layer (connections, dialects, encoding,
transactions, URLs) is imported eagerly, every other name (adapters, :class:`DatabaseConfig`,
the pool, repository, schema, migrations, storage) is loaded from its submodule on first
access (PEP 562). ``from spine.db import X`` and ``spine.db.X`` both work as usual.

Example:
    >>> from spine.db import BaseRepository, connect, transaction
    >>> conn = connect("memory")
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
    connect,
    create_connection,
    wrap_connection,
)
from spine.db.dialects import (
    DatabaseType,
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
from spine.db.transaction import (
    OpenTransactionError,
    RetryPolicy,
    claim_rows,
    claim_transaction,
    reading,
    schema_change,
    transaction,
    write,
    write_retry_policy,
    write_retrying,
)
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
    from spine.db.config import DatabaseConfig
    from spine.db.locks import LockTimeoutError, named_lock
    from spine.db.migrations import (
        Migration,
        MigrationChecksumError,
        MigrationError,
        MigrationRunner,
        MigrationStatus,
        load_migrations,
        run_migrations,
    )
    from spine.db.pool import acquire, close_pool, close_sync_pool, create_pool, create_sync_pool
    from spine.db.repository import BaseRepository
    from spine.db.schema import (
        CORE_TABLES,
        Column,
        Index,
        SchemaComponent,
        SchemaRegistry,
        Table,
        create_core_tables,
        drop_core_tables,
        install_schema,
        register_schema,
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
    "LockTimeoutError": "spine.db.locks",
    "named_lock": "spine.db.locks",
    "Migration": "spine.db.migrations",
    "MigrationChecksumError": "spine.db.migrations",
    "MigrationError": "spine.db.migrations",
    "MigrationRunner": "spine.db.migrations",
    "MigrationStatus": "spine.db.migrations",
    "load_migrations": "spine.db.migrations",
    "run_migrations": "spine.db.migrations",
    "acquire": "spine.db.pool",
    "close_pool": "spine.db.pool",
    "close_sync_pool": "spine.db.pool",
    "create_pool": "spine.db.pool",
    "create_sync_pool": "spine.db.pool",
    "BaseRepository": "spine.db.repository",
    "CORE_TABLES": "spine.db.schema",
    "Column": "spine.db.schema",
    "Index": "spine.db.schema",
    "SchemaComponent": "spine.db.schema",
    "SchemaRegistry": "spine.db.schema",
    "Table": "spine.db.schema",
    "create_core_tables": "spine.db.schema",
    "drop_core_tables": "spine.db.schema",
    "install_schema": "spine.db.schema",
    "register_schema": "spine.db.schema",
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
    "LockTimeoutError",
    "Migration",
    "MigrationChecksumError",
    "MigrationError",
    "MigrationRunner",
    "MigrationStatus",
    "MySQLAdapter",
    "MySQLDialect",
    "OpenTransactionError",
    "OracleAdapter",
    "OracleDialect",
    "PostgreSQLAdapter",
    "PostgreSQLDialect",
    "RetryPolicy",
    "SQLiteAdapter",
    "SQLiteDialect",
    "SchemaComponent",
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
    "close_sync_pool",
    "connect",
    "create_connection",
    "create_core_tables",
    "create_pool",
    "create_sync_pool",
    "decode_partition_key",
    "drop_core_tables",
    "encode_partition_key",
    "get_adapter",
    "get_dialect",
    "install_schema",
    "load_migrations",
    "mask_url",
    "named_lock",
    "parse_url",
    "partition_hash",
    "reading",
    "register_schema",
    "run_migrations",
    "schema_change",
    "table_exists",
    "transaction",
    "translate_error",
    "validate_identifier",
    "wrap_connection",
    "write",
    "write_retry_policy",
    "write_retrying",
]


__getattr__, __dir__ = lazy_exports("spine.db", _LAZY, globals())
