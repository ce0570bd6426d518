"""``spine demo`` through the real ``spine`` command (plugin loaded from the entry point)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spine.orchestration.cli import build_app, loaded_plugins


def demo(*args: str) -> object:
    return CliRunner().invoke(build_app(), list(args))


def test_the_demo_group_is_installed_through_the_entry_point() -> None:
    names = {p.name for p in loaded_plugins(build_app()) if p.loaded}
    assert "demo" in names


def test_spine_demo_runs_then_a_second_run_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = demo("--db", url, "demo", "--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert len([w for w in data["weeks"] if w["stage"] == "published"]) == 12
    assert data["changed_nothing"] is False
    assert [r["week"] for r in data["restatements"]] == ["2025-11-28"]
    second = demo("--db", url, "demo")
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.stdout
    assert "restated 2025-11-28" in second.stdout
    assert "top symbols" in second.stdout


def test_spine_demo_prints_progress_and_a_summary_in_a_subprocess(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "spine.orchestration.cli", "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    for text in ("release 1", "release 2", "blocked", "rows per stage and week",
                 "rejects by reason", "quality checks", "open anomalies", "restated",
                 "top symbols", "ledger (this run)"):  # fmt: skip
        assert text in result.stdout, text
    assert (tmp_path / "spine.db").exists()


def test_demo_generate_writes_files_that_input_reads(tmp_path: Path) -> None:
    files = tmp_path / "finra"
    assert demo("demo", "generate", str(files)).exit_code == 0
    assert len(list(files.iterdir())) == 36
    url = f"sqlite:///{tmp_path / 'real.db'}"
    result = demo("--db", url, "demo", "--input", str(files), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changed_nothing"] is False


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["demo", "--input", "/no/such/dir"], "is not a directory"),
        (["--db", "postgresql://nobody@127.0.0.1:1/x", "demo"], "cannot reach the database"),
        (["demo", "--scale", "5"], "Invalid value"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPINE_DATABASE_URL", raising=False)
    result = demo(*args)
    assert result.exit_code == 2
    assert expected in result.output
    assert list(tmp_path.iterdir()) == []
