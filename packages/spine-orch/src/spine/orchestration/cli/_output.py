"""Human and machine output: rich tables on a terminal, JSON with ``--json``.

Listings call :func:`emit` with rows (dicts) and the columns to show: with ``as_json`` the
rows are printed as one JSON document on stdout (every value JSON-encoded, timestamps as ISO
8601), otherwise as a rich table. Status values are coloured by :func:`styled`.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

__all__ = [
    "console",
    "emit",
    "err_console",
    "print_json",
    "progress_bar",
    "styled",
    "to_jsonable",
]

console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 120)
"""Where human output goes (stdout)."""

err_console = Console(stderr=True, highlight=False)
"""Where progress and warnings go (stderr), so stdout stays clean for ``--json``."""

_STYLES = {
    "completed": "green",
    "pass": "green",
    "done": "green",
    "published": "green",
    "ok": "green",
    "running": "cyan",
    "pending": "yellow",
    "planned": "yellow",
    "warn": "yellow",
    "warning": "yellow",
    "partial": "yellow",
    "skipped": "dim",
    "unchanged": "dim",
    "failed": "red",
    "fail": "red",
    "error": "red",
    "critical": "bold red",
    "cancelled": "magenta",
    "blocked": "yellow",
    "up": "green",
    "down": "red",
    "flat": "dim",
}


def progress_bar(*, quiet: bool = False) -> Progress:
    """A progress bar on stderr (description, bar, done/total, elapsed); silent when
    ``quiet`` or when stderr is not a terminal, so logs and ``--json`` output stay clean."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet or not err_console.is_terminal,
        transient=True,
    )


def to_jsonable(value: Any) -> Any:
    """``value`` as JSON data (datetimes as ISO 8601, enums as their value)."""
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(to_jsonable(data), indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


def styled(value: Any) -> str:
    """A cell's text, coloured when it is a known status."""
    text = _cell(value)
    style = _STYLES.get(text.lower())
    return f"[{style}]{text}[/{style}]" if style else text.replace("[", r"\[")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def emit(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    as_json: bool,
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    """Print ``rows``: JSON (every key) with ``as_json``, else a table of ``columns``."""
    if as_json:
        print_json(list(rows))
        return
    if not rows:
        console.print(f"[dim]{empty}[/dim]")
        return
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        numeric = all(isinstance(r.get(column), int | float) for r in rows if r.get(column))
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*(styled(row.get(c)) for c in columns))
    console.print(table)
