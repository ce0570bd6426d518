"""Handlers the worker tests register (importable by worker processes)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from spine.execution import HandlerRegistry, RateLimiter, RetryStrategy
from spine.types import NetworkError, ValidationError


def noop(params: dict[str, Any]) -> dict[str, Any]:
    """Return the job number."""
    return {"n": params.get("n")}


def flaky(params: dict[str, Any]) -> None:
    """Always fail with a retryable error."""
    raise NetworkError("connection reset by peer")


def bad_row(params: dict[str, Any]) -> None:
    """Always fail with a non-retryable error."""
    raise ValidationError("row 7: week_ending is not a date")


def garbage(params: dict[str, Any]) -> object:
    """Return something that is not JSON."""
    return object()


def slow(params: dict[str, Any]) -> dict[str, Any]:
    """Sleep ``seconds``; append this pid to ``log`` (a file) first."""
    log = params.get("log")
    if log:
        with Path(log).open("a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
    time.sleep(float(params.get("seconds", 0.2)))
    return {"slept": params.get("seconds", 0.2)}


def limited(params: dict[str, Any]) -> dict[str, Any]:
    """Note ``time.time()`` and the job number in this process's file under ``log`` (a
    directory): the start times the rate limit tests count."""
    started = time.time()
    with (Path(params["log"]) / f"{os.getpid()}.log").open("a", encoding="utf-8") as f:
        f.write(f"{started!r} {params['n']}\n")
    return {"n": params["n"]}


def registry(rate_limit: RateLimiter | None = None) -> HandlerRegistry:
    """Every test handler, with fast retries for ``flaky``; ``limited`` under
    ``rate_limit`` when given."""
    reg = HandlerRegistry()
    if rate_limit is not None:
        reg.register("limited", limited, rate_limit=rate_limit)
    reg.register("noop", noop)
    reg.register("flaky", flaky, retry=RetryStrategy.constant(max_retries=5, delay=0.05))
    reg.register("bad_row", bad_row)
    reg.register("garbage", garbage)
    reg.register("slow", slow)
    return reg
