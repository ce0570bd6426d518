"""``spine changelog …``: the command group the ``spine`` command loads through the
``spine.cli`` entry point (``pip install "spine-changelog[cli]"``).

It runs the same functions as ``python -m spine.changelog`` (see :mod:`spine.changelog.commands`)
with the same options and exit codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from spine.changelog import commands
from spine.changelog.generator import ALL_TARGETS, Target
from spine.types.errors import MissingConfigError

try:
    import typer
except ImportError as exc:  # pragma: no cover - exercised in a venv without the extra
    raise MissingConfigError(
        'the `spine changelog` commands need typer: pip install "spine-changelog[cli]" '
        "(or run `python -m spine.changelog`, which needs nothing more)",
        cause=exc,
    ).with_context(extra="cli") from exc

__all__ = ["app"]

app = typer.Typer(
    name="changelog",
    help="Changelog, review notes, API index and diagrams from docstrings and git history.",
    no_args_is_help=True,
    add_completion=False,
)

RootOption = Annotated[Path, typer.Option("--root", help="Workspace root.")]
OutputDirOption = Annotated[
    Path | None, typer.Option("--output-dir", help="Write under this directory instead.")
]


OnlyOption = Annotated[list[Target] | None, typer.Option(help="Only this output (repeatable).")]


def _exit(code: int) -> None:
    if code:
        raise typer.Exit(code)


@app.command()
def generate(
    root: RootOption = Path("."),
    rev: Annotated[str, typer.Option(help="Commit the changelog describes.")] = "HEAD",
    fixture_dir: Annotated[
        Path | None, typer.Option(help="Read recorded history instead of git.")
    ] = None,
    output_dir: OutputDirOption = None,
    only: OnlyOption = None,
) -> None:
    """Write CHANGELOG.md, the API index and the diagrams (all or nothing)."""
    _exit(
        commands.guarded(
            lambda: commands.generate(
                root,
                rev=rev,
                fixture_dir=fixture_dir,
                output_dir=output_dir,
                targets=only or ALL_TARGETS,
            )
        )
    )


@app.command()
def review(
    since: Annotated[str, typer.Option(help="Tag, branch or commit to compare with.")],
    root: RootOption = Path("."),
    until: Annotated[
        str | None,
        typer.Option(help="Compare up to this commit (default: HEAD and the working tree)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """REVIEW.md: what changed since a ref, per package, with the public API diff."""
    _exit(commands.guarded(lambda: commands.review(root, since=since, until=until, output=output)))


@app.command("api-index")
def api_index(root: RootOption = Path("."), output_dir: OutputDirOption = None) -> None:
    """Write the API index only (from the working tree)."""
    _exit(
        commands.guarded(
            lambda: commands.generate(root, targets={Target.API_INDEX}, output_dir=output_dir)
        )
    )


@app.command()
def diagrams(root: RootOption = Path("."), output_dir: OutputDirOption = None) -> None:
    """Write the diagrams only (from the working tree)."""
    _exit(
        commands.guarded(
            lambda: commands.generate(root, targets={Target.DIAGRAMS}, output_dir=output_dir)
        )
    )


@app.command()
def check(
    root: RootOption = Path("."),
    only: OnlyOption = None,
) -> None:
    """Exit 1 when a checked-in output is stale (shows the difference and the fix)."""
    chosen = only or sorted(ALL_TARGETS)
    _exit(commands.guarded(lambda: commands.check(root, targets=chosen)))
