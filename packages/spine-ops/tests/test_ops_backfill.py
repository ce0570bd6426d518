"""BackfillPlan details on SQLite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from spine.db import SpineConnection
from spine.ops import (
    BackfillPlan,
    BackfillStatus,
    InMemoryWatermarkStore,
    gap_keys,
    preview_backfill,
    week_range_keys,
)
from spine.types import ValidationError, WeekEnding


def test_status_terminality() -> None:
    assert BackfillStatus.COMPLETED.is_terminal
    assert BackfillStatus.CANCELLED.is_terminal
    assert not BackfillStatus.FAILED.is_terminal


def test_week_range_accepts_any_dates_and_week_endings(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    conn = memory_db_factory()
    weeks = week_range_keys(dt.date(2025, 12, 1), WeekEnding("2025-12-19"))
    assert weeks == ["2025-12-05", "2025-12-12", "2025-12-19"]
    plan = BackfillPlan.from_week_range(conn, "otc", "finra", "2025-12-01", "2025-12-19")
    assert plan.partition_keys() == weeks
    assert plan.metadata == {"origin": "week_range", "start": weeks[0], "end": weeks[-1]}
    with pytest.raises(ValidationError):
        BackfillPlan.from_week_range(conn, "otc", "finra", "2025-12-22", "2025-12-25")
    with pytest.raises(ValidationError):
        BackfillPlan.from_week_range(conn, "otc", "finra", "not-a-date", "2025-12-25")


def test_dict_keys_and_progress_of_mixed_plan(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    conn = memory_db_factory()
    plan = BackfillPlan.create(conn, "otc", "finra", [{"w": 2, "t": "A"}, {"t": "A", "w": 2}, "X"])
    assert plan.partition_keys() == ['{"t":"A","w":2}', "X"]
    plan.start()
    plan.mark_partition_done({"w": 2, "t": "A"})
    assert plan.progress().percent == 50.0
    plan.cancel()
    assert plan.status is BackfillStatus.CANCELLED
    assert plan.remaining_keys() == ["X"]


def test_watermark_gap_preview_from_in_memory_store(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    store = InMemoryWatermarkStore()
    store.advance("eq", "poly", "AAPL", "2026-01-01")
    keys = gap_keys(store, "eq", "poly", ["AAPL", "MSFT"])
    preview = preview_backfill("eq", "poly", keys, metadata={"origin": "watermark_gaps"})
    assert preview.partition_keys == ("MSFT",)
    assert preview.metadata == {"origin": "watermark_gaps"}
    plan = BackfillPlan.from_watermark_gaps(memory_db_factory(), store, "eq", "poly", keys)
    assert plan is not None
    assert plan.partition_keys() == ["MSFT"]
    assert plan.metadata == {"origin": "watermark_gaps"}


@pytest.mark.parametrize("args", [("", "s"), ("d", ""), ("d" * 101, "s")])
def test_bad_domain_or_source(args: tuple[str, str]) -> None:
    with pytest.raises(ValidationError):
        preview_backfill(*args, ["A"])


def test_key_too_long() -> None:
    with pytest.raises(ValidationError):
        preview_backfill("d", "s", ["x" * 501])
