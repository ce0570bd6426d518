"""The commands both front ends run (``python -m spine.changelog`` and ``spine changelog``).

Each returns the process exit code: 0 done / up to date, 1 stale outputs (``check``), 2 an
error (printed as ``error: <message>``, with what to do).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from spine.changelog.generator import ALL_TARGETS, ChangelogGenerator, Target
from spine.changelog.output import OutputSet, write_outputs
from spine.types.errors import SpineError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from spine.changelog.git_scan import GitScanner

__all__ = ["EXIT_ERROR", "EXIT_STALE", "check", "generate", "guarded", "review"]

EXIT_STALE = 1
EXIT_ERROR = 2
_MAX_DIFF_LINES = 40

_FIX_COMMAND = {
    Target.CHANGELOG: "generate",
    Target.API_INDEX: "api-index",
    Target.DIAGRAMS: "diagrams",
}


def guarded(action: Callable[[], int], err: TextIO | None = None) -> int:
    """Run ``action``; a spine error is printed as ``error: ...`` and gives exit code 2."""
    try:
        return action()
    except SpineError as exc:
        print(f"error: {exc}", file=err or sys.stderr)
        return EXIT_ERROR


def generate(
    root: Path,
    *,
    rev: str = "HEAD",
    fixture_dir: Path | None = None,
    targets: Iterable[Target | str] = ALL_TARGETS,
    output_dir: Path | None = None,
    out: TextIO | None = None,
) -> int:
    """Write the chosen outputs (all or nothing) and say what changed."""
    out = out or sys.stdout
    scanner: GitScanner | None = None
    if fixture_dir is not None:
        from spine.changelog.git_scan import FixtureGitScanner

        scanner = FixtureGitScanner(fixture_dir)
    generator = ChangelogGenerator(
        root, rev=rev, scanner=scanner, targets=targets, output_root=output_dir
    )
    model = generator.merge(generator.parse(generator.scan()))
    report = generator.write(generator.render(model))
    if model.source is not None:
        print(f"{generator.config.changelog} describes history up to {model.source[:12]}", file=out)
    for label, paths in (
        ("written", report.written),
        ("unchanged", report.unchanged),
        ("removed", report.removed),
    ):
        for path in paths:
            print(f"  {label:<9} {path}", file=out)
    return 0


def review(
    root: Path,
    *,
    since: str,
    until: str | None = None,
    output: Path | None = None,
    out: TextIO | None = None,
) -> int:
    """Print REVIEW.md, or write it to ``output`` (atomically)."""
    out = out or sys.stdout
    text = ChangelogGenerator(root).review(since, until)
    if output is None:
        out.write(text)
        return 0
    target = Path(output).resolve()
    write_outputs(target.parent, OutputSet({target.name: text}))
    print(f"wrote {output}", file=out)
    return 0


def check(
    root: Path,
    *,
    targets: Iterable[Target | str] = ALL_TARGETS,
    out: TextIO | None = None,
) -> int:
    """Exit 1 and show the differences when a checked-in output is stale, else 0."""
    out = out or sys.stdout
    chosen = frozenset(Target(t) for t in targets)
    generator = ChangelogGenerator(root, targets=chosen)
    report = generator.check()
    for note in report.notes:
        print(note, file=out)
    if report.ok:
        print("spine-changelog: every checked-in output is up to date", file=out)
        return 0
    commands: set[str] = set()
    config = generator.config
    for problem in report.problems:
        print(f"stale: {problem.path}: {problem.reason}", file=out)
        for line in problem.diff[:_MAX_DIFF_LINES]:
            print(f"    {line}", file=out)
        if len(problem.diff) > _MAX_DIFF_LINES:
            print(f"    ... ({len(problem.diff) - _MAX_DIFF_LINES} more diff lines)", file=out)
        if problem.path == config.changelog:
            commands.add(_FIX_COMMAND[Target.CHANGELOG])
        elif problem.path.startswith(config.api_index + "/"):
            commands.add(_FIX_COMMAND[Target.API_INDEX])
        else:
            commands.add(_FIX_COMMAND[Target.DIAGRAMS])
    if _FIX_COMMAND[Target.CHANGELOG] in commands:
        commands = {_FIX_COMMAND[Target.CHANGELOG]}  # generate rewrites every output
    fix = " and ".join(f"`python -m spine.changelog {c}`" for c in sorted(commands))
    print(f"to fix: run {fix} (or `spine changelog ...`) and commit the result", file=out)
    return EXIT_STALE
