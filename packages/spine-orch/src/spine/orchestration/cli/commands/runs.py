"""``spine runs list|show|resume|rerun-from|cancel``: the tracked workflow runs of the database.

Runs live in spine-orch's run store (``core_workflow_runs`` / ``_steps`` / ``_events``).
``resume`` continues a failed or interrupted run at the step that failed (finished steps are
restored from their checkpoints, not run again); ``rerun-from`` starts a new run, linked to
the old one, from any step; ``cancel`` stops a running run at its next checkpoint, or keeps a
failed one from being resumed. The operations come from ``--import`` / ``SPINE_IMPORTS`` and
the installed ``spine.operations`` entry points.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from spine.orchestration.cli._errors import EXIT_FAILED, fail
from spine.orchestration.cli._output import console, emit, print_json, styled
from spine.orchestration.cli._runtime import Operations, open_runtime, run_store
from spine.orchestration.cli._state import get_state
from spine.orchestration.cli._workflows import import_operation_modules, outcome_row, result_dict
from spine.orchestration.cli.commands.run import ImportOption
from spine.orchestration.result import WorkflowResult
from spine.orchestration.run_store import RunEvent, StepCheckpoint, WorkflowRunRecord
from spine.types import RunStatus

__all__ = ["app", "event_row", "run_row", "step_row"]

app = typer.Typer(
    name="runs", help="Tracked workflow runs: list, show, resume, rerun, cancel.",
    no_args_is_help=True,
)  # fmt: skip

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]
RunIdArg = Annotated[str, typer.Argument(help="The run's id.")]
WorkersOption = Annotated[
    int, typer.Option("--workers", min=1, max=64, help="In-process workers running the steps.")
]


def run_row(r: WorkflowRunRecord) -> dict[str, Any]:
    """A run as a listing row."""
    return {
        "run_id": r.run_id,
        "workflow": r.workflow_name,
        "status": r.status.value,
        "partition": dict(r.partition),
        "params": dict(r.params),
        "attempt": r.attempt,
        "parent_run_id": r.parent_run_id,
        "rerun_from_step": r.rerun_from_step,
        "cancel_requested": r.cancel_requested,
        "owner": r.owner,
        "error": (r.error or {}).get("message") if r.error else None,
        "created_at": r.created_at,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
    }


def step_row(c: StepCheckpoint) -> dict[str, Any]:
    """A step checkpoint as a listing row."""
    return {
        "step": c.step_name,
        "type": c.step_type,
        "status": c.status.value,
        "attempts": c.attempts,
        "ms": round(c.duration_ms, 1),
        "execution_id": c.execution_id,
        "error": (c.error or {}).get("message") if c.error else None,
        "output": dict(c.output),
        "finished_at": c.finished_at,
    }


def event_row(e: RunEvent) -> dict[str, Any]:
    """A run event as a listing row."""
    return {
        "at": e.created_at,
        "event": e.event_type.value,
        "step": e.step_name,
        "data": dict(e.data),
    }


def _statuses(status: str | None) -> list[RunStatus] | None:
    if status is None:
        return None
    try:
        return [RunStatus(s.strip().lower()) for s in status.split(",") if s.strip()]
    except ValueError:
        known = ", ".join(s.value for s in RunStatus)
        fail(f"--status {status!r} is not a run status", hint=f"use one of {known}")


@app.command("list")
def list_runs(
    ctx: typer.Context,
    workflow: Annotated[
        str | None, typer.Option("--workflow", "-w", help="Only this workflow.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Only these statuses (comma-separated).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
) -> None:
    """Runs, newest first."""
    state = get_state(ctx)
    with state.guard():
        statuses = _statuses(status)
        with state.connect() as conn:
            found = run_store(conn).list_runs(
                workflow_name=workflow, statuses=statuses, limit=limit
            )
    emit(
        [run_row(r) for r in found],
        ["run_id", "workflow", "status", "partition", "attempt", "started_at", "error"],
        as_json=as_json,
        title="workflow runs",
        empty="no workflow runs",
    )


@app.command()
def show(ctx: typer.Context, run_id: RunIdArg, as_json: JsonOption = False) -> None:
    """One run: its record, its steps' checkpoints and its event log."""
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        store = run_store(conn)
        record = store.get_run(run_id)
        steps = store.get_steps(run_id)
        events = store.get_events(run_id)
    data = {
        **run_row(record),
        "steps": [step_row(s) for s in steps],
        "events": [event_row(e) for e in events],
    }
    if as_json:
        print_json(data)
        return
    console.print(
        f"run {record.run_id}: {record.workflow_name} {styled(record.status.value)} "
        f"(attempt {record.attempt})"
    )
    console.print(f"  partition {dict(record.partition)}", markup=False)
    if record.parent_run_id:
        console.print(f"  rerun of {record.parent_run_id} from {record.rerun_from_step}")
    if data["error"]:
        console.print(f"  error: {data['error']}", markup=False)
    emit(
        data["steps"],
        ["step", "status", "attempts", "ms", "execution_id", "error"],
        as_json=False,
        title="steps",
        empty="no step has finished",
    )
    emit(data["events"], ["at", "event", "step"], as_json=False, title="events")


def _report(result: WorkflowResult, as_json: bool, verb: str) -> None:
    if as_json:
        print_json(result_dict(result))
    else:
        emit(
            [outcome_row(o) for o in result.steps.values()],
            ["step", "type", "status", "attempts", "ms", "detail"],
            as_json=False,
            title=f"{result.workflow_name} run {result.run_id}",
        )
        line = f"{verb}: run {result.run_id} {styled(result.status.value)}"
        if result.error:
            line += f": {result.error}"
        console.print(line)
    if result.status is not RunStatus.COMPLETED:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def resume(
    ctx: typer.Context,
    run_id: RunIdArg,
    imports: ImportOption = None,
    workers: WorkersOption = 1,
    as_json: JsonOption = False,
) -> None:
    """Continue a failed or interrupted run where it stopped (finished steps are not run
    again); exit 1 unless it completes."""
    state = get_state(ctx)
    with state.guard():
        import_operation_modules(imports)
        operations = Operations(state.database.url)
        with state.connect() as conn, open_runtime(operations, conn, workers=workers) as rt:
            result = rt.runner.resume(run_id)
    _report(result, as_json, "resumed")


@app.command("rerun-from")
def rerun_from(
    ctx: typer.Context,
    run_id: RunIdArg,
    step: Annotated[str, typer.Argument(help="The step to run again (and all after it).")],
    imports: ImportOption = None,
    workers: WorkersOption = 1,
    as_json: JsonOption = False,
) -> None:
    """Start a new run of a run's workflow from STEP: the steps before it keep their outputs;
    exit 1 unless it completes."""
    state = get_state(ctx)
    with state.guard():
        import_operation_modules(imports)
        operations = Operations(state.database.url)
        with state.connect() as conn, open_runtime(operations, conn, workers=workers) as rt:
            result = rt.runner.rerun_from(run_id, step)
    _report(result, as_json, f"rerun from {step}")


@app.command()
def cancel(ctx: typer.Context, run_id: RunIdArg, as_json: JsonOption = False) -> None:
    """Cancel a run: a running one stops at its next checkpoint; a failed one is not resumed."""
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        record = run_store(conn).request_cancel(run_id)
    if as_json:
        print_json(run_row(record))
        return
    console.print(f"run {record.run_id}: {styled(record.status.value)} (cancel requested)")
