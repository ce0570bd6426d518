"""The playground as an interactive prompt (``spine workflow play FILE``).

Commands (one per line; unambiguous prefixes work)::

    step | s            run the next step
    back | b            undo the last step (the context is restored)
    peek                show the next step without running it
    set KEY=VALUE       change a param for the steps still to run (KEY:=JSON for typed)
    run [STEP]          run every remaining step, or up to (not including) STEP
    context | ctx       show params and outputs
    history             the steps run so far
    reset               start again
    help | ?            this list
    quit | q            leave (end of input too)

A command that cannot run (``back`` at the start, ``step`` after a failure) prints one line
and the prompt continues.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from spine.orchestration.cli._errors import CliError
from spine.orchestration.cli._output import console, emit, styled, to_jsonable
from spine.orchestration.cli._params import parse_assignments
from spine.orchestration.playground import StepSnapshot, WorkflowPlayground
from spine.orchestration.runnable import Runnable
from spine.orchestration.workflow import Workflow
from spine.types import SpineError

__all__ = ["PlaygroundShell"]

HELP = __doc__.split("::", 1)[1].split("A command", 1)[0] if __doc__ else ""


class PlaygroundShell:
    """A read-eval-print loop over :class:`WorkflowPlayground`.

    Args:
        workflow: The workflow to step through.
        params: Its params.
        runnable: Runs operation steps.
        stdin: Where commands come from (default ``sys.stdin``).
    """

    def __init__(
        self,
        workflow: Workflow,
        params: dict[str, Any],
        *,
        runnable: Runnable | None = None,
        stdin: TextIO | None = None,
    ) -> None:
        self.playground = WorkflowPlayground(runnable)
        self.playground.load(workflow, params)
        self.stdin = stdin
        self.commands: dict[str, Callable[[str], None]] = {
            "step": self.do_step,
            "back": self.do_back,
            "peek": self.do_peek,
            "set": self.do_set,
            "run": self.do_run,
            "context": self.do_context,
            "ctx": self.do_context,
            "history": self.do_history,
            "reset": self.do_reset,
            "help": self.do_help,
            "?": self.do_help,
        }

    # -- loop -------------------------------------------------------------------------------

    def _lines(self) -> Iterable[str]:
        stream = self.stdin or sys.stdin
        while True:
            console.print(f"[bold]play:{self.playground.workflow.name}>[/bold] ", end="")
            line = stream.readline()
            if not line:
                console.print()
                return
            yield line

    def loop(self) -> None:
        """Read commands until ``quit`` or end of input."""
        wf = self.playground.workflow
        console.print(f"workflow {wf.name!r}: {len(wf.steps)} step(s); type 'help' for commands")
        self.do_peek("")
        for line in self._lines():
            if not self.handle(line):
                return

    def handle(self, line: str) -> bool:
        """Run one command line; ``False`` when it asks to quit."""
        word, _, rest = line.strip().partition(" ")
        if not word:
            return True
        if word in ("quit", "q", "exit"):
            return False
        if word == "s":
            word = "step"
        elif word == "b":
            word = "back"
        matches = [name for name in self.commands if name.startswith(word)]
        if word in self.commands:
            matches = [word]
        if len(matches) != 1:
            known = ", ".join(sorted(n for n in self.commands if n not in ("?", "ctx")))
            console.print(f"[red]unknown command {word!r}[/red]; commands: {known}, quit")
            return True
        try:
            self.commands[matches[0]](rest.strip())
        except (SpineError, CliError, KeyError) as exc:
            message = exc.message if isinstance(exc, SpineError | CliError) else str(exc)
            console.print(f"[red]error:[/red] {message}")
        return True

    # -- commands ---------------------------------------------------------------------------

    def _show(self, snap: StepSnapshot) -> None:
        line = f"{styled(snap.status.value)} {snap.step_name} ({snap.step_type}, "
        line += f"{snap.duration_ms:.1f} ms)"
        console.print(line)
        if snap.error:
            console.print(f"  error: {snap.error}", markup=False)
        if snap.output:
            console.print(f"  output: {_json(snap.output)}", markup=False)

    def do_step(self, _: str) -> None:
        self._show(self.playground.step())
        self.do_peek("")

    def do_back(self, _: str) -> None:
        undone = self.playground.step_back()
        console.print(f"undid {undone.step_name}; the context is as it was before it")

    def do_peek(self, _: str) -> None:
        nxt = self.playground.peek()
        if nxt is None:
            done = "complete" if self.playground.is_complete else "stopped (a step failed)"
            console.print(f"next: nothing — the run is {done}")
        else:
            console.print(f"next: {nxt.name} ({nxt.step_type.value})")

    def do_set(self, rest: str) -> None:
        values = parse_assignments(rest.split(), option="set")
        if not values:
            raise CliError("set needs KEY=VALUE")
        for key, value in values.items():
            self.playground.set_param(key, value)
            console.print(f"params.{key} = {_json(value)}", markup=False)

    def do_run(self, rest: str) -> None:
        snaps = self.playground.run_to(rest) if rest else self.playground.run_all()
        for snap in snaps:
            self._show(snap)
        self.do_peek("")

    def do_context(self, _: str) -> None:
        ctx = self.playground.context
        console.print(f"params:  {_json(dict(ctx.params))}", markup=False)
        console.print(
            f"outputs: {_json({k: dict(v) for k, v in ctx.outputs.items()})}", markup=False
        )

    def do_history(self, _: str) -> None:
        emit(
            [
                {"#": s.index, "step": s.step_name, "status": s.status.value, "ms": s.duration_ms}
                for s in self.playground.history
            ],
            ["#", "step", "status", "ms"],
            as_json=False,
            empty="no step has run",
        )

    def do_reset(self, _: str) -> None:
        self.playground.reset()
        console.print("reset: back at the first step")
        self.do_peek("")

    def do_help(self, _: str) -> None:
        console.print(HELP.rstrip(), markup=False)


def _json(value: Any) -> str:
    return json.dumps(to_jsonable(value), sort_keys=True)
