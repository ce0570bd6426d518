"""The root ``spine`` app: global options, built-in command groups, plugin groups."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from spine.orchestration.cli._output import err_console
from spine.orchestration.cli._plugins import LoadedPlugin, load_plugins
from spine.orchestration.cli._state import CliState
from spine.orchestration.cli.commands import (
    backfill,
    db,
    executions,
    ops,
    runs,
    schedule,
    worker,
    workflow,
)
from spine.orchestration.cli.commands.mcp import mcp
from spine.orchestration.cli.commands.run import run

__all__ = ["BUILTIN_COMMANDS", "build_app", "versions"]

HELP = (
    "spine: recurring, restartable, auditable data pipelines.\n\n"
    "The database comes from --db, else the settings (SPINE_DATABASE_URL, a .env file, "
    "the --profile), else sqlite:///spine.db in the current directory; commands create or "
    "migrate its schema when they need it.\n\n"
    "Exit codes: 0 ok, 1 the work failed, 2 bad usage or input."
)

BUILTIN_COMMANDS = (
    "db",
    "run",
    "workflow",
    "anomalies",
    "quality",
    "rejects",
    "manifest",
    "watermarks",
    "backfill",
    "runs",
    "executions",
    "dlq",
    "schedule",
    "submit",
    "worker",
    "mcp",
)
"""Names of the built-in commands (plugins cannot take them).

Reserved for commands to come (none at the moment)."""

RESERVED_COMMANDS: tuple[str, ...] = ()


def versions() -> dict[str, str]:
    """The installed versions of the spine distributions the command is built from."""
    names = ["spine-types", "spine-db", "spine-ops", "spine-exec", "spine-orch"]
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - a partial install
            continue
    return found


def _version_callback(value: bool) -> None:
    if value:
        print(", ".join(f"{name} {v}" for name, v in versions().items()))
        raise typer.Exit()


def build_app(*, plugins: bool = True) -> typer.Typer:
    """A fresh ``spine`` app; with ``plugins`` the ``spine.cli`` entry points are added."""
    app = typer.Typer(
        name="spine",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def main(
        ctx: typer.Context,
        db_url: Annotated[
            str | None,
            typer.Option(
                "--db",
                help="Database URL (default: the settings, else sqlite:///spine.db).",
                show_default=False,
            ),
        ] = None,
        profile: Annotated[
            str | None,
            typer.Option(
                "--profile",
                help="Settings profile (TOML; default SPINE_PROFILE).",
                show_default=False,
            ),
        ] = None,
        debug: Annotated[
            bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")
        ] = False,
        _version: Annotated[
            bool,
            typer.Option(
                "--version",
                callback=_version_callback,
                is_eager=True,
                help="Show the installed spine versions and exit.",
            ),
        ] = False,
    ) -> None:
        ctx.obj = CliState(db_option=db_url, debug=debug, profile=profile)

    app.add_typer(db.app, name="db")
    app.command("run")(run)
    app.add_typer(workflow.app, name="workflow")
    app.add_typer(ops.anomalies, name="anomalies")
    app.add_typer(ops.quality, name="quality")
    app.add_typer(ops.rejects, name="rejects")
    app.add_typer(ops.manifest, name="manifest")
    app.add_typer(ops.watermarks, name="watermarks")
    app.add_typer(backfill.app, name="backfill")
    app.add_typer(runs.app, name="runs")
    app.add_typer(executions.executions, name="executions")
    app.add_typer(executions.dlq, name="dlq")
    app.add_typer(schedule.app, name="schedule")
    app.command("submit")(worker.submit)
    app.command("worker")(worker.worker)
    app.command("mcp")(mcp)
    if plugins:
        app.info.context_settings = dict(app.info.context_settings or {})
        app._spine_plugins = load_plugins(  # type: ignore[attr-defined]
            app,
            reserved=(*BUILTIN_COMMANDS, *RESERVED_COMMANDS),
            warn=lambda line: err_console.print(line, markup=False, highlight=False),
        )
    return app


def loaded_plugins(app: typer.Typer) -> list[LoadedPlugin]:
    """What :func:`build_app` found in the ``spine.cli`` group."""
    return list(getattr(app, "_spine_plugins", []))
