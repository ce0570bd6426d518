"""Contract: the transaction rule of every persistent primitive, on every backend.

Inside the caller's open transaction a primitive joins it through a savepoint and never
commits or rolls back the caller's work; on an idle connection it owns its transaction.
Each test starts the caller's work with a plain ``INSERT`` (no ``transaction()`` block: the
driver's own implicit transaction) and looks at it from a second connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from spine.db import transaction
from spine.db.schema import ID, STR, Column, Table, table_indexes
from spine.ops import (
    AnomalyRecorder,
    BackfillPlan,
    IdempotencyHelper,
    RejectSink,
    WorkManifest,
    ingest_l2,
    replace_l3,
)
from spine.ops.rejects import Reject
from spine.types import SpineError

CALLER = Table("ops_caller_work", (Column("id", ID), Column("note", STR(50))), ("id",))
SILVER = Table("ops_rule_silver", (Column("week", STR(10)), Column("symbol", STR(12))), ())
KEY = {"week_ending": "2025-12-26"}


def _seen_by(other: Any, table: str) -> int:
    row = other.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    other.commit()
    return int(row[0])


def _caller_work(conn: Any) -> None:
    ph = conn.dialect.placeholders(2)
    conn.execute(f"INSERT INTO {CALLER.name} (id, note) VALUES ({ph})", ("c1", "mine"))


@pytest.fixture
def tables(ops_db: Any, make_table: Callable[[Table], str]) -> Any:
    make_table(CALLER)
    make_table(SILVER)
    return ops_db


def test_a_failing_replace_l3_leaves_the_callers_work_intact_and_uncommitted(
    tables: Any, db_factory: Callable[[], Any]
) -> None:
    conn, other = tables, db_factory()
    replace_l3(conn, SILVER.name, {"week": "w1"}, [{"symbol": "OLD"}])
    _caller_work(conn)
    with pytest.raises(SpineError):  # a row outside the replaced key's table columns
        replace_l3(conn, SILVER.name, {"week": "w1"}, [{"symbol": "NEW", "nope": 1}])
    assert conn.has_pending_writes
    assert conn.execute(f"SELECT note FROM {CALLER.name}").fetchall() == [("mine",)]
    assert _seen_by(other, CALLER.name) == 0  # not committed by the primitive
    assert [r[0] for r in conn.execute(f"SELECT symbol FROM {SILVER.name}").fetchall()] == ["OLD"]
    conn.commit()
    assert _seen_by(other, CALLER.name) == 1


def test_a_successful_advance_to_does_not_commit_the_callers_work(
    tables: Any, db_factory: Callable[[], Any]
) -> None:
    conn, other = tables, db_factory()
    manifest = WorkManifest(conn, "otc", ["INGESTED", "PUBLISHED"])
    _caller_work(conn)
    manifest.advance_to(KEY, "INGESTED", row_count=3)
    assert _seen_by(other, CALLER.name) == 0
    assert _seen_by(other, "core_manifest") == 0
    assert manifest.current_stage(KEY) == "INGESTED"  # the caller sees its own transaction
    conn.rollback()  # the caller decides: both are gone
    assert manifest.current_stage(KEY) is None
    assert _seen_by(other, CALLER.name) == 0


def test_primitives_inside_a_transaction_block_commit_with_the_block(
    tables: Any, db_factory: Callable[[], Any]
) -> None:
    conn, other = tables, db_factory()
    with transaction(conn):
        _caller_work(conn)
        ingest_l2(conn, SILVER.name, [{"week": "w", "symbol": "A"}], hash_column="symbol")
        RejectSink(conn, "otc").write(Reject("parse", "BAD_ROW"), KEY)
        AnomalyRecorder(conn, "otc").record(severity="error", category="unknown", message="m")
        BackfillPlan.create(conn, "otc", "finra", ["2025-12-26"])
        assert _seen_by(other, CALLER.name) == 0
        assert _seen_by(other, "core_rejects") == 0
    assert _seen_by(other, CALLER.name) == 1
    assert _seen_by(other, "core_rejects") == 1
    assert _seen_by(other, "core_anomalies") == 1
    assert _seen_by(other, "core_backfill_plans") == 1


def test_a_failing_primitive_inside_a_block_can_be_caught_without_losing_the_block(
    tables: Any, db_factory: Callable[[], Any]
) -> None:
    conn, other = tables, db_factory()
    with transaction(conn):
        _caller_work(conn)
        with pytest.raises(SpineError):
            replace_l3(conn, SILVER.name, {"week": "w1"}, [{"symbol": "X", "nope": 1}])
        WorkManifest(conn, "otc", ["INGESTED"]).advance_to(KEY, "INGESTED")
    assert _seen_by(other, CALLER.name) == 1
    assert _seen_by(other, "core_manifest") == 1


def test_on_an_idle_connection_each_primitive_commits_its_own_work(
    tables: Any, db_factory: Callable[[], Any]
) -> None:
    conn, other = tables, db_factory()
    WorkManifest(conn, "otc", ["INGESTED"]).advance_to(KEY, "INGESTED")
    assert not conn.has_pending_writes
    assert _seen_by(other, "core_manifest") == 1
    with pytest.raises(SpineError):
        replace_l3(conn, SILVER.name, {"week": "w1"}, [{"symbol": "X", "nope": 1}])
    assert not conn.in_transaction  # the failed primitive rolled back what it started
    replace_l3(conn, SILVER.name, {"week": "w1"}, [{"symbol": "Y"}])
    assert _seen_by(other, SILVER.name) == 1


def test_a_plain_read_before_a_primitive_does_not_keep_its_work_uncommitted(
    tables: Any, db_factory: Callable[[], Any]
) -> None:
    conn, other = tables, db_factory()
    conn.execute(f"SELECT COUNT(*) FROM {CALLER.name}").fetchall()  # PostgreSQL opens one here
    WorkManifest(conn, "otc", ["INGESTED"]).advance_to(KEY, "INGESTED")
    assert _seen_by(other, "core_manifest") == 1


def test_ensure_hash_index_twice_creates_one_index_and_makes_ingest_race_safe(
    tables: Any,
) -> None:
    conn = tables
    helper = IdempotencyHelper(conn)
    name = helper.ensure_hash_index(SILVER.name, "symbol")
    assert helper.ensure_hash_index(SILVER.name, "symbol") == name
    assert helper.ensure_hash_index(SILVER.name, "symbol", unique=False) == name
    indexes = [ix for ix in table_indexes(conn, SILVER.name) if ix.columns == ("symbol",)]
    assert [(ix.name, ix.unique) for ix in indexes] == [(name, True)]
    assert helper._key_is_unique(SILVER.name, ["symbol"])
