"""``spine mcp``: serve spine's state and workflow tools to AI tooling over MCP.

Needs the ``mcp`` SDK (``pip install "spine-orch[mcp]"``). Serves over stdio (the default:
an MCP client starts ``spine mcp`` as a subprocess) or streamable HTTP (``--transport http``,
at ``http://HOST:PORT/mcp``). Without ``--allow-actions`` the server only reads: the tools
that change state are not even listed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from spine.db import mask_url
from spine.orchestration.cli._output import err_console
from spine.orchestration.cli._state import get_state
from spine.orchestration.cli._workflows import import_operation_modules
from spine.orchestration.cli.commands.run import ImportOption

__all__ = ["Transport", "mcp"]


class Transport(StrEnum):
    """How the server talks to its client."""

    STDIO = "stdio"
    HTTP = "http"


def mcp(
    ctx: typer.Context,
    transport: Annotated[
        Transport, typer.Option("--transport", "-t", help="stdio, or streamable HTTP.")
    ] = Transport.STDIO,
    host: Annotated[str, typer.Option(help="Address to listen on (http).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port (http).")] = 8765,
    path: Annotated[str, typer.Option(help="URL path of the endpoint (http).")] = "/mcp",
    allow_actions: Annotated[
        bool,
        typer.Option(
            "--allow-actions",
            help="Also offer the tools that change state: submit, resume, rerun-from, "
            "replay, resolve an anomaly.",
        ),
    ] = False,
    imports: ImportOption = None,
) -> None:
    """Serve spine's tools over MCP (stdio or streamable HTTP) for AI tooling."""
    from spine.orchestration.cli.mcp_server import build_mcp_server

    state = get_state(ctx)
    with state.guard():
        target = state.database
        import_operation_modules(imports)
        with state.connect():  # unreachable database: one line, exit 2, before serving
            pass
        server = build_mcp_server(target.url, allow_actions=allow_actions)
    mode = "read and act" if allow_actions else "read only"
    if transport is Transport.STDIO:
        err_console.print(f"spine mcp: stdio, {mask_url(target.url)}, {mode}", markup=False)
        server.run("stdio")
        return
    url = f"http://{host}:{port}{path}"
    err_console.print(f"spine mcp: serving {url} on {mask_url(target.url)}, {mode}", markup=False)
    server.run("streamable-http", host=host, port=port, streamable_http_path=path)
