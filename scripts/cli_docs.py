"""The ``spine`` command's reference page (``docs/cli.md``), generated from the typer app.

Usage::

    uv run python scripts/cli_docs.py          # write docs/cli.md
    uv run python scripts/cli_docs.py --check  # exit 1 when docs/cli.md is stale

The page covers the built-in commands and every command group installed through the
``spine.cli`` entry point in this environment (the workspace installs them all).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import typer
import typer.cli
import typer.main

from spine.orchestration.cli import build_app

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "cli.md"

INTRO = """\
Generated from the typer app by `scripts/cli_docs.py`: do not edit by hand; regenerate with
`uv run python scripts/cli_docs.py` (a test fails when this page is stale). Every listing
takes `--json`; errors print one line with a hint (`--debug` shows the traceback).

"""


def render() -> str:
    """The reference page as Markdown."""
    command = typer.main.get_command(build_app())
    ctx = typer.Context(command, info_name="spine")
    text = typer.cli.get_docs_for_click(obj=command, ctx=ctx, name="spine", title="`spine`")
    text = re.sub(r"[ \t]+\n", "\n", text).strip() + "\n"
    head, _, rest = text.partition("\n")
    return f"{head}\n\n{INTRO}{rest.lstrip()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when docs/cli.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print("docs/cli.md is stale: run `uv run python scripts/cli_docs.py`", file=sys.stderr)
            return 1
        print("docs/cli.md is up to date")
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
