"""The MCP server of ``spine mcp``: spine's state and workflow tools for AI tooling.

Built on the official ``mcp`` SDK (extra ``spine-orch[mcp]``), served over stdio or streamable
HTTP by ``spine mcp``. Every tool opens the database for the call (schema created or migrated
when needed) and returns JSON data; a bad argument or a failing call comes back as a tool
error (``is_error``) with one line saying what was wrong and what to do.

Read tools (always there): the operator views of spine-ops (anomalies, quality results, the
manifest, rejects, watermarks), linting and drawing a workflow. Action tools, which change
state, are only registered with ``allow_actions=True`` (``spine mcp --allow-actions``): a
client started without it cannot even see them.

Example:
    >>> "resolve_anomaly" in tool_names(allow_actions=False)
    False
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import Field

from spine.db import SpineConnection
from spine.execution.queue import NewWork, SqlWorkQueue
from spine.ops import (
    AnomalyRecorder,
    list_anomalies,
    list_manifest,
    list_quality_results,
    list_watermarks,
    reject_tallies,
)
from spine.orchestration.cli._database import open_database
from spine.orchestration.cli._errors import CliError, classify, fail
from spine.orchestration.cli._output import to_jsonable
from spine.orchestration.cli._rows import (
    anomaly_row,
    manifest_row,
    quality_row,
    reject_row,
    watermark_row,
)
from spine.orchestration.cli._runtime import Operations, open_runtime, run_store, stores
from spine.orchestration.cli._workflows import (
    default_operations,
    load_workflow_file,
    result_dict,
)
from spine.orchestration.cli.commands.executions import (
    dead_letter_row,
    execution_row,
)
from spine.orchestration.cli.commands.executions import event_row as execution_event_row
from spine.orchestration.cli.commands.runs import event_row, run_row, step_row
from spine.orchestration.cli.commands.worker import item_row
from spine.orchestration.files import loads_workflow
from spine.orchestration.linter import lint_workflow
from spine.orchestration.visualizer import visualize_ascii, visualize_mermaid, visualize_summary
from spine.orchestration.workflow import Workflow
from spine.types import ConfigError, RunStatus

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

__all__ = ["ACTION_TOOLS", "READ_TOOLS", "SpineTools", "build_mcp_server", "tool_names"]

T = TypeVar("T")

READ_TOOLS = (
    "list_runs",
    "show_run",
    "list_executions",
    "show_execution",
    "list_dead_letters",
    "list_anomalies",
    "list_quality_results",
    "show_manifest",
    "rejects_summary",
    "list_watermarks",
    "lint_workflow",
    "visualize_workflow",
)
"""Tools every server has: they read."""

ACTION_TOOLS = ("submit", "resume_run", "rerun_from", "replay_dead_letter", "resolve_anomaly")
"""Tools only a server started with ``--allow-actions`` has: they change state."""

INSTRUCTIONS = (
    "spine: recurring, restartable, auditable data pipelines. These tools read the state of "
    "one spine database (workflow runs, executions and their events, dead letters, "
    "anomalies, quality results, the stage manifest, rejects, watermarks) and check or draw "
    "workflow files. Tools that change state (submit work, resume or rerun a run, replay a "
    "dead letter, resolve an anomaly) are only present when the server was started with "
    "--allow-actions."
)

Domain = Annotated[str | None, Field(description="Only this domain (default: all).")]
Partition = Annotated[
    dict[str, Any] | None,
    Field(description="Only this partition key, e.g. {'week_ending': '2025-12-26'}."),
]
Limit = Annotated[int, Field(ge=1, le=10_000, description="At most this many rows.")]
WorkflowPath = Annotated[
    str | None, Field(description="A workflow file (.yaml, .yml, .json) on the server's machine.")
]
WorkflowText = Annotated[
    str | None, Field(description="The workflow itself, as YAML (or JSON) text.")
]


def tool_names(*, allow_actions: bool) -> list[str]:
    """The tools a server exposes (read tools, plus action tools when allowed)."""
    return [*READ_TOOLS, *(ACTION_TOOLS if allow_actions else ())]


def _one_line(error: CliError) -> str:
    text = " ".join(error.message.split())
    return f"{text} (hint: {' '.join(error.hint.split())})" if error.hint else text


def _tool_error(exc: BaseException) -> Exception:
    from mcp.server.mcpserver.exceptions import ToolError

    return ToolError(_one_line(classify(exc)))


def _reported(fn: Callable[..., T]) -> Callable[..., T]:
    """Errors of a tool as one line (a tool error the client reads), never a traceback."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise _tool_error(exc) from exc

    return call


@dataclass
class SpineTools:
    """The tools' implementations over one database (each call opens it).

    Args:
        database_url: The database the tools read and write.
    """

    database_url: str

    @contextmanager
    def connect(self) -> Iterator[SpineConnection]:
        """The database, schema in place."""
        with open_database(self.database_url) as conn:
            yield conn

    # -- read ------------------------------------------------------------------------------

    def list_runs(
        self,
        workflow: Annotated[str | None, Field(description="Only this workflow.")] = None,
        status: Annotated[
            str | None,
            Field(description="Only this status: pending, running, completed, failed, ..."),
        ] = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """Tracked workflow runs, newest first."""
        statuses = None
        if status is not None:
            known = {s.value for s in RunStatus}
            if status.strip().lower() not in known:
                fail(f"{status!r} is not a run status", hint=f"use one of {', '.join(known)}")
            statuses = [RunStatus(status.strip().lower())]
        with self.connect() as conn:
            found = run_store(conn).list_runs(
                workflow_name=workflow, statuses=statuses, limit=limit
            )
        return {"runs": to_jsonable([run_row(r) for r in found])}

    def show_run(
        self, run_id: Annotated[str, Field(description="The run's id.")]
    ) -> dict[str, Any]:
        """One run: its record, its steps' checkpoints and its event log."""
        with self.connect() as conn:
            store = run_store(conn)
            record = store.get_run(run_id)
            data = {
                **run_row(record),
                "steps": [step_row(s) for s in store.get_steps(run_id)],
                "events": [event_row(e) for e in store.get_events(run_id)],
            }
        return dict(to_jsonable(data))

    def list_executions(
        self,
        workflow: Annotated[
            str | None, Field(description="Only this operation / workflow name.")
        ] = None,
        status: Annotated[
            str | None,
            Field(description="Only this status: pending, running, completed, failed, ..."),
        ] = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """Executions in the ledger, newest first."""
        with self.connect() as conn:
            found = stores(conn).ledger.list_executions(
                workflow=workflow, status=status, limit=limit
            )
        return {"executions": to_jsonable([execution_row(e) for e in found])}

    def show_execution(
        self, execution_id: Annotated[str, Field(description="The execution's id.")]
    ) -> dict[str, Any]:
        """One execution and its append-only event log."""
        with self.connect() as conn:
            ledger = stores(conn).ledger
            execution = ledger.get_execution(execution_id)
            if execution is None:
                fail(f"no execution {execution_id!r}", hint="list them with list_executions")
            events = [execution_event_row(e) for e in ledger.get_events(execution_id)]
        return dict(to_jsonable({**execution_row(execution), "events": events}))

    def list_dead_letters(
        self,
        workflow: Annotated[
            str | None, Field(description="Only this operation / workflow name.")
        ] = None,
        include_resolved: Annotated[bool, Field(description="Include resolved ones.")] = False,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """Work that failed for good (the dead-letter queue), newest first."""
        with self.connect() as conn:
            queue = stores(conn).dlq
            assert queue is not None
            found = queue.list_all(
                workflow=workflow, include_resolved=include_resolved, limit=limit
            )
        return {"dead_letters": to_jsonable([dead_letter_row(d) for d in found])}

    def list_anomalies(
        self,
        domain: Domain = None,
        severity: Annotated[
            str | None, Field(description="This severity or worse: info, warn, error, critical.")
        ] = None,
        include_resolved: Annotated[bool, Field(description="Include resolved anomalies.")] = False,
        partition: Partition = None,
        limit: Limit = 100,
    ) -> dict[str, Any]:
        """Anomalies recorded by pipelines (open ones unless include_resolved), newest
        first."""
        with self.connect() as conn:
            found = list_anomalies(
                conn,
                domain=domain,
                include_resolved=include_resolved,
                min_severity=severity,
                partition_key=partition,
                limit=limit,
            )
        return {"anomalies": to_jsonable([anomaly_row(a) for a in found])}

    def list_quality_results(
        self,
        domain: Domain = None,
        status: Annotated[str | None, Field(description="Only pass, warn or fail.")] = None,
        check: Annotated[str | None, Field(description="Only this check.")] = None,
        partition: Partition = None,
        limit: Limit = 100,
    ) -> dict[str, Any]:
        """Stored quality check results, newest first."""
        with self.connect() as conn:
            found = list_quality_results(
                conn,
                domain=domain,
                status=status,
                partition_key=partition,
                check_name=check,
                limit=limit,
            )
        return {"quality_results": to_jsonable([quality_row(q) for q in found])}

    def show_manifest(
        self, domain: Domain = None, partition: Partition = None, limit: Limit = 500
    ) -> dict[str, Any]:
        """The stage manifest: which stage each partition reached, with row counts, when,
        and by which execution."""
        with self.connect() as conn:
            found = list_manifest(conn, domain=domain, partition_key=partition, limit=limit)
        return {"manifest": to_jsonable([manifest_row(e) for e in found])}

    def rejects_summary(self, domain: Domain = None, partition: Partition = None) -> dict[str, Any]:
        """Rejected rows counted by domain, stage and reason code."""
        with self.connect() as conn:
            found = reject_tallies(conn, domain=domain, partition_key=partition)
        return {"rejects": to_jsonable([reject_row(t) for t in found])}

    def list_watermarks(self, domain: Domain = None) -> dict[str, Any]:
        """High-water marks: how far each source's partitions have been processed."""
        with self.connect() as conn:
            found = list_watermarks(conn, domain=domain)
        return {"watermarks": to_jsonable([watermark_row(w) for w in found])}

    def lint_workflow(
        self,
        path: WorkflowPath = None,
        text: WorkflowText = None,
        check_operations: Annotated[
            bool,
            Field(description="Report operations no loaded module registers (E003)."),
        ] = False,
    ) -> dict[str, Any]:
        """Check a workflow statically: errors, warnings and hints, with the step each is
        about."""
        workflow = _workflow(path, text)
        result = lint_workflow(
            workflow, operations=default_operations() if check_operations else None
        )
        return {
            "workflow": result.workflow_name,
            "passed": result.passed,
            "diagnostics": [
                {
                    "code": d.code,
                    "severity": d.severity.value,
                    "step": d.step,
                    "message": d.message,
                    "hint": d.hint,
                }
                for d in result.diagnostics
            ],
        }

    def visualize_workflow(
        self,
        path: WorkflowPath = None,
        text: WorkflowText = None,
        format: Annotated[
            Literal["ascii", "mermaid", "summary"],
            Field(description="Box drawing, a Mermaid flowchart, or a summary of its shape."),
        ] = "mermaid",
    ) -> dict[str, Any]:
        """Draw a workflow."""
        workflow = _workflow(path, text)
        if format == "summary":
            return {"workflow": workflow.name, "summary": to_jsonable(visualize_summary(workflow))}
        drawn = visualize_mermaid(workflow) if format == "mermaid" else visualize_ascii(workflow)
        return {"workflow": workflow.name, "format": format, "drawing": drawn}

    # -- actions ---------------------------------------------------------------------------

    def submit(
        self,
        operation: Annotated[str, Field(description="The operation (handler name) to run.")],
        params: Annotated[
            dict[str, Any] | None, Field(description="Its params (JSON object).")
        ] = None,
        lane: Annotated[str, Field(description="The lane workers take it from.")] = "default",
        priority: Annotated[int, Field(description="Higher runs first.")] = 0,
        max_attempts: Annotated[int, Field(ge=1, le=1000, description="Attempts allowed.")] = 3,
    ) -> dict[str, Any]:
        """Queue work for an operation; a `spine worker` runs it."""
        operations = Operations(self.database_url)
        operations.close()
        if operation not in operations.registry:
            fail(
                f"no operation {operation!r} is registered",
                hint="start spine mcp with --import MODULE, or install its spine.operations",
            )
        work = NewWork(
            operation, params or {}, lane=lane, priority=priority, max_attempts=max_attempts
        )
        with self.connect() as conn:
            item = SqlWorkQueue(conn).enqueue(work)
        return dict(to_jsonable(item_row(item)))

    def resume_run(
        self, run_id: Annotated[str, Field(description="The failed run's id.")]
    ) -> dict[str, Any]:
        """Continue a failed or interrupted run where it stopped (finished steps are not run
        again) and return its result."""
        with self.connect() as conn, open_runtime(Operations(self.database_url), conn) as rt:
            result = rt.runner.resume(run_id)
        return dict(to_jsonable(result_dict(result)))

    def rerun_from(
        self,
        run_id: Annotated[str, Field(description="The run to start again from a step.")],
        step: Annotated[str, Field(description="The step to run again (and all after it).")],
    ) -> dict[str, Any]:
        """Start a new run of a run's workflow from a step (the steps before it keep their
        outputs) and return its result."""
        with self.connect() as conn, open_runtime(Operations(self.database_url), conn) as rt:
            result = rt.runner.rerun_from(run_id, step)
        return dict(to_jsonable(result_dict(result)))

    def replay_dead_letter(
        self,
        entry_id: Annotated[str, Field(description="The dead letter's id.")],
        force: Annotated[bool, Field(description="Replay even when replays are used up.")] = False,
    ) -> dict[str, Any]:
        """Submit a dead letter's work again and return the new execution."""
        with self.connect() as conn, open_runtime(Operations(self.database_url), conn) as rt:
            queue = rt.dispatcher.dlq
            assert queue is not None
            if queue.get(entry_id) is None:
                fail(f"no dead letter {entry_id!r}", hint="list them with list_dead_letters")
            execution = rt.dispatcher.wait(queue.replay(entry_id, rt.dispatcher, force=force))
        return {"id": entry_id, "execution": to_jsonable(execution_row(execution))}

    def resolve_anomaly(
        self,
        anomaly_id: Annotated[str, Field(description="The anomaly's id.")],
        note: Annotated[str, Field(description="Why it is resolved.")] = "",
    ) -> dict[str, Any]:
        """Mark an anomaly resolved, with a note (the first resolution stays)."""
        with self.connect() as conn:
            every = list_anomalies(conn, include_resolved=True, limit=None)
            match = next((a for a in every if a.id == anomaly_id), None)
            if match is None:
                fail(f"no anomaly {anomaly_id!r}", hint="list them with list_anomalies")
            changed = AnomalyRecorder(conn, match.domain).resolve(anomaly_id, note or None)
        return {"id": anomaly_id, "domain": match.domain, "resolved": changed}


def _workflow(path: str | None, text: str | None) -> Workflow:
    if (path is None) == (text is None):
        fail("give the workflow as exactly one of path or text", hint="path='weekly.yaml'")
    if path is not None:
        return load_workflow_file(Path(path))
    assert text is not None
    fmt: Literal["json", "yaml"] = "json" if text.lstrip().startswith("{") else "yaml"
    return loads_workflow(text, format=fmt, source="<text>")


def build_mcp_server(
    database_url: str,
    *,
    allow_actions: bool = False,
    extra_tools: Mapping[str, Callable[..., Any]] | None = None,
    extra_actions: Mapping[str, Callable[..., Any]] | None = None,
) -> MCPServer[Any]:
    """The ``spine`` MCP server over ``database_url``.

    Args:
        database_url: The database the tools read (and, with actions, write).
        allow_actions: Register the tools that change state.
        extra_tools: More read tools, by name (their docstrings describe them).
        extra_actions: More action tools, by name (registered only with ``allow_actions``).

    Raises:
        ConfigError: the ``mcp`` SDK is not installed (``pip install "spine-orch[mcp]"``).
    """
    try:
        from mcp.server.mcpserver import MCPServer
    except ImportError as exc:
        raise ConfigError(
            'spine mcp needs the mcp SDK, which is not installed: pip install "spine-orch[mcp]"',
            cause=exc,
        ) from exc
    from spine.orchestration.cli._app import versions

    server: MCPServer[Any] = MCPServer(
        name="spine",
        instructions=INSTRUCTIONS,
        version=versions().get("spine-orch", ""),
        log_level="WARNING",
    )
    tools = SpineTools(database_url)
    chosen: dict[str, Callable[..., Any]] = {name: getattr(tools, name) for name in READ_TOOLS}
    chosen.update(extra_tools or {})
    if allow_actions:
        chosen.update({name: getattr(tools, name) for name in ACTION_TOOLS})
        chosen.update(extra_actions or {})
    for name, fn in chosen.items():
        server.add_tool(_reported(fn), name=name, structured_output=True)
    return server
