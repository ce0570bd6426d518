"""``spine demo`` and the operator commands end to end through the ``spine`` command (typer's
CliRunner, the demo group loaded from its entry point), on SQLite and PostgreSQL: the first run,
the idempotent second run, the restatement, an injected failure finished by
``spine runs resume`` without redoing the finished steps, ``--json``, and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from spine.db.testing import IsolatedDatabase
from spine.orchestration.cli import EXIT_FAILED, EXIT_USAGE, build_app

pytestmark = pytest.mark.backend("sqlite", "postgres")

WEEK = "2025-10-24"


def database_url(space: IsolatedDatabase) -> str:
    """A URL the ``spine`` command can open into the test's isolated space."""
    if space.path is not None:
        return f"sqlite:///{space.path}"
    assert space.url is not None
    if space.schema is not None:
        sep = "&" if "?" in space.url else "?"
        return f"{space.url}{sep}schema={space.schema}"
    return space.url


@pytest.fixture
def url(isolated_db: IsolatedDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("SPINE_IMPORTS", raising=False)
    return database_url(isolated_db)


def spine(url: str, *args: str) -> Any:
    return CliRunner().invoke(build_app(), ["--db", url, *args])


def spine_json(url: str, *args: str) -> Any:
    result = spine(url, *args, "--json")
    assert result.exit_code in (0, EXIT_FAILED), result.output
    return json.loads(result.stdout)


def test_the_demo_runs_through_the_ledger_and_a_second_run_changes_nothing(url: str) -> None:
    first = spine(url, "demo", "--json", "--workers", "2")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert len([w for w in data["weeks"] if w["stage"] == "published"]) == 12
    assert data["changed_nothing"] is False
    assert data["ledger"]["runs"] == {"completed": 13, "failed": 1}
    [restated] = data["restatements"]
    assert (restated["week"], restated["versions"]) == ("2025-11-28", 2)
    assert restated["shares_as_of_before"] == restated["shares_before"]

    runs = spine_json(url, "runs", "list", "--limit", "100")
    assert sorted(r["status"] for r in runs).count("completed") == 13
    assert {r["workflow"] for r in runs} == {"finra.otc.weekly"}
    executions = spine_json(url, "executions", "list", "--limit", "1000")
    assert len(executions) == sum(data["ledger"]["executions"].values())
    [gate] = spine_json(url, "dlq", "list")  # the quality gate that stopped the cut week
    assert gate["workflow"] == "finra.otc.quality_gate"

    second = spine(url, "demo")
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.stdout
    assert "restated 2025-11-28" in second.stdout
    assert len(spine_json(url, "runs", "list", "--limit", "100")) == len(runs)


def test_an_injected_failure_is_resumed_without_redoing_finished_steps(url: str) -> None:
    failed = spine(url, "demo", "--fail-at", f"aggregate:{WEEK}", "--workers", "2", "--json")
    assert failed.exit_code == EXIT_FAILED, failed.output
    stopped = json.loads(failed.stdout)["stopped"]
    assert (stopped["week"], stopped["step"]) == (WEEK, "aggregate")
    assert stopped["resume"] == f"spine runs resume {stopped['run_id']}"
    run = spine_json(url, "runs", "show", stopped["run_id"])
    assert run["status"] == "failed"
    kept = Path(run["params"]["input_dir"])  # the synthetic files, kept for the resume
    assert kept.is_dir()
    assert [(s["step"], s["status"]) for s in run["steps"]] == [
        ("ingest", "completed"),
        ("normalize", "completed"),
        ("quality_gate", "completed"),
        ("aggregate", "failed"),
    ]

    resumed = spine(url, "runs", "resume", stopped["run_id"], "--json")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["status"] == "completed"

    def executions_of(step: str) -> list[dict[str, Any]]:
        found = spine_json(url, "executions", "list", "-w", f"finra.otc.{step}", "-n", "1000")
        return [e for e in found if e["params"]["week_ending"] == WEEK]

    assert len(executions_of("ingest")) == 1  # not redone by the resume
    assert len(executions_of("normalize")) == 1
    assert sorted(e["status"] for e in executions_of("aggregate")) == ["completed", "failed"]

    rest = spine(url, "demo", "--json")
    assert rest.exit_code == 0, rest.output
    data = json.loads(rest.stdout)
    assert WEEK not in {o["week"] for o in data["outcomes"]}
    assert len([w for w in data["weeks"] if w["stage"] == "published"]) == 12
    again = spine(url, "demo", "--json")
    assert json.loads(again.stdout)["changed_nothing"] is True
    shutil.rmtree(kept)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["demo", "--fail-at", "explode"], "unknown step 'explode'"),
        (["demo", "--fail-at", "ingest:someday"], "is not a week ending"),
        (["demo", "--workers", "0"], "Invalid value"),
        (["run", "no-such-workflow.yaml"], "does not exist"),
        (["run", "weekly.yaml", "-p", "week_ending"], "is not KEY=VALUE"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    url: str, args: list[str], expected: str, tmp_path: Path
) -> None:
    (tmp_path / "weekly.yaml").write_text("name: x\nsteps: []\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = spine(url, *args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert spine_json(url, "runs", "list") == []
