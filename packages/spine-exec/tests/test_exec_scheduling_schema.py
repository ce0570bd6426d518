"""The scheduling tables (component ``spine-exec.scheduling``): registered through the
``spine.schema`` entry point, installed on a fresh database, and the SQL every dialect renders
for them pinned by golden files (Oracle and Db2 cannot run here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spine.db import connect, get_dialect
from spine.db.dialects import DIALECT_NAMES
from spine.db.schema import install_schema, schema_components
from spine.execution.scheduling.schema import SCHEMA, rendered_sql

GOLDEN = Path(__file__).parent / "golden"


def test_the_scheduling_component_is_declared_through_the_spine_schema_entry_point() -> None:
    assert SCHEMA in schema_components()
    assert SCHEMA.name == "spine-exec.scheduling"


def test_a_fresh_database_gets_every_scheduling_table_once() -> None:
    with connect("memory") as conn:
        report = install_schema(conn, [SCHEMA.name])
        assert report.created == tuple(t.name for t in SCHEMA.tables)
        assert install_schema(conn, [SCHEMA.name]).created == ()


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_scheduling_sql_matches_golden_file(dialect_name: str) -> None:
    path = GOLDEN / f"exec_scheduling_sql.{dialect_name}.sql"
    rendered = rendered_sql(get_dialect(dialect_name))
    if os.environ.get("SPINE_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rendered
