"""spine-exec's tables: registered through the ``spine.schema`` entry point, and the DDL and
backend-specific statements every dialect renders for them (golden files: Oracle and Db2
cannot run here). The columns are checked against docs/core-schema.md by
``tests-integration/workspace/test_core_schema_doc.py``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spine.db import connect, get_dialect
from spine.db.dialects import DIALECT_NAMES
from spine.db.schema import install_schema, schema_components
from spine.execution.schema import CORE_CONCURRENCY_LOCKS, SCHEMA, TABLES

GOLDEN = Path(__file__).parent / "golden"


def test_spine_exec_declares_its_tables_through_the_spine_schema_entry_point() -> None:
    assert SCHEMA in schema_components()
    assert SCHEMA.name == "spine-exec"
    conn = connect("memory")
    installed = install_schema(conn, ["spine-exec"])
    assert list(installed.created) == [t.name for t in TABLES]
    conn.close()


def _render(dialect_name: str) -> str:
    d = get_dialect(dialect_name)
    statements = [stmt for t in TABLES for stmt in d.create_table_statements(t)]
    statements.append(
        "-- a free lock: insert-if-absent\n"
        + d.upsert(
            "core_concurrency_locks",
            ("lock_key", "owner", "execution_id", "acquired_at", "expires_at", "depth"),
            ("lock_key",),
            update_columns=(),
            column_types={c.name: c.type for c in CORE_CONCURRENCY_LOCKS.columns},
        )
    )
    statements.append(
        "-- the latest attempt of an idempotency key\n"
        f"SELECT id FROM core_executions WHERE idempotency_key = {d.placeholder(0)} "
        f"ORDER BY attempt DESC {d.limit_offset(1)}"
    )
    statements.append(
        "-- a page of executions\n"
        "SELECT id FROM core_executions ORDER BY created_at DESC, id DESC "
        f"{d.limit_offset(50, 100)}"
    )
    return "\n\n".join(s if s.rstrip().endswith((";", "END")) else f"{s};" for s in statements)


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_ddl_and_statements_match_golden_file(dialect_name: str) -> None:
    path = GOLDEN / f"exec_sql.{dialect_name}.sql"
    rendered = _render(dialect_name) + "\n"
    if os.environ.get("SPINE_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rendered
