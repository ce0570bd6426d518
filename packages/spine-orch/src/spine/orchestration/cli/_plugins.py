"""Command groups from other distributions: the ``spine.cli`` entry-point group.

A distribution adds ``spine NAME …`` by naming a :class:`typer.Typer` app in its
``pyproject.toml``::

    [project.entry-points."spine.cli"]
    changelog = "spine.changelog.cli:app"

The entry point's name is the group's name. A plugin that fails to load (missing extra,
import error, not a Typer app, a name taken by a built-in command) is skipped with one
warning on stderr: a broken plugin never breaks the ``spine`` command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

import typer

__all__ = ["ENTRY_POINT_GROUP", "LoadedPlugin", "load_plugins"]

ENTRY_POINT_GROUP = "spine.cli"


@dataclass(frozen=True, slots=True)
class LoadedPlugin:
    """A plugin group: its name, entry point value and whether it loaded."""

    name: str
    value: str
    loaded: bool
    error: str | None = None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if not text.startswith(type(exc).__name__) else text


def load_plugins(
    app: typer.Typer,
    *,
    reserved: Iterable[str] = (),
    warn: Callable[[str], None],
    eps: Iterable[EntryPoint] | None = None,
) -> list[LoadedPlugin]:
    """Add every ``spine.cli`` entry point to ``app`` as a command group.

    Args:
        app: The root app.
        reserved: Names of built-in commands (a plugin cannot take them).
        warn: Called with one line per plugin that is skipped.
        eps: The entry points (default: those installed).
    """
    taken = set(reserved)
    found = sorted(
        eps if eps is not None else entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
    )
    loaded: list[LoadedPlugin] = []
    for ep in found:
        problem: str | None = None
        if ep.name in taken:
            problem = f"the name {ep.name!r} is taken"
        else:
            try:
                obj = ep.load()
            except Exception as exc:
                problem = _one_line(exc)
            else:
                if isinstance(obj, typer.Typer):
                    app.add_typer(obj, name=ep.name)
                    taken.add(ep.name)
                else:
                    problem = f"it is a {type(obj).__name__}, not a typer.Typer app"
        if problem is not None:
            warn(f"warning: command group {ep.name!r} ({ep.value}) skipped: {problem}")
        loaded.append(LoadedPlugin(ep.name, ep.value, problem is None, problem))
    return loaded
