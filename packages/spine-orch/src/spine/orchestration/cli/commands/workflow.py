"""``spine workflow lint|visualize|play``: check, draw and step through a workflow file."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from spine.orchestration.cli._errors import EXIT_FAILED
from spine.orchestration.cli._output import console, emit, print_json
from spine.orchestration.cli._state import get_state
from spine.orchestration.cli._workflows import (
    default_operations,
    import_operation_modules,
    load_workflow_file,
)
from spine.orchestration.cli.commands.run import ImportOption, ParamOption
from spine.orchestration.linter import lint_workflow
from spine.orchestration.visualizer import visualize_ascii, visualize_mermaid, visualize_summary

__all__ = ["app"]

app = typer.Typer(
    name="workflow",
    help="Lint, draw and step through workflow files.",
    no_args_is_help=True,
)

FileArgument = Annotated[Path, typer.Argument(help="Workflow file (.yaml, .yml or .json).")]


@app.command()
def lint(
    ctx: typer.Context,
    workflow_file: FileArgument,
    imports: ImportOption = None,
    check_operations: Annotated[
        bool,
        typer.Option(
            "--check-operations/--no-check-operations",
            help="Report operations no imported module registers (E003).",
        ),
    ] = True,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check a workflow file statically; exit 1 on errors (or warnings with --strict)."""
    state = get_state(ctx)
    with state.guard():
        workflow = load_workflow_file(workflow_file)
        operations = None
        if check_operations:
            import_operation_modules(imports)
            operations = default_operations()
        result = lint_workflow(workflow, operations=operations)
    failed = not result.passed or (strict and bool(result.warnings))
    rows = [
        {
            "code": d.code,
            "severity": d.severity.value,
            "step": d.step,
            "message": d.message,
            "hint": d.hint,
        }
        for d in result.diagnostics
    ]
    if as_json:
        print_json({"workflow": result.workflow_name, "passed": not failed, "diagnostics": rows})
    else:
        emit(rows, ["code", "severity", "step", "message", "hint"], as_json=False, empty="")
        verdict = "[red]failed[/red]" if failed else "[green]passed[/green]"
        console.print(
            f"workflow {result.workflow_name!r}: {verdict} — {len(result.errors)} error(s), "
            f"{len(result.warnings)} warning(s), {len(result.infos)} info(s)"
        )
    if failed:
        raise typer.Exit(EXIT_FAILED)


class Format(StrEnum):
    """Drawing formats."""

    ASCII = "ascii"
    MERMAID = "mermaid"
    SUMMARY = "summary"


@app.command()
def visualize(
    ctx: typer.Context,
    workflow_file: FileArgument,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="How to draw it.")] = Format.ASCII,
    as_json: Annotated[bool, typer.Option("--json", help="The summary as JSON.")] = False,
) -> None:
    """Draw a workflow: box drawing, a Mermaid flowchart, or a summary of its shape."""
    state = get_state(ctx)
    with state.guard():
        workflow = load_workflow_file(workflow_file)
    if as_json or fmt is Format.SUMMARY:
        summary = visualize_summary(workflow)
        if as_json:
            print_json(summary)
        else:
            emit(
                [{"key": k, "value": v} for k, v in summary.items()],
                ["key", "value"],
                as_json=False,
            )
        return
    text = visualize_mermaid(workflow) if fmt is Format.MERMAID else visualize_ascii(workflow)
    sys.stdout.write(text.rstrip("\n") + "\n")


@app.command()
def play(
    ctx: typer.Context,
    workflow_file: FileArgument,
    param: ParamOption = None,
    imports: ImportOption = None,
) -> None:
    """Step through a workflow interactively (step, back, peek, set, run, ...)."""
    from spine.orchestration.cli.commands.play import PlaygroundShell

    state = get_state(ctx)
    with state.guard():
        from spine.orchestration.cli._params import parse_assignments

        params = parse_assignments(param, option="--param")
        workflow = load_workflow_file(workflow_file)
        import_operation_modules(imports)
        shell = PlaygroundShell(workflow, params, runnable=default_operations())
    shell.loop()
