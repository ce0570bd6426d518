"""``spine db init|migrate|status``: create, upgrade and inspect the spine schema."""

from __future__ import annotations

from typing import Annotated

import typer

from spine.db import mask_url
from spine.orchestration.cli._database import ensure_schema, schema_status
from spine.orchestration.cli._output import console, emit, print_json, styled
from spine.orchestration.cli._state import get_state

__all__ = ["app"]

app = typer.Typer(
    name="db", help="Create, migrate and inspect the spine schema.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]


def _install(ctx: typer.Context, as_json: bool, verb: str) -> None:
    state = get_state(ctx)
    with state.guard():
        target = state.database
        with state.connect(schema=False) as conn:
            done = ensure_schema(conn)
            status = schema_status(conn)
    applied = [f"{c} {v}" for c, v in done.applied]
    if as_json:
        print_json(
            {
                "database": mask_url(target.url),
                "created": list(done.created),
                "applied": applied,
                "up_to_date": status.up_to_date,
            }
        )
        return
    if not done.created and not done.applied:
        console.print(f"{mask_url(target.url)}: schema already up to date")
        return
    console.print(
        f"{verb} {mask_url(target.url)}: created {len(done.created)} table(s), "
        f"applied {len(done.applied)} migration(s)"
    )
    for name in done.created:
        console.print(f"  + table {name}")
    for name in applied:
        console.print(f"  + migration {name}")


@app.command()
def init(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Create the spine tables in the database (does nothing when they exist)."""
    _install(ctx, as_json, "initialised")


@app.command()
def migrate(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Bring an existing database up to the installed packages' schema."""
    _install(ctx, as_json, "migrated")


@app.command()
def status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show the database in use and which spine tables exist (writes nothing)."""
    state = get_state(ctx)
    with state.guard():
        target = state.database
        with state.connect(schema=False) as conn:
            backend = conn.dialect.name
            found = schema_status(conn)
    if as_json:
        print_json(
            {
                "database": mask_url(target.url),
                "source": target.source,
                "backend": backend,
                **found.as_dict(),
            }
        )
        return
    console.print(f"database: {mask_url(target.url)} ({backend}, from {target.source})")
    rows = [
        {"component": t.component, "table": t.name, "status": "ok" if t.exists else "missing"}
        for t in found.tables
    ]
    emit(rows, ["component", "table", "status"], as_json=False)
    for m in found.migrations:
        console.print(f"migration {m.component} {m.version} {m.name}: {styled(m.state)}")
    if found.up_to_date:
        console.print("schema up to date")
    else:
        console.print(
            f"{len(found.missing)} table(s) missing, {len(found.pending)} migration(s) pending: "
            "run [bold]spine db migrate[/bold]"
        )
