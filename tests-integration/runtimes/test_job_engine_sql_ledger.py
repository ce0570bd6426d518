"""JobEngine over the SQL execution ledger, live on every reachable spine-db backend.

The in-memory suite (``test_job_engine.py``) pins the engine's behaviour; here the same engine
writes to ``core_executions`` / ``core_execution_events`` through :class:`SqlLedger`, and what
a second process would see - another connection into the same database - is checked: the
runtime reference stored on the execution, the final status written back, a job's typed error
rebuilt from the ledger by an engine that did not submit it, and the reconciler settling a job
whose submitter went away.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spine.db import SpineConnection, install_schema
from spine.db.testing import BACKENDS, IsolatedDatabase, backend_url, probe_backend
from spine.execution import SqlLedger
from spine.execution.runtimes import (
    ContainerJobSpec,
    JobEngine,
    JobReconciler,
    LocalProcessAdapter,
    RuntimeAdapterRouter,
)
from spine.execution.runtimes.entrypoint import PARAMS_ENV, entrypoint_command
from spine.types import EventType, ExecutionStatus, NetworkError, is_retryable
from spine.types.secrets import SecretValue


class Space:
    """An isolated database space with the ``spine-exec`` tables."""

    def __init__(self, space: IsolatedDatabase) -> None:
        self.space = space
        self.connections: list[SpineConnection] = []
        conn = self.connect()
        install_schema(conn, ["spine-exec"])
        conn.commit()

    def connect(self) -> SpineConnection:
        conn = self.space.connect()
        self.connections.append(conn)
        return conn

    def close(self) -> None:
        for conn in self.connections:
            conn.close()


@pytest.fixture(params=BACKENDS)
def space(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Space]:
    status = probe_backend(request.param)
    if not status.available:
        if status.required:
            pytest.fail(f"required backend unavailable (SPINE_REQUIRE_BACKENDS): {status.reason}")
        pytest.skip(status.reason)
    isolated = IsolatedDatabase.create(request.param, backend_url(request.param), tmp_path=tmp_path)
    opened = Space(isolated)
    try:
        yield opened
    finally:
        opened.close()
        isolated.cleanup()


def router(tmp_path: Path) -> RuntimeAdapterRouter:
    routes = RuntimeAdapterRouter()
    routes.register(LocalProcessAdapter(artifacts_root=tmp_path / "art", kill_grace_seconds=1))
    return routes


def py(code: str, **options: Any) -> ContainerJobSpec:
    options.setdefault("timeout_seconds", 60)
    return ContainerJobSpec(name="py-job", command=[sys.executable, "-c", code], **options)


def test_a_job_is_recorded_with_its_runtime_reference_and_final_status(
    space: Space, tmp_path: Path
) -> None:
    with JobEngine(router=router(tmp_path), ledger=SqlLedger(space.connect())) as engine:
        job = engine.submit_sync(py("print('ok')", idempotency_key="job:1"))
        final = engine.wait_sync(job.execution_id, timeout=60)
    assert final.status is ExecutionStatus.COMPLETED
    other = SqlLedger(space.connect())  # what another process reads
    stored = other.get_execution(job.execution_id)
    assert stored is not None
    assert stored.status is ExecutionStatus.COMPLETED
    assert stored.metadata["job"]["runtime"] == "local"
    assert stored.metadata["job"]["external_ref"]
    kinds = [e.event_type for e in other.get_events(job.execution_id)]
    assert kinds[0] is EventType.CREATED
    assert kinds[-1] is EventType.COMPLETED
    assert EventType.STARTED in kinds
    assert other.get_by_idempotency_key("job:1") == stored


def test_the_same_idempotency_key_returns_the_stored_execution(
    space: Space, tmp_path: Path
) -> None:
    with JobEngine(router=router(tmp_path), ledger=SqlLedger(space.connect())) as first:
        job = first.submit_sync(py("print(1)", idempotency_key="weekly:2025-12-26"))
        first.wait_sync(job.execution_id, timeout=60)
    with JobEngine(router=router(tmp_path), ledger=SqlLedger(space.connect())) as second:
        again = second.submit_sync(py("print(1)", idempotency_key="weekly:2025-12-26"))
    assert again.execution_id == job.execution_id
    assert again.deduplicated is True


def test_a_failed_job_keeps_its_typed_error_for_an_engine_that_did_not_submit_it(
    space: Space, tmp_path: Path
) -> None:
    params = {"error": "NetworkError", "message": "FINRA reset", "retry_after": 7}
    spec = ContainerJobSpec(
        name="fail-op",
        command=entrypoint_command("spine.execution.testing:fail", python=sys.executable),
        env={PARAMS_ENV: json.dumps(params)},
    )
    with JobEngine(router=router(tmp_path), ledger=SqlLedger(space.connect())) as engine:
        job = engine.submit_sync(spec)
        final = engine.wait_sync(job.execution_id, timeout=60)
    assert final.status is ExecutionStatus.FAILED
    with JobEngine(router=router(tmp_path), ledger=SqlLedger(space.connect())) as reader:
        error = reader.error_of(job.execution_id)
    assert isinstance(error, NetworkError)
    assert is_retryable(error)
    assert error.retry_after == 7


def test_secrets_in_env_never_reach_the_ledger_tables(space: Space, tmp_path: Path) -> None:
    spec = py("import os; print(len(os.environ['TOKEN']))", env={"TOKEN": SecretValue("s3cr3t")})
    with JobEngine(router=router(tmp_path), ledger=SqlLedger(space.connect())) as engine:
        job = engine.submit_sync(spec)
        engine.wait_sync(job.execution_id, timeout=60)
    conn = space.connect()
    cur = conn.cursor()
    cur.execute("SELECT params_json, metadata_json, result_json, error FROM core_executions")
    stored = repr(cur.fetchall())
    cur.execute("SELECT payload_json FROM core_execution_events")
    stored += repr(cur.fetchall())
    assert job.execution_id
    assert "s3cr3t" not in stored


def test_cancel_is_recorded_for_every_reader(space: Space, tmp_path: Path) -> None:
    with JobEngine(router=router(tmp_path), ledger=SqlLedger(space.connect())) as engine:
        job = engine.submit_sync(py("import time; time.sleep(30)"))
        assert engine.cancel_sync(job.execution_id) is True
    stored = SqlLedger(space.connect()).get_execution(job.execution_id)
    assert stored is not None
    assert stored.status is ExecutionStatus.CANCELLED


def test_the_reconciler_settles_a_job_whose_submitter_went_away(
    space: Space, tmp_path: Path
) -> None:
    routes = router(tmp_path)
    worker_ledger = SqlLedger(space.connect())
    with JobEngine(router=routes, ledger=SqlLedger(space.connect())) as submitter:
        done = submitter.submit_sync(py("print('finished alone')"))
        running = submitter.submit_sync(py("import time; time.sleep(30)"))
        time.sleep(1.0)  # nobody polls: the ledger still says queued
        queued = worker_ledger.get_execution(done.execution_id)
        assert queued is not None
        assert queued.status is ExecutionStatus.QUEUED
        # a worker on its own connection settles what the submitter never looked at again
        with JobEngine(router=routes, ledger=worker_ledger) as worker:
            report = JobReconciler(worker).run_once()
        assert report.checked == 2
        assert report.settled == {done.execution_id: ExecutionStatus.COMPLETED}
        still = worker_ledger.get_execution(running.execution_id)
        assert still is not None
        assert still.status is ExecutionStatus.RUNNING
        submitter.cancel_sync(running.execution_id)
    final = SqlLedger(space.connect()).get_execution(done.execution_id)
    assert final is not None
    assert final.status is ExecutionStatus.COMPLETED
