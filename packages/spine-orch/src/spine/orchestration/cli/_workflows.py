"""Loading what a command runs: the workflow file, and the modules that register operations.

Operation steps name handlers registered on spine-exec's registry. The ``spine`` command
imports the modules that register them: each ``--import MODULE`` and every module named in
``SPINE_IMPORTS`` (comma-separated), the way a Celery worker imports its task modules.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from spine.orchestration.cli._errors import fail
from spine.orchestration.dispatcher_runnable import DispatcherRunnable
from spine.orchestration.files import load_workflow
from spine.orchestration.result import StepOutcome, WorkflowResult
from spine.orchestration.workflow import Workflow

__all__ = [
    "ENV_IMPORTS",
    "import_operation_modules",
    "load_workflow_file",
    "outcome_row",
    "result_dict",
]

ENV_IMPORTS = "SPINE_IMPORTS"
"""Comma-separated modules imported before a workflow runs (they register operations)."""


def import_operation_modules(modules: Iterable[str] | None) -> list[str]:
    """Import ``modules`` and those in ``SPINE_IMPORTS``; returns the names imported.

    Raises:
        CliError: a module cannot be imported (exit code 2).
    """
    names = [m.strip() for m in os.environ.get(ENV_IMPORTS, "").split(",") if m.strip()]
    names += [m.strip() for m in modules or () if m.strip()]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            fail(
                f"cannot import {name!r}: {type(exc).__name__}: {exc}",
                hint="check --import / SPINE_IMPORTS and that the module is installed",
            )
    return names


def load_workflow_file(path: Path) -> Workflow:
    """The workflow in ``path`` (YAML or JSON).

    Raises:
        CliError: the file does not exist; WorkflowFileError: it is not a valid workflow.
    """
    if not path.exists():
        fail(f"workflow file {str(path)!r} does not exist", hint="check the path")
    if not path.is_file():
        fail(f"workflow file {str(path)!r} is not a file", hint="pass a .yaml or .json file")
    return load_workflow(path)


def default_operations() -> DispatcherRunnable:
    """The runnable operation steps go through (spine-exec's default dispatcher)."""
    return DispatcherRunnable()


def outcome_row(outcome: StepOutcome) -> dict[str, Any]:
    """One step of a result as a listing row."""
    return {
        "step": outcome.name,
        "type": outcome.step_type,
        "status": outcome.status.value,
        "attempts": outcome.attempts,
        "ms": round(outcome.duration_ms, 1),
        "detail": outcome.error or outcome.skip_reason or _brief(outcome.output),
    }


def _brief(output: Mapping[str, Any], width: int = 60) -> str:
    text = ", ".join(f"{k}={v}" for k, v in output.items())
    return text if len(text) <= width else text[: width - 1] + "…"


def result_dict(result: WorkflowResult) -> dict[str, Any]:
    """A run's result as JSON data (``spine run --json``)."""
    return {
        "workflow": result.workflow_name,
        "run_id": result.run_id,
        "status": result.status.value,
        "error": result.error,
        "params": dict(result.params),
        "partition": dict(result.partition),
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "duration_ms": round(result.duration_ms, 3),
        "steps": [
            {
                "name": o.name,
                "type": o.step_type,
                "status": o.status.value,
                "attempts": o.attempts,
                "duration_ms": round(o.duration_ms, 3),
                "output": dict(o.output),
                "error": o.error,
                "skip_reason": o.skip_reason,
                "execution_id": o.execution_id,
            }
            for o in result.steps.values()
        ],
    }
