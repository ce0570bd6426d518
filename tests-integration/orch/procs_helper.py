"""A workflow driven from separate processes (imported by the tests, run as the child script).

Steps ``a`` -> ``b`` -> ``c`` -> ``d`` append their name to ``<marks>/calls.log`` (one line
per call, across processes) and obey flag files in ``<marks>``: ``block_c`` makes ``c`` wait
forever (the process is killed there), ``fail_b`` makes ``b`` fail, ``slow_b`` makes ``b``
take a while (two resumers overlap).

Run as a script: ``python procs_helper.py URL MARKS run LEASE`` executes a new run;
``python procs_helper.py URL MARKS resume RUN_ID`` waits for ``<marks>/go`` and resumes it.
Each prints one JSON line describing what happened.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spine.db import connect
from spine.orchestration import RunClaimedError, Step, TrackedWorkflowRunner, Workflow
from spine.orchestration.context import WorkflowContext


def _mark(ctx: WorkflowContext, name: str) -> Path:
    marks = Path(ctx.params["marks"])
    with (marks / "calls.log").open("a", encoding="utf-8") as fh:
        fh.write(name + "\n")
    return marks


def step_a(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> dict[str, Any]:
    _mark(ctx, "a")
    return {"rows": 3}


def step_b(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> dict[str, Any]:
    marks = _mark(ctx, "b")
    if (marks / "slow_b").exists():
        time.sleep(1.5)
    if (marks / "fail_b").exists():
        raise ConnectionError("warehouse unreachable")
    return {"loaded": ctx.outputs["a"]["rows"] * 2}


def step_c(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> dict[str, Any]:
    marks = _mark(ctx, "c")
    while (marks / "block_c").exists():
        time.sleep(0.05)
    return {"saw_b": ctx.outputs["b"], "saw_a": ctx.outputs["a"]}


def step_d(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> dict[str, Any]:
    _mark(ctx, "d")
    return {}


def build_workflow() -> Workflow:
    """The workflow every process runs."""
    return Workflow(
        "procs",
        [
            Step.lambda_("a", step_a),
            Step.lambda_("b", step_b),
            Step.lambda_("c", step_c),
            Step.lambda_("d", step_d),
        ],
    )


def calls(marks: Path) -> list[str]:
    """Every step call so far, in order."""
    log = marks / "calls.log"
    return log.read_text(encoding="utf-8").split() if log.exists() else []


def main(argv: list[str]) -> None:
    url, marks, mode, arg = argv
    conn = connect(url)
    try:
        if mode == "run":
            runner = TrackedWorkflowRunner(conn, lease_seconds=float(arg))
            result = runner.execute(build_workflow(), {"marks": marks})
            print(json.dumps({"status": result.status.value, "run_id": result.run_id}))
            return
        go = Path(marks) / "go"
        while not go.exists():
            time.sleep(0.005)
        runner = TrackedWorkflowRunner(conn)
        try:
            result = runner.resume(arg, build_workflow())
        except RunClaimedError as exc:
            print(json.dumps({"outcome": "claimed", "message": exc.message}))
        else:
            print(json.dumps({"outcome": "won", "status": result.status.value}))
    finally:
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1:])
