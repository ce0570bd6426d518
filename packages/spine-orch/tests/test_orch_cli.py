"""The ``spine`` command driven end to end with typer's CliRunner (SQLite, in process)."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from spine.db import create_connection
from spine.ops import AnomalyCategory, AnomalyRecorder, DBWatermarkStore, Severity, WorkManifest
from spine.orchestration import default_dispatcher
from spine.orchestration.cli import EXIT_FAILED, EXIT_USAGE, build_app
from spine.orchestration.cli._plugins import load_plugins

OPS_MODULE = textwrap.dedent(
    """
    from spine.orchestration import default_dispatcher

    registry = default_dispatcher().registry

    @registry.handler("clitest.count", replace=True)
    def count(params):
        return {"rows": int(params.get("n", 3))}

    @registry.handler("clitest.boom", replace=True)
    def boom(params):
        raise ValueError("the source is on fire")
    """
)

GOOD = """\
name: clitest.flow
params:
  n: {type: int, default: 3}
steps:
  - {name: count, operation: clitest.count}
  - name: route
    condition: "outputs.count.rows > 2"
    then: big
    else: small
  - {name: big, operation: clitest.count}
  - {name: small, operation: clitest.count}
"""

FAILING = """\
name: clitest.failing
steps:
  - {name: first, operation: clitest.count}
  - {name: second, operation: clitest.boom}
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A current directory with the operations module importable and no SPINE_* settings."""
    (tmp_path / "clitest_ops.py").write_text(OPS_MODULE)
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "failing.yaml").write_text(FAILING)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("SPINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("SPINE_IMPORTS", raising=False)
    yield tmp_path
    sys.modules.pop("clitest_ops", None)
    for name in ("clitest.count", "clitest.boom"):
        default_dispatcher().registry.unregister(name)


def invoke(*args: str, input: str | None = None) -> object:
    return CliRunner().invoke(build_app(plugins=False), list(args), input=input)


def one_error_line(result: object) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]  # type: ignore[attr-defined]
    assert len(lines) == 1, result.stderr  # type: ignore[attr-defined]
    assert lines[0].startswith("error: ")
    assert "(hint: " in lines[0]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    return lines[0]


# -- global behaviour ---------------------------------------------------------------------------


def test_help_lists_every_builtin_command() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("db", "run", "workflow", "anomalies", "quality", "rejects", "manifest",
                 "watermarks", "backfill"):  # fmt: skip
        assert name in result.stdout


def test_version_names_the_installed_packages() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert "spine-orch" in result.stdout


def test_a_broken_plugin_is_skipped_with_one_warning_and_the_others_load() -> None:
    app = typer.Typer()
    warnings: list[str] = []
    eps = [
        EntryPoint("broken", "no_such_module_anywhere:app", "spine.cli"),
        EntryPoint("notapp", "json:dumps", "spine.cli"),
        EntryPoint("run", "spine.changelog.cli:app", "spine.cli"),
        EntryPoint("changelog", "spine.changelog.cli:app", "spine.cli"),
    ]
    loaded = load_plugins(app, reserved=("run",), warn=warnings.append, eps=eps)
    assert [p.name for p in loaded if p.loaded] == ["changelog"]
    assert len(warnings) == 3
    assert any("'broken'" in w and "ModuleNotFoundError" in w for w in warnings)
    assert any("not a typer.Typer app" in w for w in warnings)
    assert any("'run'" in w and "taken" in w for w in warnings)


def test_installed_plugins_add_their_groups() -> None:
    result = CliRunner().invoke(build_app(), ["changelog", "--help"])
    assert result.exit_code == 0
    assert "check" in result.stdout


# -- db ---------------------------------------------------------------------------------------


def test_db_init_creates_the_default_sqlite_database_in_the_current_directory(
    workdir: Path,
) -> None:
    result = invoke("db", "init", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["database"] == "sqlite:///spine.db"
    assert "core_manifest" in data["created"]
    assert (workdir / "spine.db").exists()
    again = json.loads(invoke("db", "migrate", "--json").stdout)
    assert again["created"] == []
    assert again["up_to_date"] is True


def test_db_status_reports_missing_tables_without_creating_them(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'other.db'}"
    data = json.loads(invoke("--db", url, "db", "status", "--json").stdout)
    assert data["up_to_date"] is False
    assert data["source"] == "option"
    assert "core_manifest" in data["missing"]
    invoke("--db", url, "db", "init")
    assert json.loads(invoke("--db", url, "db", "status", "--json").stdout)["up_to_date"]


def test_the_environment_names_the_database_when_no_option_is_given(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPINE_DATABASE_URL", f"sqlite:///{workdir / 'env.db'}")
    data = json.loads(invoke("db", "status", "--json").stdout)
    assert data["source"] == "env"
    assert data["database"].endswith("env.db")


def test_a_settings_profile_names_the_database(workdir: Path) -> None:
    profiles = workdir / ".spine" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "nightly.toml").write_text(f'database_url = "sqlite:///{workdir / "n.db"}"\n')
    data = json.loads(invoke("--profile", "nightly", "db", "status", "--json").stdout)
    assert data["source"] == "settings"
    assert data["database"].endswith("n.db")
    missing = invoke("--profile", "nope", "db", "status")
    assert missing.exit_code == EXIT_USAGE
    assert "profile 'nope' not found" in one_error_line(missing)


def test_an_unreachable_database_exits_2_with_one_line_and_writes_nothing(workdir: Path) -> None:
    result = invoke("--db", "postgresql://nobody@127.0.0.1:1/nowhere", "anomalies", "list")
    assert result.exit_code == EXIT_USAGE
    line = one_error_line(result)
    assert "cannot reach the database" in line
    result = invoke("--db", f"sqlite:///{workdir}/missing/dir/x.db", "db", "init")
    assert result.exit_code == EXIT_USAGE
    one_error_line(result)
    assert sorted(p.name for p in workdir.iterdir()) == [
        "clitest_ops.py", "failing.yaml", "good.yaml"
    ]  # fmt: skip


def test_a_password_in_the_url_never_shows(workdir: Path) -> None:
    result = invoke("--db", "postgresql://spine:hunter2@127.0.0.1:1/x", "db", "status")
    assert result.exit_code == EXIT_USAGE
    assert "hunter2" not in result.output
    assert "***" in one_error_line(result)


def test_a_malformed_database_url_is_bad_input() -> None:
    result = invoke("--db", "nosuchscheme://x", "db", "status")
    assert result.exit_code == EXIT_USAGE
    one_error_line(result)


def test_debug_shows_the_traceback_instead_of_one_line() -> None:
    result = invoke("--debug", "--db", "nosuchscheme://x", "db", "status")
    assert result.exit_code == 1
    assert result.exception is not None


# -- run ---------------------------------------------------------------------------------------


def test_run_executes_a_workflow_file_with_typed_params(workdir: Path) -> None:
    result = invoke("run", "good.yaml", "--import", "clitest_ops", "-p", "n=5", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "completed"
    steps = {s["name"]: s for s in data["steps"]}
    assert steps["count"]["output"] == {"rows": 5}
    assert steps["big"]["status"] == "completed"
    assert steps["small"]["status"] == "skipped"
    # a tracked run in the default database, each operation step an execution in its ledger
    [run] = json.loads(invoke("runs", "list", "--json").stdout)
    assert (run["run_id"], run["status"]) == (data["run_id"], "completed")
    assert steps["count"]["execution_id"]
    again = invoke("run", "good.yaml", "--import", "clitest_ops", "-p", "n=5")
    assert again.exit_code == 0
    assert f"already completed: run {data['run_id']}" in again.stdout
    forced = invoke("run", "good.yaml", "-i", "clitest_ops", "-p", "n=5", "--force", "--json")
    assert json.loads(forced.stdout)["run_id"] != data["run_id"]


def test_run_accepts_json_params_and_a_partition(workdir: Path) -> None:
    result = invoke(
        "run", "good.yaml", "-i", "clitest_ops", "-p", "n:=1", "--partition", "week=2025-12-26",
        "--json",
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert data["partition"] == {"week": "2025-12-26"}
    assert {s["name"]: s["status"] for s in data["steps"]}["small"] == "completed"


def test_run_exits_1_when_the_workflow_fails(workdir: Path) -> None:
    result = invoke("run", "failing.yaml", "-i", "clitest_ops")
    assert result.exit_code == EXIT_FAILED
    assert "failed" in result.stdout
    assert "the source is on fire" in result.stdout


def test_run_reads_imports_from_the_environment(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPINE_IMPORTS", "clitest_ops")
    assert invoke("run", "good.yaml").exit_code == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "missing.yaml"], "does not exist"),
        (["run", "good.yaml", "-p", "n"], "is not KEY=VALUE"),
        (["run", "good.yaml", "-p", "=5"], "is not a valid name"),
        (["run", "good.yaml", "-p", "n:={oops"], "is not JSON"),
        (["run", "good.yaml", "-p", "n=1", "-p", "n=2"], "given twice"),
        (["run", "good.yaml", "-i", "clitest_ops", "-p", "n=abc"], "invalid params"),
        (["run", "good.yaml"], "not registered"),
        (["run", "good.yaml", "-i", "no_such_module_xyz"], "cannot import"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line_and_writes_nothing(
    workdir: Path, args: list[str], expected: str
) -> None:
    result = invoke(*args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert expected in one_error_line(result)
    assert not (workdir / "spine.db").exists()


def test_an_invalid_workflow_file_names_the_file_and_line(workdir: Path) -> None:
    (workdir / "broken.yaml").write_text(
        "name: x\nsteps:\n  - {name: a, operation: b, dependz: []}\n"
    )
    result = invoke("run", "broken.yaml")
    assert result.exit_code == EXIT_USAGE
    assert "broken.yaml:3" in one_error_line(result)


# -- workflow ---------------------------------------------------------------------------------


def test_lint_passes_a_good_workflow_and_fails_unknown_operations(workdir: Path) -> None:
    bad = invoke("workflow", "lint", "good.yaml", "--json")
    assert bad.exit_code == EXIT_FAILED
    assert "E003" in {d["code"] for d in json.loads(bad.stdout)["diagnostics"]}
    unchecked = invoke("workflow", "lint", "good.yaml", "--no-check-operations")
    assert unchecked.exit_code == 0
    ok = invoke("workflow", "lint", "good.yaml", "-i", "clitest_ops", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["passed"] is True


def test_visualize_draws_ascii_mermaid_and_a_summary(workdir: Path) -> None:
    ascii_art = invoke("workflow", "visualize", "good.yaml")
    assert ascii_art.exit_code == 0
    assert "┌" in ascii_art.stdout
    mermaid = invoke("workflow", "visualize", "good.yaml", "--format", "mermaid")
    assert mermaid.stdout.startswith("graph TD")
    summary = json.loads(invoke("workflow", "visualize", "good.yaml", "--json").stdout)
    assert summary["step_count"] == 4


def test_play_steps_back_peeks_sets_and_runs(workdir: Path) -> None:
    script = "peek\nstep\nctx\nback\nset n=7\nstep\nhistory\nrun\nback\nnonsense\nq\n"
    result = invoke("workflow", "play", "good.yaml", "-i", "clitest_ops", input=script)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "next: count (operation)" in out
    assert '"rows": 3' in out  # the first step, default n
    assert "undid count" in out
    assert '"rows": 7' in out  # stepped again after set n=7
    assert "completed big" in out
    assert "skipped small" in out
    assert "unknown command 'nonsense'" in out


def test_play_reports_a_command_that_cannot_run_and_continues(workdir: Path) -> None:
    result = invoke("workflow", "play", "good.yaml", "-i", "clitest_ops", input="back\nstep\n")
    assert result.exit_code == 0
    assert "error: no step to go back from" in result.stdout
    assert "completed count" in result.stdout


# -- operator views ----------------------------------------------------------------------------


@pytest.fixture
def populated(workdir: Path) -> str:
    url = f"sqlite:///{workdir / 'ops.db'}"
    assert invoke("--db", url, "db", "init").exit_code == 0
    conn, _ = create_connection(url)
    try:
        recorder = AnomalyRecorder(conn, "finra.otc")
        recorder.record(
            severity=Severity.WARN,
            category=AnomalyCategory.QUALITY_GATE,
            message="volume moved",
            partition_key={"week_ending": "2025-12-26"},
        )
        recorder.record(
            severity=Severity.ERROR, category=AnomalyCategory.SOURCE_ERROR, message="late file"
        )
        WorkManifest(conn, "finra.otc", ["ingested", "published"]).advance_to(
            {"week_ending": "2025-12-26"}, "ingested", row_count=960
        )
        DBWatermarkStore(conn).advance("finra.otc", "weekly", "2025-12-26", "2026-01-05")
        from spine.ops import QualityRunner, Reject, RejectSink, row_count_check

        RejectSink(conn, "finra.otc").write_batch(
            [Reject("normalize", "MISSING_MPID", "empty", {"MPID": ""}, "f.csv", 3)] * 2,
            {"week_ending": "2025-12-26"},
        )
        QualityRunner(conn, "finra.otc").add(row_count_check(min_rows=5)).run_all(
            {"rows": [{}] * 3}, {"week_ending": "2025-12-26"}
        )
    finally:
        conn.close()
    return url


def test_anomalies_list_and_resolve(populated: str) -> None:
    listed = json.loads(invoke("--db", populated, "anomalies", "list", "--json").stdout)
    assert {a["message"] for a in listed} == {"volume moved", "late file"}
    errors = json.loads(
        invoke("--db", populated, "anomalies", "list", "--severity", "error", "--json").stdout
    )
    assert [a["message"] for a in errors] == ["late file"]
    target = errors[0]["id"]
    resolved = invoke("--db", populated, "anomalies", "resolve", target, "-m", "arrived")
    assert resolved.exit_code == 0
    assert "resolved" in resolved.stdout
    still_open = json.loads(invoke("--db", populated, "anomalies", "list", "--json").stdout)
    assert [a["message"] for a in still_open] == ["volume moved"]
    every = json.loads(invoke("--db", populated, "anomalies", "list", "--all", "--json").stdout)
    assert {a["resolution_note"] for a in every} == {None, "arrived"}
    missing = invoke("--db", populated, "anomalies", "resolve", "01NOPE")
    assert missing.exit_code == EXIT_USAGE
    one_error_line(missing)


def test_quality_rejects_manifest_and_watermarks_listings(populated: str) -> None:
    quality = json.loads(invoke("--db", populated, "quality", "list", "--json").stdout)
    assert [(q["check"], q["status"]) for q in quality] == [("row_count", "fail")]
    assert (
        invoke("--db", populated, "quality", "list", "--status", "pass", "--json").stdout.strip()
        == "[]"
    )
    rejects = json.loads(invoke("--db", populated, "rejects", "summary", "--json").stdout)
    assert rejects == [
        {"domain": "finra.otc", "stage": "normalize", "reason": "MISSING_MPID", "rows": 2,
         "partitions": 1}
    ]  # fmt: skip
    manifest = json.loads(
        invoke("--db", populated, "manifest", "show", "--partition", "week_ending=2025-12-26",
               "--json").stdout
    )  # fmt: skip
    assert [(m["stage"], m["rows"]) for m in manifest] == [("ingested", 960)]
    marks = json.loads(invoke("--db", populated, "watermarks", "list", "--json").stdout)
    assert [(w["partition"], w["high_water"]) for w in marks] == [("2025-12-26", "2026-01-05")]
    human = invoke("--db", populated, "rejects", "summary")
    assert "MISSING_MPID" in human.stdout


def test_listings_filter_by_domain(populated: str) -> None:
    other = json.loads(invoke("--db", populated, "anomalies", "list", "-d", "sec", "--json").stdout)
    assert other == []


# -- backfill ---------------------------------------------------------------------------------


def test_backfill_preview_plan_run_and_status(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'bf.db'}"
    (workdir / "week.yaml").write_text(
        "name: clitest.week\nparams:\n  week: {type: week_ending}\n"
        "steps:\n  - {name: count, operation: clitest.count}\n"
    )
    preview = invoke("--db", url, "backfill", "preview", "-d", "otc", "-s", "finra",
                     "--weeks", "2025-12-01:2025-12-31", "--json")  # fmt: skip
    assert json.loads(preview.stdout)["partitions"] == [
        "2025-12-05", "2025-12-12", "2025-12-19", "2025-12-26"
    ]  # fmt: skip
    planned = invoke("--db", url, "backfill", "plan", "-d", "otc", "-s", "finra",
                     "--weeks", "2025-12-01:2025-12-31", "--workflow", "week.yaml", "--key",
                     "week", "--json")  # fmt: skip
    assert planned.exit_code == 0, planned.output
    plan_id = json.loads(planned.stdout)["plan_id"]
    ran = invoke("--db", url, "backfill", "run", plan_id, "-i", "clitest_ops", "--json")
    assert ran.exit_code == 0, ran.output
    data = json.loads(ran.stdout)
    assert data["done"] == 4
    assert data["status"] == "completed"
    status = json.loads(invoke("--db", url, "backfill", "status", plan_id, "--json").stdout)
    assert {p["status"] for p in status["partition_status"]} == {"done"}
    listing = json.loads(invoke("--db", url, "backfill", "status", "--json").stdout)
    assert [p["plan_id"] for p in listing] == [plan_id]


def test_backfill_run_marks_failed_partitions_and_exits_1(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'bf.db'}"
    planned = invoke("--db", url, "backfill", "plan", "-d", "otc", "-s", "finra",
                     "--partitions", "a,b", "--workflow", "failing.yaml", "--json")  # fmt: skip
    plan_id = json.loads(planned.stdout)["plan_id"]
    ran = invoke("--db", url, "backfill", "run", plan_id, "-i", "clitest_ops", "--json")
    assert ran.exit_code == EXIT_FAILED
    assert json.loads(ran.stdout)["failed"] == 2


def test_backfill_from_watermark_gaps_plans_only_the_missing(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'bf.db'}"
    invoke("--db", url, "db", "init")
    conn, _ = create_connection(url)
    try:
        DBWatermarkStore(conn).advance("otc", "finra", "2025-12-19", "x")
    finally:
        conn.close()
    preview = invoke("--db", url, "backfill", "preview", "-d", "otc", "-s", "finra",
                     "--gaps-of", "2025-12-19,2025-12-26", "--json")  # fmt: skip
    assert json.loads(preview.stdout)["partitions"] == ["2025-12-26"]


def test_backfill_bad_input(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'bf.db'}"
    neither = invoke("--db", url, "backfill", "plan", "-d", "otc", "-s", "finra")
    assert neither.exit_code == EXIT_USAGE
    assert "exactly one of" in one_error_line(neither)
    bad_range = invoke("--db", url, "backfill", "plan", "-d", "o", "-s", "f", "--weeks", "2025")
    assert "START:END" in one_error_line(bad_range)
    unknown = invoke("--db", url, "backfill", "status", "01NOPE")
    assert unknown.exit_code == EXIT_USAGE
    one_error_line(unknown)
