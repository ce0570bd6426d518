"""Golden tests: the SQL each dialect renders, pinned in files.

* ``migrations_ddl.<dialect>.sql`` - the ``_migrations`` table spine-db owns (the tables of
  the packages above are pinned in their own test suites).
* ``dialect_sql.<dialect>.sql`` - every statement spine-db renders for the packages above
  (staging tables, bounded deletes, conflict-tolerant set inserts, index reflection, schema
  creation for test isolation, migration locks, DDL for a table known only by name).

Oracle and Db2 have no server here, so their SQL is pinned by these files and run live in the
CI matrix. Regenerate after an intended change with ``SPINE_UPDATE_GOLDEN=1`` and review the
diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spine.db import get_dialect
from spine.db.dialects import DIALECT_NAMES, Dialect
from spine.db.migrations import MIGRATIONS_TABLE
from spine.db.schema import ID, INT, STR, Column, Index, Table

GOLDEN = Path(__file__).parent / "golden"

STAGE = Table("spine_l2_stage_x", (Column("sym", STR(12)), Column("record_hash", STR(64))), ())


def _join(statements: list[str]) -> str:
    return "\n\n".join(f"{s};" if not s.rstrip().endswith((";", "END")) else s for s in statements)


def render_ddl(dialect_name: str) -> str:
    d = get_dialect(dialect_name)
    return _join(d.create_table_statements(MIGRATIONS_TABLE))


def render_dialect_sql(d: Dialect) -> str:
    p = d.placeholder
    sections: list[tuple[str, str]] = [
        ("temp table as", d.create_temp_table_as_sql(STAGE.name, "trades", ["sym", "h"])),
        ("temp table", d.create_temp_table_sql(STAGE)),
        ("insert into temp table", d.insert_sql(STAGE.name, ["sym", "h"], temporary=True)),
        ("drop temp table", d.drop_temp_table_sql(STAGE.name)),
        ("insert missing", d.insert_missing_sql("trades", STAGE.name, ["sym", "h"], "h")),
        (
            "insert missing ignoring conflicts",
            d.insert_missing_sql("trades", STAGE.name, ["sym", "h"], "h", ignore_conflicts=True),
        ),
        (
            "insert ignoring conflicts on a natural key",
            d.insert_ignoring_sql("trades", STAGE.name, ["wk", "sym", "v"], ["wk", "sym"]),
        ),
        (
            "insert if absent (upsert without update)",
            d.upsert("trades", ["sym", "h"], ["h"], update_columns=[]),
        ),
        (
            "bounded delete",
            d.delete_batch_sql("core_rejects", f"created_at < {p(0)}", "created_at", 500),
        ),
        ("indexes of a table", d.indexes_sql("trades")[0]),
        ("indexes of a schema's table", d.indexes_sql("s.trades")[0]),
        ("table exists", d.table_exists_sql("trades")[0]),
        ("list tables", d.list_tables_sql()[0]),
        ("list tables of a schema", d.list_tables_sql("spine_t_x")[0]),
        (
            "create index by table name",
            d.create_index_sql("trades", Index("ux_trades_h", ("h",), unique=True)),
        ),
        ("drop table found in the catalog", d.drop_catalog_table_sql("CORE_X", "S")),
        ("migration lock", d.migration_lock_sql() or "-- none"),
        (
            "add columns",
            ";\n".join(
                d.add_columns_statements(
                    "jobs",
                    [
                        Column("owner", STR(200), nullable=True),
                        Column("tries", INT, nullable=False, default=0),
                    ],
                )
            ),
        ),
        ("ping", d.ping_sql),
    ]
    if d.isolation == "schema":
        sections.append(
            ("create schema", "\n".join(d.create_schema_statements("spine_t_x")) or "-- implicit")
        )
        sections.append(("drop schema", "\n".join(d.drop_schema_statements("spine_t_x", ["T1"]))))
    return "\n\n".join(f"-- {label}\n{sql}" for label, sql in sections) + "\n"


def _check(path: Path, rendered: str) -> None:
    if os.environ.get("SPINE_UPDATE_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rendered


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_migrations_table_ddl_matches_golden_file(dialect_name: str) -> None:
    _check(GOLDEN / f"migrations_ddl.{dialect_name}.sql", render_ddl(dialect_name) + "\n")


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_dialect_sql_for_the_packages_above_matches_golden_file(dialect_name: str) -> None:
    d = get_dialect(dialect_name)
    _check(GOLDEN / f"dialect_sql.{dialect_name}.sql", render_dialect_sql(d))


def test_a_table_declared_by_name_gets_no_type_dependent_index_clauses() -> None:
    ix = Index("ux_t_h", ("h",), unique=True)
    typed = Table("t", (Column("h", ID, nullable=True),), ())
    assert (
        get_dialect("db2")
        .create_index_sql("t", ix, if_not_exists=False)
        .endswith("EXCLUDE NULL KEYS")
    )
    assert (
        get_dialect("db2")
        .create_index_sql(typed, ix, if_not_exists=False)
        .endswith("EXCLUDE NULL KEYS")
    )
    assert get_dialect("mysql").create_index_sql("t", ix, if_not_exists=False) == (
        "CREATE UNIQUE INDEX ux_t_h ON t (h)"
    )


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_adding_columns_refuses_what_existing_rows_could_not_hold(dialect_name: str) -> None:
    from spine.db.schema import IDENTITY
    from spine.types import ValidationError

    d = get_dialect(dialect_name)
    with pytest.raises(ValidationError, match="nullable or have a default"):
        d.add_columns_statements("jobs", [Column("tries", INT)])
    with pytest.raises(ValidationError, match="identity"):
        d.add_columns_statements("jobs", [Column("id", IDENTITY)])
    with pytest.raises(ValidationError, match="at least one"):
        d.add_columns_statements("jobs", [])
