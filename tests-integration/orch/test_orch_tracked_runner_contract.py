"""TrackedWorkflowRunner over every run store: checkpoint, resume, skip, rerun, cancel, claim."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from spine.orchestration import (
    RunClaimedError,
    RunStateError,
    Step,
    StepResult,
    TrackedWorkflowRunner,
    Workflow,
    WorkflowContext,
    WorkflowDefinitionError,
)
from spine.orchestration.run_store import StepCheckpoint, WorkflowRunRecord, WorkflowRunStore
from spine.types import RunStatus, StepStatus, generate_ulid, utc_now

from .conftest import Clock, OpenStore

PARAMS = {"week_ending": "2025-12-26"}


class Steps:
    """Step functions that count their calls and can be told to fail."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.fail: set[str] = set()
        self.seen: dict[str, Any] = {}

    def __call__(self, name: str, output: Mapping[str, Any] | None = None) -> Any:
        def fn(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
            self.calls[name] += 1
            self.seen[name] = {"params": dict(ctx.params), "outputs": dict(ctx.outputs)}
            if name in self.fail:
                return StepResult.fail(f"{name} is broken")
            return StepResult.ok(dict(output or {"from": name}))

        return fn


def etl(steps: Steps) -> Workflow:
    def extract(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
        steps.calls["extract"] += 1
        return StepResult.ok(
            {"rows": 3, "day": date(2025, 12, 26)}, context_updates={"batch": "b1"}
        )

    return Workflow(
        "otc.etl",
        [
            Step.lambda_("extract", extract),
            Step.lambda_("transform", steps("transform", {"clean": 3})),
            Step.lambda_("load", steps("load", {"loaded": 3})),
            Step.lambda_("publish", steps("publish")),
        ],
    )


def failed_etl(store: WorkflowRunStore) -> tuple[Steps, TrackedWorkflowRunner, Any]:
    """An ETL run whose ``load`` step failed (the steps keep failing until told otherwise)."""
    steps = Steps()
    steps.fail.add("load")
    runner = TrackedWorkflowRunner(store)
    return steps, runner, runner.execute(etl(steps), PARAMS)


def statuses(result: Any) -> dict[str, str]:
    return {n: o.status.value for n, o in result.steps.items()}


# -- checkpoints and resume ----------------------------------------------------------------


def test_every_step_is_checkpointed_before_the_next_one_runs(store: WorkflowRunStore) -> None:
    seen: list[list[str]] = []

    def peek(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> dict[str, Any]:
        seen.append([c.step_name for c in store.get_steps(ctx.run_id)])
        return {}

    wf = Workflow(
        "w",
        [
            Step.lambda_("a", lambda ctx, cfg: {"x": 1}),
            Step.lambda_("b", peek),
            Step.lambda_("c", peek),
        ],
    )
    result = TrackedWorkflowRunner(store).execute(wf, PARAMS)
    assert seen == [["a"], ["a", "b"]]
    assert [c.step_name for c in store.get_steps(result.run_id)] == ["a", "b", "c"]
    assert store.get_run(result.run_id).status is RunStatus.COMPLETED


def test_resume_restarts_at_the_failed_step_without_rerunning_completed_ones(
    store: WorkflowRunStore,
) -> None:
    steps = Steps()
    steps.fail.add("load")
    wf = etl(steps)
    runner = TrackedWorkflowRunner(store)
    failed = runner.execute(wf, PARAMS)
    assert failed.status is RunStatus.FAILED
    assert statuses(failed) == {
        "extract": "completed",
        "transform": "completed",
        "load": "failed",
        "publish": "pending",
    }
    assert store.get_run(failed.run_id).status is RunStatus.FAILED

    steps.fail.clear()
    resumed = runner.resume(failed.run_id)
    assert resumed.status is RunStatus.COMPLETED
    assert resumed.run_id == failed.run_id
    assert steps.calls == Counter({"extract": 1, "transform": 1, "load": 2, "publish": 1})
    assert resumed.steps["extract"].restored
    assert not resumed.steps["load"].restored
    # outputs and context updates of completed steps are restored
    assert steps.seen["load"]["outputs"]["transform"] == {"clean": 3}
    assert steps.seen["load"]["params"]["batch"] == "b1"
    assert store.get_run(failed.run_id).attempt == 2
    kinds = [e.event_type.value for e in store.get_events(failed.run_id)]
    assert kinds == [
        "run_started",
        "step_completed",
        "step_completed",
        "step_failed",
        "run_failed",
        "run_resumed",
        "step_completed",
        "step_completed",
        "run_completed",
    ]


def test_later_steps_see_outputs_in_their_stored_form_in_a_live_and_a_resumed_run(
    store: WorkflowRunStore,
) -> None:
    steps, runner, failed = failed_etl(store)
    live_view = steps.seen["transform"]["outputs"]["extract"]
    steps.fail.clear()
    runner.resume(failed.run_id)
    resumed_view = steps.seen["load"]["outputs"]["extract"]
    assert live_view == resumed_view == {"day": "2025-12-26", "rows": 3}


def test_a_run_whose_runner_died_is_resumed_by_another_runner(
    open_store: OpenStore, clock: Clock
) -> None:
    """The state a killed process leaves: RUNNING, a checkpoint, a lease nobody renews."""
    steps = Steps()
    wf = etl(steps)
    dead = open_store()
    run_id = generate_ulid()
    now = utc_now()
    dead.create_run(
        WorkflowRunRecord(
            run_id=run_id,
            workflow_name=wf.name,
            partition=PARAMS,
            partition_hash="p",
            params=PARAMS,
            status=RunStatus.RUNNING,
            created_at=now,
            updated_at=now,
            owner="killed-runner",
        ),
        lease_seconds=10,
    )
    dead.save_step(
        StepCheckpoint(
            run_id, "extract", "lambda", StepStatus.COMPLETED, {"rows": 3}, {"batch": "b1"}
        ),
        "killed-runner",
        lease_seconds=10,
    )
    survivor = TrackedWorkflowRunner(open_store(), owner="survivor")
    with pytest.raises(RunClaimedError):  # the lease still runs
        survivor.resume(run_id, wf)
    clock.advance(11)
    result = survivor.resume(run_id, wf)
    assert result.status is RunStatus.COMPLETED
    assert steps.calls["extract"] == 0
    assert steps.seen["transform"]["outputs"]["extract"] == {"rows": 3}
    assert steps.seen["transform"]["params"]["batch"] == "b1"


def test_resume_refuses_completed_and_cancelled_runs(store: WorkflowRunStore) -> None:
    runner = TrackedWorkflowRunner(store)
    done = runner.execute(etl(Steps()), PARAMS)
    with pytest.raises(RunStateError, match=r"is completed.*rerun_from"):
        runner.resume(done.run_id)


def test_two_runners_cannot_both_resume_one_run(open_store: OpenStore) -> None:
    started = threading.Event()
    release = threading.Event()
    attempts = Counter[str]()

    def fails_then_blocks(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
        attempts["b"] += 1
        if attempts["b"] == 1:
            return StepResult.fail("first attempt fails")
        started.set()
        release.wait(10)
        return StepResult.ok()

    wf = Workflow(
        "w", [Step.lambda_("a", lambda ctx, cfg: {}), Step.lambda_("b", fails_then_blocks)]
    )
    first = TrackedWorkflowRunner(open_store(), owner="one")
    failed = first.execute(wf, PARAMS)
    assert failed.status is RunStatus.FAILED
    box: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: box.setdefault("r", first.resume(failed.run_id)))
    worker.start()
    try:
        assert started.wait(5)
        second = TrackedWorkflowRunner(open_store(), owner="two")
        with pytest.raises(RunClaimedError, match="being run by 'one'"):
            second.resume(failed.run_id, wf)
    finally:
        release.set()
        worker.join(10)
    assert box["r"].status is RunStatus.COMPLETED
    assert attempts["b"] == 2


def test_resume_with_a_workflow_that_lost_a_completed_step_is_refused(
    store: WorkflowRunStore,
) -> None:
    steps, runner, failed = failed_etl(store)
    shrunk = Workflow("otc.etl", [Step.lambda_("load", steps("load"))])
    with pytest.raises(WorkflowDefinitionError, match="no longer has"):
        runner.resume(failed.run_id, shrunk)


def test_a_serialisable_workflow_resumes_from_its_stored_definition(
    open_store: OpenStore,
) -> None:
    from spine.execution import Dispatcher
    from spine.orchestration import DispatcherRunnable

    dispatcher = Dispatcher()
    attempts = Counter[str]()

    @dispatcher.registry.handler("otc.extract")
    def extract(params: dict[str, Any]) -> dict[str, Any]:
        attempts["extract"] += 1
        return {"rows": 3}

    @dispatcher.registry.handler("otc.load")
    def load(params: dict[str, Any]) -> dict[str, Any]:
        attempts["load"] += 1
        if attempts["load"] == 1:
            raise ConnectionError("warehouse unreachable")
        return {"loaded": params["week_ending"]}

    wf = Workflow(
        "otc.ops", [Step.operation("extract", "otc.extract"), Step.operation("load", "otc.load")]
    )
    runnable = DispatcherRunnable(dispatcher)
    failed = TrackedWorkflowRunner(open_store(), runnable=runnable).execute(wf, PARAMS)
    assert failed.status is RunStatus.FAILED
    fresh = TrackedWorkflowRunner(open_store(), runnable=runnable)  # knows no workflow
    resumed = fresh.resume(failed.run_id)
    assert resumed.status is RunStatus.COMPLETED
    assert resumed.output("load") == {"loaded": "2025-12-26"}
    assert attempts == Counter({"extract": 1, "load": 2})


def test_an_inline_workflow_must_be_given_to_a_runner_that_does_not_know_it(
    open_store: OpenStore,
) -> None:
    steps = Steps()
    steps.fail.add("load")
    failed = TrackedWorkflowRunner(open_store()).execute(etl(steps), PARAMS)
    with pytest.raises(WorkflowDefinitionError, match="pass it"):
        TrackedWorkflowRunner(open_store()).resume(failed.run_id)


def test_a_failed_map_resumes_only_its_failed_items(store: WorkflowRunStore) -> None:
    runs: Counter[int] = Counter()
    broken = {2}

    def per_week(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
        item = ctx.params["item"]
        runs[item] += 1
        return StepResult.fail("source down") if item in broken else StepResult.ok({"w": item})

    wf = Workflow("bf", [Step.map("weeks", "params.weeks", Step.lambda_("week", per_week), 2)])
    runner = TrackedWorkflowRunner(store)
    failed = runner.execute(wf, {"weeks": [1, 2, 3]})
    assert failed.status is RunStatus.FAILED
    broken.clear()
    resumed = runner.resume(failed.run_id)
    assert resumed.status is RunStatus.COMPLETED
    assert runs == Counter({1: 1, 2: 2, 3: 1})
    assert resumed.output("weeks")["results"] == [{"w": 1}, {"w": 2}, {"w": 3}]


# -- partitions, force, concurrency --------------------------------------------------------


def test_a_completed_partition_is_skipped_unless_forced(store: WorkflowRunStore) -> None:
    steps = Steps()
    runner = TrackedWorkflowRunner(store)
    first = runner.execute(etl(steps), PARAMS)
    again = runner.execute(etl(steps), PARAMS)
    assert again.skipped_run
    assert again.run_id == first.run_id
    assert again.output("load") == {"loaded": 3}
    assert steps.calls["load"] == 1
    other_week = runner.execute(etl(steps), {"week_ending": "2026-01-02"})
    assert not other_week.skipped_run
    forced = runner.execute(etl(steps), PARAMS, force=True)
    assert forced.run_id != first.run_id
    assert not forced.skipped_run
    assert steps.calls["load"] == 3


def test_an_explicit_partition_key_decides_what_counts_as_the_same_work(
    store: WorkflowRunStore,
) -> None:
    steps = Steps()
    runner = TrackedWorkflowRunner(store)
    runner.execute(
        etl(steps), {"week_ending": "2025-12-26", "note": "a"}, partition={"week": "2025-12-26"}
    )
    second = runner.execute(
        etl(steps), {"week_ending": "2025-12-26", "note": "b"}, partition={"week": "2025-12-26"}
    )
    assert second.skipped_run
    assert store.get_run(second.run_id).partition == {"week": "2025-12-26"}


def test_a_partition_already_running_elsewhere_is_refused(open_store: OpenStore) -> None:
    started = threading.Event()
    release = threading.Event()

    def blocking(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> dict[str, Any]:
        started.set()
        release.wait(10)
        return {}

    wf = Workflow("w", [Step.lambda_("slow", blocking)])
    box: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: box.setdefault("r", TrackedWorkflowRunner(open_store()).execute(wf, PARAMS))
    )
    worker.start()
    assert started.wait(5)
    try:
        with pytest.raises(RunClaimedError, match="already running for this partition"):
            TrackedWorkflowRunner(open_store()).execute(wf, PARAMS, force=True)
    finally:
        release.set()
        worker.join(10)
    assert box["r"].status is RunStatus.COMPLETED


def test_a_long_step_keeps_its_lease_alive_through_heartbeats(
    open_store: OpenStore,
) -> None:
    wf = Workflow("w", [Step.lambda_("slow", lambda ctx, cfg: time.sleep(0.8) or {})])
    runner = TrackedWorkflowRunner(open_store(), lease_seconds=0.3)
    result = runner.execute(wf, PARAMS)
    assert result.status is RunStatus.COMPLETED  # the lease never lapsed: finish_run accepted


# -- rerun_from ----------------------------------------------------------------------------


def test_rerun_from_starts_a_linked_run_that_keeps_earlier_outputs(store: WorkflowRunStore) -> None:
    steps = Steps()
    runner = TrackedWorkflowRunner(store)
    done = runner.execute(etl(steps), PARAMS)
    rerun = runner.rerun_from(done.run_id, "load")
    assert rerun.status is RunStatus.COMPLETED
    assert rerun.run_id != done.run_id
    assert rerun.parent_run_id == done.run_id
    assert steps.calls == Counter({"extract": 1, "transform": 1, "load": 2, "publish": 2})
    assert steps.seen["load"]["outputs"]["transform"] == {"clean": 3}
    record = store.get_run(rerun.run_id)
    assert record.parent_run_id == done.run_id
    assert record.rerun_from_step == "load"
    assert [s.step_name for s in store.get_steps(rerun.run_id)] == [
        "extract",
        "transform",
        "load",
        "publish",
    ]


def test_rerun_from_works_for_a_cancelled_run(store: WorkflowRunStore) -> None:
    steps, runner, failed = failed_etl(store)
    runner.cancel(failed.run_id)
    assert store.get_run(failed.run_id).status is RunStatus.CANCELLED
    with pytest.raises(RunStateError):
        runner.resume(failed.run_id)
    steps.fail.clear()
    rerun = runner.rerun_from(failed.run_id, "transform")
    assert rerun.status is RunStatus.COMPLETED
    assert steps.calls == Counter({"extract": 1, "transform": 2, "load": 2, "publish": 1})


def test_rerun_from_an_unknown_step_names_it(store: WorkflowRunStore) -> None:
    runner = TrackedWorkflowRunner(store)
    done = runner.execute(etl(Steps()), PARAMS)
    with pytest.raises(WorkflowDefinitionError, match=r"no step 'lod' .*did you mean 'load'"):
        runner.rerun_from(done.run_id, "lod")


def test_rerun_from_in_a_dag_reruns_only_the_step_and_its_descendants(
    store: WorkflowRunStore,
) -> None:
    steps = Steps()
    wf = Workflow(
        "dag",
        [
            Step.lambda_("root", steps("root")),
            Step.lambda_("left", steps("left"), depends_on=["root"]),
            Step.lambda_("right", steps("right"), depends_on=["root"]),
            Step.lambda_("after_left", steps("after_left"), depends_on=["left"]),
        ],
    )
    runner = TrackedWorkflowRunner(store)
    done = runner.execute(wf, PARAMS)
    runner.rerun_from(done.run_id, "left")
    assert steps.calls == Counter({"root": 1, "left": 2, "right": 1, "after_left": 2})


# -- cancel and failure paths --------------------------------------------------------------


def test_cancelling_a_running_run_stops_it_at_its_next_checkpoint(open_store: OpenStore) -> None:
    steps = Steps()
    started = threading.Event()
    release = threading.Event()

    def blocking(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> dict[str, Any]:
        started.set()
        release.wait(10)
        return {}

    wf = Workflow("w", [Step.lambda_("a", blocking), Step.lambda_("b", steps("b"))])
    runner = TrackedWorkflowRunner(open_store())
    box: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: box.setdefault("r", runner.execute(wf, PARAMS)))
    worker.start()
    assert started.wait(5)
    run_id = runner.store.list_runs()[0].run_id
    TrackedWorkflowRunner(open_store()).cancel(run_id)  # another process asks
    release.set()
    worker.join(10)
    assert box["r"].status is RunStatus.CANCELLED
    assert steps.calls["b"] == 0
    assert runner.store.get_run(run_id).status is RunStatus.CANCELLED


def test_cancel_interrupts_a_waiting_step_of_a_run_this_runner_drives(
    store: WorkflowRunStore,
) -> None:
    before_wait = threading.Event()
    wf = Workflow(
        "w",
        [Step.lambda_("go", lambda ctx, cfg: before_wait.set() or {}), Step.wait("pause", 60)],
    )
    runner = TrackedWorkflowRunner(store)
    box: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: box.setdefault("r", runner.execute(wf, PARAMS)))
    worker.start()
    assert before_wait.wait(5)
    time.sleep(0.1)  # let the wait begin
    started = time.monotonic()
    runner.cancel(store.list_runs()[0].run_id)
    worker.join(5)
    assert not worker.is_alive()
    assert time.monotonic() - started < 5
    assert box["r"].status is RunStatus.CANCELLED
    assert box["r"].steps["pause"].status is StepStatus.CANCELLED
    assert store.get_steps(box["r"].run_id)[-1].status is StepStatus.CANCELLED


def test_a_step_output_that_cannot_be_stored_fails_the_step_by_name(
    store: WorkflowRunStore,
) -> None:
    wf = Workflow("w", [Step.lambda_("odd", lambda ctx, cfg: {"thing": object()})])
    result = TrackedWorkflowRunner(store).execute(wf, PARAMS)
    assert result.status is RunStatus.FAILED
    assert "step 'odd': its output cannot be checkpointed" in str(result.steps["odd"].error)
    assert store.get_run(result.run_id).status is RunStatus.FAILED


class Interrupted(BaseException):
    """Stands for KeyboardInterrupt / SystemExit inside a step."""


def test_an_interrupted_run_is_recorded_failed_never_left_running(store: WorkflowRunStore) -> None:
    def interrupt(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> dict[str, Any]:
        raise Interrupted

    wf = Workflow("w", [Step.lambda_("a", lambda ctx, cfg: {}), Step.lambda_("b", interrupt)])
    with pytest.raises(Interrupted):
        TrackedWorkflowRunner(store).execute(wf, PARAMS)
    record = store.list_runs()[0]
    assert record.status is RunStatus.FAILED
    assert record.owner is None
    assert [c.step_name for c in store.get_steps(record.run_id)] == ["a"]


def test_a_checkpoint_write_failure_stops_the_run_and_records_it_failed(
    store: WorkflowRunStore,
) -> None:
    from spine.types import DatabaseConnectionError

    class FlakyStore:
        """The real store whose second checkpoint write fails."""

        def __init__(self, inner: WorkflowRunStore) -> None:
            self._inner = inner
            self.saves = 0

        def save_step(self, *args: Any, **kwargs: Any) -> bool:
            self.saves += 1
            if self.saves == 2:
                raise DatabaseConnectionError("connection lost")
            return self._inner.save_step(*args, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

    steps = Steps()
    flaky = FlakyStore(store)
    runner = TrackedWorkflowRunner(flaky)  # type: ignore[arg-type]
    with pytest.raises(DatabaseConnectionError):
        runner.execute(etl(steps), PARAMS)
    record = store.list_runs()[0]
    assert record.status is RunStatus.FAILED
    assert steps.calls["load"] == 0
    resumed = TrackedWorkflowRunner(store).resume(record.run_id, etl(steps))
    assert resumed.status is RunStatus.COMPLETED
    assert steps.calls["extract"] == 1
