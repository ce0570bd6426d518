"""``SchemaRegistry``: a named collection of :class:`Table` declarations, and ``CORE_TABLES``.

Example:
    >>> from spine.db.schema import CORE_TABLES
    >>> CORE_TABLES["manifest"].name
    'core_manifest'
    >>> f"SELECT COUNT(*) FROM {CORE_TABLES['rejects']}"
    'SELECT COUNT(*) FROM core_rejects'
    >>> "core_work_items" in CORE_TABLES.table_names
    True

Register your own tables and render them for any backend:

    >>> from spine.db.schema import SchemaRegistry, Table, Column, ID, TS
    >>> mine = SchemaRegistry()
    >>> _ = mine.register(Table("events", (Column("id", ID), Column("at", TS)), ("id",)))
    >>> print(mine.render("postgresql")[0])
    CREATE TABLE IF NOT EXISTS events (
        id VARCHAR(64) NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (id)
    )
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from spine.db.schema.core import CORE_TABLE_LIST
from spine.db.tabledef import Table
from spine.types import ValidationError

if TYPE_CHECKING:
    from spine.db.dialects.base import Dialect

__all__ = ["CORE_TABLES", "SchemaRegistry"]


class SchemaRegistry(Mapping[str, Table]):
    """Tables keyed by a short name (``"manifest"`` for ``core_manifest``).

    Lookups accept the short name or the full table name. Iteration follows registration
    order, which is also creation order.
    """

    def __init__(self, tables: Iterable[Table] = (), *, prefix: str = "") -> None:
        self._prefix = prefix
        self._tables: dict[str, Table] = {}
        self._by_table_name: dict[str, str] = {}
        for table in tables:
            self.register(table)

    def register(self, table: Table, key: str | None = None) -> Table:
        """Add ``table`` under ``key`` (default: its name minus the registry prefix).

        Raises:
            ValidationError: if the key or the table name is already registered.
        """
        if key is None:
            key = (
                table.name[len(self._prefix) :]
                if table.name.startswith(self._prefix)
                else table.name
            )
        lowered = table.name.lower()
        if key in self._tables or lowered in self._by_table_name:
            raise ValidationError(f"table {table.name!r} ({key!r}) is already registered")
        self._tables[key] = table
        self._by_table_name[lowered] = key
        return table

    def __getitem__(self, name: str) -> Table:
        if name in self._tables:
            return self._tables[name]
        key = self._by_table_name.get(name.lower())
        if key is None:
            raise KeyError(name)
        return self._tables[key]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (
            name in self._tables or name.lower() in self._by_table_name
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __repr__(self) -> str:
        return f"SchemaRegistry({list(self._tables)})"

    @property
    def tables(self) -> tuple[Table, ...]:
        """The registered tables, in registration order."""
        return tuple(self._tables.values())

    @property
    def table_names(self) -> tuple[str, ...]:
        """The full table names, in registration order."""
        return tuple(t.name for t in self._tables.values())

    def render(self, dialect: Dialect | str, if_not_exists: bool = True) -> list[str]:
        """Every DDL statement creating the registered tables and indexes on ``dialect``."""
        from spine.db.dialects import get_dialect

        d = get_dialect(dialect)
        return [stmt for t in self.tables for stmt in d.create_table_statements(t, if_not_exists)]


CORE_TABLES = SchemaRegistry(CORE_TABLE_LIST, prefix="core_")
"""The core infrastructure tables, keyed ``manifest``, ``rejects``, ``quality``,
``anomalies``, ``watermarks``, ``backfill_plans``, ``backfill_partitions``,
``asset_materializations``, ``asset_observations``, ``executions``, ``execution_events``,
``dead_letters``, ``concurrency_locks``, ``work_items``, ``workflow_runs``,
``workflow_steps``, ``workflow_events``, ``schedules``."""
