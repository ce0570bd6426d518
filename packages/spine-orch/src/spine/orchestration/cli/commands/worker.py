"""``spine submit`` and ``spine worker``: the crash-safe work queue of the database.

``submit`` puts work for an operation in spine-exec's queue (``core_work_items``);
``worker`` runs a :class:`~spine.execution.queue.WorkerLoop` in this process: it claims
work with a lease, runs handlers on ``--concurrency`` threads, renews leases by heartbeat,
takes back the work of workers that died, retries, dead-letters what fails for good and
records every attempt in the ledger. The operations come from ``--import`` /
``SPINE_IMPORTS`` and the installed ``spine.operations`` entry points.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from spine.db import SpineConnection, create_connection, mask_url
from spine.execution.queue import NewWork, SqlWorkQueue, WorkerLoop, WorkItem
from spine.orchestration.cli._errors import fail
from spine.orchestration.cli._output import console, err_console, print_json
from spine.orchestration.cli._params import parse_assignments
from spine.orchestration.cli._runtime import Operations
from spine.orchestration.cli._state import get_state
from spine.orchestration.cli._workflows import import_operation_modules
from spine.orchestration.cli.commands.run import ImportOption, ParamOption

__all__ = ["item_row", "submit", "worker"]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]


def item_row(item: WorkItem) -> dict[str, Any]:
    """A queued item as a row."""
    return {
        "id": item.id,
        "workflow": item.workflow,
        "status": item.status.value,
        "lane": item.lane,
        "priority": item.priority,
        "attempts": item.attempts,
        "max_attempts": item.max_attempts,
        "params": item.params,
        "run_after": item.run_after,
        "created_at": item.created_at,
    }


def _known(operations: Operations, name: str) -> None:
    if name not in operations.registry:
        fail(
            f"no operation {name!r} is registered",
            hint="register it with --import MODULE, SPINE_IMPORTS or a spine.operations "
            "entry point",
        )


def submit(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="The operation to run (a handler name).")],
    param: ParamOption = None,
    lane: Annotated[str, typer.Option("--lane", help="The lane workers take it from.")] = "default",
    priority: Annotated[int, typer.Option("--priority", help="Higher runs first.")] = 0,
    max_attempts: Annotated[
        int, typer.Option("--max-attempts", min=1, max=1000, help="Attempts allowed.")
    ] = 3,
    key: Annotated[
        str | None, typer.Option("--key", help="Idempotency key: the same key queues once.")
    ] = None,
    imports: ImportOption = None,
    as_json: JsonOption = False,
) -> None:
    """Queue work for an operation; a `spine worker` runs it."""
    state = get_state(ctx)
    with state.guard():
        params = parse_assignments(param, option="--param")
        import_operation_modules(imports)
        operations = Operations(state.database.url)
        _known(operations, operation)
        work = NewWork(
            operation,
            params,
            lane=lane,
            priority=priority,
            max_attempts=max_attempts,
            idempotency_key=key,
        )
        with state.connect() as conn:
            item = SqlWorkQueue(conn).enqueue(work)
    if as_json:
        print_json(item_row(item))
        return
    console.print(f"queued {item.id}: {operation} on lane {item.lane} ({item.status.value})")


def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, max=256, help="Handlers at once.")
    ] = 4,
    lanes: Annotated[
        str | None, typer.Option("--lanes", help="Comma-separated lanes (default: every lane).")
    ] = None,
    idle_exit: Annotated[
        float | None,
        typer.Option("--idle-exit", min=0, help="Stop after this many idle seconds (0: drain)."),
    ] = None,
    max_jobs: Annotated[
        int | None, typer.Option("--max-jobs", min=1, help="Stop after claiming this many.")
    ] = None,
    connections: Annotated[
        int,
        typer.Option(
            "--connections",
            min=1,
            max=64,
            help="Database sessions driven at once (more keeps the database busy with short "
            "jobs; at most --concurrency).",
        ),
    ] = 1,
    imports: ImportOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run queued work in this process until stopped (Ctrl-C drains and stops)."""
    state = get_state(ctx)
    with state.guard():
        chosen = [x.strip() for x in lanes.split(",") if x.strip()] if lanes else None
        import_operation_modules(imports)
        operations = Operations(state.database.url)
        url = state.database.url
        with state.connect():  # an unreachable database: one line, exit 2; the schema
            pass

        def connect() -> SpineConnection:
            conn, _info = create_connection(url)
            return conn

        loop = WorkerLoop(
            connect,
            operations.registry,
            concurrency=concurrency,
            lanes=chosen,
            connections=connections,
        )
        if not as_json:
            err_console.print(
                f"spine worker {loop.worker_id}: {mask_url(url)}, concurrency {concurrency}, "
                f"connections {connections}, lanes {', '.join(chosen) if chosen else 'all'}",
                markup=False,
            )
        try:
            metrics = loop.run(idle_exit=idle_exit, max_jobs=max_jobs)
        finally:
            operations.close()
    data = metrics.to_dict()
    if as_json:
        print_json(data)
        return
    console.print(
        f"worker stopped: {data['claimed']} claimed, {data['completed']} completed, "
        f"{data['failed']} failed, {data['retried']} retried, {data['reclaimed']} reclaimed"
    )
