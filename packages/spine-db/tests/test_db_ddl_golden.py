"""Golden tests: the DDL each dialect renders for every core table (and the migrations table).

Oracle and Db2 have no server here, so their SQL is pinned by these files and run live in the
CI matrix. Regenerate after an intended change with ``SPINE_UPDATE_GOLDEN=1`` and review the
diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spine.db import get_dialect
from spine.db.dialects import DIALECT_NAMES
from spine.db.migrations import MIGRATIONS_TABLE
from spine.db.schema import CORE_TABLES

GOLDEN = Path(__file__).parent / "golden"


def render_all(dialect_name: str) -> str:
    d = get_dialect(dialect_name)
    statements = [
        stmt
        for table in (*CORE_TABLES.tables, MIGRATIONS_TABLE)
        for stmt in d.create_table_statements(table)
    ]
    return "\n\n".join(f"{s};" if not s.rstrip().endswith((";", "END")) else s for s in statements)


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_core_ddl_matches_golden_file(dialect_name: str) -> None:
    path = GOLDEN / f"core_ddl.{dialect_name}.sql"
    rendered = render_all(dialect_name) + "\n"
    if os.environ.get("SPINE_UPDATE_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rendered


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_every_core_table_and_index_is_rendered_once(dialect_name: str) -> None:
    rendered = render_all(dialect_name)
    guard = "" if dialect_name in ("oracle", "db2") else "IF NOT EXISTS "
    for table in CORE_TABLES.tables:
        assert rendered.count(f"CREATE TABLE {guard}{table.name} (") == 1
        for index in table.indexes:
            assert index.name in rendered
