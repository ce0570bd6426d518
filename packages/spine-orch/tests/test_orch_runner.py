"""WorkflowRunner: the semantics of every step type, policy and runner path."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any, TypedDict

import pytest

from spine.orchestration import (
    InvalidStepResultError,
    Step,
    StepExecutionError,
    StepResult,
    StepTimeoutError,
    Workflow,
    WorkflowContext,
    WorkflowParamsError,
    WorkflowRunner,
)
from spine.orchestration.result import SkipReason
from spine.types import NetworkError, RunStatus, StepStatus
from spine.types.retry import RetryStrategy

Calls = list[str]


def recorder(calls: Calls, name: str, output: Mapping[str, Any] | None = None) -> Any:
    def fn(ctx: WorkflowContext, config: Mapping[str, Any]) -> Mapping[str, Any]:
        calls.append(name)
        return dict(output or {"step": name})

    return fn


def run(wf: Workflow, params: Mapping[str, Any] | None = None) -> Any:
    return WorkflowRunner().execute(wf, params)


# -- lambda steps --------------------------------------------------------------------------


def test_lambda_step_output_may_be_a_step_result_or_a_plain_dict() -> None:
    wf = Workflow(
        "w",
        [
            Step.lambda_("a", lambda ctx, cfg: StepResult.ok({"x": 1})),
            Step.lambda_(
                "b", lambda ctx, cfg: {"y": ctx.outputs["a"]["x"] + cfg["add"]}, {"add": 2}
            ),
        ],
    )
    result = run(wf)
    assert result.status is RunStatus.COMPLETED
    assert result.output("b") == {"y": 3}
    assert result.steps["a"].attempts == 1
    assert result.steps["a"].started_at is not None
    assert result.steps["a"].finished_at >= result.steps["a"].started_at


def test_a_step_returning_the_wrong_type_fails_with_a_typed_error_naming_it() -> None:
    calls: Calls = []
    wf = Workflow(
        "w",
        [
            Step.lambda_("bad", lambda ctx, cfg: "done"),
            Step.lambda_("after", recorder(calls, "after")),
        ],  # type: ignore[arg-type,return-value]
    )
    result = run(wf)
    outcome = result.steps["bad"]
    assert result.status is RunStatus.FAILED
    assert outcome.status is StepStatus.FAILED
    assert isinstance(outcome.exception, InvalidStepResultError)
    assert outcome.exception.step == "bad"
    assert "lambda step 'bad' returned str" in str(outcome.error)
    assert result.steps["after"].status is StepStatus.PENDING
    assert calls == []


def test_a_lambda_returning_none_is_told_it_may_have_forgotten_to_return() -> None:
    result = run(Workflow("w", [Step.lambda_("a", lambda ctx, cfg: None)]))  # type: ignore[arg-type,return-value]
    assert "forget to return" in str(result.steps["a"].error)


def test_a_raising_step_fails_with_a_step_error_keeping_the_cause() -> None:
    def boom(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
        raise KeyError("week_ending")

    result = run(Workflow("w", [Step.lambda_("boom", boom)]))
    error = result.steps["boom"].exception
    assert isinstance(error, StepExecutionError)
    assert error.step == "boom"
    assert error.context.workflow == "w"
    assert isinstance(error.cause, KeyError)
    assert error.category.value == "INTERNAL"
    assert result.steps["boom"].error_info is not None
    assert result.steps["boom"].error_info["context"]["step"] == "boom"
    assert result.error == "step 'boom' raised KeyError: 'week_ending'"


def test_step_result_skip_is_recorded_and_skips_dependents_in_a_dag() -> None:
    calls: Calls = []
    wf = Workflow(
        "w",
        [
            Step.lambda_("check", lambda ctx, cfg: StepResult.skip("file unchanged")),
            Step.lambda_("load", recorder(calls, "load"), depends_on=["check"]),
        ],
    )
    result = run(wf)
    assert result.status is RunStatus.COMPLETED
    assert result.steps["check"].skip_reason == "file unchanged"
    assert result.steps["load"].skip_reason == SkipReason.UPSTREAM_SKIPPED
    assert calls == []


# -- function steps ------------------------------------------------------------------------


def extract() -> dict[str, Any]:
    return {"rows": [1, 2, 3], "source": "finra"}


def transform(rows: list[int], factor: int = 2) -> dict[str, Any]:
    return {"clean": [r * factor for r in rows]}


def load(clean: list[int], extract: Mapping[str, Any], week: str) -> dict[str, Any]:
    return {"loaded": len(clean), "from": extract["source"], "week": week}


def test_function_steps_fill_parameters_from_config_params_and_upstream_outputs() -> None:
    wf = Workflow(
        "etl",
        [
            Step.function("extract", extract),
            Step.function("transform", transform, {"factor": 10}),
            Step.function("load", load),
        ],
    )
    result = run(wf, {"week": "2025-12-26"})
    assert result.output("transform") == {"clean": [10, 20, 30]}
    assert result.output("load") == {"loaded": 3, "from": "finra", "week": "2025-12-26"}


def test_function_parameters_are_validated_and_coerced_by_their_annotations() -> None:
    def double(n: int) -> dict[str, int]:
        return {"n": n * 2}

    assert run(Workflow("w", [Step.function("d", double)]), {"n": "21"}).output("d") == {"n": 42}
    bad = run(Workflow("w", [Step.function("d", double)]), {"n": "many"})
    assert bad.status is RunStatus.FAILED
    assert "arguments do not fit the annotations" in str(bad.steps["d"].error)
    unchecked = Workflow("w", [Step.function("d", double, check_types=False)])
    assert run(unchecked, {"n": "ab"}).output("d") == {"n": "abab"}


def test_a_function_parameter_nothing_can_provide_fails_before_the_run() -> None:
    calls: Calls = []

    def needs(week_ending: str) -> None:
        calls.append("ran")

    wf = Workflow(
        "w",
        [Step.lambda_("first", recorder(calls, "first"), depends_on=[]), Step.function("f", needs)],
    )
    with pytest.raises(WorkflowParamsError, match="function step 'f' needs 'week_ending'"):
        WorkflowRunner().execute(Workflow("w", [Step.function("f", needs)]))
    assert calls == []
    # With an upstream lambda (whose output keys are unknown) the check happens at run time.
    result = run(wf)
    assert result.steps["f"].status is StepStatus.FAILED
    assert "needs 'week_ending': not in its config, the run params or the outputs" in str(
        result.steps["f"].error
    )


class Extracted(TypedDict):
    rows: list[int]


def typed_extract() -> Extracted:
    return {"rows": [1]}


def test_typed_dict_returns_let_the_parameter_check_see_upstream_keys() -> None:
    def uses(rows: list[int], missing: int) -> None: ...

    ok = Workflow("w", [Step.function("e", typed_extract), Step.function("t", transform)])
    assert run(ok).status is RunStatus.COMPLETED
    with pytest.raises(WorkflowParamsError, match="needs 'missing'"):
        WorkflowRunner().execute(
            Workflow("w", [Step.function("e", typed_extract), Step.function("u", uses)])
        )


def test_function_with_kwargs_receives_all_params_and_config() -> None:
    def everything(**kwargs: Any) -> dict[str, Any]:
        return {"keys": sorted(kwargs)}

    wf = Workflow("w", [Step.function("f", everything, {"c": 1})])
    assert run(wf, {"p": 2}).output("f") == {"keys": ["c", "p"]}


def test_a_function_returning_a_non_dict_fails_naming_the_step() -> None:
    def answer() -> int:
        return 42

    result = run(Workflow("w", [Step.function("answer", answer)]))
    assert isinstance(result.steps["answer"].exception, InvalidStepResultError)
    assert "function step 'answer' returned int" in str(result.steps["answer"].error)


# -- choice --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "taken", "skipped"), [(5, "publish", "alert"), (0, "alert", "publish")]
)
def test_a_choice_runs_exactly_one_branch_and_records_the_other_skipped(
    rows: int, taken: str, skipped: str
) -> None:
    calls: Calls = []
    wf = Workflow(
        "w",
        [
            Step.lambda_("ingest", lambda ctx, cfg: {"rows": ctx.params["rows"]}),
            Step.choice("route", "outputs.ingest.rows > 0", "publish", "alert"),
            Step.lambda_("publish", recorder(calls, "publish")),
            Step.lambda_("alert", recorder(calls, "alert")),
            Step.lambda_("notify", recorder(calls, "notify")),
        ],
    )
    result = run(wf, {"rows": rows})
    assert calls == [taken, "notify"]
    assert result.steps[skipped].status is StepStatus.SKIPPED
    assert result.steps[skipped].skip_reason == SkipReason.BRANCH_NOT_TAKEN
    assert result.output("route")["next"] == taken
    assert result.status is RunStatus.COMPLETED


def test_a_choice_without_else_skips_its_branch_when_false_and_the_run_goes_on() -> None:
    calls: Calls = []
    wf = Workflow(
        "w",
        [
            Step.choice("route", lambda ctx: ctx.params["go"], "extra"),
            Step.lambda_("extra", recorder(calls, "extra")),
            Step.lambda_("always", recorder(calls, "always")),
        ],
    )
    result = run(wf, {"go": False})
    assert calls == ["always"]
    assert result.output("route") == {"condition": False, "branch": None, "next": None}


def test_in_a_dag_a_join_after_both_branches_runs_once_the_taken_branch_is_done() -> None:
    calls: Calls = []
    wf = Workflow(
        "w",
        [
            Step.lambda_("start", recorder(calls, "start")),
            Step.choice("route", "params.big", "heavy", "light", depends_on=["start"]),
            Step.lambda_("heavy", recorder(calls, "heavy")),
            Step.lambda_("heavy_2", recorder(calls, "heavy_2"), depends_on=["heavy"]),
            Step.lambda_("light", recorder(calls, "light")),
            Step.lambda_("join", recorder(calls, "join"), depends_on=["heavy_2", "light"]),
        ],
    )
    result = run(wf, {"big": False})
    assert calls == ["start", "light", "join"]
    assert result.steps["heavy_2"].skip_reason == SkipReason.BRANCH_NOT_TAKEN


def test_a_failing_condition_fails_the_choice() -> None:
    wf = Workflow(
        "w",
        [
            Step.lambda_("a", lambda ctx, cfg: {}),
            Step.choice("route", "outputs.a.rows > 0", "b"),
            Step.lambda_("b", lambda ctx, cfg: {}),
        ],
    )
    result = run(wf)
    assert result.status is RunStatus.FAILED
    assert "outputs.a has no key 'rows'" in str(result.steps["route"].error)


# -- wait ----------------------------------------------------------------------------------


def test_wait_pauses_and_a_past_until_does_not() -> None:
    wf = Workflow("w", [Step.wait("pause", 0.05), Step.wait("past", until="2000-01-01T00:00:00Z")])
    started = time.perf_counter()
    result = run(wf)
    assert time.perf_counter() - started >= 0.05
    assert result.output("pause") == {"waited_seconds": 0.05}
    assert result.output("past") == {"waited_seconds": 0.0}


def test_cancelling_interrupts_a_wait_and_the_run_ends_cancelled() -> None:
    calls: Calls = []
    cancel = threading.Event()
    wf = Workflow("w", [Step.wait("long", 30), Step.lambda_("after", recorder(calls, "after"))])
    threading.Timer(0.1, cancel.set).start()
    started = time.perf_counter()
    result = WorkflowRunner().execute(wf, cancel_event=cancel)
    assert time.perf_counter() - started < 5
    assert result.status is RunStatus.CANCELLED
    assert result.steps["long"].status is StepStatus.CANCELLED
    assert result.steps["after"].status is StepStatus.PENDING
    assert calls == []


# -- map -----------------------------------------------------------------------------------


def test_map_results_come_back_in_input_order_whatever_finishes_first() -> None:
    def slow_for_small(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> dict[str, int]:
        item = ctx.params["item"]
        time.sleep(0.02 * (4 - item))
        return {"sq": item * item, "index": ctx.params["item_index"]}

    wf = Workflow(
        "w", [Step.map("squares", "params.numbers", Step.lambda_("sq", slow_for_small), 4)]
    )
    result = run(wf, {"numbers": [0, 1, 2, 3]})
    out = result.output("squares")
    assert [r["sq"] for r in out["results"]] == [0, 1, 4, 9]
    assert [r["index"] for r in out["results"]] == [0, 1, 2, 3]
    assert out["count"] == 4
    assert out["failed"] == 0


def test_map_respects_its_max_concurrency() -> None:
    lock = threading.Lock()
    running = [0]
    peak = [0]

    def tracked(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> dict[str, int]:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.03)
        with lock:
            running[0] -= 1
        return {}

    run(
        Workflow("w", [Step.map("m", "params.items", Step.lambda_("t", tracked), 2)]),
        {"items": list(range(8))},
    )
    assert peak[0] == 2


def failing_on_odd(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
    item = ctx.params["item"]
    if item % 2:
        return StepResult.fail(f"odd item {item}")
    return StepResult.ok({"item": item})


def test_map_reports_failures_per_item_and_runs_every_item_under_stop() -> None:
    calls: Calls = []
    wf = Workflow(
        "w",
        [
            Step.map("m", "params.items", Step.lambda_("each", failing_on_odd)),
            Step.lambda_("after", recorder(calls, "after")),
        ],
    )
    result = run(wf, {"items": [0, 1, 2, 3]})
    out = result.steps["m"].output
    assert result.status is RunStatus.FAILED
    assert [i["status"] for i in out["items"]] == ["completed", "failed", "completed", "failed"]
    assert out["results"] == [{"item": 0}, None, {"item": 2}, None]
    assert "2 of 4 items failed" in str(result.steps["m"].error)
    assert "[1] step 'each' failed: odd item 1" in str(result.steps["m"].error)
    assert calls == []


def test_map_item_failures_under_continue_make_the_run_partial_and_skip_dependents() -> None:
    calls: Calls = []
    wf = Workflow(
        "w",
        [
            Step.map(
                "m", "params.items", Step.lambda_("each", failing_on_odd), on_error="continue"
            ),
            Step.lambda_("merge", recorder(calls, "merge"), depends_on=["m"]),
            Step.lambda_("independent", recorder(calls, "independent"), depends_on=[]),
        ],
        dag=True,
    )
    result = run(wf, {"items": [0, 1, 2]})
    assert result.status is RunStatus.PARTIAL
    assert result.steps["m"].output["completed"] == 2
    assert result.steps["merge"].skip_reason == SkipReason.UPSTREAM_FAILED
    assert calls == ["independent"]


def test_map_over_nothing_completes_with_no_results() -> None:
    result = run(
        Workflow("w", [Step.map("m", "params.items", Step.lambda_("e", failing_on_odd))]),
        {"items": []},
    )
    assert result.output("m")["results"] == []


def test_map_items_must_be_a_list() -> None:
    result = run(
        Workflow("w", [Step.map("m", "params.items", Step.lambda_("e", failing_on_odd))]),
        {"items": 3},
    )
    assert "expected a list of items, got int" in str(result.steps["m"].error)


# -- policies ------------------------------------------------------------------------------


def fail_step(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
    return StepResult.fail("broken")


def test_stop_policy_stops_the_run_and_later_steps_never_start() -> None:
    calls: Calls = []
    wf = Workflow("w", [Step.lambda_("a", fail_step), Step.lambda_("b", recorder(calls, "b"))])
    result = run(wf)
    assert result.status is RunStatus.FAILED
    assert result.failed_steps == ["a"]
    assert result.steps["b"].status is StepStatus.PENDING
    assert calls == []


def test_continue_in_a_sequential_workflow_runs_the_next_steps_and_ends_partial() -> None:
    calls: Calls = []
    wf = Workflow(
        "w",
        [Step.lambda_("a", fail_step), Step.lambda_("b", recorder(calls, "b"))],
        policy="continue",
    )
    result = run(wf)
    assert result.status is RunStatus.PARTIAL
    assert calls == ["b"]


def test_continue_in_a_dag_skips_only_the_dependents_of_the_failed_step() -> None:
    calls: Calls = []
    wf = Workflow(
        "w",
        [
            Step.lambda_("a", fail_step, on_error="continue"),
            Step.lambda_("b", recorder(calls, "b"), depends_on=["a"]),
            Step.lambda_("c", recorder(calls, "c"), depends_on=["b"]),
            Step.lambda_("d", recorder(calls, "d")),
        ],
    )
    result = run(wf)
    assert result.status is RunStatus.PARTIAL
    assert calls == ["d"]
    assert result.steps["b"].skip_reason == SkipReason.UPSTREAM_FAILED
    assert result.steps["c"].skip_reason == SkipReason.UPSTREAM_FAILED


def flaky(failures: int, error: BaseException) -> Any:
    attempts = [0]

    def fn(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> Mapping[str, Any]:
        attempts[0] += 1
        if attempts[0] <= failures:
            raise error
        return {"attempt": attempts[0]}

    return fn


NO_WAIT = RetryStrategy.constant(max_retries=3, delay=0)


def test_retry_policy_retries_retryable_failures_until_they_succeed() -> None:
    wf = Workflow("w", [Step.lambda_("a", flaky(2, NetworkError("reset")), retry=NO_WAIT)])
    result = run(wf)
    assert result.status is RunStatus.COMPLETED
    assert result.steps["a"].attempts == 3
    assert result.output("a") == {"attempt": 3}


def test_retry_policy_does_not_retry_what_the_taxonomy_calls_permanent() -> None:
    wf = Workflow("w", [Step.lambda_("a", flaky(1, ValueError("bad row")), retry=NO_WAIT)])
    result = run(wf)
    assert result.status is RunStatus.FAILED
    assert result.steps["a"].attempts == 1


def test_a_failed_step_result_is_retried_only_when_marked_retryable() -> None:
    attempts = [0]

    def fn(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
        attempts[0] += 1
        return (
            StepResult.fail("busy", retryable=attempts[0] < 2)
            if attempts[0] < 2
            else StepResult.ok()
        )

    result = run(Workflow("w", [Step.lambda_("a", fn)], policy="retry"))
    assert result.steps["a"].attempts == 2
    assert result.succeeded


def test_exhausted_retries_then_continue_makes_the_run_partial() -> None:
    calls: Calls = []
    wf = Workflow(
        "w",
        [
            Step.lambda_(
                "a",
                flaky(10, NetworkError("down")),
                retry=RetryStrategy.constant(max_retries=2, delay=0),
                after_retries="continue",
            ),
            Step.lambda_("b", recorder(calls, "b")),
        ],
    )
    result = run(wf)
    assert result.status is RunStatus.PARTIAL
    assert result.steps["a"].attempts == 3
    assert calls == ["b"]


def test_cancel_interrupts_the_delay_between_retries() -> None:
    cancel = threading.Event()
    slow = RetryStrategy.constant(max_retries=5, delay=30)
    wf = Workflow("w", [Step.lambda_("a", flaky(10, NetworkError("down")), retry=slow)])
    threading.Timer(0.1, cancel.set).start()
    started = time.perf_counter()
    result = WorkflowRunner().execute(wf, cancel_event=cancel)
    assert time.perf_counter() - started < 5
    assert result.steps["a"].attempts == 1
    assert result.status is RunStatus.CANCELLED


# -- timeouts ------------------------------------------------------------------------------


def test_a_step_over_its_timeout_fails_with_a_retryable_timeout_error() -> None:
    def sleepy(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> Mapping[str, Any]:
        time.sleep(1.0)
        return {}

    started = time.perf_counter()
    result = run(Workflow("w", [Step.lambda_("sleepy", sleepy, timeout=0.1)]))
    assert time.perf_counter() - started < 0.9
    error = result.steps["sleepy"].exception
    assert isinstance(error, StepTimeoutError)
    assert error.retryable
    assert error.step == "sleepy"
    assert "did not finish within its timeout of 0.1s" in str(error)


def test_a_timed_step_that_finishes_in_time_passes_its_output_through() -> None:
    result = run(Workflow("w", [Step.lambda_("quick", lambda ctx, cfg: {"ok": 1}, timeout=5)]))
    assert result.output("quick") == {"ok": 1}


# -- DAG -----------------------------------------------------------------------------------


def sleeper(seconds: float) -> Any:
    def fn(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> Mapping[str, Any]:
        time.sleep(seconds)
        return {}

    return fn


def test_independent_branches_of_a_dag_overlap_in_time() -> None:
    wf = Workflow(
        "w",
        [
            Step.lambda_("root", lambda ctx, cfg: {}),
            Step.lambda_("left", sleeper(0.3), depends_on=["root"]),
            Step.lambda_("right", sleeper(0.3), depends_on=["root"]),
            Step.lambda_("join", lambda ctx, cfg: {}, depends_on=["left", "right"]),
        ],
        max_concurrency=2,
    )
    result = run(wf)
    left, right, join = result.steps["left"], result.steps["right"], result.steps["join"]
    assert left.started_at < right.finished_at
    assert right.started_at < left.finished_at
    assert join.started_at >= max(left.finished_at, right.finished_at)


def test_max_concurrency_one_runs_a_dag_one_step_at_a_time() -> None:
    wf = Workflow(
        "w",
        [
            Step.lambda_("left", sleeper(0.05)),
            Step.lambda_("right", sleeper(0.05)),
        ],
        dag=True,
        max_concurrency=1,
    )
    result = run(wf)
    left, right = result.steps["left"], result.steps["right"]
    assert left.finished_at <= right.started_at or right.finished_at <= left.started_at


def test_a_stop_failure_in_a_dag_lets_running_steps_finish_but_starts_nothing_new() -> None:
    calls: Calls = []
    wf = Workflow(
        "w",
        [
            Step.lambda_("fails", fail_step),
            Step.lambda_("slow", sleeper(0.1)),
            Step.lambda_("later", recorder(calls, "later"), depends_on=["slow"]),
        ],
        max_concurrency=2,
    )
    result = run(wf)
    assert result.status is RunStatus.FAILED
    assert result.steps["slow"].status is StepStatus.COMPLETED
    assert result.steps["later"].status is StepStatus.PENDING
    assert calls == []


# -- context -------------------------------------------------------------------------------


def test_context_updates_reach_later_steps_and_the_context_is_read_only() -> None:
    seen: list[Any] = []

    def first(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
        return StepResult.ok({"n": 1}, context_updates={"batch": "b-1"})

    def second(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> StepResult:
        seen.append(ctx.params["batch"])
        with pytest.raises(TypeError):
            ctx.params["batch"] = "x"  # type: ignore[index]
        with pytest.raises(AttributeError):
            ctx.run_id = "x"  # type: ignore[misc]
        return StepResult.ok()

    result = WorkflowRunner().execute(
        Workflow("w", [Step.lambda_("first", first), Step.lambda_("second", second)]),
        {"week": "w1"},
        run_id="run-1",
        partition={"week": "w1"},
    )
    assert seen == ["b-1"]
    assert result.params == {"week": "w1", "batch": "b-1"}
    assert result.run_id == "run-1"
    assert result.partition == {"week": "w1"}


def test_params_are_validated_before_any_step_runs() -> None:
    calls: Calls = []
    wf = Workflow(
        "w", [Step.lambda_("a", recorder(calls, "a"))], params_schema={"week": "week_ending"}
    )
    with pytest.raises(WorkflowParamsError, match="week: required"):
        WorkflowRunner().execute(wf, {})
    assert calls == []


def test_a_lambda_without_handler_is_rejected_before_the_run() -> None:
    from spine.orchestration import WorkflowDefinitionError

    with pytest.raises(WorkflowDefinitionError, match="lambda step 'v' has no handler"):
        WorkflowRunner().execute(Workflow("w", [Step.lambda_("v", None)]))


def test_observer_sees_every_step_in_order() -> None:
    events: list[tuple[str, str]] = []

    class Observer:
        def step_started(self, name: str, ctx: WorkflowContext) -> None:
            events.append(("start", name))

        def step_finished(self, outcome: Any, ctx: WorkflowContext) -> None:
            events.append((outcome.status.value, outcome.name))

    wf = Workflow(
        "w",
        [
            Step.choice("c", "true", "a", "b"),
            Step.lambda_("a", lambda ctx, cfg: {}),
            Step.lambda_("b", lambda ctx, cfg: {}),
        ],
    )
    WorkflowRunner(observer=Observer()).execute(wf)
    assert events == [
        ("start", "c"),
        ("completed", "c"),
        ("start", "a"),
        ("completed", "a"),
        ("skipped", "b"),
    ]


def test_empty_workflow_completes_with_no_steps() -> None:
    result = run(Workflow("empty", []))
    assert result.status is RunStatus.COMPLETED
    assert dict(result.steps) == {}
