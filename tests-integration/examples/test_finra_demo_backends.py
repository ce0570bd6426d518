"""``spine demo`` gives identical results on every backend (compared with SQLite): the
blocked week, the backfill plans from watermark gaps, the restatement read back ``as_of``,
the rejects, quality results, anomalies and rolling trends; a second run changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from finra_otc.demo import DemoSettings, run_demo
from finra_otc.report import DemoReport
from spine.db import SpineConnection
from spine.db.testing import memory_connection
from spine.ops import BackfillPlan, BackfillStatus


def _essence(report: DemoReport) -> dict[str, Any]:
    """What must not depend on the backend (no ids, no timestamps)."""
    return {
        "outcomes": [(o.week, o.status, dict(o.steps)) for o in report.outcomes],
        "weeks": [
            (
                w.week,
                w.stage,
                w.lines,
                w.new_rows,
                w.rows,
                w.rejected,
                w.symbols,
                w.venues,
                w.warnings,
            )
            for w in report.weeks
        ],
        "rejects": report.rejects_by_reason,
        "quality": report.quality,
        "anomalies": sorted(
            (a["severity"], a["week"], a["message"]) for a in report.anomalies_open
        ),
        "resolved": report.anomalies_resolved,
        "restatements": [
            (r.week, r.versions, r.shares_before, r.shares_after, r.shares_as_of_before, r.changed)
            for r in report.restatements
        ],
        "top_symbols": report.top_symbols,
        "top_venues": report.top_venues,
        "ledger": report.ledger,
    }


@pytest.fixture(scope="module")
def sqlite_essence() -> dict[str, Any]:
    return _essence(run_demo(memory_connection(), DemoSettings()))


def test_the_demo_gives_identical_results_on_every_backend(
    db: SpineConnection, sqlite_essence: dict[str, Any]
) -> None:
    first = run_demo(db, DemoSettings())
    assert _essence(first) == sqlite_essence
    # Release 1 plans every week from the watermark gaps: the cut-short week is blocked by
    # the gate (the plan records it failed); release 2 plans it again with the corrected
    # week, and completes both.
    plans = [BackfillPlan.load(db, r["plan_id"]) for r in first.releases]
    assert [(p.status, p.progress().done, p.progress().failed) for p in plans] == [
        (BackfillStatus.FAILED, 11, 1),
        (BackfillStatus.COMPLETED, 2, 0),
    ]
    [restated] = first.restatements
    assert restated.versions == 2
    assert restated.shares_as_of_before == restated.shares_before != restated.shares_after
    assert all(s["weeks"] == 6 for s in first.top_symbols)  # complete 6-week windows
    again = run_demo(db, DemoSettings())
    assert again.changed_nothing
    assert again.outcomes == []
    assert again.ledger == {"executions": {}, "runs": {}}
    assert _essence(again)["weeks"] == sqlite_essence["weeks"]
