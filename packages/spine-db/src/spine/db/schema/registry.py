"""``SchemaRegistry``: a named collection of :class:`Table` declarations, and ``CORE_TABLES``.

``CORE_TABLES`` holds every table the schema components declare (see
:mod:`spine.db.schema.component`): with spine-ops installed, its ``core_`` tables, keyed by
their name without the prefix.

Example:
    >>> from spine.db.schema import CORE_TABLES
    >>> CORE_TABLES["manifest"].name
    'core_manifest'
    >>> f"SELECT COUNT(*) FROM {CORE_TABLES['rejects']}"
    'SELECT COUNT(*) FROM core_rejects'

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

import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from spine.db.tabledef import Table
from spine.types import ValidationError

if TYPE_CHECKING:
    from spine.db.dialects.base import Dialect

__all__ = ["CORE_TABLES", "SchemaRegistry", "reset_core_tables"]


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

    def _ensure(self) -> None:
        """Hook run before every read (lazily filled registries load here)."""

    def __getitem__(self, name: str) -> Table:
        self._ensure()
        if name in self._tables:
            return self._tables[name]
        key = self._by_table_name.get(name.lower())
        if key is None:
            raise KeyError(name)
        return self._tables[key]

    def __contains__(self, name: object) -> bool:
        self._ensure()
        return isinstance(name, str) and (
            name in self._tables or name.lower() in self._by_table_name
        )

    def __iter__(self) -> Iterator[str]:
        self._ensure()
        return iter(self._tables)

    def __len__(self) -> int:
        self._ensure()
        return len(self._tables)

    def __repr__(self) -> str:
        self._ensure()
        return f"{type(self).__name__}({list(self._tables)})"

    @property
    def tables(self) -> tuple[Table, ...]:
        """The registered tables, in registration order."""
        self._ensure()
        return tuple(self._tables.values())

    @property
    def table_names(self) -> tuple[str, ...]:
        """The full table names, in registration order."""
        self._ensure()
        return tuple(t.name for t in self._tables.values())

    def render(self, dialect: Dialect | str, if_not_exists: bool = True) -> list[str]:
        """Every DDL statement creating the registered tables and indexes on ``dialect``."""
        from spine.db.dialects import get_dialect

        d = get_dialect(dialect)
        return [stmt for t in self.tables for stmt in d.create_table_statements(t, if_not_exists)]


class _ComponentTables(SchemaRegistry):
    """The tables of every schema component, loaded on first use and after a component is
    registered or unregistered."""

    def __init__(self, prefix: str) -> None:
        super().__init__(prefix=prefix)
        self._loaded = False
        self._lock = threading.RLock()

    def reset(self) -> None:
        """Forget the loaded tables (reloaded on next use)."""
        with self._lock:
            self._tables.clear()
            self._by_table_name.clear()
            self._loaded = False

    def _ensure(self) -> None:
        if self._loaded:
            return
        from spine.db.schema.component import schema_components

        with self._lock:  # another thread may have loaded meanwhile: load into a fresh dict
            fresh = SchemaRegistry(prefix=self._prefix)
            for component in schema_components():
                for table in component.tables:
                    fresh.register(table)
            self._tables, self._by_table_name = fresh._tables, fresh._by_table_name
            self._loaded = True

    def register(self, table: Table, key: str | None = None) -> Table:
        """Refused: declare tables in a :class:`~spine.db.schema.SchemaComponent`."""
        raise ValidationError(
            "CORE_TABLES lists the tables of schema components: declare yours in a "
            "SchemaComponent (spine.db.schema.register_schema)"
        )


_CORE_TABLES = _ComponentTables(prefix="core_")
CORE_TABLES: SchemaRegistry = _CORE_TABLES
"""Every table declared by a schema component (installed distributions and components
registered with :func:`spine.db.schema.register_schema`), keyed by name without the
``core_`` prefix: with spine-ops, ``manifest``, ``rejects``, ``quality``, ``anomalies``,
``watermarks``, ``backfill_plans``, ``backfill_partitions``, ``asset_materializations``,
``asset_observations``."""


def reset_core_tables() -> None:
    """Make :data:`CORE_TABLES` reload the components' tables on next use."""
    _CORE_TABLES.reset()
