"""Both front ends: the Typer group (``spine changelog``) and ``python -m spine.changelog``."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from spine.changelog.cli import app

if TYPE_CHECKING:
    from conftest import Repo

runner = CliRunner()


def test_the_spine_cli_entry_point_names_this_typer_app() -> None:
    import typer

    (entry,) = [e for e in entry_points(group="spine.cli") if e.name == "changelog"]
    assert entry.value == "spine.changelog.cli:app"
    assert isinstance(entry.load(), typer.Typer)


def test_typer_generate_then_check_passes(acme: Repo) -> None:
    result = runner.invoke(app, ["generate", "--root", str(acme.path)])
    assert result.exit_code == 0, result.output
    assert "written   CHANGELOG.md" in result.output
    result = runner.invoke(app, ["check", "--root", str(acme.path)])
    assert result.exit_code == 0, result.output
    assert "every checked-in output is up to date" in result.output


def test_typer_check_exits_1_and_names_the_command_that_fixes_it(acme: Repo) -> None:
    runner.invoke(app, ["generate", "--root", str(acme.path)])
    (acme.path / "docs/api/index.md").write_text("# stale\n")
    result = runner.invoke(app, ["check", "--root", str(acme.path), "--only", "api-index"])
    assert result.exit_code == 1
    assert "stale: docs/api/index.md: differs from what is generated" in result.output
    assert "python -m spine.changelog api-index" in result.output


def test_typer_api_index_and_diagrams_write_only_their_files(acme: Repo) -> None:
    assert runner.invoke(app, ["api-index", "--root", str(acme.path)]).exit_code == 0
    assert (acme.path / "docs/api/index.json").is_file()
    assert not (acme.path / "CHANGELOG.md").exists()
    assert runner.invoke(app, ["diagrams", "--root", str(acme.path)]).exit_code == 0
    assert (acme.path / "docs/diagrams/packages.mmd").is_file()
    assert not (acme.path / "CHANGELOG.md").exists()


def test_typer_review_prints_or_writes_the_review(acme: Repo, tmp_path: Path) -> None:
    result = runner.invoke(app, ["review", "--root", str(acme.path), "--since", "v0.2.0"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Review: changes since `v0.2.0`")
    out = tmp_path / "REVIEW.md"
    result = runner.invoke(
        app, ["review", "--root", str(acme.path), "--since", "v0.2.0", "-o", str(out)]
    )
    assert result.exit_code == 0
    assert out.read_text().startswith("# Review")


def test_typer_reports_a_typed_error_with_exit_code_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--root", str(tmp_path)])
    assert result.exit_code == 2
    assert "error:" in result.output
    assert "not a git repository" in result.output


def _module(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spine.changelog", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_python_m_generate_check_and_stale_exit_codes(acme: Repo) -> None:
    done = _module("generate", cwd=acme.path)
    assert done.returncode == 0, done.stderr
    assert _module("check", cwd=acme.path).returncode == 0
    (acme.path / "CHANGELOG.md").write_text("# nope\n")
    stale = _module("check", "--only", "changelog", cwd=acme.path)
    assert stale.returncode == 1
    assert "CHANGELOG.md: has no" in stale.stdout


def test_python_m_review_and_error_exit_code(acme: Repo, tmp_path: Path) -> None:
    review = _module("review", "--since", "v0.1.0", "--root", str(acme.path), cwd=tmp_path)
    assert review.returncode == 0, review.stderr
    assert "| acme-io |" in review.stdout
    bad = _module("review", "--since", "no-such-tag", cwd=acme.path)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: ")
    assert "'no-such-tag' does not name a commit" in bad.stderr


def test_python_m_needs_nothing_but_spine_types(acme: Repo, tmp_path: Path) -> None:
    # Block typer (and every third-party import) to prove the -m entry point is stdlib only.
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class _Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'typer', 'click', 'rich', 'pydantic'}:\n"
        "            raise ImportError(f'blocked: {name}')\n"
        "sys.meta_path.insert(0, _Block())\n"
    )
    env_cmd = [
        sys.executable,
        "-c",
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
        "import sitecustomize, runpy; sys.argv = ['x', 'generate']; "
        "runpy.run_module('spine.changelog', run_name='__main__')",
    ]
    done = subprocess.run(env_cmd, cwd=acme.path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (acme.path / "CHANGELOG.md").is_file()


def test_generate_only_the_changelog_leaves_the_other_outputs_alone(acme: Repo) -> None:
    result = runner.invoke(app, ["generate", "--root", str(acme.path), "--only", "changelog"])
    assert result.exit_code == 0, result.output
    assert (acme.path / "CHANGELOG.md").is_file()
    assert not (acme.path / "docs").exists()
    done = _module("generate", "--only", "api-index", cwd=acme.path)
    assert done.returncode == 0, done.stderr
    assert (acme.path / "docs/api/index.md").is_file()
    assert not (acme.path / "docs/diagrams").exists()
