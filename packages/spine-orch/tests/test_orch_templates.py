"""Templates: ETL, fan-out/fan-in, backfill over weeks, quality-gated publish."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from spine.db.testing import memory_connection
from spine.execution import Dispatcher
from spine.ops import QualityCategory, QualityCheck, QualityResult, QualityStatus, row_count_check
from spine.orchestration import (
    DispatcherRunnable,
    Step,
    TrackedWorkflowRunner,
    WorkflowDefinitionError,
    WorkflowRunner,
    backfill_workflow,
    dumps_workflow,
    etl_workflow,
    fan_out_fan_in,
    loads_workflow,
    quality_gated_publish,
)
from spine.orchestration.testing import InMemoryRunStore
from spine.types import RunStatus, StepStatus


def test_etl_with_plain_functions_passes_data_by_name() -> None:
    def extract(week: str) -> dict[str, Any]:
        return {"rows": [{"symbol": "AAPL", "shares": 10}, {"symbol": "MSFT", "shares": 5}]}

    def validate(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {"valid_rows": [r for r in rows if r["shares"] > 0]}

    def transform(valid_rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {"total": sum(r["shares"] for r in valid_rows)}

    def load(total: int, week: str) -> dict[str, Any]:
        return {"loaded": {week: total}}

    wf = etl_workflow(
        "otc.etl",
        extract=extract,
        validate=validate,
        transform=transform,
        load=load,
        params_schema={"week": "str"},
    )
    assert wf.topological_order() == ["extract", "validate", "transform", "load"]
    result = WorkflowRunner().execute(wf, {"week": "2025-12-26"})
    assert result.output("load") == {"loaded": {"2025-12-26": 15}}


def test_etl_parts_may_be_operations() -> None:
    dispatcher = Dispatcher()
    for name in ("x.extract", "x.transform", "x.load"):
        dispatcher.registry.register(name, lambda params, n=name: {"done": n})
    wf = etl_workflow("x.etl", extract="x.extract", transform="x.transform", load="x.load")
    result = WorkflowRunner(DispatcherRunnable(dispatcher)).execute(wf)
    assert result.output("load") == {"done": "x.load"}


def square(item: int) -> dict[str, int]:
    if item < 0:
        raise ValueError(f"negative item {item}")
    return {"sq": item * item}


def total(results: list[dict[str, int] | None]) -> dict[str, int]:
    return {"total": sum(r["sq"] for r in results if r)}


def test_fan_out_fan_in_merges_results_in_input_order() -> None:
    wf = fan_out_fan_in(
        "sq", items_from="params.numbers", worker=square, merge=total, max_concurrency=3
    )
    result = WorkflowRunner().execute(wf, {"numbers": [1, 2, 3, 4]})
    assert [r["sq"] for r in result.output("fan_out")["results"]] == [1, 4, 9, 16]
    assert result.output("fan_in") == {"total": 30}


def test_fan_out_item_failures_under_continue_leave_the_run_partial() -> None:
    wf = fan_out_fan_in(
        "sq", items_from="params.numbers", worker=square, merge=total, on_item_failure="continue"
    )
    result = WorkflowRunner().execute(wf, {"numbers": [1, -2, 3]})
    assert result.status is RunStatus.PARTIAL
    items = result.steps["fan_out"].output["items"]
    assert [i["status"] for i in items] == ["completed", "failed", "completed"]
    assert "negative item -2" in items[1]["error"]
    assert result.steps["fan_in"].status is StepStatus.SKIPPED


@pytest.fixture
def weekly() -> Iterator[tuple[DispatcherRunnable, Counter[str], set[str]]]:
    dispatcher = Dispatcher()
    runs: Counter[str] = Counter()
    broken: set[str] = set()

    @dispatcher.registry.handler("finra.otc.ingest_week")
    def ingest_week(params: dict[str, Any]) -> dict[str, Any]:
        week = params["week_ending"]
        runs[week] += 1
        if week in broken:
            raise ConnectionError(f"FINRA unavailable for {week}")
        return {"week": week, "rows": 960}

    yield DispatcherRunnable(dispatcher), runs, broken
    dispatcher.shutdown()


def test_backfill_runs_the_worker_once_per_friday(weekly: Any) -> None:
    runnable, runs, _ = weekly
    wf = backfill_workflow(
        "otc.backfill", "finra.otc.ingest_week", start="2025-12-05", end="2025-12-26"
    )
    result = WorkflowRunner(runnable).execute(wf)
    assert result.output("plan") == {
        "weeks": ["2025-12-05", "2025-12-12", "2025-12-19", "2025-12-26"]
    }
    assert [r["week"] for r in result.output("backfill")["results"]] == result.output("plan")[
        "weeks"
    ]
    narrower = WorkflowRunner(runnable).execute(wf, {"start": "2025-12-19"})
    assert narrower.output("plan")["weeks"] == ["2025-12-19", "2025-12-26"]
    assert runs["2025-12-26"] == 2


def test_backfill_failed_weeks_are_reported_and_a_resume_reruns_only_them(weekly: Any) -> None:
    runnable, runs, broken = weekly
    broken.add("2025-12-12")
    wf = backfill_workflow(
        "otc.backfill",
        "finra.otc.ingest_week",
        start="2025-12-05",
        end="2025-12-19",
        max_concurrency=2,
    )
    runner = TrackedWorkflowRunner(InMemoryRunStore(), runnable=runnable)
    partial = runner.execute(wf)
    assert partial.status is RunStatus.PARTIAL
    failed = [
        i["item"] for i in partial.steps["backfill"].output["items"] if i["status"] == "failed"
    ]
    assert failed == ["2025-12-12"]
    broken.clear()
    resumed = runner.resume(partial.run_id)
    assert resumed.status is RunStatus.COMPLETED
    assert runs == Counter({"2025-12-05": 1, "2025-12-12": 2, "2025-12-19": 1})


def test_backfill_bounds_must_be_fridays_in_order_and_the_workflow_serialises() -> None:
    with pytest.raises(ValueError, match="not a Friday"):
        backfill_workflow("b", "x.y", start="2025-12-04", end="2025-12-26")
    with pytest.raises(WorkflowDefinitionError, match="is after end"):
        backfill_workflow("b", "x.y", start="2025-12-26", end="2025-12-05")
    wf = backfill_workflow("b", "x.y", start="2025-12-05", end="2025-12-26")
    assert loads_workflow(dumps_workflow(wf)) == wf


def shares_positive(ctx: Any) -> QualityResult:
    bad = [r for r in ctx["rows"] if r["shares"] <= 0]
    if bad:
        return QualityResult(QualityStatus.FAIL, f"{len(bad)} rows with shares <= 0")
    return QualityResult(QualityStatus.PASS, "all positive")


def few_rows_warn(ctx: Any) -> QualityResult:
    status = QualityStatus.WARN if len(ctx["rows"]) < 3 else QualityStatus.PASS
    return QualityResult(status, f"{len(ctx['rows'])} rows")


CHECKS = [
    QualityCheck("shares_positive", QualityCategory.VALIDITY, shares_positive),
    QualityCheck("enough_rows", QualityCategory.COMPLETENESS, few_rows_warn),
    row_count_check(min_rows=1),
]


def gated(rows: list[dict[str, Any]], published: list[str], **kw: Any) -> Any:
    def produce(week: str) -> dict[str, Any]:
        return {"rows": rows}

    def publish(week: str) -> dict[str, Any]:
        published.append(week)
        return {"published": week}

    return quality_gated_publish(
        "otc.publish", produce=produce, checks=CHECKS, publish=publish, domain="otc", **kw
    )


def test_quality_gate_passes_good_data_and_stores_results_in_core_quality() -> None:
    conn = memory_connection()
    published: list[str] = []
    wf = gated([{"shares": 1}] * 3, published, conn=conn, partition_params=["week"])
    result = WorkflowRunner().execute(wf, {"week": "2025-12-26"})
    assert result.succeeded
    assert published == ["2025-12-26"]
    assert result.output("quality_gate")["passed"] is True
    rows = conn.execute(
        "SELECT check_name, status, partition_key, execution_id FROM core_quality"
        " ORDER BY check_name"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [
        ("enough_rows", "pass"),
        ("row_count", "pass"),
        ("shares_positive", "pass"),
    ]
    assert rows[0][2] == '{"week":"2025-12-26"}'
    assert rows[0][3] == result.run_id
    conn.close()


def test_a_failing_gate_stops_the_run_before_publishing() -> None:
    published: list[str] = []
    result = WorkflowRunner().execute(gated([{"shares": 0}], published), {"week": "w"})
    assert result.status is RunStatus.FAILED
    assert published == []
    gate = result.steps["quality_gate"]
    assert gate.output["failures"] == ["shares_positive"]
    assert gate.error_info is not None
    assert gate.error_info["error_type"] == "StepExecutionError"
    assert "quality gate failed: shares_positive" in str(gate.error)
    assert result.steps["publish"].status is StepStatus.PENDING


def test_with_on_fail_a_failing_gate_takes_the_other_branch() -> None:
    published: list[str] = []
    quarantined: list[str] = []

    def quarantine(week: str) -> dict[str, Any]:
        quarantined.append(week)
        return {}

    wf = gated([{"shares": 0}], published, on_fail=quarantine)
    result = WorkflowRunner().execute(wf, {"week": "w"})
    assert result.succeeded
    assert published == []
    assert quarantined == ["w"]
    assert result.steps["publish"].status is StepStatus.SKIPPED


def test_warnings_pass_unless_fail_on_warn() -> None:
    published: list[str] = []
    ok = WorkflowRunner().execute(gated([{"shares": 1}], published), {"week": "w"})
    assert ok.succeeded
    assert ok.output("quality_gate")["warnings"] == ["enough_rows"]
    strict = WorkflowRunner().execute(
        gated([{"shares": 1}], published, fail_on_warn=True), {"week": "w"}
    )
    assert strict.status is RunStatus.FAILED
    assert published == ["w"]


def test_quality_gate_requires_spine_ops_checks() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"must be spine\.ops\.QualityCheck"):
        quality_gated_publish(
            "x", produce="a.b", checks=[lambda ctx: None], publish="a.c", domain="otc"
        )


def test_ready_steps_are_used_as_given() -> None:
    wf = etl_workflow("x", extract=Step.operation("pull", "x.pull"), transform="x.t", load="x.l")
    assert wf.step_names() == ["pull", "transform", "load"]
