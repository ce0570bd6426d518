"""``spine runs``, ``spine executions`` and ``spine dlq`` end to end with typer's CliRunner over
a SQLite file: a run that fails, its run record, executions and dead letter, the resume that
does not redo the finished step, rerun-from, cancel, replay, resolve, and bad input."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from spine.orchestration import default_dispatcher
from spine.orchestration.cli import EXIT_FAILED, EXIT_USAGE, build_app

OPS_MODULE = textwrap.dedent(
    """
    from pathlib import Path

    from spine.orchestration import default_dispatcher

    registry = default_dispatcher().registry

    @registry.handler("runstest.extract", replace=True)
    def extract(params):
        with open("extract.calls", "a") as fh:
            fh.write("x")
        return {"rows": 3}

    @registry.handler("runstest.load", replace=True)
    def load(params):
        if Path("broken").exists():
            raise ValueError("the warehouse is down")
        return {"loaded": 3}
    """
)

FLOW = """\
name: runstest.flow
params:
  week: {type: str, default: "2025-12-26"}
steps:
  - {name: extract, operation: runstest.extract}
  - {name: load, operation: runstest.load}
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "runstest_ops.py").write_text(OPS_MODULE)
    (tmp_path / "flow.yaml").write_text(FLOW)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("SPINE_DATABASE_URL", raising=False)
    monkeypatch.setenv("SPINE_IMPORTS", "runstest_ops")
    yield tmp_path
    sys.modules.pop("runstest_ops", None)
    for name in ("runstest.extract", "runstest.load"):
        default_dispatcher().registry.unregister(name)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(build_app(plugins=False), list(args))


def as_json(*args: str) -> Any:
    result = invoke(*args, "--json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def one_error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "(hint: " in lines[0]
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def failed_run(workdir: Path) -> str:
    (workdir / "broken").touch()
    result = invoke("run", "flow.yaml", "--json")
    assert result.exit_code == EXIT_FAILED, result.output
    run_id: str = json.loads(result.stdout)["run_id"]
    return run_id


def test_a_failed_run_is_listed_and_shown_with_its_steps_and_events(failed_run: str) -> None:
    [run] = as_json("runs", "list", "--status", "failed")
    assert (run["run_id"], run["workflow"], run["status"]) == (
        failed_run,
        "runstest.flow",
        "failed",
    )
    assert "the warehouse is down" in run["error"]
    assert as_json("runs", "list", "--status", "completed") == []
    shown = as_json("runs", "show", failed_run)
    assert [(s["step"], s["status"]) for s in shown["steps"]] == [
        ("extract", "completed"),
        ("load", "failed"),
    ]
    events = [e["event"] for e in shown["events"]]
    assert events[0] == "run_started"
    assert events[-1] == "run_failed"
    human = invoke("runs", "show", failed_run)
    assert human.exit_code == 0
    assert "extract" in human.stdout
    assert "run_failed" in human.stdout


def test_executions_and_the_dead_letter_of_the_failed_step(failed_run: str) -> None:
    executions = as_json("executions", "list")
    assert sorted((e["workflow"], e["status"]) for e in executions) == [
        ("runstest.extract", "completed"),
        ("runstest.load", "failed"),
    ]
    failed = next(e for e in executions if e["status"] == "failed")
    shown = as_json("executions", "show", failed["id"])
    assert [e["event"] for e in shown["events"]] == [
        "created",
        "started",
        "failed",
        "dead_lettered",
    ]
    assert "the warehouse is down" in shown["error"]
    assert as_json("executions", "list", "--status", "completed")[0]["result"] == {"rows": 3}
    [letter] = as_json("dlq", "list")
    assert (letter["workflow"], letter["execution_id"]) == ("runstest.load", failed["id"])


def test_resume_finishes_the_run_without_redoing_the_finished_step(
    workdir: Path, failed_run: str
) -> None:
    (workdir / "broken").unlink()
    result = invoke("runs", "resume", failed_run, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["run_id"], data["status"]) == (failed_run, "completed")
    assert (workdir / "extract.calls").read_text() == "x"  # extract ran once
    assert len(as_json("executions", "list", "--workflow", "runstest.extract")) == 1
    [run] = as_json("runs", "list")
    assert (run["status"], run["attempt"]) == ("completed", 2)
    again = invoke("runs", "resume", failed_run)
    assert again.exit_code == EXIT_USAGE
    assert "rerun" in one_error_line(again)


def test_rerun_from_a_step_makes_a_linked_run(workdir: Path, failed_run: str) -> None:
    (workdir / "broken").unlink()
    result = invoke("runs", "rerun-from", failed_run, "load", "--json")
    assert result.exit_code == 0, result.output
    new = json.loads(result.stdout)
    assert new["run_id"] != failed_run
    shown = as_json("runs", "show", new["run_id"])
    assert (shown["parent_run_id"], shown["rerun_from_step"]) == (failed_run, "load")
    assert (workdir / "extract.calls").read_text() == "x"


def test_cancel_keeps_a_failed_run_from_resuming(failed_run: str) -> None:
    cancelled = as_json("runs", "cancel", failed_run)
    assert cancelled["status"] == "cancelled"
    result = invoke("runs", "resume", failed_run)
    assert result.exit_code == EXIT_USAGE
    assert "cancelled" in one_error_line(result)
    twice = invoke("runs", "cancel", failed_run)
    assert twice.exit_code == EXIT_USAGE


def test_dlq_replay_runs_the_work_again_and_resolve_closes_an_entry(
    workdir: Path, failed_run: str
) -> None:
    [letter] = as_json("dlq", "list")
    still = invoke("dlq", "replay", letter["id"])
    assert still.exit_code == EXIT_FAILED
    assert "the warehouse is down" in still.stdout
    (workdir / "broken").unlink()
    replayed = invoke("dlq", "replay", letter["id"], "--json")
    assert replayed.exit_code == 0, replayed.output
    assert json.loads(replayed.stdout)["execution"]["status"] == "completed"
    resolved = as_json("dlq", "resolve", letter["id"], "--by", "ops")
    open_letters = as_json("dlq", "list")
    assert resolved["resolved"] is True or open_letters == []
    assert open_letters == []
    assert len(as_json("dlq", "list", "--all")) >= 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["runs", "show", "01NOSUCHRUN"], "01NOSUCHRUN"),
        (["runs", "resume", "01NOSUCHRUN"], "01NOSUCHRUN"),
        (["runs", "list", "--status", "sideways"], "is not a run status"),
        (["executions", "show", "01NOSUCH"], "no execution '01NOSUCH'"),
        (["executions", "list", "--status", "sideways"], "is not an execution status"),
        (["dlq", "replay", "01NOSUCH"], "no dead letter '01NOSUCH'"),
        (["dlq", "resolve", "01NOSUCH"], "no dead letter '01NOSUCH'"),
    ],
)
def test_unknown_ids_and_bad_filters_exit_2_with_one_line(
    workdir: Path, args: list[str], expected: str
) -> None:
    result = invoke(*args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert expected in one_error_line(result)


def _files(workdir: Path) -> list[str]:
    # Python's own bytecode cache of the test's handler module is not something we wrote
    return sorted(p.name for p in workdir.iterdir() if p.name != "__pycache__")


@pytest.mark.parametrize(
    "args",
    [
        ["runs", "list"],
        ["executions", "list"],
        ["dlq", "list"],
        ["runs", "resume", "01X"],
        ["run", "flow.yaml"],
        ["submit", "runstest.extract"],
        ["worker", "--idle-exit", "0"],
        ["schedule", "list"],
    ],
)
def test_an_unreachable_database_exits_2_and_writes_nothing(workdir: Path, args: list[str]) -> None:
    before = _files(workdir)
    result = invoke("--db", "postgresql://nobody@127.0.0.1:1/x", *args)
    assert result.exit_code == EXIT_USAGE
    assert "cannot reach the database" in one_error_line(result)
    assert _files(workdir) == before


# -- schedules ---------------------------------------------------------------------------------


def test_a_schedule_is_created_listed_paused_resumed_and_deleted(workdir: Path) -> None:
    created = as_json(
        "schedule", "create", "nightly", "runstest.extract", "--cron", "0 2 * * *",
        "-p", "week=2025-12-26", "-m", "the nightly extract",
    )  # fmt: skip
    assert (created["name"], created["status"], created["params"]) == (
        "nightly",
        "active",
        {"week": "2025-12-26"},
    )
    assert created["next_fire"]
    [listed] = as_json("schedule", "list")
    assert (listed["name"], listed["cron"], listed["target"]) == (
        "nightly",
        "0 2 * * *",
        "runstest.extract",
    )
    assert as_json("schedule", "pause", "nightly")["status"] == "paused"
    assert as_json("schedule", "list")[0]["next_fire"] is None
    assert as_json("schedule", "resume", "nightly")["status"] == "active"
    assert as_json("schedule", "history", "nightly") == []
    human = invoke("schedule", "list")
    assert "nightly" in human.stdout
    assert as_json("schedule", "delete", "nightly") == {"name": "nightly", "deleted": True}
    assert as_json("schedule", "list") == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["schedule", "create", "x", "runstest.extract"], "exactly one of --cron and --every"),
        (["schedule", "create", "x", "no.such.op", "--every", "60"], "no.such.op"),
        (["schedule", "create", "x", "runstest.extract", "--cron", "61 * * * *"], "61"),
        (["schedule", "create", "x", "runstest.extract", "--every", "5", "-p", "oops"],
         "is not KEY=VALUE"),
        (["schedule", "pause", "nope"], "nope"),
        (["schedule", "history", "nope"], "nope"),
        (["schedule", "delete", "nope"], "nope"),
    ],
)  # fmt: skip
def test_bad_schedules_and_unknown_names_exit_2_with_one_line(
    workdir: Path, args: list[str], expected: str
) -> None:
    result = invoke(*args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert expected in one_error_line(result)


def test_a_schedule_name_is_taken_once_unless_replaced(workdir: Path) -> None:
    args = ["schedule", "create", "hourly", "runstest.extract", "--every", "3600"]
    assert invoke(*args).exit_code == 0
    taken = invoke(*args)
    assert taken.exit_code == EXIT_USAGE
    assert "--replace" in one_error_line(taken)
    assert invoke(*args, "--replace", "--every", "60").exit_code == 0


# -- the work queue: submit and worker -------------------------------------------------------


def test_submitted_work_is_run_by_a_worker_and_recorded_in_the_ledger(workdir: Path) -> None:
    ids = [as_json("submit", "runstest.extract", "-p", f"n={n}")["id"] for n in range(3)]
    (workdir / "broken").touch()
    doomed = as_json("submit", "runstest.load", "--max-attempts", "1", "--lane", "slow")
    assert (doomed["status"], doomed["lane"]) == ("pending", "slow")
    again = as_json("submit", "runstest.extract", "--key", "once")
    assert as_json("submit", "runstest.extract", "--key", "once")["id"] == again["id"]

    only_slow = as_json("worker", "--lanes", "slow", "--idle-exit", "0")
    assert (only_slow["claimed"], only_slow["failed"]) == (1, 1)
    metrics = as_json("worker", "--concurrency", "2", "--idle-exit", "0")
    assert (metrics["claimed"], metrics["completed"], metrics["failed"]) == (4, 4, 0)
    assert (workdir / "extract.calls").read_text() == "xxxx"
    executions = {e["id"]: e for e in as_json("executions", "list")}
    assert all(executions[i]["status"] == "completed" for i in ids)
    assert executions[doomed["id"]]["status"] == "failed"
    [letter] = as_json("dlq", "list")
    assert letter["workflow"] == "runstest.load"
    human = invoke("worker", "--idle-exit", "0")
    assert human.exit_code == 0
    assert "worker stopped: 0 claimed" in human.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["submit", "no.such.op"], "no operation 'no.such.op'"),
        (["submit", "runstest.extract", "-p", "oops"], "is not KEY=VALUE"),
        (["submit", "runstest.extract", "-i", "no_such_module_xyz"], "cannot import"),
    ],
)
def test_bad_submissions_exit_2_and_queue_nothing(
    workdir: Path, args: list[str], expected: str
) -> None:
    result = invoke(*args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert expected in one_error_line(result)
    assert not (workdir / "spine.db").exists()
