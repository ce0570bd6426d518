"""``python -m spine.changelog``: the commands with nothing but the standard library.

Same commands, options and exit codes as ``spine changelog`` (which needs
``pip install "spine-changelog[cli]"``): ``generate``, ``review --since REF``, ``api-index``,
``diagrams``, ``check``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spine.changelog import commands
from spine.changelog.generator import ALL_TARGETS, Target

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (one sub-command per command)."""
    parser = argparse.ArgumentParser(
        prog="python -m spine.changelog",
        description="Changelog, review notes, API index and diagrams from docstrings and "
        "git history.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, default=Path("."), help="workspace root (.)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser(
        "generate", parents=[common], help="write CHANGELOG.md, the API index and diagrams"
    )
    gen.add_argument("--rev", default="HEAD", help="commit the changelog describes (HEAD)")
    gen.add_argument("--fixture-dir", type=Path, help="read recorded history instead of git")
    gen.add_argument("--output-dir", type=Path, help="write under this directory instead")
    gen.add_argument(
        "--only",
        action="append",
        choices=[t.value for t in Target],
        help="write only this output (repeatable)",
    )

    rev = sub.add_parser(
        "review", parents=[common], help="REVIEW.md: changes and API diff since a ref"
    )
    rev.add_argument("--since", required=True, help="tag, branch or commit to compare with")
    rev.add_argument(
        "--until", help="compare up to this commit (default: HEAD and the working tree's API)"
    )
    rev.add_argument("-o", "--output", type=Path, help="write here instead of stdout")

    for name, what in (("api-index", "the API index"), ("diagrams", "the diagrams")):
        one = sub.add_parser(
            name, parents=[common], help=f"write {what} only (from the working tree)"
        )
        one.add_argument("--output-dir", type=Path, help="write under this directory instead")

    chk = sub.add_parser("check", parents=[common], help="exit 1 when a checked-in output is stale")
    chk.add_argument(
        "--only",
        action="append",
        choices=[t.value for t in Target],
        help="check only this output (repeatable)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = build_parser().parse_args(argv)
    root: Path = args.root
    if args.command == "generate":
        return commands.guarded(
            lambda: commands.generate(
                root,
                rev=args.rev,
                fixture_dir=args.fixture_dir,
                output_dir=args.output_dir,
                targets=args.only or ALL_TARGETS,
            )
        )
    if args.command == "review":
        return commands.guarded(
            lambda: commands.review(root, since=args.since, until=args.until, output=args.output)
        )
    if args.command in ("api-index", "diagrams"):
        return commands.guarded(
            lambda: commands.generate(
                root, targets={Target(args.command)}, output_dir=args.output_dir
            )
        )
    only = args.only or [t.value for t in ALL_TARGETS]
    return commands.guarded(lambda: commands.check(root, targets=only))


if __name__ == "__main__":
    sys.exit(main())
