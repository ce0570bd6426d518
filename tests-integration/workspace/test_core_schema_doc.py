"""The contract in docs/core-schema.md: the tables spine-ops declares match the document.

A repo-level contract (the doc lives outside every distribution), so it runs from the workspace,
not from a package's sdist. The table model, registries and components are tested in spine-db's
suite; the tables' DDL per dialect in spine-ops'.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spine.db.schema import CORE_TABLES, TypeKind
from spine.execution.schema import TABLES as EXEC_TABLES
from spine.ops.schema import TABLES

TABLES_BY_NAME = {t.name: t for t in TABLES}
EXEC_TABLES_BY_NAME = {t.name: t for t in EXEC_TABLES}

DOC = Path(__file__).resolve().parents[2] / "docs" / "core-schema.md"

_TYPE = re.compile(r"^(ID|TEXT|INT|BIGINT|FLOAT|BOOL|JSON|TS|STR\((\d+)\))$")


def _parse_type(text: str) -> tuple[TypeKind, int | None]:
    m = _TYPE.match(text)
    assert m, f"unknown type {text!r} in docs/core-schema.md"
    if m.group(2):
        return TypeKind.STR, int(m.group(2))
    return TypeKind(text), None


def _doc_tables(heading: str = "## Operation primitives") -> dict[str, dict[str, object]]:
    """Parse the tables of one section of docs/core-schema.md."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
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
DOC_EXEC_TABLES = _doc_tables("## Execution tables")


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
        "core_restatement_locks",
    }


@pytest.mark.parametrize("table_name", sorted(DOC_TABLES))
def test_operation_primitive_tables_match_docs_core_schema_exactly(table_name: str) -> None:
    spec = DOC_TABLES[table_name]
    table = TABLES_BY_NAME[table_name]
    declared = [(c.name, c.type.kind, c.type.length, c.nullable) for c in table.columns]
    assert declared == spec["columns"]
    assert table.primary_key == spec["pk"]
    table_indexes = {ix.columns for ix in table.indexes}
    for cols in spec["indexes"]:  # type: ignore[attr-defined]
        assert cols in table_indexes, f"{table_name}: missing index {cols}"


def test_spine_ops_declares_exactly_the_documented_tables_and_they_are_installed() -> None:
    assert set(TABLES_BY_NAME) == set(DOC_TABLES)
    assert {t.name for t in CORE_TABLES.tables} >= set(DOC_TABLES)


def test_spine_exec_declares_exactly_the_documented_execution_tables() -> None:
    assert set(EXEC_TABLES_BY_NAME) == set(DOC_EXEC_TABLES)


@pytest.mark.parametrize("table_name", sorted(DOC_EXEC_TABLES))
def test_execution_tables_match_docs_core_schema_exactly(table_name: str) -> None:
    spec = DOC_EXEC_TABLES[table_name]
    table = EXEC_TABLES_BY_NAME[table_name]
    declared = [(c.name, c.type.kind, c.type.length, c.nullable) for c in table.columns]
    assert declared == spec["columns"]
    assert table.primary_key == spec["pk"]
    table_indexes = {ix.columns for ix in table.indexes}
    assert set(spec["indexes"]) == table_indexes  # type: ignore[call-overload]


QUEUE_DOC_TABLES = _doc_tables("## Worker queue")


def test_the_worker_queue_table_matches_docs_core_schema_exactly() -> None:
    from spine.execution.queue.schema import SCHEMA as QUEUE_SCHEMA

    assert set(QUEUE_DOC_TABLES) == {t.name for t in QUEUE_SCHEMA.tables} == {"core_work_items"}
    [table] = QUEUE_SCHEMA.tables
    spec = QUEUE_DOC_TABLES[table.name]
    declared = [(c.name, c.type.kind, c.type.length, c.nullable) for c in table.columns]
    assert declared == spec["columns"]
    assert table.primary_key == spec["pk"]
    table_indexes = {ix.columns for ix in table.indexes}
    for cols in spec["indexes"]:  # type: ignore[attr-defined]
        assert cols in table_indexes, f"{table.name}: missing index {cols}"


SCHEDULING_DOC_TABLES = _doc_tables("## Scheduling")


def test_the_scheduling_tables_match_docs_core_schema_exactly() -> None:
    from spine.execution.scheduling.schema import SCHEMA as SCHEDULING_SCHEMA

    assert set(SCHEDULING_DOC_TABLES) == {t.name for t in SCHEDULING_SCHEMA.tables}
    for table in SCHEDULING_SCHEMA.tables:
        spec = SCHEDULING_DOC_TABLES[table.name]
        declared = [(c.name, c.type.kind, c.type.length, c.nullable) for c in table.columns]
        assert declared == spec["columns"], table.name
        assert table.primary_key == spec["pk"], table.name
        assert set(spec["indexes"]) == {ix.columns for ix in table.indexes}, table.name  # type: ignore[call-overload]
