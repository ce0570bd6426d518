"""``spine schedule list|create|pause|resume|delete|history``: the database's schedules.

Schedules live in spine-exec's SQL schedule store (``core_schedules`` and their fires in
``core_schedule_fires``); a ``DatabaseScheduler`` fires them (each fire exactly once across
processes). These commands manage them without firing: a new schedule's target must be an
operation the command knows (``--import`` / ``SPINE_IMPORTS`` and the installed
``spine.operations`` entry points) unless ``--no-check-target``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer

from spine.execution.scheduling import (
    DuplicateScheduleError,
    FireRecord,
    Schedule,
    ScheduleBook,
    SqlScheduleStore,
)
from spine.orchestration.cli._errors import fail
from spine.orchestration.cli._output import console, emit, print_json, styled
from spine.orchestration.cli._params import parse_assignments
from spine.orchestration.cli._runtime import Operations
from spine.orchestration.cli._state import get_state
from spine.orchestration.cli._workflows import import_operation_modules
from spine.orchestration.cli.commands.run import ImportOption, ParamOption

__all__ = ["app", "fire_row", "schedule_row"]

app = typer.Typer(
    name="schedule",
    help="Schedules: list, create, pause, resume, delete, history.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]
NameArg = Annotated[str, typer.Argument(help="The schedule's name.")]


def schedule_row(s: Schedule, next_fires: list[Any] | None = None) -> dict[str, Any]:
    """A schedule as a listing row."""
    interval = s.interval
    seconds = interval.total_seconds() if isinstance(interval, timedelta) else interval
    return {
        "name": s.name,
        "target": s.target,
        "kind": s.kind,
        "cron": s.cron,
        "every_s": seconds,
        "timezone": s.timezone,
        "enabled": s.enabled,
        "status": "active" if s.enabled else "paused",
        "params": dict(s.params),
        "lane": s.lane,
        "description": s.description,
        "next_fire": next_fires[0] if next_fires else None,
    }


def fire_row(f: FireRecord) -> dict[str, Any]:
    """A fire record as a listing row."""
    return {
        "schedule": f.schedule,
        "scheduled_for": f.scheduled_for,
        "status": f.status.value,
        "execution_id": f.execution_id,
        "missed": f.missed,
        "reason": f.reason,
        "recorded_at": f.recorded_at,
    }


def _book(conn: Any, registry: Any = None) -> ScheduleBook:
    return ScheduleBook(SqlScheduleStore(conn), registry=registry)


@app.command("list")
def list_schedules(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every schedule with its next fire."""
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        book = _book(conn)
        rows = [schedule_row(s, book.next_fire_times(s.name, 1)) for s in book.list()]
    emit(
        rows,
        ["name", "target", "cron", "every_s", "status", "next_fire", "description"],
        as_json=as_json,
        title="schedules",
        empty="no schedules",
    )


@app.command()
def create(
    ctx: typer.Context,
    name: NameArg,
    target: Annotated[str, typer.Argument(help="The operation each fire submits.")],
    cron: Annotated[
        str | None, typer.Option("--cron", help="Cron expression, e.g. '0 6 * * FRI'.")
    ] = None,
    every: Annotated[
        float | None, typer.Option("--every", min=1, help="Fire every N seconds instead.")
    ] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="IANA zone of --cron.")] = "UTC",
    param: ParamOption = None,
    lane: Annotated[str, typer.Option("--lane", help="Lane of the submitted work.")] = "default",
    description: Annotated[str, typer.Option("--description", "-m", help="What it is for.")] = "",
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a schedule of this name.")
    ] = False,
    check_target: Annotated[
        bool,
        typer.Option("--check-target/--no-check-target", help="Refuse unknown operations."),
    ] = True,
    imports: ImportOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a schedule firing TARGET on --cron or --every."""
    state = get_state(ctx)
    with state.guard():
        if (cron is None) == (every is None):
            fail("give exactly one of --cron and --every", hint="e.g. --cron '0 6 * * FRI'")
        params = parse_assignments(param, option="--param")
        import_operation_modules(imports)
        registry = Operations(state.database.url).registry if check_target else None
        schedule = Schedule(
            name,
            target,
            cron=cron,
            interval=every,
            timezone=timezone,
            params=params,
            lane=lane,
            description=description,
        )
        with state.connect() as conn:
            book = _book(conn, registry)
            try:
                stored = book.add(schedule, replace=replace)
            except DuplicateScheduleError:
                fail(f"a schedule named {name!r} exists", hint="pass --replace to replace it")
            row = schedule_row(stored, book.next_fire_times(name, 1))
    if as_json:
        print_json(row)
        return
    console.print(f"created schedule {name}: {target}, next fire {row['next_fire']}")


def _toggle(ctx: typer.Context, name: str, enable: bool, as_json: bool) -> None:
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        book = _book(conn)
        schedule = book.resume(name) if enable else book.pause(name)
        row = schedule_row(schedule, book.next_fire_times(name, 1))
    if as_json:
        print_json(row)
        return
    console.print(f"schedule {name}: {styled(row['status'])}")


@app.command()
def pause(ctx: typer.Context, name: NameArg, as_json: JsonOption = False) -> None:
    """Stop firing a schedule."""
    _toggle(ctx, name, False, as_json)


@app.command()
def resume(ctx: typer.Context, name: NameArg, as_json: JsonOption = False) -> None:
    """Fire a paused schedule again (fires missed while paused are not run)."""
    _toggle(ctx, name, True, as_json)


@app.command()
def delete(ctx: typer.Context, name: NameArg, as_json: JsonOption = False) -> None:
    """Delete a schedule and its history."""
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        book = _book(conn)
        book.get(name)  # an unknown name: one line, exit 2
        removed = book.remove(name)
    if as_json:
        print_json({"name": name, "deleted": removed})
        return
    console.print(f"deleted schedule {name}")


@app.command()
def history(
    ctx: typer.Context,
    name: NameArg,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
) -> None:
    """A schedule's fires, newest first."""
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        fires = _book(conn).history(name, limit)
    emit(
        [fire_row(f) for f in fires],
        ["scheduled_for", "status", "execution_id", "missed", "reason"],
        as_json=as_json,
        title=f"fires of {name}",
        empty="no fires yet",
    )
