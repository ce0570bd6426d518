"""``spine run WORKFLOW_FILE``: run a workflow file now, with progress and a step table.

The run is a tracked run in the database's run store (``spine runs list|show|resume``), each
operation step an execution in its ledger (``spine executions``), run inline or by
``--workers N`` in-process worker threads. A completed run of the same workflow and
partition is not run again (its result is shown) unless ``--force``.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from spine.orchestration.cli._runtime import Operations, open_runtime
from spine.orchestration.cli._state import CliState, get_state
from spine.orchestration.cli._workflows import (
    import_operation_modules,
    load_workflow_file,
    outcome_row,
    result_dict,
)
from spine.orchestration.dispatcher_runnable import DispatcherRunnable
from spine.orchestration.result import WorkflowResult
from spine.orchestration.runnable import OperationResult
from spine.orchestration.runner import WorkflowRunner
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.orchestration.workflow import Workflow
from spine.types import RunStatus

__all__ = ["ImportOption", "ParamOption", "PartitionOption", "ProgressRunnable", "run"]

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


class ProgressRunnable:
    """A runnable that advances a rich progress bar as operation steps finish (on stderr)."""

    def __init__(self, inner: DispatcherRunnable, progress: Progress, total: int) -> None:
        self.inner = inner
        self.progress = progress
        self.task = progress.add_task("starting", total=total)

    def has_operation(self, operation_name: str) -> bool:
        return self.inner.has_operation(operation_name)

    def submit_operation_sync(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        parent_run_id: str | None = None,
        step_name: str | None = None,
        timeout: float | None = None,
    ) -> OperationResult:
        self.progress.update(self.task, description=f"step {step_name or operation_name}")
        result = self.inner.submit_operation_sync(
            operation_name,
            params,
            parent_run_id=parent_run_id,
            step_name=step_name,
            timeout=timeout,
        )
        self.progress.advance(self.task)
        self.progress.console.print(
            f"  {styled(result.status.value)} {step_name or operation_name}"
        )
        return result


def _execute(
    state: CliState,
    operations: Operations,
    workflow: Workflow,
    params: dict[str, Any],
    partition: dict[str, Any],
    *,
    workers: int,
    force: bool,
) -> WorkflowResult:
    quiet = not err_console.is_terminal
    with (
        state.connect() as conn,
        open_runtime(operations, conn, workers=workers) as rt,
        progress_bar(quiet=quiet) as progress,
    ):
        runner = rt.runner
        if not quiet:
            runner = TrackedWorkflowRunner(
                rt.runner.store,
                runnable=ProgressRunnable(rt.runnable, progress, len(workflow.steps)),
                lease_seconds=rt.runner.lease_seconds,
            )
        return runner.execute(workflow, params, partition=partition or None, force=force)


def run(
    ctx: typer.Context,
    workflow_file: Annotated[Path, typer.Argument(help="Workflow file (.yaml, .yml or .json).")],
    param: ParamOption = None,
    partition: PartitionOption = None,
    imports: ImportOption = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="In-process workers running the steps.")
    ] = 1,
    force: Annotated[
        bool,
        typer.Option("--force", help="Run even if this workflow and partition completed before."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run a workflow file as a tracked run; exit 1 when the run does not complete."""
    state = get_state(ctx)
    with state.guard():
        params = parse_assignments(param, option="--param")
        part = parse_assignments(partition, option="--partition")
        workflow = load_workflow_file(workflow_file)
        import_operation_modules(imports)
        operations = Operations(state.database.url)
        WorkflowRunner(operations.checker()).check(workflow, params)  # before anything is written
        result = _execute(state, operations, workflow, params, part, workers=workers, force=force)
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
        if result.skipped_run:
            line = (
                f"already completed: run {result.run_id} of this partition "
                f"({styled(result.status.value)}); --force runs it again"
            )
        if result.error:
            line += f": {result.error}"
        console.print(line)
    if result.status is not RunStatus.COMPLETED:
        raise typer.Exit(EXIT_FAILED)
