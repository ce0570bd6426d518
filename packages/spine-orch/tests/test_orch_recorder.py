"""RecordingRunner, WorkflowRecording and replay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from spine.execution import Dispatcher
from spine.orchestration import (
    DispatcherRunnable,
    RecordingRunner,
    Step,
    StepResult,
    Workflow,
    WorkflowContext,
    WorkflowRecording,
    replay,
)
from spine.types import ValidationError


def validate(ctx: WorkflowContext, config: Mapping[str, Any]) -> StepResult:
    return StepResult.ok(output={"valid": True, "rows": ctx.outputs["fetch"]["rows"]})


@pytest.fixture
def runnable() -> DispatcherRunnable:
    dispatcher = Dispatcher()
    dispatcher.registry.register(
        "data.fetch", lambda params: {"rows": [1, 2, 3], "date": params["date"]}
    )
    return DispatcherRunnable(dispatcher)


def workflow() -> Workflow:
    return Workflow(
        name="test.operation",
        steps=[Step.operation("fetch", "data.fetch"), Step.lambda_("validate", validate)],
    )


def test_the_spec_example_records_saves_and_replays_with_all_match(
    runnable: DispatcherRunnable,
) -> None:
    recorder = RecordingRunner(runnable=runnable)
    result = recorder.execute(workflow(), params={"date": "2026-01-15"})
    recording = recorder.last_recording
    assert recording is not None
    assert result.succeeded
    json_str = recording.to_json()
    loaded = WorkflowRecording.from_json(json_str)
    assert loaded == recording
    replay_result = replay(loaded, workflow(), runnable=runnable)
    assert replay_result.all_match, replay_result.summary()
    assert loaded.replay(workflow(), runnable=runnable).all_match


def test_step_recordings_hold_snapshots_before_and_after(runnable: DispatcherRunnable) -> None:
    recorder = RecordingRunner(runnable=runnable)
    recorder.execute(workflow(), params={"date": "2026-01-15"})
    recording = recorder.last_recording
    assert recording is not None
    fetch, check = recording.steps
    assert fetch.params_snapshot == {"date": "2026-01-15"}
    assert fetch.outputs_snapshot == {"fetch": {"date": "2026-01-15", "rows": [1, 2, 3]}}
    assert check.outputs_snapshot.keys() == {"fetch", "validate"}
    assert check.result.success
    assert check.result.output == {"rows": [1, 2, 3], "valid": True}
    assert fetch.duration_ms >= 0
    assert fetch.attempts == 1


def test_a_recording_replayed_against_a_changed_workflow_reports_each_difference(
    runnable: DispatcherRunnable,
) -> None:
    recorder = RecordingRunner(runnable=runnable)
    recorder.execute(workflow(), params={"date": "2026-01-15"})
    recording = recorder.last_recording
    assert recording is not None

    def stricter(ctx: WorkflowContext, config: Mapping[str, Any]) -> StepResult:
        rows = ctx.outputs["fetch"]["rows"]
        return StepResult.ok({"valid": False, "rows": rows[:2]})

    changed = Workflow(
        "test.operation",
        [
            Step.operation("fetch", "data.fetch"),
            Step.lambda_("validate", stricter),
            Step.lambda_("publish", lambda ctx, cfg: {}),
        ],
    )
    result = replay(recording, changed, runnable=runnable)
    assert not result.all_match
    assert [str(d) for d in result.diffs_for("validate")] == [
        "validate: output.rows: expected [1, 2, 3], got [1, 2]",
        "validate: output.valid: expected True, got False",
    ]
    assert [d.kind for d in result.diffs_for("publish")] == ["added"]
    assert result.changed_steps == ["validate", "publish"]
    assert "2 step(s) differ" in result.summary()


def test_removed_steps_and_status_changes_are_reported(runnable: DispatcherRunnable) -> None:
    recorder = RecordingRunner(runnable=runnable)
    recorder.execute(workflow(), params={"date": "2026-01-15"})
    recording = recorder.last_recording
    assert recording is not None
    broken = Workflow(
        "test.operation",
        [
            Step.operation("fetch", "data.fetch"),
            Step.lambda_("check", lambda ctx, cfg: StepResult.fail("x")),
        ],
    )
    result = replay(recording, broken, runnable=runnable)
    kinds = {(d.step_name, d.kind) for d in result.diffs}
    assert ("validate", "missing") in kinds
    assert ("check", "added") in kinds


def test_stub_operations_answer_from_the_recording_without_running_handlers() -> None:
    calls: list[str] = []
    dispatcher = Dispatcher()
    dispatcher.registry.register(
        "data.fetch", lambda params: calls.append("fetch") or {"rows": [1, 2, 3], "date": "d"}
    )
    recorder = RecordingRunner(runnable=DispatcherRunnable(dispatcher))
    recorder.execute(workflow(), params={"date": "d"})
    recording = recorder.last_recording
    assert recording is not None
    assert calls == ["fetch"]
    result = replay(recording, workflow(), stub_operations=True)
    assert result.all_match
    assert calls == ["fetch"]


def test_stubbed_operations_inside_a_map_answer_per_item() -> None:
    dispatcher = Dispatcher()
    dispatcher.registry.register("x.sq", lambda params: {"sq": params["item"] ** 2})
    wf = Workflow("m", [Step.map("sq", "params.items", Step.operation("one", "x.sq"))])
    recorder = RecordingRunner(runnable=DispatcherRunnable(dispatcher))
    recorder.execute(wf, {"items": [2, 3]})
    assert recorder.last_recording is not None
    assert replay(recorder.last_recording, wf, stub_operations=True).all_match


def test_malformed_recordings_are_validation_errors() -> None:
    with pytest.raises(ValidationError, match="not valid JSON"):
        WorkflowRecording.from_json("{")
    with pytest.raises(ValidationError, match="not a workflow recording"):
        WorkflowRecording.from_dict({"steps": []})
    with pytest.raises(ValidationError, match="format 99"):
        WorkflowRecording.from_dict({"format_version": 99})
