"""Contract: retention purges in committed batches, safely, on every backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from spine.db import get_dialect, table_exists
from spine.db.schema import ID, STR, TS, Column, Table
from spine.ops import RetentionConfig, RetentionTarget, purge_all, purge_table
from spine.types import ValidationError, generate_ulid

NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def _insert_rejects(db: Any, n: int, age_days: float) -> None:
    d = get_dialect(db)
    ts = d.encode_timestamp(NOW - dt.timedelta(days=age_days))
    sql = (
        "INSERT INTO core_rejects (id, domain, partition_key, partition_hash, stage, reason_code, "
        f"created_at) VALUES ({d.placeholders(7)})"
    )
    db.executemany(
        sql, [(generate_ulid(), "otc", "{}", "0" * 64, "INGEST", "X", ts) for _ in range(n)]
    )
    db.commit()


def _count(db: Any, table: str, extra: str = "") -> int:
    return int(db.execute(f"SELECT COUNT(*) FROM {table} {extra}").fetchone()[0])


def test_purge_deletes_old_rows_in_batches(ops_db: Any) -> None:
    _insert_rejects(ops_db, 25, age_days=40)
    _insert_rejects(ops_db, 7, age_days=5)
    batches: list[int] = []
    res = purge_table(
        ops_db, "rejects", 30, batch_size=10, now=NOW, on_batch=lambda _, n: batches.append(n)
    )
    assert (res.deleted, res.batches, res.completed, res.error) == (25, 3, True, None)
    assert batches == [10, 10, 5]
    assert res.cutoff == NOW - dt.timedelta(days=30)
    assert _count(ops_db, "core_rejects") == 7


def test_interrupted_purge_leaves_consistent_table_and_rerun_finishes(
    ops_db: Any, db_factory: Callable[[], Any]
) -> None:
    _insert_rejects(ops_db, 50, age_days=60)
    _insert_rejects(ops_db, 5, age_days=1)

    def stop_after_two(batch_no: int, _: int) -> None:
        if batch_no == 2:
            raise KeyboardInterrupt  # operator hits Ctrl-C mid-purge

    with pytest.raises(KeyboardInterrupt):
        purge_table(ops_db, "core_rejects", 30, batch_size=10, now=NOW, on_batch=stop_after_two)
    observer = db_factory()  # sees committed data only
    assert _count(observer, "core_rejects") == 35  # exactly two committed batches gone
    observer.commit()
    partial = purge_table(ops_db, "rejects", 30, batch_size=10, now=NOW, max_batches=1)
    assert (partial.deleted, partial.completed) == (10, False)
    rest = purge_table(ops_db, "rejects", 30, batch_size=10, now=NOW)
    assert (rest.deleted, rest.completed) == (20, True)
    assert _count(ops_db, "core_rejects") == 5


def test_active_work_and_open_anomalies_are_kept(ops_db: Any, make_table: Any) -> None:
    # the work queue belongs to spine-exec: stand in for it with the columns retention reads
    make_table(
        Table(
            "core_work_items",
            (Column("id", ID), Column("status", STR(20)), Column("created_at", TS)),
            ("id",),
        )
    )
    d = get_dialect(ops_db)
    old = d.encode_timestamp(NOW - dt.timedelta(days=400))
    for status in ("pending", "running", "completed", "failed"):
        ops_db.execute(
            f"INSERT INTO core_work_items (id, status, created_at) VALUES ({d.placeholders(3)})",
            (generate_ulid(), status, old),
        )
    for resolved in (None, old):
        ops_db.execute(
            "INSERT INTO core_anomalies (id, domain, severity, category, message, created_at, "
            f"resolved_at) VALUES ({d.placeholders(7)})",
            (generate_ulid(), "otc", "error", "unknown", "m", old, resolved),
        )
    ops_db.commit()
    report = purge_all(ops_db, RetentionConfig(), now=NOW)
    assert report.ok
    by_table = {r.table: r.deleted for r in report.results}
    assert by_table["core_work_items"] == 2
    assert by_table["core_anomalies"] == 1
    statuses = {r[0] for r in ops_db.execute("SELECT status FROM core_work_items").fetchall()}
    assert statuses == {"pending", "running"}
    assert _count(ops_db, "core_anomalies", "WHERE resolved_at IS NULL") == 1
    assert report.total_deleted == 3
    # a configured table that is not installed (spine-exec's ledger, when spine-exec is not)
    # is reported absent; installed ones are purged
    configured = {target.table for target, _ in RetentionConfig().items()}
    assert set(report.absent) == {t for t in configured if not table_exists(ops_db, t)}
    assert set(report.absent) | set(by_table) == configured


def test_purge_all_reports_a_failing_table_and_continues(ops_db: Any) -> None:
    _insert_rejects(ops_db, 3, age_days=100)
    broken = RetentionTarget("core_watermarks", "created_at")  # it has no created_at column
    cfg = RetentionConfig(extra=((broken, 1),))
    report = purge_all(ops_db, cfg, now=NOW)
    failed = report.failed
    assert [r.table for r in failed] == ["core_watermarks"]
    assert failed[0].error
    assert {r.table: r.deleted for r in report.results}["core_rejects"] == 3


def test_purge_all_skips_tables_that_do_not_exist(ops_db: Any) -> None:
    missing = RetentionTarget("ops_no_such_table", "created_at")
    report = purge_all(ops_db, RetentionConfig(extra=((missing, 1),)), now=NOW)
    assert report.ok
    assert "ops_no_such_table" in report.absent
    assert "ops_no_such_table" not in {r.table for r in report.results}


@pytest.mark.parametrize(
    "call",
    [
        lambda db: purge_table(db, "core_rejects; DROP TABLE core_rejects", 1),
        lambda db: purge_table(db, "users", 1),
        lambda db: purge_table(db, "rejects", 1, ts_column="created_at OR 1=1"),
        lambda db: purge_table(db, "rejects", -1),
        lambda db: purge_table(db, "rejects", 1, batch_size=0),
        lambda db: RetentionTarget("t", "ts; --"),
        lambda db: RetentionConfig.from_dict({"users": 1}),
    ],
)
def test_unknown_tables_and_injection_are_rejected(ops_db: Any, call: Any) -> None:
    _insert_rejects(ops_db, 2, age_days=100)
    with pytest.raises(ValidationError):
        call(ops_db)
    assert _count(ops_db, "core_rejects") == 2
