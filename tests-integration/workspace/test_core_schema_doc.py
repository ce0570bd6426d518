"""The core tables: the contract in docs/core-schema.md, reserved words, the registry.

A repo-level contract (the doc lives outside every distribution), so it runs from the workspace,
not from spine-db's sdist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spine.db import create_connection, get_dialect
from spine.db.dialects import all_dialects
from spine.db.dialects.db2 import DB2_ADVISORY_WORDS
from spine.db.schema import (
    CORE_TABLES,
    ID,
    IDENTITY,
    INT,
    STR,
    TS,
    Column,
    Index,
    SchemaRegistry,
    Table,
    TypeKind,
    create_core_tables,
    create_table,
    drop_core_tables,
    ensure_index,
    index_exists,
    table_exists,
)
from spine.db.testing import memory_connection
from spine.types import ValidationError

DOC = Path(__file__).resolve().parents[2] / "docs" / "core-schema.md"

_TYPE = re.compile(r"^(ID|TEXT|INT|BIGINT|FLOAT|BOOL|JSON|TS|STR\((\d+)\))$")


def _parse_type(text: str) -> tuple[TypeKind, int | None]:
    m = _TYPE.match(text)
    assert m, f"unknown type {text!r} in docs/core-schema.md"
    if m.group(2):
        return TypeKind.STR, int(m.group(2))
    return TypeKind(text), None


def _doc_tables() -> dict[str, dict[str, object]]:
    """Parse the operation-primitive tables of docs/core-schema.md."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Operation primitives", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, dict[str, object]] = {}
    for block in section.split("\n### ")[1:]:
        heading, _, body = block.partition("\n")
        names = [n.strip() for n in heading.split("—")[0].split("/")]
        columns: list[tuple[str, TypeKind, int | None, bool]] = []
        pk: tuple[str, ...] = ()
        rows = [line for line in body.splitlines() if line.startswith("| ") and "---" not in line]
        if rows:
            for line in rows[1:]:
                name, ctype, null = (c.strip() for c in line.strip("|").split("|"))
                kind, length = _parse_type(ctype)
                columns.append((name, kind, length, null == "yes"))
        else:
            prose = re.split(r"\b(?:Indexes|Index|Primary key)\b", body, maxsplit=1)[0]
            for item in prose.split("·"):
                words = [w.rstrip(".") for w in item.split()]
                if len(words) < 2:
                    continue
                name, ctype = words[0], words[1]
                kind, length = _parse_type(ctype)
                rest = words[2:]
                if "pk" in rest:
                    pk = (name,)
                columns.append((name, kind, length, "null" in rest))
        m = re.search(r"Primary key \(([^)]*)\)", body)
        if m:
            pk = tuple(c.strip() for c in m.group(1).split(","))
        indexes = (
            [
                tuple(c.strip() for c in cols.split(","))
                for cols in re.findall(r"\(([a-z_, ]+)\)", body.split("Index", 1)[1])
            ]
            if "Index" in body
            else []
        )
        for name in names:
            tables[name] = {"columns": columns, "pk": pk, "indexes": indexes}
    return tables


DOC_TABLES = _doc_tables()


def test_the_doc_parser_found_every_operation_primitive_table() -> None:
    assert set(DOC_TABLES) == {
        "core_manifest",
        "core_rejects",
        "core_quality",
        "core_anomalies",
        "core_watermarks",
        "core_backfill_plans",
        "core_backfill_partitions",
        "core_asset_materializations",
        "core_asset_observations",
    }


@pytest.mark.parametrize("table_name", sorted(DOC_TABLES))
def test_operation_primitive_tables_match_docs_core_schema_exactly(table_name: str) -> None:
    spec = DOC_TABLES[table_name]
    table = CORE_TABLES[table_name]
    declared = [(c.name, c.type.kind, c.type.length, c.nullable) for c in table.columns]
    assert declared == spec["columns"]
    assert table.primary_key == spec["pk"]
    table_indexes = {ix.columns for ix in table.indexes}
    for cols in spec["indexes"]:  # type: ignore[attr-defined]
        assert cols in table_indexes, f"{table_name}: missing index {cols}"


def test_core_registry_holds_every_core_table_under_short_names() -> None:
    assert list(CORE_TABLES) == [
        "manifest",
        "rejects",
        "quality",
        "anomalies",
        "watermarks",
        "backfill_plans",
        "backfill_partitions",
        "asset_materializations",
        "asset_observations",
        "executions",
        "execution_events",
        "dead_letters",
        "concurrency_locks",
        "work_items",
        "workflow_runs",
        "workflow_steps",
        "workflow_events",
        "schedules",
    ]
    assert CORE_TABLES["core_manifest"] is CORE_TABLES["manifest"]
    assert "CORE_MANIFEST" in CORE_TABLES
    assert f"{CORE_TABLES['rejects']}" == "core_rejects"
    with pytest.raises(KeyError):
        CORE_TABLES["nope"]


def test_queue_and_lock_tables_have_lease_columns() -> None:
    work = CORE_TABLES["work_items"]
    for col in (
        "status", "priority", "run_after", "lease_owner", "lease_expires_at", "heartbeat_at",
        "attempts", "max_attempts", "payload_json", "last_error",
    ):  # fmt: skip
        assert work.has_column(col)
    assert ("status", "run_after", "priority") in {ix.columns for ix in work.indexes}
    locks = CORE_TABLES["concurrency_locks"]
    assert locks.primary_key == ("lock_key",)
    assert [c.name for c in locks.columns if not c.nullable] == [
        "lock_key", "owner", "acquired_at", "expires_at",
    ]  # fmt: skip
    executions = CORE_TABLES["executions"]
    assert {"idempotency_key"} <= {c for ix in executions.indexes for c in ix.columns}


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


def test_create_core_tables_is_idempotent_and_drop_removes_them() -> None:
    conn, _ = create_connection()
    created = create_core_tables(conn)
    assert created == list(CORE_TABLES.table_names)
    assert create_core_tables(conn) == []
    for t in CORE_TABLES.tables:
        assert table_exists(conn, t.name)
        for ix in t.indexes:
            assert index_exists(conn, t, ix)
    drop_core_tables(conn)
    assert not any(table_exists(conn, t.name) for t in CORE_TABLES.tables)


def test_create_table_and_ensure_index_report_what_they_did() -> None:
    conn = memory_connection(core_tables=False)
    table = Table("t", (Column("id", ID), Column("n", INT)), ("id",))
    assert create_table(conn, table) is True
    assert create_table(conn, table) is False
    ix = Index("ix_t_n", ("n",))
    assert ensure_index(conn, table, ix) is True
    assert ensure_index(conn, table, ix) is False
