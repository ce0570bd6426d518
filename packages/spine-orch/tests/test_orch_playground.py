"""WorkflowPlayground: the spec's example and every move."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from spine.execution import Dispatcher
from spine.orchestration import (
    DispatcherRunnable,
    Step,
    StepResult,
    Workflow,
    WorkflowContext,
    WorkflowParamsError,
    WorkflowPlayground,
)
from spine.types import StepStatus, WorkflowError


@pytest.fixture
def runnable() -> DispatcherRunnable:
    dispatcher = Dispatcher()
    dispatcher.registry.register("my.fetcher", lambda params: {"rows": 3, "date": params["date"]})
    dispatcher.registry.register("my.store", lambda params: {"stored": True})
    return DispatcherRunnable(dispatcher)


def validate_fn(ctx: WorkflowContext, config: Mapping[str, Any]) -> StepResult:
    return StepResult.ok({"valid": True, "override": ctx.params.get("override", False)})


def debug_workflow() -> Workflow:
    return Workflow(
        name="debug.workflow",
        steps=[
            Step.operation("fetch", "my.fetcher"),
            Step.lambda_("validate", validate_fn),
            Step.operation("store", "my.store"),
        ],
    )


def test_the_spec_example(runnable: DispatcherRunnable) -> None:
    pg = WorkflowPlayground(runnable)
    pg.load(debug_workflow(), params={"date": "2026-01-15"})

    snap = pg.step()  # executes "fetch"
    assert snap.step_name == "fetch"
    assert snap.result.output == {"rows": 3, "date": "2026-01-15"}
    assert dict(pg.context.outputs) == {"fetch": {"rows": 3, "date": "2026-01-15"}}

    pg.set_param("override", True)
    snap = pg.step()  # executes "validate" with modified params
    assert snap.output == {"valid": True, "override": True}

    undone = pg.step_back()  # rewind to before "validate"
    assert undone.step_name == "validate"
    assert "validate" not in pg.context.outputs
    assert pg.context.params["override"] is True
    snap = pg.step()  # re-execute "validate"
    assert snap.index == 1
    assert snap.output["override"] is True

    rest = pg.run_all()
    assert [s.step_name for s in rest] == ["store"]
    assert [s.step_name for s in pg.history] == ["fetch", "validate", "store"]
    assert pg.is_complete
    assert pg.result().succeeded


def test_step_back_restores_the_context_exactly(runnable: DispatcherRunnable) -> None:
    pg = WorkflowPlayground(runnable)
    pg.load(debug_workflow(), params={"date": "2026-01-15"})
    pg.step()
    before = pg.context
    pg.set_param("override", True)
    pg.step()
    pg.step_back()
    assert pg.context.params == {**before.params, "override": True}
    assert pg.context.outputs == before.outputs
    pg.step_back()
    assert dict(pg.context.outputs) == {}
    with pytest.raises(WorkflowError, match="no step to go back from"):
        pg.step_back()


def test_peek_run_to_and_reset(runnable: DispatcherRunnable) -> None:
    pg = WorkflowPlayground(runnable)
    pg.load(debug_workflow(), params={"date": "2026-01-15"})
    peeked = pg.peek()
    assert peeked is not None
    assert peeked.name == "fetch"
    assert pg.history == []
    snaps = pg.run_to("store")
    assert [s.step_name for s in snaps] == ["fetch", "validate"]
    peeked = pg.peek()
    assert peeked is not None
    assert peeked.name == "store"
    with pytest.raises(WorkflowError, match="already run"):
        pg.run_to("fetch")
    with pytest.raises(KeyError):
        pg.run_to("nope")
    pg.run_to("store", inclusive=True)
    assert pg.peek() is None
    with pytest.raises(WorkflowError, match="every step has run"):
        pg.step()
    pg.reset()
    assert pg.history == []
    assert dict(pg.context.outputs) == {}


def test_a_branch_not_taken_shows_as_a_skipped_snapshot() -> None:
    wf = Workflow(
        "w",
        [
            Step.choice("route", "params.go", "yes", "no"),
            Step.lambda_("yes", lambda ctx, cfg: {"y": 1}),
            Step.lambda_("no", lambda ctx, cfg: {"n": 1}),
        ],
    )
    pg = WorkflowPlayground()
    pg.load(wf, {"go": True})
    assert [s.status for s in pg.run_all()] == [
        StepStatus.COMPLETED,
        StepStatus.COMPLETED,
        StepStatus.SKIPPED,
    ]


def test_after_a_failure_under_stop_the_playground_waits_for_a_fix() -> None:
    def needs_flag(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
        return StepResult.ok() if ctx.params.get("fixed") else StepResult.fail("not fixed")

    wf = Workflow("w", [Step.lambda_("a", needs_flag), Step.lambda_("b", lambda ctx, cfg: {})])
    pg = WorkflowPlayground()
    pg.load(wf)
    snap = pg.step()
    assert snap.status is StepStatus.FAILED
    assert snap.error is not None
    assert pg.is_stopped
    assert pg.peek() is None
    with pytest.raises(WorkflowError, match="stopped at failed step 'a'"):
        pg.step()
    pg.step_back()
    pg.set_param("fixed", True)
    assert [s.status for s in pg.run_all()] == [StepStatus.COMPLETED, StepStatus.COMPLETED]


def test_load_validates_params_and_nothing_works_before_load() -> None:
    pg = WorkflowPlayground()
    with pytest.raises(WorkflowError, match="no workflow loaded"):
        pg.step()
    wf = Workflow(
        "w", [Step.lambda_("a", lambda ctx, cfg: {})], params_schema={"week": "week_ending"}
    )
    with pytest.raises(WorkflowParamsError):
        pg.load(wf, {"week": "2025-12-25"})
