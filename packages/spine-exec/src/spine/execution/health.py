"""Health checks and the FastAPI router that serves them.

A :class:`HealthCheck` wraps a function (sync or ``async``) that returns ``None``/``True``
(healthy), ``False`` (unhealthy) or a :class:`CheckResult`, or raises (unhealthy, with the
error as the message). Checks run concurrently, each under its own ``timeout_s``; their
latency is measured. The overall status:

* ``unhealthy`` - a *required* check is unhealthy (readiness answers 503);
* ``degraded`` - an optional check is unhealthy, or any check says degraded (200);
* ``healthy`` - everything passed (200).

:func:`create_health_router` (extra ``spine-exec[api]``) serves ``/health/live`` (the process
answers; never runs checks), ``/health/ready`` and ``/health`` (both run the checks). Stock
checks for databases, Redis and worker heartbeats are in
:mod:`spine.execution.health_checks`.

Example:
    >>> import asyncio
    >>> checks = [
    ...     HealthCheck("ledger", lambda: True),
    ...     HealthCheck("cache", lambda: 1 / 0, required=False),
    ... ]
    >>> report = run_health_checks(checks, service="scheduler", version="0.1.0")
    >>> report.status.value, report.checks["cache"].status.value, report.checks["cache"].message
    ('degraded', 'unhealthy', 'ZeroDivisionError: division by zero')
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import math
import re
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from spine.execution.errors import MissingExtraError
from spine.types import ValidationError

__all__ = [
    "CheckResult",
    "HealthCheck",
    "HealthResponse",
    "HealthStatus",
    "LivenessResponse",
    "create_health_router",
    "run_health_checks",
    "run_health_checks_async",
]

_STARTED = time.monotonic()
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}$")
_URL_PASSWORD = re.compile(r"(\w+://[^:/@\s]*:)[^@\s]+@")


def _scrub(text: str) -> str:
    """Mask a password embedded in any URL in ``text`` (driver messages can quote them)."""
    return _URL_PASSWORD.sub(r"\1***@", text)


class HealthStatus(StrEnum):
    """Health of one check or of the service (lower-case, like every spine status)."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


class CheckResult(BaseModel):
    """The outcome of one check.

    Attributes:
        status: healthy, degraded or unhealthy.
        latency_ms: How long the check took.
        message: Why it is not healthy (or a note).
        details: JSON-ready facts (backend, counts, ages...).
    """

    model_config = ConfigDict(frozen=True)

    status: HealthStatus
    latency_ms: float | None = None
    message: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def healthy(cls, message: str | None = None, **details: Any) -> CheckResult:
        """A healthy result."""
        return cls(status=HealthStatus.HEALTHY, message=message, details=details)

    @classmethod
    def degraded(cls, message: str, **details: Any) -> CheckResult:
        """A degraded result (works, but not fully)."""
        return cls(status=HealthStatus.DEGRADED, message=message, details=details)

    @classmethod
    def unhealthy(cls, message: str, **details: Any) -> CheckResult:
        """An unhealthy result."""
        return cls(status=HealthStatus.UNHEALTHY, message=message, details=details)


CheckFn = Callable[[], Any] | Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class HealthCheck:
    """A named dependency check.

    Args:
        name: Identifies the check in responses (letters, digits, ``_ . : -``).
        check_fn: ``fn() -> None | bool | CheckResult`` or an ``async def`` of it.
        required: Whether the service is unhealthy (not ready) when this check fails;
            otherwise it is degraded.
        timeout_s: Seconds the check may take before it counts as unhealthy.

    Raises:
        ValidationError: a bad name, a non-callable or a non-positive timeout.
    """

    name: str
    check_fn: CheckFn
    required: bool = True
    timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValidationError(
                f"health check name must be 1..100 of [A-Za-z0-9_.:-], got {self.name!r}"
            )
        if not callable(self.check_fn):
            raise ValidationError(f"health check {self.name!r}: check_fn must be callable")
        timeout = self.timeout_s
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise ValidationError(f"health check {self.name!r}: timeout_s must be a number")
        if not math.isfinite(timeout) or timeout <= 0:
            raise ValidationError(f"health check {self.name!r}: timeout_s must be > 0")

    async def run(self) -> CheckResult:
        """Run the check under its timeout; never raises."""
        start = time.perf_counter()
        try:
            if inspect.iscoroutinefunction(self.check_fn):
                outcome = await asyncio.wait_for(self.check_fn(), self.timeout_s)
            else:
                outcome = await asyncio.wait_for(_in_daemon_thread(self.check_fn), self.timeout_s)
            result = _as_result(outcome)
        except TimeoutError:
            result = CheckResult.unhealthy(f"timed out after {self.timeout_s:g}s")
        except Exception as exc:
            result = CheckResult.unhealthy(_scrub(f"{type(exc).__name__}: {exc}"))
        latency = round((time.perf_counter() - start) * 1000, 3)
        return result.model_copy(update={"latency_ms": latency})

    def run_sync(self) -> CheckResult:
        """:meth:`run` from synchronous code."""
        result: CheckResult = _run_sync(self.run())
        return result


def _in_daemon_thread(fn: Callable[[], Any]) -> asyncio.Future[Any]:
    """Run a blocking check in a daemon thread of its own: one that hangs past its timeout is
    abandoned and never holds up the caller or interpreter shutdown."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(value: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def run() -> None:
        try:
            value, error = fn(), None
        except BaseException as exc:
            value, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits anymore
            loop.call_soon_threadsafe(settle, value, error)

    threading.Thread(target=run, name="spine-health-check", daemon=True).start()
    return future


def _as_result(outcome: Any) -> CheckResult:
    if outcome is None or outcome is True:
        return CheckResult.healthy()
    if outcome is False:
        return CheckResult.unhealthy("check returned False")
    if isinstance(outcome, CheckResult):
        return outcome
    return CheckResult.unhealthy(
        f"check returned {type(outcome).__name__}; expected None, a bool or a CheckResult"
    )


class LivenessResponse(BaseModel):
    """``/health/live``: the process answers."""

    status: str = "alive"
    service: str
    version: str
    timestamp: datetime
    uptime_s: float


class HealthResponse(BaseModel):
    """``/health`` and ``/health/ready``: every check's result and the overall status."""

    status: HealthStatus
    service: str
    version: str
    timestamp: datetime
    uptime_s: float
    checks: dict[str, CheckResult]


def _overall(checks: Sequence[HealthCheck], results: Sequence[CheckResult]) -> HealthStatus:
    status = HealthStatus.HEALTHY
    for check, result in zip(checks, results, strict=True):
        if result.status is HealthStatus.UNHEALTHY and check.required:
            return HealthStatus.UNHEALTHY
        if result.status is not HealthStatus.HEALTHY:
            status = HealthStatus.DEGRADED
    return status


def _check_names(checks: Sequence[HealthCheck]) -> None:
    names = [c.name for c in checks]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValidationError(f"health check names must be unique; repeated: {', '.join(dupes)}")


async def run_health_checks_async(
    checks: Sequence[HealthCheck], *, service: str = "spine", version: str = ""
) -> HealthResponse:
    """Run every check concurrently; the report with the overall status."""
    _check_names(checks)
    results = await asyncio.gather(*(c.run() for c in checks))
    return HealthResponse(
        status=_overall(checks, results),
        service=service,
        version=version,
        timestamp=datetime.now(UTC),
        uptime_s=round(time.monotonic() - _STARTED, 3),
        checks={c.name: r for c, r in zip(checks, results, strict=True)},
    )


def _run_sync(coro: Awaitable[Any]) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    # Called from inside a running loop: run in a helper thread with its own loop.
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


def run_health_checks(
    checks: Sequence[HealthCheck], *, service: str = "spine", version: str = ""
) -> HealthResponse:
    """:func:`run_health_checks_async` from synchronous code (a CLI, a worker loop)."""
    result: HealthResponse = _run_sync(
        run_health_checks_async(checks, service=service, version=version)
    )
    return result


def create_health_router(
    service_name: str,
    version: str,
    checks: Sequence[HealthCheck] = (),
    *,
    prefix: str = "/health",
) -> Any:
    """A FastAPI ``APIRouter`` with ``GET {prefix}/live``, ``{prefix}/ready`` and
    ``{prefix}`` (extra ``spine-exec[api]``).

    ``/ready`` and the bare prefix answer 503 when the service is unhealthy, 200 otherwise
    (the body always carries every check).

    Raises:
        MissingExtraError: FastAPI is not installed.
        ValidationError: duplicate check names.

    Example::

        app = FastAPI()
        app.include_router(create_health_router("scheduler", "0.1.0", [database_check(url)]))
    """
    try:
        from fastapi import APIRouter, Response
    except ImportError as exc:
        raise MissingExtraError("create_health_router", "fastapi", "api", cause=exc) from exc
    checks = list(checks)
    _check_names(checks)
    router = APIRouter(prefix=prefix, tags=["health"])

    async def live() -> LivenessResponse:
        return LivenessResponse(
            service=service_name,
            version=version,
            timestamp=datetime.now(UTC),
            uptime_s=round(time.monotonic() - _STARTED, 3),
        )

    async def ready(response: Response) -> HealthResponse:
        report = await run_health_checks_async(checks, service=service_name, version=version)
        if report.status is HealthStatus.UNHEALTHY:
            response.status_code = 503
        return report

    # Annotations are strings under ``from __future__ import annotations``; FastAPI needs
    # the classes themselves to inject the response and build the schema.
    live.__annotations__ = {"return": LivenessResponse}
    ready.__annotations__ = {"response": Response, "return": HealthResponse}
    router.add_api_route("/live", live, methods=["GET"], response_model=LivenessResponse)
    router.add_api_route("/ready", ready, methods=["GET"], response_model=HealthResponse)
    router.add_api_route("", ready, methods=["GET"], response_model=HealthResponse)
    return router
