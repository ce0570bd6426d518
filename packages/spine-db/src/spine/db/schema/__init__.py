"""Declarative schema: abstract types, ``Column``/``Index``/``Table``, ``SchemaRegistry``,
schema components (each package's tables + migrations), their installation, and catalog
look-ups.

A package that owns tables declares them in a :class:`SchemaComponent` beside its code and
names it in the ``spine.schema`` entry-point group (see :mod:`spine.db.schema.component`);
:func:`install_schema` (or ``create_core_tables``) creates and migrates what the installed
packages declared.

Example:
    >>> from spine.db import get_dialect
    >>> events = Table("events", (Column("id", ID), Column("at", TS)), ("id",))
    >>> print(get_dialect("mysql").create_table_sql(events))
    CREATE TABLE IF NOT EXISTS events (
        id VARCHAR(64) NOT NULL,
        at DATETIME(6) NOT NULL,
        PRIMARY KEY (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
"""

from __future__ import annotations

from spine.db.schema.catalog import (
    IndexInfo,
    index_exists,
    table_columns,
    table_exists,
    table_indexes,
)
from spine.db.schema.component import (
    ENTRY_POINT_GROUP,
    SchemaComponent,
    get_schema_component,
    register_schema,
    schema_components,
    unregister_schema,
)
from spine.db.schema.install import (
    SchemaInstall,
    create_core_tables,
    drop_core_tables,
    drop_schema,
    install_schema,
)
from spine.db.schema.ops import create_table, create_tables, drop_tables, ensure_index
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
    DefaultValue,
    Index,
    Table,
    TypeKind,
)

__all__ = [
    "BIGINT",
    "BOOL",
    "CORE_TABLES",
    "ENTRY_POINT_GROUP",
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
    "DefaultValue",
    "Index",
    "IndexInfo",
    "SchemaComponent",
    "SchemaInstall",
    "SchemaRegistry",
    "Table",
    "TypeKind",
    "create_core_tables",
    "create_table",
    "create_tables",
    "drop_core_tables",
    "drop_schema",
    "drop_tables",
    "ensure_index",
    "get_schema_component",
    "index_exists",
    "install_schema",
    "register_schema",
    "schema_components",
    "table_columns",
    "table_exists",
    "table_indexes",
    "unregister_schema",
]
