"""Contract: BackfillPlan lifecycle, persistence and resume on every backend."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from spine.ops import (
    BackfillPlan,
    BackfillStatus,
    DBWatermarkStore,
    InvalidTransitionError,
    NotFoundError,
    preview_backfill,
    week_range_keys,
)
from spine.types import ValidationError


def _plan_rows(db: Any) -> int:
    return int(db.execute("SELECT COUNT(*) FROM core_backfill_plans").fetchone()[0]) + int(
        db.execute("SELECT COUNT(*) FROM core_backfill_partitions").fetchone()[0]
    )


def test_lifecycle_to_completed(ops_db: Any) -> None:
    plan = BackfillPlan.create(ops_db, "equity", "polygon", ["AAPL", "MSFT", "GOOG"], "outage")
    assert plan.status is BackfillStatus.PLANNED
    assert plan.progress().pending == 3
    plan.start()
    assert plan.status is BackfillStatus.RUNNING
    assert plan.started_at is not None
    plan.mark_partition_done("AAPL")
    p = plan.progress()
    assert (p.done, p.failed, p.pending, p.percent) == (1, 0, 2, 33.33)
    plan.mark_partition_done("MSFT")
    plan.mark_partition_done("MSFT")  # idempotent
    plan.mark_partition_done("GOOG")
    assert plan.status is BackfillStatus.COMPLETED
    assert plan.completed_at is not None
    assert plan.progress().percent == 100.0
    assert BackfillPlan.load(ops_db, plan.plan_id).status is BackfillStatus.COMPLETED


def test_failures_make_the_plan_failed_and_retry_resumes(ops_db: Any) -> None:
    plan = BackfillPlan.create(ops_db, "equity", "polygon", ["AAPL", "MSFT"])
    plan.start()
    plan.mark_partition_failed("MSFT", "HTTP 500")
    assert plan.status is BackfillStatus.RUNNING
    plan.mark_partition_done("AAPL")
    assert plan.status is BackfillStatus.FAILED
    assert plan.failed_partitions() == {"MSFT": "HTTP 500"}
    assert plan.retry_failed() == 1
    assert plan.status is BackfillStatus.RUNNING
    assert plan.remaining_keys() == ["MSFT"]
    plan.mark_partition_done("MSFT")
    assert plan.status is BackfillStatus.COMPLETED


def test_resume_after_crash_from_another_connection(
    ops_db: Any, db_factory: Callable[[], Any]
) -> None:
    keys = [f"2025-{m:02d}-01" for m in range(1, 13)]
    worker = db_factory()
    try:
        plan = BackfillPlan.create(worker, "rates", "fred", keys, "reload 2025")
        plan.start()
        for k in keys[:5]:
            plan.mark_partition_done(k)
        plan.mark_partition_failed(keys[5], "timeout")
    finally:
        worker.close()  # the worker "crashes" here
    resumed = BackfillPlan.load(ops_db, plan.plan_id)
    assert resumed.status is BackfillStatus.RUNNING
    assert resumed.remaining_keys() == keys[6:]
    assert resumed.preview().partition_keys == tuple(keys[6:])
    assert resumed.partition_keys() == keys
    for k in resumed.remaining_keys():
        resumed.mark_partition_done(k)
    assert resumed.status is BackfillStatus.FAILED  # one partition failed


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], lambda p: p.mark_partition_done("A")),  # PLANNED: not started
        (["start", "cancel"], lambda p: p.start()),  # CANCELLED is final
        (["start", "cancel"], lambda p: p.cancel()),
        (["start"], lambda p: p.start()),  # RUNNING -> RUNNING
        ([], lambda p: p.retry_failed()),  # PLANNED -> RUNNING through retry is not a retry
        (["start", "done"], lambda p: p.cancel()),  # COMPLETED is final
    ],
)
def test_invalid_transitions_are_typed_errors(
    ops_db: Any, setup: list[str], action: Callable[[BackfillPlan], Any]
) -> None:
    plan = BackfillPlan.create(ops_db, "d", "s", ["A"])
    for step in setup:
        if step == "done":
            plan.mark_partition_done("A")
        else:
            getattr(plan, step)()
    before = BackfillPlan.load(ops_db, plan.plan_id).status
    with pytest.raises(InvalidTransitionError):
        action(plan)
    assert BackfillPlan.load(ops_db, plan.plan_id).status is before


def test_unknown_plan_and_partition(ops_db: Any) -> None:
    with pytest.raises(NotFoundError):
        BackfillPlan.load(ops_db, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    plan = BackfillPlan.create(ops_db, "d", "s", ["A"])
    plan.start()
    with pytest.raises(NotFoundError):
        plan.mark_partition_done("B")
    assert plan.progress().pending == 1


def test_previews_write_nothing(ops_db: Any) -> None:
    preview = preview_backfill("d", "s", ["B", "A", "B"], "why")
    assert preview.partition_keys == ("B", "A")
    weeks = preview_backfill("otc", "finra", week_range_keys("2025-11-21", "2025-12-26"))
    assert weeks.partition_keys == (
        "2025-11-21",
        "2025-11-28",
        "2025-12-05",
        "2025-12-12",
        "2025-12-19",
        "2025-12-26",
    )
    assert preview_backfill("d", "s", [{"b": 1, "a": 2}]).partition_keys == ('{"a":2,"b":1}',)
    assert _plan_rows(ops_db) == 0


def test_plans_from_week_range_and_watermark_gaps(ops_db: Any) -> None:
    plan = BackfillPlan.from_week_range(ops_db, "otc", "finra", "2025-12-01", "2025-12-31")
    assert plan.remaining_keys() == ["2025-12-05", "2025-12-12", "2025-12-19", "2025-12-26"]
    assert plan.metadata["origin"] == "week_range"
    store = DBWatermarkStore(ops_db)
    store.advance("equity", "polygon", "AAPL", "2026-02-15")
    gap_plan = BackfillPlan.from_watermark_gaps(
        ops_db, store, "equity", "polygon", ["AAPL", "MSFT", "GOOG"]
    )
    assert gap_plan is not None
    assert gap_plan.remaining_keys() == ["MSFT", "GOOG"]
    store.advance("equity", "polygon", "MSFT", "1")
    store.advance("equity", "polygon", "GOOG", "1")
    assert BackfillPlan.from_watermark_gaps(ops_db, store, "equity", "polygon", ["AAPL"]) is None
    listed = BackfillPlan.list_plans(ops_db, "equity", BackfillStatus.PLANNED)
    assert [p.plan_id for p in listed] == [gap_plan.plan_id]


@pytest.mark.parametrize("keys", [[], "AAPL", [""], [["x"]]])
def test_bad_plans_are_rejected(ops_db: Any, keys: Any) -> None:
    with pytest.raises(ValidationError):
        BackfillPlan.create(ops_db, "d", "s", keys)
    assert _plan_rows(ops_db) == 0


def test_concurrent_workers_complete_the_plan(ops_db: Any, db_factory: Callable[[], Any]) -> None:
    keys = [f"P{i:02d}" for i in range(24)]
    plan = BackfillPlan.create(ops_db, "d", "s", keys)
    plan.start()
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def worker(mine: list[str]) -> None:
        conn = db_factory()
        try:
            p = BackfillPlan.load(conn, plan.plan_id)
            barrier.wait(10)
            for k in mine:
                p.mark_partition_done(k)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(keys[i::3],)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    final = BackfillPlan.load(ops_db, plan.plan_id)
    assert final.progress().done == 24
    assert final.status is BackfillStatus.COMPLETED  # the last mark, whoever made it, completed it
