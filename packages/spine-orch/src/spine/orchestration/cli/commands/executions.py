"""``spine executions list|show`` and ``spine dlq list|replay|resolve``: the execution ledger
and the dead-letter queue of the database (spine-exec's SQL stores).

Every operation the dispatcher ran is an execution with an append-only event log; work that
failed for good is parked in the dead-letter queue, where ``replay`` submits it again (through
the operations of ``--import`` / ``SPINE_IMPORTS`` and the ``spine.operations`` entry points)
and ``resolve`` closes it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from spine.execution import DeadLetter, Execution, ExecutionEvent, ExecutionStatus
from spine.orchestration.cli._errors import EXIT_FAILED, fail
from spine.orchestration.cli._output import console, emit, print_json, styled
from spine.orchestration.cli._runtime import Operations, open_runtime, stores
from spine.orchestration.cli._state import get_state
from spine.orchestration.cli._workflows import import_operation_modules
from spine.orchestration.cli.commands.run import ImportOption

__all__ = ["dead_letter_row", "dlq", "event_row", "execution_row", "executions"]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]
LimitOption = Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000)]
WorkflowOption = Annotated[
    str | None, typer.Option("--workflow", "-w", help="Only this operation / workflow name.")
]


def execution_row(e: Execution) -> dict[str, Any]:
    """An execution as a listing row."""
    return {
        "id": e.id,
        "workflow": e.workflow,
        "status": e.status.value,
        "lane": e.lane,
        "trigger": e.trigger_source.value,
        "attempt": e.attempt,
        "retries": e.retry_count,
        "params": e.params,
        "parent_execution_id": e.parent_execution_id,
        "created_at": e.created_at,
        "started_at": e.started_at,
        "completed_at": e.completed_at,
        "result": e.result,
        "error": e.error,
        "error_type": e.error_type,
        "metadata": e.metadata,
    }


def event_row(e: ExecutionEvent) -> dict[str, Any]:
    """An execution event as a listing row."""
    return {"at": e.occurred_at, "event": e.event_type.value, "data": e.data}


def dead_letter_row(d: DeadLetter) -> dict[str, Any]:
    """A dead-letter entry as a listing row."""
    return {
        "id": d.id,
        "execution_id": d.execution_id,
        "workflow": d.workflow,
        "error": d.error,
        "error_type": d.error_type,
        "replays": d.retry_count,
        "max_replays": d.max_retries,
        "params": d.params,
        "created_at": d.created_at,
        "last_retry_at": d.last_retry_at,
        "resolved_at": d.resolved_at,
        "resolved_by": d.resolved_by,
    }


def _status(status: str | None) -> list[ExecutionStatus] | None:
    if status is None:
        return None
    try:
        return [ExecutionStatus(s.strip().lower()) for s in status.split(",") if s.strip()]
    except ValueError:
        known = ", ".join(s.value for s in ExecutionStatus)
        fail(f"--status {status!r} is not an execution status", hint=f"use one of {known}")


executions = typer.Typer(
    name="executions", help="The execution ledger: list and show.", no_args_is_help=True
)


@executions.command("list")
def executions_list(
    ctx: typer.Context,
    workflow: WorkflowOption = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Only these statuses (comma-separated).")
    ] = None,
    lane: Annotated[str | None, typer.Option("--lane", help="Only this lane.")] = None,
    limit: LimitOption = 50,
    as_json: JsonOption = False,
) -> None:
    """Executions, newest first."""
    state = get_state(ctx)
    with state.guard():
        statuses = _status(status)
        with state.connect() as conn:
            found = stores(conn).ledger.list_executions(
                workflow=workflow, status=statuses, lane=lane, limit=limit
            )
    emit(
        [execution_row(e) for e in found],
        ["id", "workflow", "status", "attempt", "created_at", "completed_at", "error"],
        as_json=as_json,
        title="executions",
        empty="no executions",
    )


@executions.command("show")
def executions_show(
    ctx: typer.Context,
    execution_id: Annotated[str, typer.Argument(help="The execution's id.")],
    as_json: JsonOption = False,
) -> None:
    """One execution and its events."""
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        ledger = stores(conn).ledger
        execution = ledger.get_execution(execution_id)
        if execution is None:
            fail(
                f"no execution {execution_id!r}",
                hint="list them with `spine executions list`",
            )
        events = ledger.get_events(execution_id)
    data = {**execution_row(execution), "events": [event_row(e) for e in events]}
    if as_json:
        print_json(data)
        return
    console.print(
        f"execution {execution.id}: {execution.workflow} {styled(execution.status.value)} "
        f"(attempt {execution.attempt}, {execution.retry_count} retries)"
    )
    console.print(f"  params {execution.params}", markup=False)
    if execution.error:
        console.print(f"  error: {execution.error_type or ''} {execution.error}", markup=False)
    elif execution.result is not None:
        console.print(f"  result {execution.result}", markup=False)
    emit(data["events"], ["at", "event", "data"], as_json=False, title="events")


dlq = typer.Typer(
    name="dlq", help="The dead-letter queue: list, replay, resolve.", no_args_is_help=True
)
EntryArg = Annotated[str, typer.Argument(help="The dead-letter entry's id.")]


@dlq.command("list")
def dlq_list(
    ctx: typer.Context,
    workflow: WorkflowOption = None,
    include_resolved: Annotated[
        bool, typer.Option("--all", help="Include resolved entries.")
    ] = False,
    limit: LimitOption = 50,
    as_json: JsonOption = False,
) -> None:
    """Dead letters (unresolved unless --all), newest first."""
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        queue = stores(conn).dlq
        assert queue is not None
        found = queue.list_all(workflow=workflow, include_resolved=include_resolved, limit=limit)
    columns = ["id", "workflow", "error", "replays", "created_at"]
    emit(
        [dead_letter_row(d) for d in found],
        [*columns, "resolved_at"] if include_resolved else columns,
        as_json=as_json,
        title="dead letters",
        empty="the dead-letter queue is empty",
    )


@dlq.command("replay")
def dlq_replay(
    ctx: typer.Context,
    entry_id: EntryArg,
    force: Annotated[
        bool, typer.Option("--force", help="Replay even when its replays are used up.")
    ] = False,
    imports: ImportOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit a dead letter's work again; exit 1 unless the new execution completes."""
    state = get_state(ctx)
    with state.guard():
        import_operation_modules(imports)
        operations = Operations(state.database.url)
        with state.connect() as conn, open_runtime(operations, conn) as rt:
            queue = rt.dispatcher.dlq
            assert queue is not None
            if queue.get(entry_id) is None:
                fail(f"no dead letter {entry_id!r}", hint="list them with `spine dlq list --all`")
            new_id = queue.replay(entry_id, rt.dispatcher, force=force)
            execution = rt.dispatcher.wait(new_id)
            entry = queue.get(entry_id)
    data = {
        "id": entry_id,
        "execution": execution_row(execution),
        "resolved": entry is not None and entry.resolved_at is not None,
    }
    if as_json:
        print_json(data)
    else:
        console.print(
            f"replayed {entry_id}: execution {new_id} {styled(execution.status.value)}"
            + (f": {execution.error}" if execution.error else "")
        )
    if execution.status is not ExecutionStatus.COMPLETED:
        raise typer.Exit(EXIT_FAILED)


@dlq.command("resolve")
def dlq_resolve(
    ctx: typer.Context,
    entry_id: EntryArg,
    by: Annotated[str | None, typer.Option("--by", help="Who resolved it.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Close a dead letter without replaying it."""
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        queue = stores(conn).dlq
        assert queue is not None
        if queue.get(entry_id) is None:
            fail(f"no dead letter {entry_id!r}", hint="list them with `spine dlq list --all`")
        changed = queue.resolve(entry_id, by)
    if as_json:
        print_json({"id": entry_id, "resolved": changed})
    elif changed:
        console.print(f"resolved dead letter {entry_id}")
    else:
        console.print(f"dead letter {entry_id} was already resolved")
