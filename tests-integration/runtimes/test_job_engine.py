"""JobEngine over the ledger: submit, status write-back, cancel, logs, cleanup, reconcile.

The ledger is spine-exec's in-memory twin (the SQL ledger plugs into the same calls). Jobs
run as local processes, simulated stub jobs and - for the Docker cases - live containers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from typing import Any

import pytest

from spine.execution.errors import ExecutionNotFoundError, TimeoutExpired
from spine.execution.runtimes import (
    ContainerJobSpec,
    ErrorCategory,
    JobEngine,
    JobError,
    LocalProcessAdapter,
    ResourceRequirements,
    RuntimeAdapterRouter,
    StubRuntimeAdapter,
)
from spine.execution.runtimes.entrypoint import PARAMS_ENV, entrypoint_command
from spine.execution.testing import InMemoryLedger
from spine.types import EventType, ExecutionStatus, NetworkError, is_retryable
from spine.types.secrets import SecretValue


@pytest.fixture
def engine(tmp_path: Any) -> Any:
    router = RuntimeAdapterRouter()
    router.register(LocalProcessAdapter(artifacts_root=tmp_path / "art", kill_grace_seconds=1))
    router.register(StubRuntimeAdapter())
    with JobEngine(router=router, ledger=InMemoryLedger(), poll_interval=0.02) as eng:
        yield eng


def py(code: str, **options: Any) -> ContainerJobSpec:
    options.setdefault("timeout_seconds", 60)
    return ContainerJobSpec(name="py-job", command=[sys.executable, "-c", code], **options)


def events(engine: JobEngine, execution_id: str) -> list[str]:
    return [e.event_type.value for e in engine.ledger.get_events(execution_id)]


def test_a_submitted_job_is_queued_with_its_runtime_reference_then_completes(
    engine: JobEngine,
) -> None:
    job = engine.submit_sync(py("print('hi')"))
    queued = engine.ledger.get_execution(job.execution_id)
    assert queued is not None
    assert queued.workflow == "py-job"
    assert queued.metadata["job"]["runtime"] == "local" == job.runtime
    assert queued.metadata["job"]["external_ref"] == job.external_ref
    assert queued.metadata["job"]["spec_hash"] == job.spec_hash
    assert queued.metadata["job"]["external_name"].startswith("spine-")
    final = engine.wait_sync(job.execution_id)
    assert final.status is ExecutionStatus.COMPLETED
    assert final.result == {"exit_code": 0}
    assert final.started_at is not None
    assert final.completed_at is not None
    assert events(engine, job.execution_id) == ["created", "queued", "started", "completed"]
    assert engine.logs_sync(job.execution_id) == ["hi"]


def test_the_runtime_status_is_written_back_as_execution_status(engine: JobEngine) -> None:
    job = engine.submit_sync(
        ContainerJobSpec(name="slow", command=["sh", "-c", "sleep 0.5"], runtime="stub")
    )
    assert engine.status_sync(job.execution_id).state == "running"
    running = engine.ledger.get_execution(job.execution_id)
    assert running is not None
    assert running.status is ExecutionStatus.RUNNING
    time.sleep(0.6)
    assert engine.status_sync(job.execution_id).state == "succeeded"
    done = engine.ledger.get_execution(job.execution_id)
    assert done is not None
    assert done.status is ExecutionStatus.COMPLETED


def test_a_failing_job_is_failed_with_its_typed_error(engine: JobEngine) -> None:
    job = engine.submit_sync(py("import sys; print('bad row'); sys.exit(4)"))
    final = engine.wait_sync(job.execution_id)
    assert final.status is ExecutionStatus.FAILED
    assert final.error_type == "JobError"
    assert "exited with code 4" in (final.error or "")
    failed = engine.ledger.get_events(job.execution_id)[-1]
    assert failed.event_type is EventType.FAILED
    assert failed.data["job_category"] == "user_code"
    assert failed.data["job_status"]["exit_code"] == 4
    error = engine.error_of(job.execution_id)
    assert isinstance(error, JobError)
    assert error.job_category is ErrorCategory.USER_CODE


def test_a_job_past_its_timeout_is_timed_out(engine: JobEngine) -> None:
    job = engine.submit_sync(py("import time; time.sleep(30)", timeout_seconds=0.5))
    final = engine.wait_sync(job.execution_id, timeout=20)
    assert final.status is ExecutionStatus.TIMED_OUT
    error = engine.error_of(job.execution_id)
    assert isinstance(error, JobError)
    assert error.job_category is ErrorCategory.TIMEOUT


def test_the_same_idempotency_key_returns_the_existing_execution(engine: JobEngine) -> None:
    spec = ContainerJobSpec(
        name="once", command=["sh", "-c", "echo x"], runtime="stub", idempotency_key="w52"
    )
    first = engine.submit_sync(spec)
    second = engine.submit_sync(spec)
    assert second.deduplicated is True
    assert second.execution_id == first.execution_id
    assert second.external_ref == first.external_ref
    stub = engine.router.get("stub")
    assert isinstance(stub, StubRuntimeAdapter)
    assert len(stub.jobs) == 1


def test_a_key_whose_submit_was_refused_by_the_runtime_runs_as_a_new_attempt(
    engine: JobEngine,
) -> None:
    stub = engine.router.get("stub")
    assert isinstance(stub, StubRuntimeAdapter)
    stub.fail_submit = True
    spec = ContainerJobSpec(
        name="j", command=["sh", "-c", "true"], runtime="stub", idempotency_key="k1"
    )
    with pytest.raises(JobError) as info:
        engine.submit_sync(spec)
    assert info.value.retryable is True
    stub.fail_submit = False
    retry = engine.submit_sync(spec)
    assert retry.deduplicated is False
    execution = engine.ledger.get_execution(retry.execution_id)
    assert execution is not None
    assert execution.attempt == 2
    assert execution.retry_of == info.value.context.execution_id


@pytest.mark.parametrize(
    ("spec", "category", "fragment"),
    [
        (
            ContainerJobSpec(
                name="gpu", command=["true"], runtime="local", resources=ResourceRequirements(gpu=1)
            ),
            ErrorCategory.VALIDATION,
            "requires GPU",
        ),
        (
            ContainerJobSpec(name="empty", command=[], runtime="local"),
            ErrorCategory.VALIDATION,
            "command is empty",
        ),
        (
            ContainerJobSpec(name="k8s", command=["true"], runtime="k8s"),
            ErrorCategory.NOT_FOUND,
            "no runtime 'k8s'",
        ),
        (
            ContainerJobSpec(name="noprog", command=["/no/such/program"], runtime="local"),
            ErrorCategory.NOT_FOUND,
            "not found",
        ),
        (
            ContainerJobSpec(name="budget", command=["true"], runtime="stub", max_cost_usd=-1),
            ErrorCategory.VALIDATION,
            "max_cost_usd",
        ),
    ],
    ids=["gpu-on-local", "empty-command", "unknown-runtime", "missing-program", "bad-budget"],
)
def test_bad_input_is_a_categorised_job_error_recorded_in_the_ledger(
    engine: JobEngine, spec: ContainerJobSpec, category: ErrorCategory, fragment: str
) -> None:
    with pytest.raises(JobError) as info:
        engine.submit_sync(spec)
    assert info.value.job_category is category
    assert fragment in str(info.value)
    execution_id = info.value.context.execution_id
    assert execution_id is not None
    recorded = engine.ledger.get_execution(execution_id)
    assert recorded is not None
    assert recorded.status is ExecutionStatus.FAILED
    assert recorded.workflow == spec.name
    assert recorded.metadata["job"]["submit_failed"] is True
    failed = engine.ledger.get_events(execution_id)[-1]
    assert failed.data["job_category"] == category.value
    assert engine.error_of(execution_id) is info.value


def test_a_budget_above_the_runtime_estimate_is_refused(tmp_path: Any) -> None:
    from spine.execution.runtimes import RuntimeConstraints

    router = RuntimeAdapterRouter()
    router.register(StubRuntimeAdapter(constraints=RuntimeConstraints(cost_per_cpu_hour_usd=0.10)))
    with JobEngine(router=router) as engine:
        cheap = ContainerJobSpec(
            name="c",
            command=["true"],
            timeout_seconds=3600,
            resources=ResourceRequirements(cpu="2"),
            max_cost_usd=1.0,
        )
        assert engine.submit_sync(cheap).runtime == "stub"
        pricey = ContainerJobSpec(
            name="p",
            command=["true"],
            timeout_seconds=36000,
            resources=ResourceRequirements(cpu="4"),
            max_cost_usd=1.0,
        )
        with pytest.raises(JobError, match=r"Estimated cost \$4.00 exceeds the budget"):
            engine.submit_sync(pricey)


def test_secrets_in_env_never_reach_the_ledger_or_logs(
    engine: JobEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    spec = py(
        "import os; print(len(os.environ['DB_PASSWORD']), len(os.environ['OPAQUE']))",
        env={
            "DB_PASSWORD": "hunter2-secret",
            "OPAQUE": SecretValue("opaque-secret"),
            "DB_URL": "postgresql://etl:url-secret@db/otc",
        },
    )
    assert "hunter2" not in repr(spec)
    job = engine.submit_sync(spec)
    engine.wait_sync(job.execution_id)
    assert engine.logs_sync(job.execution_id) == ["14 13"]  # the job got the real values
    stored = json.dumps(
        [engine.ledger.get_execution(job.execution_id).to_dict()]  # type: ignore[union-attr]
        + [e.data for e in engine.ledger.get_events(job.execution_id)],
        default=str,
    )
    for secret in ("hunter2-secret", "opaque-secret", "url-secret"):
        assert secret not in stored
        assert secret not in caplog.text
    assert "postgresql://etl:***REDACTED***@db/otc" in stored


def test_cancel_stops_the_job_and_records_cancelled(engine: JobEngine) -> None:
    job = engine.submit_sync(py("import time; print('up', flush=True); time.sleep(30)"))
    deadline = time.monotonic() + 20
    while "up" not in engine.logs_sync(job.execution_id):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert engine.cancel_sync(job.execution_id) is True
    final = engine.ledger.get_execution(job.execution_id)
    assert final is not None
    assert final.status is ExecutionStatus.CANCELLED
    assert events(engine, job.execution_id)[-1] == "cancelled"
    assert engine.cancel_sync(job.execution_id) is True  # already cancelled
    assert engine.status_sync(job.execution_id).state == "cancelled"


def test_cancel_of_a_job_that_already_finished_records_how_it_ended(engine: JobEngine) -> None:
    job = engine.submit_sync(py("print('done')"))
    time.sleep(1.0)
    assert engine.cancel_sync(job.execution_id) is False
    final = engine.ledger.get_execution(job.execution_id)
    assert final is not None
    assert final.status is ExecutionStatus.COMPLETED


def test_logs_stream_through_the_engine(engine: JobEngine) -> None:
    async def scenario() -> list[str]:
        job = await engine.submit(
            py("import time\nfor i in range(3):\n    print(i, flush=True); time.sleep(0.2)")
        )
        return [line async for line in engine.logs(job.execution_id, follow=True)]

    assert engine._sync(scenario()) == ["0", "1", "2"]


def test_cleanup_records_cleanup_completed_and_removes_the_job(engine: JobEngine) -> None:
    job = engine.submit_sync(py("print('x')"))
    engine.wait_sync(job.execution_id)
    engine.cleanup_sync(job.execution_id)
    assert events(engine, job.execution_id)[-1] == EventType.CLEANUP_COMPLETED.value
    with pytest.raises(JobError) as info:
        engine.logs_sync(job.execution_id)
    assert info.value.job_category is ErrorCategory.NOT_FOUND


def test_cleanup_of_a_running_job_cancels_it_first(engine: JobEngine) -> None:
    job = engine.submit_sync(py("import time; time.sleep(30)"))
    engine.cleanup_sync(job.execution_id)
    final = engine.ledger.get_execution(job.execution_id)
    assert final is not None
    assert final.status is ExecutionStatus.CANCELLED
    assert events(engine, job.execution_id)[-2:] == ["cancelled", "cleanup_completed"]


def test_wait_gives_up_after_its_timeout_and_the_job_keeps_running(engine: JobEngine) -> None:
    job = engine.submit_sync(py("import time; time.sleep(30)"))
    with pytest.raises(TimeoutExpired):
        engine.wait_sync(job.execution_id, timeout=0.3)
    assert engine.status_sync(job.execution_id).state == "running"
    engine.cancel_sync(job.execution_id)


def test_an_unknown_execution_raises_not_found(engine: JobEngine) -> None:
    with pytest.raises(ExecutionNotFoundError):
        engine.status_sync("01JNOSUCHEXECUTION000000000")


def test_a_handler_run_through_the_entrypoint_stores_its_result(engine: JobEngine) -> None:
    spec = ContainerJobSpec(
        name="echo-op",
        command=entrypoint_command("spine.execution.testing:echo", python=sys.executable),
        env={PARAMS_ENV: json.dumps({"week": "2025-12-26", "rows": 960})},
    )
    job = engine.submit_sync(spec, workflow="otc.echo", params={"week": "2025-12-26"})
    final = engine.wait_sync(job.execution_id)
    assert final.status is ExecutionStatus.COMPLETED
    assert final.workflow == "otc.echo"
    assert final.params == {"week": "2025-12-26"}
    assert final.result == {"week": "2025-12-26", "rows": 960}


def test_a_handler_error_keeps_its_taxonomy_across_the_job_boundary(engine: JobEngine) -> None:
    params = {"error": "NetworkError", "message": "FINRA reset", "retry_after": 7}
    spec = ContainerJobSpec(
        name="fail-op",
        command=entrypoint_command("spine.execution.testing:fail", python=sys.executable),
        env={PARAMS_ENV: json.dumps(params)},
    )
    job = engine.submit_sync(spec)
    final = engine.wait_sync(job.execution_id)
    assert final.status is ExecutionStatus.FAILED
    assert final.error_type == "NetworkError"
    error = engine.error_of(job.execution_id)
    assert isinstance(error, NetworkError)
    assert is_retryable(error)
    assert error.retry_after == 7


def test_the_reconciler_settles_a_job_whose_submitter_went_away(tmp_path: Any) -> None:
    from spine.execution.runtimes import JobReconciler

    ledger = InMemoryLedger()
    router = RuntimeAdapterRouter()
    router.register(LocalProcessAdapter(artifacts_root=tmp_path))
    with JobEngine(router=router, ledger=ledger) as submitter:
        done = submitter.submit_sync(py("print('finished alone')"))
        running = submitter.submit_sync(py("import time; time.sleep(30)"))
        time.sleep(1.0)  # nobody polls: the ledger still says queued
        assert ledger.get_execution(done.execution_id).status is ExecutionStatus.QUEUED  # type: ignore[union-attr]
        with JobEngine(router=router, ledger=ledger) as worker:
            report = JobReconciler(worker).run_once()
        assert report.checked == 2
        assert report.settled == {done.execution_id: ExecutionStatus.COMPLETED}
        assert ledger.get_execution(running.execution_id).status is ExecutionStatus.RUNNING  # type: ignore[union-attr]
        submitter.cancel_sync(running.execution_id)


def test_the_reconciler_fails_executions_whose_job_vanished(tmp_path: Any) -> None:
    ledger = InMemoryLedger()
    first = RuntimeAdapterRouter()
    first.register(StubRuntimeAdapter())
    with JobEngine(router=first, ledger=ledger) as submitter:
        job = submitter.submit_sync(ContainerJobSpec(name="j", command=["sh", "-c", "sleep 9"]))
    restarted = RuntimeAdapterRouter()
    restarted.register(StubRuntimeAdapter())  # a new process: the old jobs are unknown to it
    with JobEngine(router=restarted, ledger=ledger) as worker:
        report = asyncio.run(worker.reconcile())
        assert report.vanished == (job.execution_id,)
        final = ledger.get_execution(job.execution_id)
        assert final is not None
        assert final.status is ExecutionStatus.FAILED
        assert "vanished" in (final.error or "")
        error = worker.error_of(job.execution_id)
        assert isinstance(error, JobError)
        assert error.retryable is True


def test_the_reconciler_leaves_executions_of_an_unreachable_runtime_alone() -> None:
    from spine.execution.runtimes import FailingAdapter

    ledger = InMemoryLedger()
    router = RuntimeAdapterRouter()
    router.register(StubRuntimeAdapter())
    with JobEngine(router=router, ledger=ledger) as engine:
        job = engine.submit_sync(ContainerJobSpec(name="j", command=["sh", "-c", "sleep 9"]))
    down = RuntimeAdapterRouter()
    down.register("stub", FailingAdapter(ErrorCategory.RUNTIME_UNAVAILABLE, on=["status"]))
    with JobEngine(router=down, ledger=ledger) as engine:
        report = engine.reconcile_sync()
    assert report.unreachable == (job.execution_id,)
    assert ledger.get_execution(job.execution_id).status is ExecutionStatus.QUEUED  # type: ignore[union-attr]


# --------------------------------------------------------------------------- docker


def test_bad_input_on_docker_is_recorded_and_nothing_is_left_running(
    docker_adapter: Any, busybox_image: str
) -> None:
    from spine.execution.runtimes.docker import DockerAdapter

    router = RuntimeAdapterRouter()
    router.register(docker_adapter)
    down = DockerAdapter(base_url="unix:///tmp/spine-no-such-daemon.sock")
    router.register("docker-down", down)
    cases = [
        (
            ContainerJobSpec(
                name="gpu",
                image=busybox_image,
                command=["true"],
                resources=ResourceRequirements(gpu=1),
            ),
            ErrorCategory.VALIDATION,
        ),
        (ContainerJobSpec(name="empty", image=busybox_image, command=[]), ErrorCategory.VALIDATION),
        (
            ContainerJobSpec(
                name="no-image",
                image="localhost/spine-no-such-image:1",
                command=["true"],
                image_pull_policy="never",
            ),
            ErrorCategory.NOT_FOUND,
        ),
        (
            ContainerJobSpec(
                name="no-registry", image="localhost/spine-no-such-image:1", command=["true"]
            ),
            ErrorCategory.IMAGE_PULL,
        ),
        (
            ContainerJobSpec(
                name="down", image=busybox_image, command=["true"], runtime="docker-down"
            ),
            ErrorCategory.RUNTIME_UNAVAILABLE,
        ),
    ]
    with JobEngine(router=router, poll_interval=0.05) as engine:
        for spec, category in cases:
            with pytest.raises(JobError) as info:
                engine.submit_sync(spec)
            assert info.value.job_category is category, (spec.name, info.value)
            recorded = engine.ledger.get_execution(info.value.context.execution_id or "")
            assert recorded is not None
            assert recorded.status is ExecutionStatus.FAILED
            assert engine.ledger.get_events(recorded.id)[-1].data["job_category"] == category.value
        # and jobs that ran: a failure, a timeout, a cancel
        failing = engine.submit_sync(
            ContainerJobSpec(name="exit-5", image=busybox_image, command=["sh", "-c", "exit 5"])
        )
        slow = engine.submit_sync(
            ContainerJobSpec(
                name="too-slow",
                image=busybox_image,
                command=["sh", "-c", "sleep 60"],
                timeout_seconds=1,
            )
        )
        cancelled = engine.submit_sync(
            ContainerJobSpec(
                name="cancel-me", image=busybox_image, command=["sh", "-c", "sleep 60"]
            )
        )
        assert engine.cancel_sync(cancelled.execution_id) is True
        assert engine.wait_sync(failing.execution_id, 60).status is ExecutionStatus.FAILED
        assert engine.wait_sync(slow.execution_id, 60).status is ExecutionStatus.TIMED_OUT
        running = [c for c in docker_adapter.list_containers() if c["state"] == "running"]
        assert running == []
        for job in (failing, slow, cancelled):
            engine.cleanup_sync(job.execution_id)
        assert docker_adapter.list_containers() == []
        health = engine._sync(router.health_all())
        assert health["docker"].healthy is True
        assert health["docker-down"].healthy is False
        assert "not reachable" in (health["docker-down"].message or "")
    down.close()
