"""Adapters that misbehave on purpose, for testing what sits above a runtime.

::

    BaseRuntimeAdapter
    ├── StubRuntimeAdapter    simulated jobs (see _base)
    │   ├── FailingAdapter    every chosen operation raises one JobError
    │   ├── SlowAdapter       fixed delays per operation
    │   ├── FlakeyAdapter     submits fail at random (seeded, retryable)
    │   └── SequenceAdapter   status() walks a scripted list of states
    └── LatencyAdapter        wraps any adapter and delays every call

Example:
    >>> import asyncio
    >>> from spine.execution.runtimes import ContainerJobSpec, ErrorCategory, JobError
    >>> spec = ContainerJobSpec(name="t", image="x")
    >>> async def outcomes(adapter, n):
    ...     out = []
    ...     for _ in range(n):
    ...         try:
    ...             await adapter.submit(spec)
    ...             out.append("ok")
    ...         except JobError as e:
    ...             out.append(e.job_category.value)
    ...     return out
    >>> asyncio.run(outcomes(FailingAdapter(category=ErrorCategory.OOM), 2))
    ['oom', 'oom']
    >>> first = asyncio.run(outcomes(FlakeyAdapter(success_rate=0.5, seed=7), 6))
    >>> first == asyncio.run(outcomes(FlakeyAdapter(success_rate=0.5, seed=7), 6))
    True
    >>> async def walk():
    ...     adapter = SequenceAdapter(states=["pending", "running", "succeeded"])
    ...     ref = await adapter.submit(spec)
    ...     return [(await adapter.status(ref)).state for _ in range(4)]
    >>> asyncio.run(walk())
    ['pending', 'running', 'succeeded', 'succeeded']
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterable, Sequence

from spine.execution.runtimes._base import StubRuntimeAdapter
from spine.execution.runtimes._types import (
    JOB_STATES,
    ContainerJobSpec,
    JobArtifact,
    JobError,
    JobErrorCategory,
    JobState,
    JobStatus,
    RuntimeAdapter,
    RuntimeCapabilities,
    RuntimeConstraints,
    RuntimeHealth,
)
from spine.types.timestamps import utc_now

__all__ = ["FailingAdapter", "FlakeyAdapter", "LatencyAdapter", "SequenceAdapter", "SlowAdapter"]

OPERATIONS = frozenset({"submit", "status", "cancel", "logs", "cleanup", "health"})


def _check_delay(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise JobError(JobErrorCategory.VALIDATION, f"{name} must be seconds >= 0, got {value!r}")
    return float(value)


class FailingAdapter(StubRuntimeAdapter):
    """Raises ``JobError(category)`` from every operation in ``on`` (default: submit).

    Args:
        category: The failure (e.g. ``ErrorCategory.OOM``).
        message: Its message (default names the category).
        on: Operations that fail: any of submit, status, cancel, logs, cleanup, health.
        retryable: Overrides the category's default.
    """

    def __init__(
        self,
        category: JobErrorCategory | str = JobErrorCategory.UNKNOWN,
        message: str | None = None,
        *,
        on: Iterable[str] = ("submit",),
        retryable: bool | None = None,
        runtime_name: str = "failing",
    ) -> None:
        super().__init__(runtime_name=runtime_name)
        self.category = JobErrorCategory(category)
        self.message = message or f"failing adapter: {self.category.value} on purpose"
        self.on = frozenset(on)
        unknown = self.on - OPERATIONS
        if unknown:
            raise JobError(
                JobErrorCategory.VALIDATION,
                f"unknown operation(s) {sorted(unknown)}; expected some of {sorted(OPERATIONS)}",
            )
        self.retryable = retryable

    def _maybe_fail(self, operation: str) -> None:
        if operation in self.on:
            raise JobError(
                self.category, self.message, retryable=self.retryable, runtime=self.runtime_name
            )

    async def _do_submit(self, spec: ContainerJobSpec) -> str:
        self._maybe_fail("submit")
        return await super()._do_submit(spec)

    async def _do_status(self, external_ref: str) -> JobStatus:
        self._maybe_fail("status")
        return await super()._do_status(external_ref)

    async def _do_cancel(self, external_ref: str) -> bool:
        self._maybe_fail("cancel")
        return await super()._do_cancel(external_ref)

    async def _do_logs(
        self, external_ref: str, *, follow: bool, tail: int | None
    ) -> AsyncIterator[str]:
        self._maybe_fail("logs")
        async for line in super()._do_logs(external_ref, follow=follow, tail=tail):
            yield line

    async def _do_cleanup(self, external_ref: str) -> None:
        self._maybe_fail("cleanup")
        await super()._do_cleanup(external_ref)

    async def _do_health(self) -> RuntimeHealth:
        self._maybe_fail("health")
        return await super()._do_health()


class SlowAdapter(StubRuntimeAdapter):
    """A stub whose operations each take a fixed time (seconds)."""

    def __init__(
        self,
        *,
        submit_delay: float = 0.0,
        status_delay: float = 0.0,
        cancel_delay: float = 0.0,
        logs_delay: float = 0.0,
        cleanup_delay: float = 0.0,
        health_delay: float = 0.0,
        runtime_name: str = "slow",
    ) -> None:
        super().__init__(runtime_name=runtime_name)
        self.delays = {
            "submit": _check_delay("submit_delay", submit_delay),
            "status": _check_delay("status_delay", status_delay),
            "cancel": _check_delay("cancel_delay", cancel_delay),
            "logs": _check_delay("logs_delay", logs_delay),
            "cleanup": _check_delay("cleanup_delay", cleanup_delay),
            "health": _check_delay("health_delay", health_delay),
        }

    async def _pause(self, operation: str) -> None:
        if self.delays[operation]:
            await asyncio.sleep(self.delays[operation])

    async def _do_submit(self, spec: ContainerJobSpec) -> str:
        await self._pause("submit")
        return await super()._do_submit(spec)

    async def _do_status(self, external_ref: str) -> JobStatus:
        await self._pause("status")
        return await super()._do_status(external_ref)

    async def _do_cancel(self, external_ref: str) -> bool:
        await self._pause("cancel")
        return await super()._do_cancel(external_ref)

    async def _do_logs(
        self, external_ref: str, *, follow: bool, tail: int | None
    ) -> AsyncIterator[str]:
        await self._pause("logs")
        async for line in super()._do_logs(external_ref, follow=follow, tail=tail):
            yield line

    async def _do_cleanup(self, external_ref: str) -> None:
        await self._pause("cleanup")
        await super()._do_cleanup(external_ref)

    async def _do_health(self) -> RuntimeHealth:
        await self._pause("health")
        return await super()._do_health()


class FlakeyAdapter(StubRuntimeAdapter):
    """A stub whose submits succeed with probability ``success_rate`` (seeded: reproducible).

    A failed submit raises ``JobError(category)`` - RUNTIME_UNAVAILABLE (retryable) by default.
    """

    def __init__(
        self,
        success_rate: float = 0.7,
        *,
        seed: int | None = None,
        category: JobErrorCategory | str = JobErrorCategory.RUNTIME_UNAVAILABLE,
        runtime_name: str = "flakey",
    ) -> None:
        super().__init__(runtime_name=runtime_name)
        if (
            isinstance(success_rate, bool)
            or not isinstance(success_rate, int | float)
            or not 0.0 <= success_rate <= 1.0
        ):
            raise JobError(
                JobErrorCategory.VALIDATION,
                f"success_rate must be within 0..1, got {success_rate!r}",
            )
        self.success_rate = float(success_rate)
        self.category = JobErrorCategory(category)
        self._random = random.Random(seed)
        self.attempts = 0
        self.failures = 0

    async def _do_submit(self, spec: ContainerJobSpec) -> str:
        self.attempts += 1
        if self._random.random() >= self.success_rate:
            self.failures += 1
            raise JobError(
                self.category,
                f"flakey runtime refused job {spec.name!r} (attempt {self.attempts})",
                runtime=self.runtime_name,
            )
        return await super()._do_submit(spec)


class SequenceAdapter(StubRuntimeAdapter):
    """A stub whose ``status()`` walks ``states`` one call at a time (the last one sticks).

    A ``failed`` state reports ``exit_code`` and a USER_CODE error.
    """

    def __init__(
        self,
        states: Sequence[str] = ("pending", "running", "succeeded"),
        *,
        exit_code: int = 1,
        runtime_name: str = "sequence",
    ) -> None:
        super().__init__(runtime_name=runtime_name)
        bad = [s for s in states if s not in JOB_STATES]
        if not states or bad:
            raise JobError(
                JobErrorCategory.VALIDATION,
                f"states must be a non-empty list of {', '.join(JOB_STATES)}; bad: {bad}",
            )
        self.states: tuple[JobState, ...] = tuple(states)  # type: ignore[arg-type]
        self.exit_code = exit_code
        self._positions: dict[str, int] = {}

    async def _do_submit(self, spec: ContainerJobSpec) -> str:
        ref = await super()._do_submit(spec)
        self._positions[ref] = 0
        return ref

    async def _do_status(self, external_ref: str) -> JobStatus:
        job = self._job(external_ref)
        position = self._positions[external_ref]
        state = self.states[min(position, len(self.states) - 1)]
        self._positions[external_ref] = position + 1
        if job.cancelled_at is not None and state not in ("succeeded", "failed"):
            state = "cancelled"
        if state == "failed":
            error = JobError(
                JobErrorCategory.USER_CODE,
                f"job {job.spec.name!r} exited with code {self.exit_code}",
                exit_code=self.exit_code,
                runtime=self.runtime_name,
            )
            return JobStatus("failed", exit_code=self.exit_code, message=error.message, error=error)
        finished = utc_now() if state in ("succeeded", "cancelled") else None
        return JobStatus(
            state,
            exit_code=0 if state == "succeeded" else None,
            started_at=job.started_at,
            finished_at=finished,
        )


class LatencyAdapter:
    """Wraps any :class:`RuntimeAdapter` and delays every call by ``latency`` seconds
    (plus up to ``jitter``, seeded). Name, capabilities and constraints are the inner's."""

    def __init__(
        self,
        inner: RuntimeAdapter,
        latency: float = 0.05,
        *,
        jitter: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self.inner = inner
        self.latency = _check_delay("latency", latency)
        self.jitter = _check_delay("jitter", jitter)
        self._random = random.Random(seed)

    @property
    def runtime_name(self) -> str:
        """The inner adapter's name."""
        return self.inner.runtime_name

    @property
    def capabilities(self) -> RuntimeCapabilities:
        """The inner adapter's capabilities."""
        return self.inner.capabilities

    @property
    def constraints(self) -> RuntimeConstraints:
        """The inner adapter's constraints."""
        return self.inner.constraints

    async def _pause(self) -> None:
        delay = self.latency + (self._random.uniform(0, self.jitter) if self.jitter else 0.0)
        if delay:
            await asyncio.sleep(delay)

    async def submit(self, spec: ContainerJobSpec) -> str:
        """Delay, then the inner submit."""
        await self._pause()
        return await self.inner.submit(spec)

    async def status(self, external_ref: str) -> JobStatus:
        """Delay, then the inner status."""
        await self._pause()
        return await self.inner.status(external_ref)

    async def cancel(self, external_ref: str) -> bool:
        """Delay, then the inner cancel."""
        await self._pause()
        return await self.inner.cancel(external_ref)

    async def logs(
        self, external_ref: str, *, follow: bool = False, tail: int | None = None
    ) -> AsyncIterator[str]:
        """Delay, then the inner logs."""
        await self._pause()
        async for line in self.inner.logs(external_ref, follow=follow, tail=tail):
            yield line

    async def artifacts(self, external_ref: str) -> list[JobArtifact]:
        """Delay, then the inner artifacts."""
        await self._pause()
        return await self.inner.artifacts(external_ref)

    async def cleanup(self, external_ref: str) -> None:
        """Delay, then the inner cleanup."""
        await self._pause()
        await self.inner.cleanup(external_ref)

    async def health(self) -> RuntimeHealth:
        """Delay, then the inner health."""
        await self._pause()
        return await self.inner.health()

    def __repr__(self) -> str:
        return f"LatencyAdapter({self.inner!r}, latency={self.latency})"
