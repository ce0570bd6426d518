"""``spine mcp``: the MCP server, driven by the official SDK's own client — in process, over a
stdio subprocess, and over streamable HTTP from a running ``spine mcp --transport http``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from typer.testing import CliRunner

from spine.db import create_connection
from spine.ops import (
    AnomalyCategory,
    AnomalyRecorder,
    QualityRunner,
    Reject,
    RejectSink,
    Severity,
    WorkManifest,
    row_count_check,
)
from spine.orchestration.cli import EXIT_USAGE, build_app

mcp = pytest.importorskip("mcp", reason='needs the mcp SDK: pip install "spine-orch[mcp]"')
anyio = pytest.importorskip("anyio")

from spine.orchestration.cli.mcp_server import (  # noqa: E402 - after the extra's check
    ACTION_TOOLS,
    READ_TOOLS,
    build_mcp_server,
)

T = TypeVar("T")

WORKFLOW = """\
name: mcptest.flow
steps:
  - {name: fetch, operation: mcptest.fetch}
  - {name: load, operation: mcptest.load, depends_on: [fetch]}
"""

WEEK = {"week_ending": "2025-12-26"}


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A SQLite database with an anomaly of each kind, a manifest stage, rejects and a
    failed quality check."""
    url = f"sqlite:///{tmp_path / 'mcp.db'}"
    assert CliRunner().invoke(build_app(plugins=False), ["--db", url, "db", "init"]).exit_code == 0
    conn, _ = create_connection(url)
    try:
        recorder = AnomalyRecorder(conn, "finra.otc")
        recorder.record(
            severity=Severity.WARN,
            category=AnomalyCategory.QUALITY_GATE,
            message="volume moved",
            partition_key=WEEK,
        )
        recorder.record(
            severity=Severity.ERROR, category=AnomalyCategory.SOURCE_ERROR, message="late file"
        )
        WorkManifest(conn, "finra.otc", ["ingested", "published"]).advance_to(
            WEEK, "ingested", row_count=960
        )
        RejectSink(conn, "finra.otc").write_batch(
            [Reject("normalize", "MISSING_MPID", "empty", {"MPID": ""}, "f.csv", 3)] * 2, WEEK
        )
        QualityRunner(conn, "finra.otc").add(row_count_check(min_rows=5)).run_all(
            {"rows": [{}] * 3}, WEEK
        )
    finally:
        conn.close()
    return url


@pytest.fixture
def workflow_file(tmp_path: Path) -> Path:
    path = tmp_path / "flow.yaml"
    path.write_text(WORKFLOW)
    return path


def with_client(server: Any, body: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``body(client)`` with the SDK's client connected to ``server``."""

    async def main() -> T:
        async with mcp.Client(server) as client:
            return await body(client)

    result: T = anyio.run(main)
    return result


async def names(client: Any) -> list[str]:
    return [t.name for t in (await client.list_tools()).tools]


def call(server: Any, tool: str, arguments: dict[str, Any] | None = None) -> Any:
    async def body(client: Any) -> Any:
        return await client.call_tool(tool, arguments or {})

    return with_client(server, body)


def data(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    content: dict[str, Any] = result.structured_content
    return content


def error_text(result: Any) -> str:
    assert result.is_error
    text: str = result.content[0].text
    assert "\n" not in text
    assert "Traceback" not in text
    return text


# -- the tools, in process -----------------------------------------------------------------


def test_a_server_without_allow_actions_offers_only_the_read_tools(url: str) -> None:
    listed = with_client(build_mcp_server(url), names)
    assert sorted(listed) == sorted(READ_TOOLS)
    assert not set(listed) & set(ACTION_TOOLS)


def test_with_allow_actions_the_action_tools_are_offered_too(url: str) -> None:
    listed = with_client(build_mcp_server(url, allow_actions=True), names)
    assert sorted(listed) == sorted([*READ_TOOLS, *ACTION_TOOLS])


def test_every_tool_describes_itself_and_its_arguments(url: str) -> None:
    async def body(client: Any) -> list[Any]:
        return list((await client.list_tools()).tools)

    for tool in with_client(build_mcp_server(url, allow_actions=True), body):
        assert tool.description, tool.name
        for name, schema in tool.input_schema.get("properties", {}).items():
            assert schema.get("description"), (tool.name, name)


def test_anomalies_quality_manifest_rejects_and_watermarks_are_read(url: str) -> None:
    server = build_mcp_server(url)
    anomalies = data(call(server, "list_anomalies"))["anomalies"]
    assert sorted(a["severity"] for a in anomalies) == ["error", "warn"]
    assert {a["message"] for a in anomalies} == {"volume moved", "late file"}
    only = data(call(server, "list_anomalies", {"severity": "error"}))["anomalies"]
    assert [a["message"] for a in only] == ["late file"]
    in_week = data(call(server, "list_anomalies", {"partition": WEEK}))["anomalies"]
    assert [a["message"] for a in in_week] == ["volume moved"]

    quality = data(call(server, "list_quality_results", {"status": "fail"}))["quality_results"]
    assert [(q["status"], q["partition"]) for q in quality] == [("fail", WEEK)]

    [stage] = data(call(server, "show_manifest", {"domain": "finra.otc"}))["manifest"]
    assert (stage["stage"], stage["rows"], stage["partition"]) == ("ingested", 960, WEEK)

    [reject] = data(call(server, "rejects_summary"))["rejects"]
    assert (reject["reason"], reject["rows"]) == ("MISSING_MPID", 2)
    assert data(call(server, "list_watermarks"))["watermarks"] == []


def test_a_workflow_is_linted_and_drawn_from_a_file_or_from_text(
    url: str, workflow_file: Path
) -> None:
    server = build_mcp_server(url)
    linted = data(call(server, "lint_workflow", {"path": str(workflow_file)}))
    assert (linted["workflow"], linted["passed"]) == ("mcptest.flow", True)
    unknown = data(call(server, "lint_workflow", {"text": WORKFLOW, "check_operations": True}))
    assert unknown["passed"] is False
    assert {d["code"] for d in unknown["diagnostics"]} == {"E003"}
    assert {d["step"] for d in unknown["diagnostics"]} == {"fetch", "load"}

    drawn = data(call(server, "visualize_workflow", {"path": str(workflow_file)}))
    assert drawn["format"] == "mermaid"
    assert "fetch" in drawn["drawing"]
    assert "load" in drawn["drawing"]
    ascii_ = data(call(server, "visualize_workflow", {"text": WORKFLOW, "format": "ascii"}))
    assert "┌" in ascii_["drawing"]
    summary = data(call(server, "visualize_workflow", {"text": WORKFLOW, "format": "summary"}))
    assert summary["summary"]["step_count"] == 2


def test_bad_arguments_come_back_as_one_line_tool_errors(url: str, tmp_path: Path) -> None:
    server = build_mcp_server(url)
    missing = error_text(call(server, "lint_workflow", {"path": str(tmp_path / "nope.yaml")}))
    assert "does not exist" in missing
    assert "(hint: check the path)" in missing
    both = error_text(call(server, "lint_workflow", {"path": "a.yaml", "text": WORKFLOW}))
    assert "exactly one of path or text" in both
    broken = error_text(call(server, "visualize_workflow", {"text": "name: x\nsteps: 5\n"}))
    assert "<text>" in broken
    assert error_text(call(server, "list_anomalies", {"severity": "dreadful"}))
    assert call(server, "list_anomalies", {"limit": 0}).is_error


def test_resolve_anomaly_is_an_action(url: str) -> None:
    reader = build_mcp_server(url)
    assert call(reader, "resolve_anomaly", {"anomaly_id": "x"}).is_error  # not offered
    actor = build_mcp_server(url, allow_actions=True)
    warn = next(
        a for a in data(call(actor, "list_anomalies"))["anomalies"] if a["severity"] == "warn"
    )
    done = data(call(actor, "resolve_anomaly", {"anomaly_id": warn["id"], "note": "checked"}))
    assert done == {"id": warn["id"], "domain": "finra.otc", "resolved": True}
    assert [a["severity"] for a in data(call(actor, "list_anomalies"))["anomalies"]] == ["error"]
    again = data(call(actor, "resolve_anomaly", {"anomaly_id": warn["id"]}))
    assert again["resolved"] is False
    unknown = error_text(call(actor, "resolve_anomaly", {"anomaly_id": "01NOPE"}))
    assert "no anomaly '01NOPE'" in unknown


# -- the command: stdio and streamable HTTP ------------------------------------------------------


def spine_command(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "spine.orchestration.cli", "--db", url, "mcp", *args]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SPINE_")}


def test_spine_mcp_over_stdio_serves_the_sdk_client(url: str) -> None:
    command = spine_command(url)
    params = mcp.StdioServerParameters(command=command[0], args=command[1:], env=clean_env())

    async def body(client: Any) -> tuple[list[str], Any]:
        return await names(client), await client.call_tool("rejects_summary", {})

    listed, result = with_client(params, body)
    assert sorted(listed) == sorted(READ_TOOLS)
    assert data(result)["rejects"][0]["reason"] == "MISSING_MPID"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def http_server(url: str) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        spine_command(url, "--transport", "http", "--port", str(port), "--allow-actions"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:  # pragma: no cover - a machine far too busy
            pytest.fail("spine mcp --transport http did not start listening in 60 s")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def test_spine_mcp_over_streamable_http_serves_the_sdk_client(http_server: str) -> None:
    async def body(client: Any) -> tuple[list[str], Any]:
        return await names(client), await client.call_tool("show_manifest", {})

    listed, result = with_client(http_server, body)
    assert sorted(listed) == sorted([*READ_TOOLS, *ACTION_TOOLS])
    assert data(result)["manifest"][0]["stage"] == "ingested"


def test_spine_mcp_with_an_unreachable_database_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        build_app(plugins=False), ["--db", "postgresql://nobody@127.0.0.1:1/x", "mcp"]
    )
    assert result.exit_code == EXIT_USAGE
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot reach the database")
    assert list(tmp_path.iterdir()) == []


# -- runs, executions, dead letters, and the actions on them -------------------------------------


@pytest.fixture
def failed_run(url: str, workflow_file: Path, tmp_path: Path) -> Iterator[str]:
    """A run of ``mcptest.flow`` whose ``load`` step failed (while ``broken`` exists)."""
    from spine.orchestration import default_dispatcher

    registry = default_dispatcher().registry
    broken = tmp_path / "broken"
    broken.touch()
    calls: list[str] = []

    def fetch(params: dict[str, Any]) -> dict[str, Any]:
        calls.append("fetch")
        return {"rows": 3}

    def load(params: dict[str, Any]) -> dict[str, Any]:
        if broken.exists():
            raise ValueError("the warehouse is down")
        return {"loaded": 3}

    registry.register("mcptest.fetch", fetch, replace=True)
    registry.register("mcptest.load", load, replace=True)
    result = CliRunner().invoke(
        build_app(plugins=False), ["--db", url, "run", str(workflow_file), "--json"]
    )
    assert result.exit_code == 1, result.output
    try:
        yield str(json.loads(result.stdout)["run_id"])
    finally:
        registry.unregister("mcptest.fetch")
        registry.unregister("mcptest.load")
    assert calls  # fetch ran (once: resumes and reruns restore it)


def test_runs_executions_and_dead_letters_are_read(url: str, failed_run: str) -> None:
    server = build_mcp_server(url)
    [run] = data(call(server, "list_runs", {"status": "failed"}))["runs"]
    assert (run["run_id"], run["workflow"]) == (failed_run, "mcptest.flow")
    shown = data(call(server, "show_run", {"run_id": failed_run}))
    assert [(s["step"], s["status"]) for s in shown["steps"]] == [
        ("fetch", "completed"),
        ("load", "failed"),
    ]
    assert shown["events"][-1]["event"] == "run_failed"
    executions = data(call(server, "list_executions"))["executions"]
    failed = next(e for e in executions if e["status"] == "failed")
    events = data(call(server, "show_execution", {"execution_id": failed["id"]}))["events"]
    assert [e["event"] for e in events][:3] == ["created", "started", "failed"]
    [letter] = data(call(server, "list_dead_letters"))["dead_letters"]
    assert letter["workflow"] == "mcptest.load"
    assert "not a run status" in error_text(call(server, "list_runs", {"status": "weird"}))
    assert "no execution" in error_text(call(server, "show_execution", {"execution_id": "x"}))
    assert "x" in error_text(call(server, "show_run", {"run_id": "x"}))


def test_actions_resume_rerun_replay_and_submit(url: str, failed_run: str, tmp_path: Path) -> None:
    reader = build_mcp_server(url)
    assert call(reader, "resume_run", {"run_id": failed_run}).is_error  # not offered
    actor = build_mcp_server(url, allow_actions=True)
    [letter] = data(call(actor, "list_dead_letters"))["dead_letters"]
    still = data(call(actor, "replay_dead_letter", {"entry_id": letter["id"]}))
    assert still["execution"]["status"] == "failed"
    (tmp_path / "broken").unlink()
    resumed = data(call(actor, "resume_run", {"run_id": failed_run}))
    assert (resumed["run_id"], resumed["status"]) == (failed_run, "completed")
    rerun = data(call(actor, "rerun_from", {"run_id": failed_run, "step": "load"}))
    assert (rerun["status"], rerun["run_id"] != failed_run) == ("completed", True)
    replayed = data(call(actor, "replay_dead_letter", {"entry_id": letter["id"], "force": True}))
    assert replayed["execution"]["status"] == "completed"
    queued = data(call(actor, "submit", {"operation": "mcptest.fetch", "params": {"n": 1}}))
    assert (queued["workflow"], queued["status"], queued["params"]) == (
        "mcptest.fetch",
        "pending",
        {"n": 1},
    )
    unknown = error_text(call(actor, "submit", {"operation": "no.such.op"}))
    assert "no operation 'no.such.op'" in unknown
