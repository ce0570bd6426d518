"""The ``spine`` command: one command for everything an operator does day to day.

``spine db``, ``spine run``, ``spine workflow``, ``spine anomalies``, ``spine quality``,
``spine rejects``, ``spine manifest``, ``spine watermarks``, ``spine backfill``, and every
command group other distributions add through the ``spine.cli`` entry-point group (a
:class:`typer.Typer` app per entry point; a broken one is skipped with a warning).

A plugin command connects to :func:`current_database` (the invocation's ``--db`` and
``--profile``, else the settings) and may use the same output helpers (:func:`progress_bar`,
:func:`styled`, :func:`print_json`). Run it as ``spine …`` (console script),
``python -m spine.orchestration.cli …``, or from Python with :func:`main`;
:func:`build_app` makes a fresh app (tests, documentation).

Example:
    >>> from typer.testing import CliRunner
    >>> result = CliRunner().invoke(build_app(plugins=False), ["--help"])
    >>> result.exit_code, "backfill" in result.output
    (0, True)
"""

from __future__ import annotations

from collections.abc import Sequence

from spine.orchestration.cli._app import BUILTIN_COMMANDS, build_app, loaded_plugins
from spine.orchestration.cli._database import (
    DEFAULT_DATABASE_URL,
    ENV_DATABASE_URL,
    resolve_database_url,
)
from spine.orchestration.cli._errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError
from spine.orchestration.cli._output import print_json, progress_bar, styled
from spine.orchestration.cli._plugins import ENTRY_POINT_GROUP, LoadedPlugin
from spine.orchestration.cli._state import current_database, is_debug

__all__ = [
    "BUILTIN_COMMANDS",
    "DEFAULT_DATABASE_URL",
    "ENTRY_POINT_GROUP",
    "ENV_DATABASE_URL",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CliError",
    "LoadedPlugin",
    "build_app",
    "current_database",
    "is_debug",
    "loaded_plugins",
    "main",
    "print_json",
    "progress_bar",
    "resolve_database_url",
    "styled",
]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``spine`` command (the console script's entry point)."""
    app = build_app()
    app(args=list(argv) if argv is not None else None, prog_name="spine")
