"""Run one handler inside a job (a container or a local process) and report its outcome.

``python -m spine.execution.runtimes.entrypoint <module:function> [--name NAME] [--timeout S]``
reads the handler's params as JSON from ``$SPINE_JOB_PARAMS`` (``{}`` when unset), calls the
handler exactly as the in-process executors do (:func:`~spine.execution.outcome.run_handler`:
sync or async, under its deadline, result checked as JSON) and prints its outcome as the last
line of stdout::

    ::spine-outcome::{"ok": true, "result": {...}, "error": null, ...}

It exits 0 when the handler returned, 1 when it raised (the error keeps its place in the
taxonomy across the boundary, see :func:`~spine.execution.outcome.error_to_wire`), 2 when the
handler cannot be imported. :class:`~spine.execution.runtimes.engine.JobEngine` reads that line
from the job's logs and stores the result (or the typed error) in the ledger, so a handler run
in a container looks in the ledger like one run in process.

Example:
    >>> line = outcome_line(Outcome(result={"rows": 3}))
    >>> line.startswith(OUTCOME_MARKER), parse_outcome_line(line).result
    (True, {'rows': 3})
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from spine.execution.outcome import Outcome, RunningExecution, run_handler
from spine.execution.registry import HandlerInfo

__all__ = [
    "EXECUTION_ID_ENV",
    "OUTCOME_MARKER",
    "PARAMS_ENV",
    "entrypoint_command",
    "find_outcome",
    "handler_reference",
    "main",
    "outcome_line",
    "parse_outcome_line",
]

OUTCOME_MARKER = "::spine-outcome::"
"""Prefix of the line that carries a job's outcome."""

PARAMS_ENV = "SPINE_JOB_PARAMS"
"""The env variable holding the handler's params as JSON."""

EXECUTION_ID_ENV = "SPINE_EXECUTION_ID"
"""The env variable holding the ledger id of the job's execution (set by the JobEngine); the
handler sees it through :func:`~spine.execution.current_execution`."""


def outcome_line(outcome: Outcome) -> str:
    """The stdout line that reports ``outcome``."""
    return OUTCOME_MARKER + json.dumps(outcome.to_wire(), separators=(",", ":"), default=str)


def parse_outcome_line(line: str) -> Outcome | None:
    """The outcome carried by ``line``, or ``None`` when it carries none (or is garbled)."""
    if not line.startswith(OUTCOME_MARKER):
        return None
    try:
        data = json.loads(line[len(OUTCOME_MARKER) :])
    except ValueError:
        return None
    if not isinstance(data, dict) or "ok" not in data:
        return None
    return Outcome.from_wire(data)


def find_outcome(lines: Iterable[str]) -> Outcome | None:
    """The last outcome among ``lines`` (``None`` when there is none)."""
    found: Outcome | None = None
    for line in lines:
        outcome = parse_outcome_line(line)
        if outcome is not None:
            found = outcome
    return found


def handler_reference(fn: Callable[..., Any]) -> str | None:
    """``"module:qualname"`` when ``fn`` can be imported back by that name, else ``None``
    (lambdas, closures, functions of ``__main__``)."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if not module or not qualname or "<" in qualname or module == "__main__":
        return None
    try:
        found = _resolve(f"{module}:{qualname}")
    except (ImportError, AttributeError, ValueError):
        return None
    return f"{module}:{qualname}" if found is fn else None


def entrypoint_command(
    reference: str,
    *,
    python: str = "python",
    name: str | None = None,
    timeout: float | None = None,
) -> list[str]:
    """The argv that runs the handler ``reference`` through this entry point."""
    argv = [python, "-m", "spine.execution.runtimes.entrypoint", reference]
    if name is not None:
        argv += ["--name", name]
    if timeout is not None:
        argv += ["--timeout", repr(float(timeout))]
    return argv


def _resolve(reference: str) -> Callable[..., Any]:
    module_name, sep, qualname = reference.partition(":")
    if not sep or not module_name or not qualname:
        raise ValueError(
            f"handler reference {reference!r} must look like 'package.module:function'"
        )
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"{reference!r} is not callable")
    result: Callable[..., Any] = obj
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the handler named on the command line; print its outcome line; return the exit
    code (0 ok, 1 handler failed, 2 handler or params unusable)."""
    parser = argparse.ArgumentParser(prog="python -m spine.execution.runtimes.entrypoint")
    parser.add_argument("reference", help="the handler as 'package.module:function'")
    parser.add_argument("--name", help="the operation name (for errors and logs)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds the handler may run")
    args = parser.parse_args(argv)
    name = args.name or args.reference
    try:
        fn = _resolve(args.reference)
        raw = os.environ.get(PARAMS_ENV, "{}")
        params = json.loads(raw)
        if not isinstance(params, dict):
            raise ValueError(f"${PARAMS_ENV} must hold a JSON object, got {type(params).__name__}")
    except Exception as exc:
        print(outcome_line(Outcome.failure(exc)), flush=True)
        return 2
    info = HandlerInfo(name=name, fn=fn, is_async=inspect.iscoroutinefunction(fn))
    execution_id = os.environ.get(EXECUTION_ID_ENV)
    running = RunningExecution(execution_id, name) if execution_id else None
    outcome = Outcome.failure(RuntimeError("handler did not run"))
    try:
        outcome = run_handler(info, params, args.timeout, running)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        print(outcome_line(outcome), flush=True)
    return 0 if outcome.ok else 1


if __name__ == "__main__":  # pragma: no cover - exercised through subprocesses
    sys.exit(main())
