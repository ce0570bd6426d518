"""Module-level handlers for tests that run handlers in other processes (importable by name)."""

from __future__ import annotations

import os
import time
from typing import Any

from spine.types import NetworkError


def pid(params: dict[str, Any]) -> dict[str, int]:
    """Return the worker's process id."""
    return {"pid": os.getpid()}


def spin(params: dict[str, Any]) -> None:
    """Busy-loop for ``params["seconds"]`` (interruptible Python code)."""
    end = time.monotonic() + float(params.get("seconds", 5))
    while time.monotonic() < end:
        sum(range(1000))


def flaky_file(params: dict[str, Any]) -> str:
    """Fail with a NetworkError until the marker file has ``params["fail_times"]`` lines."""
    path = params["path"]
    with open(path, "a+") as f:
        f.seek(0)
        seen = len(f.readlines())
        f.write("x\n")
    if seen < int(params["fail_times"]):
        raise NetworkError(f"attempt {seen + 1} failed")
    return f"ok after {seen + 1}"
