"""Operation steps through spine-exec's real Dispatcher, HandlerRegistry and ledger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from spine.execution import Dispatcher, ThreadExecutor
from spine.orchestration import (
    DispatcherRunnable,
    InvalidStepResultError,
    Step,
    StepExecutionError,
    UnknownOperationError,
    Workflow,
    WorkflowRunner,
    default_dispatcher,
)
from spine.types import ExecutionStatus, NetworkError, RunStatus, StepStatus, TriggerSource
from spine.types.retry import RetryStrategy


@pytest.fixture
def dispatcher() -> Iterator[Dispatcher]:
    d = Dispatcher()
    calls: list[dict[str, Any]] = []
    d.calls = calls  # type: ignore[attr-defined]

    @d.registry.handler("otc.ingest")
    def ingest(params: dict[str, Any]) -> dict[str, Any]:
        calls.append(dict(params))
        return {"rows": 960, "week": params["week_ending"], "tier": params.get("tier")}

    @d.registry.handler("otc.publish")
    def publish(params: dict[str, Any]) -> None:
        calls.append(dict(params))

    @d.registry.handler("otc.garbage")
    def garbage(params: dict[str, Any]) -> list[int]:
        return [1, 2, 3]

    flaky_attempts = [0]

    @d.registry.handler("otc.flaky")
    def flaky(params: dict[str, Any]) -> dict[str, int]:
        flaky_attempts[0] += 1
        if flaky_attempts[0] < 3:
            raise NetworkError("FINRA API reset the connection")
        return {"attempts": flaky_attempts[0]}

    @d.registry.handler("otc.broken")
    def broken(params: dict[str, Any]) -> None:
        raise ValueError("bad row 17")

    yield d
    d.shutdown()


def runner(dispatcher: Dispatcher) -> WorkflowRunner:
    return WorkflowRunner(runnable=DispatcherRunnable(dispatcher))


def test_operation_steps_run_their_handler_with_params_merged_with_config(
    dispatcher: Dispatcher,
) -> None:
    wf = Workflow(
        "otc.weekly",
        [
            Step.operation("ingest", "otc.ingest", {"tier": "NMS_TIER_1"}),
            Step.operation("publish", "otc.publish", {"tier": "OTC"}),
        ],
    )
    result = runner(dispatcher).execute(wf, {"week_ending": "2025-12-26", "tier": "ignored"})
    assert result.status is RunStatus.COMPLETED
    assert result.output("ingest") == {"rows": 960, "week": "2025-12-26", "tier": "NMS_TIER_1"}
    assert result.output("publish") == {}
    assert dispatcher.calls == [  # type: ignore[attr-defined]
        {"week_ending": "2025-12-26", "tier": "NMS_TIER_1"},
        {"week_ending": "2025-12-26", "tier": "OTC"},
    ]


def test_each_operation_is_an_execution_in_the_ledger_linked_to_the_run(
    dispatcher: Dispatcher,
) -> None:
    wf = Workflow("otc.weekly", [Step.operation("ingest", "otc.ingest")])
    result = runner(dispatcher).execute(wf, {"week_ending": "2025-12-26"})
    execution_id = result.steps["ingest"].execution_id
    assert execution_id is not None
    execution = dispatcher.ledger.get_execution(execution_id)
    assert execution is not None
    assert execution.status is ExecutionStatus.COMPLETED
    assert execution.workflow == "otc.ingest"
    assert execution.batch_id == result.run_id
    assert execution.trigger_source is TriggerSource.WORKFLOW
    assert execution.metadata["workflow_step"] == "ingest"


def test_an_unknown_operation_is_rejected_before_the_run_starts(dispatcher: Dispatcher) -> None:
    wf = Workflow(
        "w",
        [Step.operation("ingest", "otc.ingest"), Step.operation("typo", "otc.ingset")],
    )
    with pytest.raises(
        UnknownOperationError, match=r"'otc\.ingset', which is not registered"
    ) as info:
        runner(dispatcher).execute(wf, {"week_ending": "2025-12-26"})
    assert info.value.step == "typo"
    assert dispatcher.calls == []  # type: ignore[attr-defined]
    assert dispatcher.ledger.list_executions() == []


def test_a_failing_handler_fails_the_step_with_its_own_error_as_the_cause(
    dispatcher: Dispatcher,
) -> None:
    result = runner(dispatcher).execute(Workflow("w", [Step.operation("b", "otc.broken")]))
    outcome = result.steps["b"]
    assert result.status is RunStatus.FAILED
    assert isinstance(outcome.exception, StepExecutionError)
    assert outcome.exception.step == "b"
    assert "bad row 17" in str(outcome.error)
    assert outcome.execution_id is not None
    execution = dispatcher.ledger.get_execution(outcome.execution_id)
    assert execution is not None
    assert execution.status is ExecutionStatus.FAILED


def test_retryable_operation_failures_are_retried_by_the_step_policy(
    dispatcher: Dispatcher,
) -> None:
    wf = Workflow(
        "w",
        [Step.operation("f", "otc.flaky", retry=RetryStrategy.constant(max_retries=3, delay=0))],
    )
    result = runner(dispatcher).execute(wf)
    assert result.status is RunStatus.COMPLETED
    assert result.steps["f"].attempts == 3
    assert result.output("f") == {"attempts": 3}


def test_an_operation_returning_a_non_dict_fails_naming_the_step(dispatcher: Dispatcher) -> None:
    result = runner(dispatcher).execute(Workflow("w", [Step.operation("g", "otc.garbage")]))
    assert isinstance(result.steps["g"].exception, InvalidStepResultError)
    assert "operation step 'g' returned list" in str(result.steps["g"].error)


def test_operation_steps_inside_a_map_run_once_per_item(dispatcher: Dispatcher) -> None:
    wf = Workflow(
        "backfill",
        [
            Step.map(
                "weeks",
                "params.weeks",
                Step.operation("week", "otc.ingest"),
                2,
                item_param="week_ending",
            )
        ],
    )
    result = runner(dispatcher).execute(wf, {"weeks": ["2025-12-19", "2025-12-26"]})
    assert [r["week"] for r in result.output("weeks")["results"]] == ["2025-12-19", "2025-12-26"]
    assert len(dispatcher.ledger.list_executions()) == 2


def test_a_dag_of_operations_runs_on_a_thread_pool_executor() -> None:
    d = Dispatcher(ThreadExecutor(4))
    d.registry.register("x.echo", lambda params: {"step": params["name"]})
    wf = Workflow(
        "w",
        [
            Step.operation("a", "x.echo", {"name": "a"}),
            Step.operation("b", "x.echo", {"name": "b"}, depends_on=["a"]),
            Step.operation("c", "x.echo", {"name": "c"}, depends_on=["a"]),
        ],
    )
    try:
        result = runner(d).execute(wf)
    finally:
        d.shutdown()
    assert result.status is RunStatus.COMPLETED
    assert {n: o.output["step"] for n, o in result.steps.items()} == {"a": "a", "b": "b", "c": "c"}
    assert all(o.status is StepStatus.COMPLETED for o in result.steps.values())


def test_the_default_runner_uses_the_process_wide_dispatcher() -> None:
    registry = default_dispatcher().registry
    registry.register("test.default_hello", lambda params: {"hello": params["who"]})
    try:
        wf = Workflow("w", [Step.operation("hi", "test.default_hello")])
        assert WorkflowRunner().execute(wf, {"who": "spine"}).output("hi") == {"hello": "spine"}
    finally:
        registry.unregister("test.default_hello")


def test_typed_params_reach_handlers_as_json(dispatcher: Dispatcher) -> None:
    wf = Workflow(
        "w",
        [Step.operation("ingest", "otc.ingest")],
        params_schema={"week_ending": "week_ending"},
    )
    result = runner(dispatcher).execute(wf, {"week_ending": "2025-12-26"})
    assert result.output("ingest")["week"] == "2025-12-26"
    assert dispatcher.calls == [{"week_ending": "2025-12-26"}]  # type: ignore[attr-defined]
