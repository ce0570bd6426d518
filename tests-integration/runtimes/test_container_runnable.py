"""ContainerRunnable: a workflow's operation steps run as jobs, with the same result as
in process - on local processes and on live Docker containers."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

from spine.execution import Dispatcher
from spine.execution.runtimes import (
    ContainerJobSpec,
    JobEngine,
    LocalProcessAdapter,
    RuntimeAdapterRouter,
)
from spine.execution.testing import InMemoryLedger
from spine.orchestration import Step, Workflow, WorkflowRunner
from spine.orchestration.container_runnable import ContainerRunnable
from spine.orchestration.dispatcher_runnable import DispatcherRunnable
from spine.types import ExecutionStatus, SourceUnavailableError, TriggerSource

HERE = Path(__file__).resolve().parent
PARAMS = {"week_ending": "2025-12-26", "symbols": ["AAPL", "MSFT"], "volumes": [3, 5, 8]}


@pytest.fixture
def ops(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(HERE))
    return importlib.import_module("spine_runtime_test_ops")


def three_step_workflow() -> Workflow:
    return Workflow(
        "otc.weekly",
        [
            Step.operation("fetch", "otc.fetch"),
            Step.operation("total", "otc.total", {"factor": 10}),
            Step.operation("publish", "otc.publish"),
        ],
    )


def comparable(result: Any) -> dict[str, Any]:
    """What must match between runnables (ids and times differ by nature)."""
    return {
        "workflow": result.workflow_name,
        "status": result.status,
        "error": result.error,
        "params": dict(result.params),
        "steps": {
            name: (o.status, dict(o.output), o.error, o.attempts, o.step_type)
            for name, o in result.steps.items()
        },
    }


def in_process(ops: Any, workflow: Workflow, ledger: InMemoryLedger) -> Any:
    dispatcher = Dispatcher(ledger=ledger, registry=ops.registry)
    return WorkflowRunner(runnable=DispatcherRunnable(dispatcher)).execute(workflow, PARAMS)


def check_ledgers_match(container: InMemoryLedger, reference: InMemoryLedger) -> None:
    def rows(ledger: InMemoryLedger) -> list[tuple[Any, ...]]:
        return sorted(
            (e.workflow, e.status, e.result, e.trigger_source, tuple(sorted(e.params)))
            for e in ledger.list_executions()
        )

    assert rows(container) == rows(reference)
    for execution in container.list_executions():
        assert execution.batch_id is not None  # the workflow run
        assert execution.metadata["workflow_step"] in ("fetch", "total", "publish")
        assert execution.trigger_source is TriggerSource.WORKFLOW


def test_three_operation_steps_on_local_processes_match_in_process(
    ops: Any, tmp_path: Path
) -> None:
    reference_ledger = InMemoryLedger()
    expected = in_process(ops, three_step_workflow(), reference_ledger)
    assert expected.status.value == "completed"
    router = RuntimeAdapterRouter()
    router.register(LocalProcessAdapter(artifacts_root=tmp_path))
    ledger = InMemoryLedger()
    template = ContainerJobSpec(name="op", env={"PYTHONPATH": str(HERE)})
    with JobEngine(router=router, ledger=ledger, poll_interval=0.02) as engine:
        runnable = ContainerRunnable(
            engine, registry=ops.registry, template=template, python=sys.executable
        )
        result = WorkflowRunner(runnable=runnable).execute(three_step_workflow(), PARAMS)
    assert comparable(result) == comparable(expected)
    assert result.output("total") == {"total": 160}
    check_ledgers_match(ledger, reference_ledger)
    for execution in ledger.list_executions():  # and it says where each step ran
        assert execution.metadata["job"]["runtime"] == "local"
        events = [e.event_type.value for e in ledger.get_events(execution.id)]
        assert events[-1] == "cleanup_completed"


def test_a_failing_operation_step_fails_the_same_way_as_in_process(
    ops: Any, tmp_path: Path
) -> None:
    workflow = Workflow("otc.broken", [Step.operation("fetch", "otc.unavailable")])
    expected = in_process(ops, workflow, InMemoryLedger())
    router = RuntimeAdapterRouter()
    router.register(LocalProcessAdapter(artifacts_root=tmp_path))
    with JobEngine(router=router, poll_interval=0.02) as engine:
        runnable = ContainerRunnable(
            engine,
            registry=ops.registry,
            template=ContainerJobSpec(name="op", env={"PYTHONPATH": str(HERE)}),
            python=sys.executable,
        )
        result = WorkflowRunner(runnable=runnable).execute(workflow, PARAMS)
        assert comparable(result) == comparable(expected)
        outcome = result.steps["fetch"]
        assert outcome.error_info is not None
        assert outcome.error_info["retryable"] is True  # the handler's error, typed
        assert outcome.error_info["category"] == "SOURCE"
        assert isinstance(engine.error_of(outcome.execution_id or ""), SourceUnavailableError)
        execution = engine.ledger.get_execution(outcome.execution_id or "")
        assert execution is not None
        assert execution.status is ExecutionStatus.FAILED
        assert execution.error_type == "SourceUnavailableError"


def test_an_operation_whose_handler_cannot_be_imported_is_refused_clearly(
    tmp_path: Path,
) -> None:
    from spine.execution import HandlerRegistry

    registry = HandlerRegistry()
    registry.register("inline.op", lambda params: {"x": 1})
    router = RuntimeAdapterRouter()
    router.register(LocalProcessAdapter(artifacts_root=tmp_path))
    with JobEngine(router=router) as engine:
        runnable = ContainerRunnable(engine, registry=registry, python=sys.executable)
        result = WorkflowRunner(runnable=runnable).execute(
            Workflow("w", [Step.operation("op", "inline.op")]), {}
        )
    assert result.status.value == "failed"
    assert "cannot be imported inside a job" in (result.steps["op"].error or "")


# --------------------------------------------------------------------------- docker


def test_three_operation_steps_in_docker_containers_match_in_process(
    ops: Any, python_job_template: ContainerJobSpec, docker_adapter: Any
) -> None:
    reference_ledger = InMemoryLedger()
    expected = in_process(ops, three_step_workflow(), reference_ledger)
    router = RuntimeAdapterRouter()
    router.register(docker_adapter)
    ledger = InMemoryLedger()
    template = ContainerJobSpec(
        **{
            **python_job_template.__dict__,
            "env": {**python_job_template.env, "PYTHONPATH": str(HERE)},
        }
    )
    with JobEngine(router=router, ledger=ledger, poll_interval=0.05) as engine:
        runnable = ContainerRunnable(
            engine, registry=ops.registry, template=template, python=sys.executable
        )
        result = WorkflowRunner(runnable=runnable).execute(three_step_workflow(), PARAMS)
    assert comparable(result) == comparable(expected), [
        (o.name, o.error) for o in result.steps.values()
    ]
    check_ledgers_match(ledger, reference_ledger)
    for execution in ledger.list_executions():
        assert execution.metadata["job"]["runtime"] == "docker"
    assert docker_adapter.list_containers() == []  # every job's container was removed
