"""spine-ops' tables: the DDL every dialect renders (golden files), the component's
registration and its migrations. (The columns are checked against docs/core-schema.md by
``tests-integration/workspace/test_core_schema_doc.py``: the document is not in this sdist.)"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from spine.db import connect, get_dialect
from spine.db.dialects import DIALECT_NAMES
from spine.db.schema import CORE_TABLES, Table, install_schema, schema_components
from spine.ops.schema import MIGRATIONS, SCHEMA, TABLES

TABLES_BY_NAME = {t.name: t for t in TABLES}

GOLDEN = Path(__file__).parent / "golden"


def test_spine_ops_declares_its_tables_through_the_spine_schema_entry_point() -> None:
    assert SCHEMA in schema_components()
    assert SCHEMA.name == "spine-ops"
    # CORE_TABLES holds every installed component's tables (here also the workspace's
    # example application); spine-ops' are there, in their declared order
    names = [t.name.removeprefix("core_") for t in TABLES]
    assert [n for n in CORE_TABLES if n in names] == names
    assert CORE_TABLES["core_manifest"] is CORE_TABLES["manifest"]
    assert "CORE_MANIFEST" in CORE_TABLES
    assert f"{CORE_TABLES['rejects']}" == "core_rejects"
    with pytest.raises(KeyError):
        CORE_TABLES["no_such_table"]


def before_leases() -> list[Table]:
    """spine-ops' tables as releases before migration 2 made them (no lease columns)."""
    lease = {"claimed_by", "lease_expires_at", "attempts"}
    return [
        replace(t, columns=tuple(c for c in t.columns if c.name not in lease))
        if t.name == "core_backfill_partitions"
        else t
        for t in TABLES
    ]


def _render(dialect_name: str) -> str:
    d = get_dialect(dialect_name)
    statements = [stmt for t in TABLES for stmt in d.create_table_statements(t)]
    statements += [f"-- migration {m.version} ({m.name})\n{m.sql_for(d.name)}" for m in MIGRATIONS]
    return "\n\n".join(s if s.rstrip().endswith((";", "END")) else f"{s};" for s in statements)


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_ddl_and_migrations_match_golden_file(dialect_name: str) -> None:
    path = GOLDEN / f"ops_ddl.{dialect_name}.sql"
    rendered = _render(dialect_name) + "\n"
    if os.environ.get("SPINE_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rendered


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_every_table_and_index_is_rendered_once(dialect_name: str) -> None:
    rendered = _render(dialect_name)
    guard = "" if dialect_name in ("oracle", "db2") else "IF NOT EXISTS "
    for table in TABLES:
        assert rendered.count(f"CREATE TABLE {guard}{table.name} (") == 1
        for index in table.indexes:
            assert index.name in rendered


def test_a_fresh_database_gets_the_tables_and_the_migrations_recorded_unrun() -> None:
    with connect("memory") as conn:
        report = install_schema(conn, ["spine-ops"])
        assert report.created == tuple(t.name for t in TABLES)
        assert report.stamped == tuple(("spine-ops", m.version) for m in MIGRATIONS)
        assert report.applied == ()
        again = install_schema(conn, ["spine-ops"])
        assert (again.created, again.applied, again.stamped) == ((), (), ())


def test_a_database_of_an_earlier_release_gets_its_stored_values_lower_cased() -> None:
    with connect("memory") as conn:
        for table in before_leases():  # as an earlier release made them: no migration record
            for stmt in conn.dialect.create_table_statements(table):
                conn.execute(stmt)
        conn.execute(
            "INSERT INTO core_quality (id, domain, partition_key, partition_hash, check_name, "
            "category, status, created_at) VALUES ('q1', 'd', '{}', 'h', 'c', 'COMPLETENESS', "
            "'PASS', '2025-01-01T00:00:00.000000+00:00')"
        )
        conn.execute(
            "INSERT INTO core_backfill_plans (plan_id, domain, source, status, partition_count, "
            "created_at, updated_at) VALUES ('p1', 'd', 's', 'RUNNING', 1, 'x', 'x')"
        )
        conn.execute(
            "INSERT INTO core_backfill_partitions (plan_id, partition_key, position, status, "
            "updated_at) VALUES ('p1', 'k', 0, 'PENDING', 'x')"
        )
        conn.execute(
            "INSERT INTO core_anomalies (id, domain, severity, category, message, created_at) "
            "VALUES ('a1', 'd', 'ERROR', 'DATA_QUALITY', 'm', 'x')"
        )
        conn.commit()
        report = install_schema(conn, ["spine-ops"])
        assert report.applied == (("spine-ops", 1), ("spine-ops", 2))
        assert conn.execute(
            "SELECT claimed_by, lease_expires_at, attempts FROM core_backfill_partitions"
        ).fetchall() == [(None, None, 0)]
        assert conn.execute("SELECT category, status FROM core_quality").fetchall() == [
            ("completeness", "pass")
        ]
        assert conn.execute("SELECT status FROM core_backfill_plans").fetchall() == [("running",)]
        assert conn.execute("SELECT status FROM core_backfill_partitions").fetchall() == [
            ("pending",)
        ]
        assert conn.execute("SELECT severity, category FROM core_anomalies").fetchall() == [
            ("error", "data_quality")
        ]
        assert install_schema(conn, ["spine-ops"]).applied == ()


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_backfill_claim_sql_matches_golden_file(dialect_name: str) -> None:
    """The claim of ``BackfillPlan.claim`` as each dialect renders it (Oracle and Db2 run
    live only in the CI matrix): lock-and-skip query, then the fenced update."""
    from spine.ops.backfill_claims import claim_sql

    select, update = claim_sql(get_dialect(dialect_name), 5)
    rendered = f"-- claim query\n{select};\n\n-- take one partition\n{update};\n"
    path = GOLDEN / f"ops_claim_sql.{dialect_name}.sql"
    if os.environ.get("SPINE_UPDATE_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rendered
