"""The table model, the registries, schema components and their installation.

The tables of each package are checked against docs/core-schema.md in that package's suite;
here every table a component declares is checked for names every backend accepts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from spine.db import SpineConnection, connect, get_dialect
from spine.db.dialects import all_dialects
from spine.db.dialects.db2 import DB2_ADVISORY_WORDS
from spine.db.migrations import Migration, MigrationError, MigrationRunner
from spine.db.schema import (
    CORE_TABLES,
    ID,
    IDENTITY,
    INT,
    STR,
    TS,
    Column,
    Index,
    SchemaComponent,
    SchemaInstall,
    SchemaRegistry,
    Table,
    create_core_tables,
    create_table,
    drop_core_tables,
    drop_schema,
    ensure_index,
    index_exists,
    install_schema,
    register_schema,
    schema_components,
    table_exists,
    unregister_schema,
)
from spine.db.schema.registry import reset_core_tables
from spine.types import ConfigError, ValidationError


@pytest.mark.parametrize("dialect", all_dialects(), ids=lambda d: d.name)
def test_no_core_column_table_or_index_name_is_a_reserved_word(dialect: object) -> None:
    d = get_dialect(dialect)
    offenders = [
        f"{t.name}.{name}"
        for t in CORE_TABLES.tables
        for name in (t.name, *t.column_names, *(ix.name for ix in t.indexes))
        if d.is_reserved(name)
    ]
    assert offenders == []


@pytest.mark.parametrize("dialect", all_dialects(), ids=lambda d: d.name)
def test_names_the_schema_doc_forbids_are_reserved_somewhere(dialect: object) -> None:
    forbidden = ["key", "rank", "level", "timestamp", "result", "value", "data", "comment",
                 "size", "mode", "user", "number", "date"]  # fmt: skip
    everywhere = set().union(*(d.reserved_words for d in all_dialects()))
    assert all(w.upper() in everywhere for w in forbidden)
    assert not any(c.lower() in forbidden for t in CORE_TABLES.tables for c in t.column_names)


def test_db2_advisory_words_are_not_in_the_hard_reserved_list() -> None:
    d = get_dialect("db2")
    assert not any(d.is_reserved(w) for w in DB2_ADVISORY_WORDS)


def test_every_name_fits_the_strictest_identifier_limits() -> None:
    for t in CORE_TABLES.tables:
        assert len(t.name) <= 30
        assert all(len(ix.name) <= 30 for ix in t.indexes)
        assert all(len(c) <= 30 for c in t.column_names)


def test_index_names_are_unique_across_core_tables() -> None:
    names = [ix.name for t in CORE_TABLES.tables for ix in t.indexes]
    assert len(names) == len(set(names))


def test_table_declarations_are_validated() -> None:
    with pytest.raises(ValidationError):
        Table("t; drop", (Column("id", ID),))
    with pytest.raises(ValidationError):
        Table("t", (Column("id", ID), Column("ID", ID)))
    with pytest.raises(ValidationError):
        Table("t", (Column("id", ID),), primary_key=("nope",))
    with pytest.raises(ValidationError):
        Table("t", (Column("id", ID, nullable=True),), primary_key=("id",))
    with pytest.raises(ValidationError):
        Table("t", (Column("id", ID),), indexes=(Index("ix", ("nope",)),))
    with pytest.raises(ValidationError):
        Table("t", (Column("id", IDENTITY), Column("x", INT)), primary_key=("x",))
    with pytest.raises(ValidationError):
        Column("bad name", ID)
    with pytest.raises(ValidationError):
        STR(0)
    with pytest.raises(ValidationError):
        Index("ix", ())


def test_user_registries_render_ddl_for_any_dialect() -> None:
    reg = SchemaRegistry()
    events = reg.register(
        Table(
            "app_events",
            (Column("id", IDENTITY), Column("kind", STR(20)), Column("at", TS)),
            indexes=(Index("ix_app_events_kind", ("kind", "at")),),
        )
    )
    assert reg["app_events"] is events
    assert len(reg) == 1
    with pytest.raises(ValidationError):
        reg.register(events)
    pg = reg.render("postgres")
    assert pg[0].startswith("CREATE TABLE IF NOT EXISTS app_events (\n    id BIGINT GENERATED")
    assert pg[1] == "CREATE INDEX IF NOT EXISTS ix_app_events_kind ON app_events (kind, at)"
    assert len(reg.render("mysql")) == 1  # indexes inline


def test_create_core_tables_is_idempotent_and_drop_removes_them(memory_db: SpineConnection) -> None:
    conn = memory_db
    drop_core_tables(conn)
    created = create_core_tables(conn)
    assert created == list(CORE_TABLES.table_names)
    assert create_core_tables(conn) == []
    for t in CORE_TABLES.tables:
        assert table_exists(conn, t.name)
        for ix in t.indexes:
            assert index_exists(conn, t, ix)
    drop_core_tables(conn)
    assert not any(table_exists(conn, t.name) for t in CORE_TABLES.tables)


def test_create_table_and_ensure_index_report_what_they_did(memory_db: SpineConnection) -> None:
    conn = memory_db
    table = Table("t", (Column("id", ID), Column("n", INT)), ("id",))
    assert create_table(conn, table) is True
    assert create_table(conn, table) is False
    ix = Index("ix_t_n", ("n",))
    assert ensure_index(conn, table, ix) is True
    assert ensure_index(conn, table, ix) is False


# --- schema components ------------------------------------------------------------------


def _component(name: str = "test-app", *migrations: Migration) -> SchemaComponent:
    trades = Table(
        "app_trades",
        (Column("id", ID), Column("venue", STR(20))),
        ("id",),
        indexes=(Index("ix_app_trades_venue", ("venue",)),),
    )
    return SchemaComponent(name, tables=(trades,), migrations=migrations)


@pytest.fixture
def registered() -> Iterator[SchemaComponent]:
    component = register_schema(
        _component(
            "test-app", Migration(1, "lower_venues", "UPDATE app_trades SET venue = LOWER(venue)")
        )
    )
    try:
        yield component
    finally:
        unregister_schema(component.name)


def test_a_registered_component_is_installed_with_its_tables_and_listed(
    registered: SchemaComponent,
) -> None:
    assert schema_components()[-1] is registered
    assert CORE_TABLES["app_trades"] is registered.tables[0]
    with connect("memory") as conn:
        report = install_schema(conn, [registered.name])
        assert report.created == ("app_trades",)
        assert report.stamped == (("test-app", 1),)
        assert index_exists(conn, "app_trades", "ix_app_trades_venue")
        assert install_schema(conn, [registered]) == SchemaInstall()
    unregister_schema(registered.name)
    assert "app_trades" not in CORE_TABLES


def test_migrations_run_on_a_database_that_had_the_tables_before(
    registered: SchemaComponent,
) -> None:
    with connect("memory") as conn:
        create_table(conn, registered.tables[0])
        conn.execute("INSERT INTO app_trades VALUES ('t1', 'XNAS')")
        conn.commit()
        assert install_schema(conn, ["test-app"]).applied == (("test-app", 1),)
        assert conn.execute("SELECT venue FROM app_trades").fetchall() == [("xnas",)]


def test_versions_are_recorded_per_component_so_two_packages_never_collide(
    registered: SchemaComponent,
) -> None:
    with connect("memory") as conn:
        create_table(conn, registered.tables[0])
        conn.commit()
        MigrationRunner(conn, [Migration(1, "mine", "SELECT 1")], component="other").apply()
        assert install_schema(conn, ["test-app"]).applied == (("test-app", 1),)
        rows = conn.execute(
            "SELECT component, version FROM _migrations ORDER BY component"
        ).fetchall()
        assert rows == [("other", 1), ("test-app", 1)]
        drop_schema(conn, ["test-app"])
        assert not table_exists(conn, "app_trades")
        assert conn.execute("SELECT component FROM _migrations").fetchall() == [("other",)]


def test_components_are_validated_and_never_share_a_table(registered: SchemaComponent) -> None:
    with pytest.raises(ValidationError):
        register_schema(_component("test-app"))  # same name, another object
    with pytest.raises(ValidationError):
        register_schema(_component("test-app-2"))  # declares app_trades again
    with pytest.raises(ValidationError):
        SchemaComponent(
            "x", migrations=(Migration(2, "b", "SELECT 1"), Migration(1, "a", "SELECT 1"))
        )
    with pytest.raises(ValidationError):
        SchemaComponent("")
    with connect("memory") as conn, pytest.raises(ConfigError, match="no schema component"):
        install_schema(conn, ["nope"])


def test_entry_points_are_loaded_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    import spine.db.schema.component as component_module

    class FakeEntryPoint:
        def __init__(self, name: str, obj: object) -> None:
            self.name, self.value, self._obj = name, f"fake:{name}", obj

        def load(self) -> object:
            return self._obj

    def fake(points: list[FakeEntryPoint]) -> None:
        monkeypatch.setattr(component_module, "_discovered", None)
        monkeypatch.setattr(component_module, "entry_points", lambda group: points)
        reset_core_tables()

    try:
        fake(
            [
                FakeEntryPoint("b-pkg", _component("b-pkg")),
                FakeEntryPoint("a-pkg", lambda: SchemaComponent("a-pkg")),
            ]
        )
        assert [c.name for c in schema_components()] == ["a-pkg", "b-pkg"]
        assert "app_trades" in CORE_TABLES
        fake([FakeEntryPoint("x", object())])
        with pytest.raises(ConfigError, match="not a SchemaComponent"):
            schema_components()
        fake([FakeEntryPoint("x", _component("y"))])
        with pytest.raises(ConfigError, match="must be the component's name"):
            schema_components()
    finally:
        monkeypatch.undo()
        reset_core_tables()


def test_a_migrations_table_of_an_earlier_release_is_refused_with_what_to_do() -> None:
    with connect("memory") as conn:
        conn.execute("CREATE TABLE _migrations (version BIGINT PRIMARY KEY, name TEXT)")
        conn.commit()
        with pytest.raises(MigrationError, match="earlier spine release"):
            MigrationRunner(conn, []).applied()
