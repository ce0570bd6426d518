"""``spine run WORKFLOW_FILE``: run a workflow file now, with progress and a step table.

Phase note: the run goes through :class:`~spine.orchestration.WorkflowRunner` (operation
steps through spine-exec's dispatcher); :func:`make_runner` is the one place that chooses the
runner, so the tracked runner on the database slots in without touching the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from spine.orchestration.cli._errors import EXIT_FAILED
from spine.orchestration.cli._output import (
    console,
    emit,
    err_console,
    print_json,
    progress_bar,
    styled,
)
from spine.orchestration.cli._params import parse_assignments
from spine.orchestration.cli._state import CliState, get_state
from spine.orchestration.cli._workflows import (
    default_operations,
    import_operation_modules,
    load_workflow_file,
    outcome_row,
    result_dict,
)
from spine.orchestration.context import WorkflowContext
from spine.orchestration.result import StepOutcome
from spine.orchestration.runner import WorkflowRunner
from spine.orchestration.workflow import Workflow
from spine.types import RunStatus

__all__ = ["ProgressObserver", "make_runner", "run"]

ParamOption = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="A run parameter: KEY=VALUE, or KEY:=JSON (repeatable)."),
]
PartitionOption = Annotated[
    list[str] | None,
    typer.Option("--partition", help="Partition key part: KEY=VALUE (repeatable)."),
]
ImportOption = Annotated[
    list[str] | None,
    typer.Option(
        "--import",
        "-i",
        help="Module to import first; it registers the operations (repeatable; also "
        "SPINE_IMPORTS).",
    ),
]


class ProgressObserver:
    """A rich progress bar over a run's steps (on stderr)."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.task = progress.add_task("starting", total=total)

    def step_started(self, name: str, ctx: WorkflowContext) -> None:
        self.progress.update(self.task, description=f"step {name}")

    def step_finished(self, outcome: StepOutcome, ctx: WorkflowContext) -> None:
        self.progress.advance(self.task)
        self.progress.console.print(
            f"  {styled(outcome.status.value)} {outcome.name} ({outcome.duration_ms:.0f} ms)"
        )


def make_runner(state: CliState, observer: ProgressObserver | None) -> WorkflowRunner:
    """The runner ``spine run`` uses (in memory, operations through the dispatcher)."""
    return WorkflowRunner(default_operations(), observer=observer)


def _execute(
    state: CliState, workflow: Workflow, params: dict[str, Any], partition: dict[str, Any]
) -> Any:
    quiet = not err_console.is_terminal
    with progress_bar(quiet=quiet) as progress:
        observer = None if quiet else ProgressObserver(progress, len(workflow.steps))
        runner = make_runner(state, observer)
        return runner.execute(workflow, params, partition=partition or None)


def run(
    ctx: typer.Context,
    workflow_file: Annotated[Path, typer.Argument(help="Workflow file (.yaml, .yml or .json).")],
    param: ParamOption = None,
    partition: PartitionOption = None,
    imports: ImportOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run a workflow file; exit 1 when the run does not complete."""
    state = get_state(ctx)
    with state.guard():
        params = parse_assignments(param, option="--param")
        part = parse_assignments(partition, option="--partition")
        workflow = load_workflow_file(workflow_file)
        import_operation_modules(imports)
        result = _execute(state, workflow, params, part)
    if as_json:
        print_json(result_dict(result))
    else:
        emit(
            [outcome_row(o) for o in result.steps.values()],
            ["step", "type", "status", "attempts", "ms", "detail"],
            as_json=False,
            title=f"{result.workflow_name} run {result.run_id}",
        )
        line = f"run {styled(result.status.value)} in {result.duration_ms:.0f} ms"
        if result.error:
            line += f": {result.error}"
        console.print(line)
    if result.status is not RunStatus.COMPLETED:
        raise typer.Exit(EXIT_FAILED)
