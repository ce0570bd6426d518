"""Schema components: each package declares the tables it owns and their migrations.

spine-db owns no domain tables. A package that persists something (spine-ops today,
spine-exec and spine-orch when they are built, your application) declares a
:class:`SchemaComponent` beside the code that uses the tables and makes it discoverable:

* an installed distribution names it in the ``spine.schema`` entry-point group of its
  ``pyproject.toml`` (the entry point's name is the component's name)::

      [project.entry-points."spine.schema"]
      spine-ops = "spine.ops.schema:SCHEMA"

* code that is not a distribution (an application's own tables, tests) calls
  :func:`register_schema`.

:func:`spine.db.schema.install_schema` then creates the tables of every component and runs
its migrations, recorded per component in ``_migrations`` (``component, version``), so two
packages' version 1 never collide. spine-db discovers components through the entry-point
metadata, never by importing the packages above it.

Example:
    >>> from spine.db.schema import Column, ID, STR, Table
    >>> from spine.db.migrations import Migration
    >>> trades = Table("trades", (Column("id", ID), Column("venue", STR(20))), ("id",))
    >>> component = SchemaComponent(
    ...     "my-app", tables=(trades,),
    ...     migrations=(Migration(1, "upper_venues", "UPDATE trades SET venue = UPPER(venue)"),),
    ... )
    >>> _ = register_schema(component)
    >>> "my-app" in [c.name for c in schema_components()]
    True
    >>> unregister_schema("my-app")
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from itertools import pairwise
from typing import TYPE_CHECKING

from spine.db.tabledef import Table
from spine.types import ConfigError, ValidationError

if TYPE_CHECKING:
    from spine.db.migrations import Migration

__all__ = [
    "ENTRY_POINT_GROUP",
    "SchemaComponent",
    "get_schema_component",
    "register_schema",
    "schema_components",
    "unregister_schema",
]

ENTRY_POINT_GROUP = "spine.schema"
"""The entry-point group through which installed distributions declare their schema."""


@dataclass(frozen=True)
class SchemaComponent:
    """The tables one package owns and the migrations that bring older databases to them.

    Args:
        name: Unique name, recorded with each applied migration (the distribution's name,
            ``"spine-ops"``; 1..100 chars).
        tables: The tables at their current shape, in creation order. A fresh database gets
            them as declared and every migration is recorded as applied without running.
        migrations: Ordered changes (versions from 1) that bring a database created by an
            earlier release to the declared shape and data (add a column, rewrite stored
            values). They run only on databases that already had some of the tables.
        description: One line for listings.
    """

    name: str
    tables: tuple[Table, ...] = ()
    migrations: tuple[Migration, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not 0 < len(self.name) <= 100:
            raise ValidationError(f"component name must be a str of 1..100 chars: {self.name!r}")
        tables, migrations = tuple(self.tables), tuple(self.migrations)
        object.__setattr__(self, "tables", tables)
        object.__setattr__(self, "migrations", migrations)
        for t in tables:
            if not isinstance(t, Table):
                raise ValidationError(f"component {self.name}: {t!r} is not a Table")
        names = [t.name.lower() for t in tables]
        if len(set(names)) != len(names):
            raise ValidationError(f"component {self.name}: a table is declared twice")
        versions = [m.version for m in migrations]
        if versions != sorted(versions) or any(a == b for a, b in pairwise(versions)):
            raise ValidationError(
                f"component {self.name}: migration versions must be unique and ascending, "
                f"got {versions}"
            )


_lock = threading.RLock()
_registered: dict[str, SchemaComponent] = {}
_discovered: dict[str, SchemaComponent] | None = None


def _load(ep: EntryPoint) -> SchemaComponent:
    try:
        obj = ep.load()
    except Exception as exc:
        raise ConfigError(
            f"schema component {ep.name!r} ({ep.value}) could not be loaded: {exc}", cause=exc
        ).with_context(entry_point=ep.value) from exc
    if callable(obj) and not isinstance(obj, SchemaComponent):
        obj = obj()
    if not isinstance(obj, SchemaComponent):
        raise ConfigError(
            f"entry point {ep.name!r} of group {ENTRY_POINT_GROUP!r} ({ep.value}) is a "
            f"{type(obj).__name__}, not a SchemaComponent"
        ).with_context(entry_point=ep.value)
    if obj.name != ep.name:
        raise ConfigError(
            f"entry point {ep.name!r} ({ep.value}) names a component called {obj.name!r}; "
            "the entry point's name must be the component's name"
        ).with_context(entry_point=ep.value)
    return obj


def _discover() -> dict[str, SchemaComponent]:
    global _discovered
    with _lock:
        if _discovered is None:
            found = {ep.name: _load(ep) for ep in entry_points(group=ENTRY_POINT_GROUP)}
            for a, b in pairwise(found.values()):
                _check_no_shared_tables(a, b)
            _discovered = dict(sorted(found.items()))
        return _discovered


def schema_components() -> tuple[SchemaComponent, ...]:
    """Every component: those installed distributions declare (by name), then those
    registered with :func:`register_schema` (in registration order)."""
    discovered = _discover()
    with _lock:
        extra = [c for name, c in _registered.items() if name not in discovered]
        return (*discovered.values(), *extra)


def get_schema_component(name: str) -> SchemaComponent:
    """The component called ``name``.

    Raises:
        ConfigError: no such component (the message lists the known ones).
    """
    for component in schema_components():
        if component.name == name:
            return component
    known = ", ".join(c.name for c in schema_components()) or "none"
    raise ConfigError(f"no schema component {name!r}; known: {known}")


def register_schema(component: SchemaComponent) -> SchemaComponent:
    """Make ``component`` known to :func:`spine.db.schema.install_schema` (for tables of code
    that is not an installed distribution). Returns it.

    Raises:
        ValidationError: another component of that name, or one declaring one of the same
            tables, is already known.
    """
    if not isinstance(component, SchemaComponent):
        raise ValidationError(f"register_schema needs a SchemaComponent, got {component!r}")
    with _lock:
        for other in schema_components():
            if other.name == component.name and other is not component:
                raise ValidationError(f"a schema component {component.name!r} is already known")
            _check_no_shared_tables(other, component)
        _registered[component.name] = component
        _tables_changed()
    return component


def unregister_schema(name: str) -> None:
    """Forget a component added with :func:`register_schema` (no-op when unknown)."""
    with _lock:
        if _registered.pop(name, None) is not None:
            _tables_changed()


def _check_no_shared_tables(a: SchemaComponent, b: SchemaComponent) -> None:
    if a.name == b.name:
        return
    shared = {t.name.lower() for t in a.tables} & {t.name.lower() for t in b.tables}
    if shared:
        raise ValidationError(
            f"schema components {a.name!r} and {b.name!r} both declare {sorted(shared)}"
        )


def _tables_changed() -> None:
    from spine.db.schema.registry import reset_core_tables

    reset_core_tables()


def select_components(
    names: Iterable[str | SchemaComponent] | None,
) -> Sequence[SchemaComponent]:
    """The components named (or given) in ``names``; every component for ``None``."""
    if names is None:
        return schema_components()
    return [n if isinstance(n, SchemaComponent) else get_schema_component(n) for n in names]
