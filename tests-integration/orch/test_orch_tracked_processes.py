"""Tracked runs across real processes, on every SQL backend: a runner killed with SIGKILL
between steps and resumed by another process, two processes racing to resume one run, and
bad input that must leave the run recorded FAILED (never RUNNING)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from spine.db import SpineConnection
from spine.db.schema import install_schema
from spine.db.testing import IsolatedDatabase
from spine.orchestration import (
    RunClaimedError,
    Step,
    TrackedWorkflowRunner,
    UnknownOperationError,
    Workflow,
    WorkflowParamsError,
)
from spine.orchestration.context import WorkflowContext
from spine.orchestration.sql_store import SqlRunStore
from spine.types import RunStatus, StepStatus

from .procs_helper import build_workflow, calls

HELPER = Path(__file__).with_name("procs_helper.py")


def url_of(space: IsolatedDatabase) -> str:
    """A URL another process can open onto the test's isolated space."""
    if space.backend == "sqlite":
        return f"sqlite:///{space.path}"
    assert space.url is not None
    return f"{space.url}{'&' if '?' in space.url else '?'}schema={space.schema}"


def child(space: IsolatedDatabase, marks: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HELPER), url_of(space), str(marks), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


@pytest.fixture
def space(isolated_db: IsolatedDatabase) -> IsolatedDatabase:
    install_schema(isolated_db.connect())
    return isolated_db


def test_a_runner_killed_between_steps_is_resumed_without_rerunning_completed_steps(
    space: IsolatedDatabase, tmp_path: Path
) -> None:
    (tmp_path / "block_c").touch()
    proc = child(space, tmp_path, "run", "1.0")
    try:
        wait_for(lambda: "c" in calls(tmp_path) or proc.poll() is not None)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        conn = space.connect()
        store = SqlRunStore(conn)
        (run,) = store.list_runs()
        # step 2 committed before step 3 started: a and b are checkpointed
        assert [(c.step_name, c.status) for c in store.get_steps(run.run_id)] == [
            ("a", StepStatus.COMPLETED),
            ("b", StepStatus.COMPLETED),
        ]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -signal.SIGKILL
    assert store.get_run(run.run_id).status is RunStatus.RUNNING  # as the dead process left it
    (tmp_path / "block_c").unlink()

    runner = TrackedWorkflowRunner(conn, owner="survivor")
    result = None
    deadline = time.monotonic() + 30
    while result is None:  # the dead runner's lease (1 s) must lapse first
        try:
            result = runner.resume(run.run_id, build_workflow())
        except RunClaimedError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert result.status is RunStatus.COMPLETED
    assert calls(tmp_path) == ["a", "b", "c", "c", "d"]  # only the interrupted step re-ran
    assert result.output("c") == {"saw_a": {"rows": 3}, "saw_b": {"loaded": 6}}
    assert result.steps["a"].restored
    assert result.steps["b"].restored
    record = store.get_run(run.run_id)
    assert (record.status, record.attempt, record.owner) == (RunStatus.COMPLETED, 2, None)
    kinds = [e.event_type.value for e in store.get_events(run.run_id)]
    assert kinds == [
        "run_started",
        "step_completed",
        "step_completed",
        "run_resumed",
        "step_completed",
        "step_completed",
        "run_completed",
    ]


def test_two_processes_resuming_one_run_cannot_both_drive_it(
    space: IsolatedDatabase, tmp_path: Path
) -> None:
    (tmp_path / "fail_b").touch()
    conn = space.connect()
    failed = TrackedWorkflowRunner(conn).execute(build_workflow(), {"marks": str(tmp_path)})
    assert failed.status is RunStatus.FAILED
    (tmp_path / "fail_b").unlink()
    (tmp_path / "slow_b").touch()  # the winner holds the run while the loser tries
    procs = [child(space, tmp_path, "resume", failed.run_id) for _ in range(2)]
    outputs = []
    try:
        time.sleep(1.0)  # both children connected and waiting
        (tmp_path / "go").touch()
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(10)
    outcomes = sorted(o["outcome"] for o in outputs)
    assert outcomes == ["claimed", "won"]
    winner = next(o for o in outputs if o["outcome"] == "won")
    assert winner["status"] == "completed"
    loser = next(o for o in outputs if o["outcome"] == "claimed")
    assert "being run by" in loser["message"]
    assert calls(tmp_path) == ["a", "b", "b", "c", "d"]  # b once per attempt, a never again
    assert SqlRunStore(conn).get_run(failed.run_id).attempt == 2


# -- bad input: a typed error naming the step, the run recorded FAILED ---------------------


def _run(db: SpineConnection, wf: Workflow, params: Mapping[str, Any]) -> Any:
    install_schema(db)
    return TrackedWorkflowRunner(db).execute(wf, params)


def test_a_step_returning_the_wrong_type_fails_the_run_by_name(db: SpineConnection) -> None:
    def wrong(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> Any:
        return 42

    wf = Workflow("bad", [Step.lambda_("ok", lambda ctx, cfg: {}), Step.lambda_("odd", wrong)])
    result = _run(db, wf, {"w": 1})
    assert result.status is RunStatus.FAILED
    assert "odd" in str(result.steps["odd"].error)
    record = SqlRunStore(db).get_run(result.run_id)
    assert record.status is RunStatus.FAILED
    assert record.owner is None
    assert record.error is not None
    assert "odd" in record.error["message"]


def test_a_raising_step_is_recorded_failed_with_its_error(db: SpineConnection) -> None:
    def boom(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> Any:
        raise ValueError("column 'price' missing")

    result = _run(db, Workflow("bad", [Step.lambda_("parse", boom)]), {"w": 1})
    assert result.status is RunStatus.FAILED
    store = SqlRunStore(db)
    (step,) = store.get_steps(result.run_id)
    assert step.status is StepStatus.FAILED
    assert step.error is not None
    assert "price" in step.error["message"]
    assert store.get_run(result.run_id).status is RunStatus.FAILED


def test_an_interrupt_inside_a_step_leaves_the_run_failed_not_running(db: SpineConnection) -> None:
    def interrupt(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> Any:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(db, Workflow("bad", [Step.lambda_("a", interrupt)]), {"w": 1})
    (record,) = SqlRunStore(db).list_runs()
    assert record.status is RunStatus.FAILED
    assert record.owner is None


def test_unknown_operations_and_bad_params_write_nothing(db: SpineConnection) -> None:
    install_schema(db)
    runner = TrackedWorkflowRunner(db)
    with pytest.raises(UnknownOperationError, match=r"no\.such\.op"):
        runner.execute(Workflow("ops", [Step.operation("x", "no.such.op")]), {"w": 1})
    typed = Workflow(
        "typed", [Step.lambda_("a", lambda ctx, cfg: {})], params_schema={"week": "date"}
    )
    with pytest.raises(WorkflowParamsError, match="week"):
        runner.execute(typed, {"week": "not a date"})
    assert SqlRunStore(db).list_runs() == []
