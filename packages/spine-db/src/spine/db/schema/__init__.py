"""Declarative schema: abstract types, ``Column``/``Index``/``Table``, ``SchemaRegistry``,
the core tables (``CORE_TABLES``) and helpers that create them on a live connection.

Example:
    >>> from spine.db.schema import CORE_TABLES
    >>> from spine.db import get_dialect
    >>> print(get_dialect("mysql").create_table_sql(CORE_TABLES["watermarks"]))
    CREATE TABLE IF NOT EXISTS core_watermarks (
        domain VARCHAR(100) NOT NULL,
        source VARCHAR(200) NOT NULL,
        partition_key VARCHAR(255) NOT NULL,
        high_water VARCHAR(500) NOT NULL,
        metadata_json LONGTEXT,
        updated_at DATETIME(6) NOT NULL,
        PRIMARY KEY (domain, source, partition_key)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
"""

from __future__ import annotations

from spine.db.schema.ops import (
    create_core_tables,
    create_table,
    create_tables,
    drop_core_tables,
    drop_tables,
    ensure_index,
    index_exists,
    table_exists,
)
from spine.db.schema.registry import CORE_TABLES, SchemaRegistry
from spine.db.tabledef import (
    BIGINT,
    BOOL,
    FLOAT,
    ID,
    IDENTITY,
    INT,
    JSON,
    STR,
    TEXT,
    TS,
    Column,
    ColumnType,
    Index,
    Table,
    TypeKind,
)

__all__ = [
    "BIGINT",
    "BOOL",
    "CORE_TABLES",
    "FLOAT",
    "ID",
    "IDENTITY",
    "INT",
    "JSON",
    "STR",
    "TEXT",
    "TS",
    "Column",
    "ColumnType",
    "Index",
    "SchemaRegistry",
    "Table",
    "TypeKind",
    "create_core_tables",
    "create_table",
    "create_tables",
    "drop_core_tables",
    "drop_tables",
    "ensure_index",
    "index_exists",
    "table_exists",
]
