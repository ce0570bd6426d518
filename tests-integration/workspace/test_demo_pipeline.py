"""The README's main job (scripts/demo_pipeline.py) behaves as it says, on every backend."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from spine.db import SpineConnection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("demo_pipeline")


def test_demo_publishes_reruns_backfills_and_restates(
    demo: ModuleType, db: SpineConnection
) -> None:
    report = demo.run_demo(db, weeks=8)

    actions = {o.week: o.action for o in report.first_run}
    assert actions["2025-11-21"] == "blocked"  # truncated file stopped by the row-count gate
    assert "2025-12-12" not in actions  # late week: not published yet
    assert sum(a == "published" for a in actions.values()) == 6
    assert all(o.rejects == 4 for o in report.first_run if o.action == "published")

    # A re-run does no work for published weeks; the blocked one is tried again.
    assert [o.action for o in report.rerun].count("skipped") == 6
    assert all(o.new_raw == 0 for o in report.rerun)

    # The backfill plan covers exactly the watermark gaps and completes them.
    assert report.backfill_status == "completed"
    assert report.backfill_progress == 100.0
    assert sorted(o.week for o in report.backfill) == ["2025-11-21", "2025-12-12"]
    assert all(o.action == "published" for o in report.backfill)

    # A corrected file becomes version 2; the as-of query still sees version 1.
    assert report.correction.action == "published"
    assert report.correction.new_raw == 5
    assert report.versions == 2
    assert report.shares_after != report.shares_before
    assert report.shares_as_of_before == report.shares_before

    assert report.rolling_complete is True
    assert set(report.rolling) == {"avg_weekly_shares", "max_weekly_shares"}
    assert report.reject_reasons == {
        "INVALID_SYMBOL": 9,
        "MISSING_MPID": 9,
        "NEGATIVE_VOLUME": 9,
        "NOT_A_NUMBER": 9,
    }
    assert report.anomalies_recorded == 2
    assert report.open_anomalies == 0


def test_demo_runs_twice_on_the_same_database_from_a_clean_slate(
    demo: ModuleType, db: SpineConnection
) -> None:
    first = demo.run_demo(db, weeks=4)
    second = demo.run_demo(db, weeks=4)
    assert [o.action for o in first.first_run] == [o.action for o in second.first_run]
    assert first.shares_after == second.shares_after


def test_demo_command_prints_every_phase() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/demo_pipeline.py"), "--weeks", "6"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    for phase in ("1. first run", "2. re-run", "3. backfill", "4. corrected file", "5. 6-week"):
        assert phase in result.stdout
