"""Operations of the ContainerRunnable tests: importable by the test process and, through
PYTHONPATH, by the jobs it starts (local processes and containers)."""

from __future__ import annotations

from typing import Any

from spine.execution import HandlerRegistry
from spine.types import SourceUnavailableError

registry = HandlerRegistry()


@registry.handler("otc.fetch", kind="operation")
def fetch(params: dict[str, Any]) -> dict[str, Any]:
    """Pretend to download a week of OTC rows."""
    return {"rows": len(params["symbols"]), "week": params["week_ending"]}


@registry.handler("otc.total", kind="operation")
def total(params: dict[str, Any]) -> dict[str, Any]:
    """Sum the week's volumes (times the step's factor)."""
    return {"total": sum(params["volumes"]) * params.get("factor", 1)}


@registry.handler("otc.publish", kind="operation")
def publish(params: dict[str, Any]) -> dict[str, Any]:
    """Publish the total."""
    return {"published": f"{params['week_ending']}:{','.join(params['symbols'])}"}


@registry.handler("otc.unavailable", kind="operation")
def unavailable(params: dict[str, Any]) -> dict[str, Any]:
    """The source is down (a retryable error)."""
    raise SourceUnavailableError(f"FINRA is down for {params['week_ending']}")
