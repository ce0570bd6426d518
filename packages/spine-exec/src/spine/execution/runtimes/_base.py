"""BaseRuntimeAdapter (shared lifecycle logic) and StubRuntimeAdapter (the in-memory runtime).

::

    BaseRuntimeAdapter
    ├── submit()   logging + error wrapping   → _do_submit()
    ├── status()   error wrapping             → _do_status()
    ├── cancel()   logging; unknown job = done → _do_cancel()
    ├── logs()     error wrapping             → _do_logs()
    ├── artifacts()                           → _do_artifacts()
    ├── cleanup()  logging; unknown job = done → _do_cleanup()
    └── health()   latency timing, never raises → _do_health()

A subclass implements the ``_do_*`` methods and may override :meth:`BaseRuntimeAdapter.map_error`
to turn its library's exceptions into categorised :class:`JobError`\\ s; anything left over
becomes ``JobError(UNKNOWN)`` (retryable) with the original as its cause. Logs carry the job's
name, image and spec hash, never its env.

:class:`StubRuntimeAdapter` runs nothing: it *simulates* a job, on the wall clock and without
tasks or processes. ``sh -c`` scripts made of ``echo``, ``sleep``, ``exit``, ``true`` and
``false`` (``$VAR`` taken from the spec's env, output redirected to a file left out of the
logs) play out as they would in a shell: lines appear, time passes, the exit code is kept.
Tests of job flows - status progression, cancel, timeouts, logs - run anywhere. Any other
command succeeds at once.

Example:
    >>> import asyncio
    >>> from spine.execution.runtimes import ContainerJobSpec
    >>> async def demo():
    ...     adapter = StubRuntimeAdapter()
    ...     spec = ContainerJobSpec(name="t", image="x", command=["sh", "-c", "echo hi; exit 3"])
    ...     ref = await adapter.submit(spec)
    ...     status = await adapter.status(ref)
    ...     return status.state, status.exit_code, [line async for line in adapter.logs(ref)]
    >>> asyncio.run(demo())
    ('failed', 3, ['hi'])
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shlex
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from spine.execution.runtimes._types import (
    ContainerJobSpec,
    JobArtifact,
    JobError,
    JobErrorCategory,
    JobStatus,
    RuntimeCapabilities,
    RuntimeConstraints,
    RuntimeHealth,
)
from spine.types.timestamps import utc_now
from spine.types.ulid import generate_ulid

__all__ = ["BaseRuntimeAdapter", "StubRuntimeAdapter", "check_tail"]

log = logging.getLogger("spine.execution.runtimes")

FOLLOW_POLL_SECONDS = 0.05


def check_tail(tail: object) -> int | None:
    """Validate a ``tail`` argument (``None`` or an int >= 0).

    Raises:
        JobError: VALIDATION otherwise.
    """
    if tail is None:
        return None
    if isinstance(tail, bool) or not isinstance(tail, int) or tail < 0:
        raise JobError(JobErrorCategory.VALIDATION, f"tail must be an int >= 0, got {tail!r}")
    return tail


class BaseRuntimeAdapter(ABC):
    """Base of the runtime adapters: logging and error mapping around the ``_do_*`` methods.

    Class attributes a subclass sets: ``runtime_name``, ``capabilities``, ``constraints``
    (or instance attributes of the same names).
    """

    runtime_name: str = "base"
    capabilities: RuntimeCapabilities = RuntimeCapabilities()
    constraints: RuntimeConstraints = RuntimeConstraints()

    # -- error mapping -------------------------------------------------------------------
    def map_error(self, exc: BaseException, operation: str) -> JobError:
        """Turn a library exception into a :class:`JobError` (override per runtime).

        The default: ``UNKNOWN`` (retryable), naming the operation and the exception.
        """
        return JobError.unknown(
            f"{self.runtime_name} {operation} failed: {type(exc).__name__}: {exc}",
            runtime=self.runtime_name,
            cause=exc,
        )

    def _wrap(self, exc: BaseException, operation: str) -> JobError:
        if isinstance(exc, JobError):
            err = exc
        else:
            err = self.map_error(exc, operation)
            if err.cause is None:
                err.cause = exc
                err.__cause__ = exc
        if err.runtime is None:
            err.runtime = self.runtime_name
            err.with_context(runtime=self.runtime_name)
        return err

    # -- public lifecycle ----------------------------------------------------------------
    async def submit(self, spec: ContainerJobSpec) -> str:
        """Start ``spec``; return its external reference.

        Raises:
            JobError: categorised (VALIDATION for a malformed spec, NOT_FOUND for a missing
                image, RUNTIME_UNAVAILABLE when the runtime does not answer...).
        """
        if not isinstance(spec, ContainerJobSpec):
            raise JobError(
                JobErrorCategory.VALIDATION,
                f"submit needs a ContainerJobSpec, got {type(spec).__name__}",
                runtime=self.runtime_name,
            )
        problems = spec.problems()
        if problems:
            raise JobError(
                JobErrorCategory.VALIDATION,
                f"job {spec.name!r} is not valid: " + "; ".join(problems),
                runtime=self.runtime_name,
            )
        started = time.perf_counter()
        log.debug("%s: submitting job %s (image %r)", self.runtime_name, spec.name, spec.image)
        try:
            ref = await self._do_submit(spec)
        except Exception as exc:
            err = self._wrap(exc, "submit")
            log.warning("%s: submit of job %s failed: %s", self.runtime_name, spec.name, err)
            if err is exc:
                raise
            raise err from exc
        log.info(
            "%s: submitted job %s as %s in %.1f ms",
            self.runtime_name,
            spec.name,
            ref,
            (time.perf_counter() - started) * 1000,
        )
        return ref

    async def status(self, external_ref: str) -> JobStatus:
        """The job's current status.

        Raises:
            JobError: NOT_FOUND for an unknown reference; RUNTIME_UNAVAILABLE...
        """
        try:
            return await self._do_status(external_ref)
        except Exception as exc:
            err = self._wrap(exc, "status")
            if err is exc:
                raise
            raise err from exc

    async def cancel(self, external_ref: str) -> bool:
        """Stop the job; ``True`` once it is not running (an unknown job counts as stopped).

        Raises:
            JobError: the runtime could not be asked (RUNTIME_UNAVAILABLE...).
        """
        log.info("%s: cancelling %s", self.runtime_name, external_ref)
        try:
            return await self._do_cancel(external_ref)
        except Exception as exc:
            err = self._wrap(exc, "cancel")
            if err.job_category is JobErrorCategory.NOT_FOUND:
                return True
            log.warning("%s: cancel of %s failed: %s", self.runtime_name, external_ref, err)
            if err is exc:
                raise
            raise err from exc

    async def logs(
        self, external_ref: str, *, follow: bool = False, tail: int | None = None
    ) -> AsyncIterator[str]:
        """The job's output lines; ``follow`` streams until it ends; ``tail`` keeps the last N.

        Raises:
            JobError: NOT_FOUND for an unknown reference; VALIDATION for a bad ``tail``.
        """
        check_tail(tail)
        try:
            async for line in self._do_logs(external_ref, follow=follow, tail=tail):
                yield line
        except Exception as exc:
            err = self._wrap(exc, "logs")
            if err is exc:
                raise
            raise err from exc

    async def artifacts(self, external_ref: str) -> list[JobArtifact]:
        """Files the job left in its artifacts directory (empty when none)."""
        try:
            return await self._do_artifacts(external_ref)
        except Exception as exc:
            err = self._wrap(exc, "artifacts")
            if err is exc:
                raise
            raise err from exc

    async def cleanup(self, external_ref: str) -> None:
        """Remove the job's resources; a job already gone is fine (idempotent).

        Raises:
            JobError: the runtime could not remove them (nothing is claimed done).
        """
        try:
            await self._do_cleanup(external_ref)
        except Exception as exc:
            err = self._wrap(exc, "cleanup")
            if err.job_category is JobErrorCategory.NOT_FOUND:
                return
            log.warning("%s: cleanup of %s failed: %s", self.runtime_name, external_ref, err)
            if err is exc:
                raise
            raise err from exc
        log.debug("%s: cleaned up %s", self.runtime_name, external_ref)

    async def health(self) -> RuntimeHealth:
        """Whether the runtime answers (never raises; latency measured here)."""
        started = time.perf_counter()
        try:
            health = await self._do_health()
        except Exception as exc:
            err = self._wrap(exc, "health")
            return RuntimeHealth(
                healthy=False,
                runtime=self.runtime_name,
                message=str(err),
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        if health.latency_ms is None:
            health = RuntimeHealth(
                healthy=health.healthy,
                runtime=health.runtime,
                version=health.version,
                message=health.message,
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        return health

    # -- what a runtime implements ------------------------------------------------------
    @abstractmethod
    async def _do_submit(self, spec: ContainerJobSpec) -> str: ...

    @abstractmethod
    async def _do_status(self, external_ref: str) -> JobStatus: ...

    @abstractmethod
    async def _do_cancel(self, external_ref: str) -> bool: ...

    @abstractmethod
    def _do_logs(
        self, external_ref: str, *, follow: bool, tail: int | None
    ) -> AsyncIterator[str]: ...

    async def _do_artifacts(self, external_ref: str) -> list[JobArtifact]:
        return []

    @abstractmethod
    async def _do_cleanup(self, external_ref: str) -> None: ...

    @abstractmethod
    async def _do_health(self) -> RuntimeHealth: ...

    def __repr__(self) -> str:
        return f"{type(self).__name__}(runtime_name={self.runtime_name!r})"


# --------------------------------------------------------------------------- the stub


@dataclass(frozen=True, slots=True)
class _Event:
    at: float
    """Seconds after the start."""
    line: str | None = None
    exit_code: int | None = None


_VAR_RE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def _simulate(spec: ContainerJobSpec, default_exit_code: int) -> list[_Event]:
    """The timeline of a spec's ``sh -c`` script (see the module docstring)."""
    argv = [*(spec.command or ()), *(spec.args or ())]
    if len(argv) < 3 or argv[0].rsplit("/", 1)[-1] not in {"sh", "bash"} or argv[1] != "-c":
        return [_Event(0.0, exit_code=default_exit_code)]
    events: list[_Event] = []
    clock = 0.0
    env = spec.env_values()
    script = _VAR_RE.sub(lambda m: env.get(m.group(1) or m.group(2), ""), argv[2])
    script = script.replace("&&", ";").replace("\n", ";")
    for statement in script.split(";"):
        try:
            words = shlex.split(statement)
        except ValueError:
            words = statement.split()
        kept: list[str] = []
        to_file = False
        skip_next = False
        for word in words:
            if skip_next:
                to_file = to_file or not word.startswith("&")
                skip_next = False
            elif word in (">", ">>", "1>", "2>", "1>>", "2>>"):
                skip_next = True
            elif word.startswith((">", "1>", "2>")):
                to_file = to_file or not word.lstrip("12>").startswith("&")
            else:
                kept.append(word)
        if not kept:
            continue
        cmd, rest = kept[0], kept[1:]
        if cmd == "echo":
            if not to_file:  # output sent to a file is not in the logs
                events.append(_Event(clock, line=" ".join(rest)))
        elif cmd == "sleep" and rest:
            with contextlib.suppress(ValueError):
                clock += max(0.0, float(rest[0]))
        elif cmd == "exit":
            code = int(rest[0]) if rest and rest[0].lstrip("-").isdigit() else 0
            events.append(_Event(clock, exit_code=code))
            return events
        elif cmd == "false":
            events.append(_Event(clock, exit_code=1))
            return events
    events.append(_Event(clock, exit_code=0))
    return events


@dataclass
class _StubJob:
    spec: ContainerJobSpec
    events: list[_Event]
    started: float
    started_at: datetime
    cancelled_at: float | None = None
    removed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def end(self) -> _Event:
        return self.events[-1]

    def finish_offset(self) -> float:
        """When the job ends (script end, timeout or cancel), in seconds after start."""
        end = min(self.end.at, float(self.spec.timeout_seconds))
        if self.cancelled_at is not None:
            end = min(end, self.cancelled_at)
        return end


class StubRuntimeAdapter(BaseRuntimeAdapter):
    """In-memory runtime: simulates jobs without running anything (see module docstring).

    Args:
        fail_submit: Every submit raises ``JobError`` (``submit_error_category``).
        default_exit_code: Exit code of a command that is not an ``sh -c`` script.
        runtime_name: Name to register under (``"stub"``).
        capabilities / constraints: What it claims (everything but GPUs by default).

    Attributes:
        jobs: External reference -> simulated job (for assertions).
    """

    def __init__(
        self,
        *,
        fail_submit: bool = False,
        submit_error_category: JobErrorCategory = JobErrorCategory.RUNTIME_UNAVAILABLE,
        default_exit_code: int = 0,
        runtime_name: str = "stub",
        capabilities: RuntimeCapabilities | None = None,
        constraints: RuntimeConstraints | None = None,
    ) -> None:
        self.runtime_name = runtime_name
        self.capabilities = capabilities or RuntimeCapabilities(
            supports_volumes=True,
            supports_log_streaming=True,
            supports_resource_limits=True,
            supports_images=True,
        )
        self.constraints = constraints or RuntimeConstraints()
        self.fail_submit = fail_submit
        self.submit_error_category = submit_error_category
        self.default_exit_code = default_exit_code
        self.jobs: dict[str, _StubJob] = {}

    def _job(self, external_ref: str) -> _StubJob:
        job = self.jobs.get(external_ref)
        if job is None or job.removed:
            raise JobError(
                JobErrorCategory.NOT_FOUND,
                f"no job {external_ref!r} on runtime {self.runtime_name!r}",
                runtime=self.runtime_name,
            )
        return job

    async def _do_submit(self, spec: ContainerJobSpec) -> str:
        if self.fail_submit:
            raise JobError(
                self.submit_error_category,
                f"stub runtime {self.runtime_name!r} refuses submits (fail_submit=True)",
                runtime=self.runtime_name,
            )
        ref = f"{self.runtime_name}-{generate_ulid().lower()}"
        self.jobs[ref] = _StubJob(
            spec, _simulate(spec, self.default_exit_code), time.monotonic(), utc_now()
        )
        return ref

    async def _do_status(self, external_ref: str) -> JobStatus:
        job = self._job(external_ref)
        elapsed = job.elapsed()
        end = job.finish_offset()
        if elapsed < end:
            return JobStatus("running", started_at=job.started_at)
        finished_at = job.started_at + timedelta(seconds=end)
        if job.cancelled_at is not None and end == job.cancelled_at:
            return JobStatus(
                "cancelled",
                started_at=job.started_at,
                finished_at=finished_at,
                message="cancelled",
            )
        if end < job.end.at:  # the timeout came first
            error = JobError(
                JobErrorCategory.TIMEOUT,
                f"job {job.spec.name!r} ran past its timeout of {job.spec.timeout_seconds:g}s",
                runtime=self.runtime_name,
            )
            return JobStatus(
                "failed",
                started_at=job.started_at,
                finished_at=finished_at,
                message=error.message,
                error=error,
            )
        code = job.end.exit_code or 0
        if code == 0:
            return JobStatus(
                "succeeded", exit_code=0, started_at=job.started_at, finished_at=finished_at
            )
        error = JobError(
            JobErrorCategory.USER_CODE,
            f"job {job.spec.name!r} exited with code {code}",
            exit_code=code,
            runtime=self.runtime_name,
        )
        return JobStatus(
            "failed",
            exit_code=code,
            started_at=job.started_at,
            finished_at=finished_at,
            message=error.message,
            error=error,
        )

    async def _do_cancel(self, external_ref: str) -> bool:
        job = self._job(external_ref)
        elapsed = job.elapsed()
        if elapsed < job.finish_offset():
            job.cancelled_at = elapsed
        return True

    async def _do_logs(
        self, external_ref: str, *, follow: bool, tail: int | None
    ) -> AsyncIterator[str]:
        job = self._job(external_ref)
        lines = [e for e in job.events if e.line is not None]
        if not follow:
            now = min(job.elapsed(), job.finish_offset())
            visible = [e.line for e in lines if e.at <= now and e.line is not None]
            start = max(0, len(visible) - tail) if tail is not None else 0
            for line in visible[start:]:
                yield line
            return
        sent = 0
        if tail is not None:
            now = job.elapsed()
            already = [e for e in lines if e.at <= now]
            sent = max(0, len(already) - tail)
        while True:
            now = min(job.elapsed(), job.finish_offset())
            while sent < len(lines) and lines[sent].at <= now:
                fresh = lines[sent].line
                sent += 1
                if fresh is not None:
                    yield fresh
            if job.elapsed() >= job.finish_offset() or job.removed:
                return
            await asyncio.sleep(FOLLOW_POLL_SECONDS)

    async def _do_cleanup(self, external_ref: str) -> None:
        job = self._job(external_ref)
        if job.elapsed() < job.finish_offset():
            job.cancelled_at = job.elapsed()
        job.removed = True

    async def _do_health(self) -> RuntimeHealth:
        return RuntimeHealth(healthy=True, runtime=self.runtime_name, version="stub")
