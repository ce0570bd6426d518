"""A tracked run links to the ledger (one execution per attempt) and records an anomaly when
it fails, on every SQL backend (spine-exec's SqlLedger and spine-ops' AnomalyRecorder on the
runner's connection)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spine.db import SpineConnection
from spine.db.schema import install_schema
from spine.execution import SqlLedger
from spine.ops import AnomalyRecorder
from spine.orchestration import Step, StepResult, TrackedWorkflowRunner, Workflow
from spine.orchestration.context import WorkflowContext
from spine.types import RunStatus
from spine.types.enums import ExecutionStatus


def test_each_attempt_is_a_ledger_execution_and_a_failure_an_anomaly(db: SpineConnection) -> None:
    install_schema(db)
    broken = {"load"}

    def load(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
        return StepResult.fail("warehouse away") if "load" in broken else StepResult.ok({"n": 1})

    wf = Workflow(
        "otc.weekly", [Step.lambda_("extract", lambda c, f: {}), Step.lambda_("load", load)]
    )
    ledger = SqlLedger(db)
    anomalies = AnomalyRecorder(db, "otc")
    runner = TrackedWorkflowRunner(db, ledger=ledger, anomalies=anomalies)
    failed = runner.execute(wf, {"week_ending": "2025-12-26"})
    assert failed.status is RunStatus.FAILED
    first = runner.get_run(failed.run_id).execution_id
    assert first is not None
    execution = ledger.get_execution(first)
    assert execution is not None
    assert execution.status is ExecutionStatus.FAILED
    assert execution.workflow == "otc.weekly"
    assert execution.batch_id == failed.run_id
    assert "warehouse away" in str(execution.error)
    (anomaly,) = anomalies.list_unresolved()
    assert anomaly.execution_id == first
    assert anomaly.workflow == "otc.weekly"
    assert "load" in anomaly.message

    broken.clear()
    resumed = runner.resume(failed.run_id)
    assert resumed.status is RunStatus.COMPLETED
    second = runner.get_run(failed.run_id).execution_id
    assert second not in (None, first)
    again = ledger.get_execution(second)  # type: ignore[arg-type]
    assert again is not None
    assert again.status is ExecutionStatus.COMPLETED
    assert again.parent_execution_id == first

    rerun = runner.rerun_from(failed.run_id, "load")
    third = runner.get_run(rerun.run_id).execution_id
    linked = ledger.get_execution(third)  # type: ignore[arg-type]
    assert linked is not None
    assert linked.parent_execution_id == second
    assert linked.status is ExecutionStatus.COMPLETED
    assert len(anomalies.list_unresolved()) == 1  # completed runs record none
