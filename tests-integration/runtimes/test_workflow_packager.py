"""WorkflowPackager: a workflow packaged as a .pyz runs with ``python file.pyz`` and gives the
same result as in process."""

from __future__ import annotations

import importlib
import json
import os
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from spine.execution import Dispatcher
from spine.execution.packaging import PackageManifest, PackagingWarning, WorkflowPackager
from spine.execution.testing import InMemoryLedger
from spine.orchestration import Step, Workflow, WorkflowRunner
from spine.orchestration.dispatcher_runnable import DispatcherRunnable
from spine.types import ValidationError

HERE = Path(__file__).resolve().parent
PARAMS = {"week_ending": "2025-12-26", "symbols": ["AAPL", "MSFT"], "volumes": [3, 5, 8]}


def summarize(ctx: Any, config: Any) -> dict[str, Any]:
    """A named lambda-step function: packaged by its source."""
    return {"mean": statistics.mean(ctx.params["volumes"]), "label": config["label"]}


@pytest.fixture
def ops(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(HERE))
    return importlib.import_module("spine_runtime_test_ops")


def workflow() -> Workflow:
    return Workflow(
        "otc.weekly.packaged",
        [
            Step.operation("fetch", "otc.fetch"),
            Step.operation("total", "otc.total", {"factor": 10}),
            Step.lambda_("summary", summarize, {"label": "week"}),
            Step.operation("publish", "otc.publish"),
        ],
    )


def run_pyz(path: Path, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    done = subprocess.run(
        [sys.executable, str(path), "--params", json.dumps(params)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout.splitlines()[-1])


def test_a_packaged_workflow_runs_with_python_and_matches_in_process(
    ops: Any, tmp_path: Path
) -> None:
    dispatcher = Dispatcher(ledger=InMemoryLedger(), registry=ops.registry)
    expected = WorkflowRunner(runnable=DispatcherRunnable(dispatcher)).execute(workflow(), PARAMS)
    assert expected.status.value == "completed"
    path = WorkflowPackager(registry=ops.registry).package(workflow(), tmp_path / "otc.pyz")
    code, got = run_pyz(path, PARAMS)
    assert code == 0
    assert got["status"] == expected.status.value
    assert got["error"] is None
    assert got["steps"] == {
        name: {"status": o.status.value, "output": dict(o.output), "error": o.error}
        for name, o in expected.steps.items()
    }
    assert got["steps"]["summary"]["output"] == {"mean": 5.333333333333333, "label": "week"}


def test_inspect_describes_the_package_and_unpack_gives_a_runnable_tree(
    ops: Any, tmp_path: Path
) -> None:
    packager = WorkflowPackager(registry=ops.registry)
    path = packager.package(workflow(), tmp_path / "otc.pyz")
    manifest = packager.inspect(path)
    assert isinstance(manifest, PackageManifest)
    assert manifest.workflow_name == "otc.weekly.packaged"
    assert [(s["name"], s["packaged_as"]) for s in manifest.steps] == [
        ("fetch", "operation"),
        ("total", "operation"),
        ("summary", "source"),
        ("publish", "operation"),
    ]
    assert manifest.operations == {
        "otc.fetch": "spine_runtime_test_ops:fetch",
        "otc.total": "spine_runtime_test_ops:total",
        "otc.publish": "spine_runtime_test_ops:publish",
    }
    assert manifest.skipped == ()
    assert PackageManifest.from_dict(manifest.to_dict()) == manifest
    tree = packager.unpack(path, tmp_path / "unpacked")
    assert (tree / "__main__.py").is_file()
    handler_sources = list((tree / "_spine_pkg_handlers").glob("h_*.py"))
    assert len(handler_sources) == 1
    assert "def summarize(ctx" in handler_sources[0].read_text()
    code, got = run_pyz(tree, PARAMS)  # python runs the unpacked directory too
    assert code == 0
    assert got["status"] == "completed"


def test_inline_lambdas_and_closures_are_skipped_with_a_warning(ops: Any, tmp_path: Path) -> None:
    factor = 3

    def closure(ctx: Any, config: Any) -> dict[str, Any]:
        return {"x": factor}

    wf = Workflow(
        "otc.mixed",
        [
            Step.operation("fetch", "otc.fetch"),
            Step.lambda_("inline", lambda ctx, cfg: {"y": 1}),
            Step.lambda_("closure", closure),
            Step.operation("publish", "otc.publish", depends_on=["fetch", "inline"]),
        ],
    )
    with pytest.warns(PackagingWarning) as caught:
        path = WorkflowPackager(registry=ops.registry).package(wf, tmp_path / "mixed.pyz")
    assert len(caught) == 2
    assert "inline lambda" in str(caught[0].message)
    assert "closure" in str(caught[1].message)
    manifest = WorkflowPackager().inspect(path)
    assert [s["step"] for s in manifest.skipped] == ["inline", "closure"]
    with zipfile.ZipFile(path) as archive:
        definition = json.loads(archive.read("spine_package/workflow.json"))
    assert [s["name"] for s in definition["steps"]] == ["fetch", "publish"]
    assert definition["steps"][1]["depends_on"] == ["fetch"]
    code, got = run_pyz(path, PARAMS)
    assert code == 0
    assert set(got["steps"]) == {"fetch", "publish"}


def test_a_failed_run_exits_non_zero_with_the_error(ops: Any, tmp_path: Path) -> None:
    wf = Workflow("otc.down", [Step.operation("fetch", "otc.unavailable")])
    path = WorkflowPackager(registry=ops.registry).package(wf, tmp_path / "down.pyz")
    code, got = run_pyz(path, PARAMS)
    assert code == 1
    assert got["status"] == "failed"
    assert "FINRA is down" in got["steps"]["fetch"]["error"]


def test_inspecting_something_else_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pyz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ValidationError, match="is not a spine workflow package"):
        WorkflowPackager().inspect(junk)


def test_a_workflow_of_only_inline_lambdas_cannot_be_packaged(tmp_path: Path) -> None:
    wf = Workflow("w", [Step.lambda_("a", lambda ctx, cfg: {})])
    with pytest.warns(PackagingWarning), pytest.raises(ValidationError, match="no step"):
        WorkflowPackager().package(wf, tmp_path / "w.pyz")
    assert not (tmp_path / "w.pyz").exists()
