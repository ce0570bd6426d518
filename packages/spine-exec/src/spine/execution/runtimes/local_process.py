"""LocalProcessAdapter: run a ContainerJobSpec as a local process, no container needed.

::

    ContainerJobSpec field   local process
    ──────────────────────   ─────────────────────────────────────────────────────────
    image                    ignored (runs a local program)
    command + args           argv (no shell)
    env                      overlaid on this process's environment
    working_dir              cwd (must exist)
    timeout_seconds          SIGTERM to the whole process group, SIGKILL after a grace
    artifacts_dir            a fresh directory per job, passed as $SPINE_ARTIFACTS_DIR
    stdout / stderr          log lines (in order of arrival, capped at max_log_lines)
    return code              succeeded (0) / failed (USER_CODE, or TIMEOUT) / cancelled

    Not supported locally: GPUs, volumes, sidecars, init containers, images, resource limits,
    network isolation (the validator refuses GPUs, volumes, sidecars and init containers).

Every job runs in a process group of its own (``start_new_session``): a timeout or a cancel
stops the program *and* everything it started, and when the program exits whatever it left
behind in its group is killed too - like a container's processes when its main process ends.

An adapter instance belongs to the event loop it first submits on (its jobs are watched by
tasks of that loop); :class:`~spine.execution.runtimes.engine.JobEngine`'s sync methods use
one loop for their whole life, so this holds for sync callers too.

Example:
    >>> import asyncio, sys
    >>> from spine.execution.runtimes import ContainerJobSpec
    >>> async def demo():
    ...     adapter = LocalProcessAdapter()
    ...     spec = ContainerJobSpec(
    ...         name="local-task",
    ...         image="ignored",
    ...         command=[sys.executable, "-c", "print('hello from local')"],
    ...         timeout_seconds=30,
    ...     )
    ...     ref = await adapter.submit(spec)
    ...     status = await adapter.wait(ref)
    ...     lines = [line async for line in adapter.logs(ref)]
    ...     await adapter.cleanup(ref)
    ...     return status.state, lines
    >>> asyncio.run(demo())
    ('succeeded', ['hello from local'])
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import mimetypes
import os
import shutil
import signal
import sys
import tempfile
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from spine.execution.runtimes._base import FOLLOW_POLL_SECONDS, BaseRuntimeAdapter
from spine.execution.runtimes._types import (
    ContainerJobSpec,
    JobArtifact,
    JobError,
    JobErrorCategory,
    JobState,
    JobStatus,
    RuntimeCapabilities,
    RuntimeConstraints,
    RuntimeHealth,
)
from spine.types.timestamps import utc_now
from spine.types.ulid import generate_ulid

__all__ = ["ARTIFACTS_ENV", "LocalProcessAdapter"]

ARTIFACTS_ENV = "SPINE_ARTIFACTS_DIR"
"""The env variable that tells a job where to write its artifacts (set by every adapter)."""


@dataclass
class _LocalJob:
    spec: ContainerJobSpec
    process: asyncio.subprocess.Process
    started_at: datetime
    artifacts_dir: Path | None
    owns_artifacts_dir: bool
    lines: deque[str]
    monitor: asyncio.Task[None] | None = None
    finished_at: datetime | None = None
    returncode: int | None = None
    timed_out: bool = False
    cancelled: bool = False
    dropped_lines: int = 0
    line_count: int = 0
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.finished_at is not None


def _kill_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class LocalProcessAdapter(BaseRuntimeAdapter):
    """Runs jobs as local processes (see the module docstring).

    Args:
        artifacts_root: Where per-job artifact directories are made (default: a temporary
            directory of this adapter, removed with the jobs' cleanup).
        inherit_env: Start from this process's environment (default) or from an empty one.
        kill_grace_seconds: Between SIGTERM and SIGKILL on timeout or cancel.
        max_log_lines: Lines kept per job (the oldest are dropped beyond it).
        default_image: Recorded for information only (local processes have no image).
        runtime_name: Name to register under (``"local"``).
    """

    capabilities = RuntimeCapabilities(
        supports_log_streaming=True,
        supports_artifacts=True,
    )
    constraints = RuntimeConstraints(requires_command=True)

    def __init__(
        self,
        *,
        artifacts_root: str | os.PathLike[str] | None = None,
        inherit_env: bool = True,
        kill_grace_seconds: float = 2.0,
        max_log_lines: int = 100_000,
        default_image: str | None = None,
        runtime_name: str = "local",
    ) -> None:
        self.runtime_name = runtime_name
        self.artifacts_root = Path(artifacts_root) if artifacts_root is not None else None
        self.inherit_env = inherit_env
        self.kill_grace_seconds = kill_grace_seconds
        self.max_log_lines = max_log_lines
        self.default_image = default_image
        self._jobs: dict[str, _LocalJob] = {}

    def _job(self, external_ref: str) -> _LocalJob:
        job = self._jobs.get(external_ref)
        if job is None:
            raise JobError(
                JobErrorCategory.NOT_FOUND,
                f"no local job {external_ref!r} (unknown, cleaned up, or started by another "
                "process)",
                runtime=self.runtime_name,
            )
        return job

    def _artifacts_dir(self, ref: str) -> Path:
        if self.artifacts_root is None:
            self.artifacts_root = Path(tempfile.mkdtemp(prefix="spine-local-"))
        path = self.artifacts_root / ref
        path.mkdir(parents=True, exist_ok=False)
        return path

    # -- lifecycle -----------------------------------------------------------------------
    async def _do_submit(self, spec: ContainerJobSpec) -> str:
        if not spec.command:
            raise JobError(
                JobErrorCategory.VALIDATION,
                f"job {spec.name!r}: a local process needs a command (there is no image "
                "default to run)",
                runtime=self.runtime_name,
            )
        argv = [*spec.command, *(spec.args or ())]
        cwd = spec.working_dir
        if cwd is not None and not Path(cwd).is_dir():
            raise JobError(
                JobErrorCategory.VALIDATION,
                f"job {spec.name!r}: working_dir {cwd!r} is not a directory on this machine",
                runtime=self.runtime_name,
            )
        ref = f"{self.runtime_name}-{generate_ulid().lower()}"
        env: dict[str, str] = dict(os.environ) if self.inherit_env else {}
        env.update(spec.env_values())
        artifacts = self._artifacts_dir(ref)
        env[ARTIFACTS_ENV] = str(artifacts)
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=cwd,
                env=env,
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            shutil.rmtree(artifacts, ignore_errors=True)
            raise JobError(
                JobErrorCategory.NOT_FOUND,
                f"job {spec.name!r}: program {argv[0]!r} not found ({exc.strerror})",
                provider_code="ENOENT",
                runtime=self.runtime_name,
            ) from exc
        except PermissionError as exc:
            shutil.rmtree(artifacts, ignore_errors=True)
            raise JobError(
                JobErrorCategory.AUTH,
                f"job {spec.name!r}: program {argv[0]!r} cannot be run ({exc.strerror})",
                provider_code="EACCES",
                runtime=self.runtime_name,
            ) from exc
        job = _LocalJob(
            spec=spec,
            process=process,
            started_at=utc_now(),
            artifacts_dir=artifacts,
            owns_artifacts_dir=True,
            lines=deque(maxlen=self.max_log_lines),
        )
        self._jobs[ref] = job
        assert process.stdout is not None
        assert process.stderr is not None
        job.readers = [
            asyncio.create_task(self._read(job, process.stdout)),
            asyncio.create_task(self._read(job, process.stderr)),
        ]
        job.monitor = asyncio.create_task(self._watch(job))
        return ref

    async def _read(self, job: _LocalJob, stream: asyncio.StreamReader) -> None:
        while True:
            try:
                raw = await stream.readline()
            except ValueError:  # a line longer than the stream limit: take it in pieces
                raw = await stream.read(65536)
            if not raw:
                return
            if len(job.lines) == job.lines.maxlen:
                job.dropped_lines += 1
            job.lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
            job.line_count += 1

    async def _watch(self, job: _LocalJob) -> None:
        process = job.process
        try:
            await asyncio.wait_for(process.wait(), timeout=float(job.spec.timeout_seconds))
        except TimeoutError:
            job.timed_out = True
            await self._stop(job)
        finally:
            # whatever the program left in its group goes with it
            _kill_group(process.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*job.readers), timeout=5)
        job.returncode = process.returncode
        job.finished_at = utc_now()

    async def _stop(self, job: _LocalJob) -> None:
        process = job.process
        if process.returncode is not None:
            return
        _kill_group(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=self.kill_grace_seconds)
        except TimeoutError:
            _kill_group(process.pid, signal.SIGKILL)
            await process.wait()

    async def wait(self, external_ref: str, timeout: float | None = None) -> JobStatus:
        """Wait until the job has finished; return its final status.

        Raises:
            JobError: NOT_FOUND for an unknown reference.
            TimeoutError: ``timeout`` seconds passed first.
        """
        job = self._job(external_ref)
        assert job.monitor is not None
        await asyncio.wait_for(asyncio.shield(job.monitor), timeout)
        return await self.status(external_ref)

    async def _do_status(self, external_ref: str) -> JobStatus:
        job = self._job(external_ref)
        if not job.done:
            return JobStatus("running", started_at=job.started_at, node="localhost")
        code = job.returncode

        def ended(state: JobState, **extra: Any) -> JobStatus:
            return JobStatus(
                state,
                exit_code=code,
                started_at=job.started_at,
                finished_at=job.finished_at,
                node="localhost",
                **extra,
            )

        if job.cancelled:
            return ended("cancelled", message="cancelled")
        if job.timed_out:
            error = JobError(
                JobErrorCategory.TIMEOUT,
                f"job {job.spec.name!r} ran past its timeout of {job.spec.timeout_seconds:g}s "
                "and was killed",
                exit_code=code,
                runtime=self.runtime_name,
            )
            return ended("failed", message=error.message, error=error)
        if code == 0:
            return ended("succeeded")
        if code is not None and code < 0:
            detail = f"was killed by signal {signal.Signals(-code).name}"
        else:
            detail = f"exited with code {code}"
        error = JobError(
            JobErrorCategory.USER_CODE,
            f"job {job.spec.name!r} {detail}",
            exit_code=code,
            runtime=self.runtime_name,
        )
        return ended("failed", message=error.message, error=error)

    async def _do_cancel(self, external_ref: str) -> bool:
        job = self._job(external_ref)
        if job.done or job.process.returncode is not None:
            return True
        job.cancelled = True
        await self._stop(job)
        if job.monitor is not None:
            await asyncio.shield(job.monitor)
        return True

    async def _do_logs(
        self, external_ref: str, *, follow: bool, tail: int | None
    ) -> AsyncIterator[str]:
        job = self._job(external_ref)
        snapshot = list(job.lines)
        start = max(0, len(snapshot) - tail) if tail is not None else 0
        for line in snapshot[start:]:
            yield line
        if not follow:
            return
        seen = job.line_count
        while True:
            done = job.done
            if job.line_count > seen:
                fresh = job.line_count - seen
                buffered = list(job.lines)
                for line in buffered[max(0, len(buffered) - fresh) :]:
                    yield line
                seen += fresh
            if done:
                return
            await asyncio.sleep(FOLLOW_POLL_SECONDS)

    async def _do_artifacts(self, external_ref: str) -> list[JobArtifact]:
        job = self._job(external_ref)
        root = job.artifacts_dir
        if root is None or not root.is_dir():
            return []
        out: list[JobArtifact] = []
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            out.append(
                JobArtifact(
                    name=str(path.relative_to(root)),
                    path=str(path),
                    size_bytes=path.stat().st_size,
                    checksum=f"sha256:{digest.hexdigest()}",
                    content_type=mimetypes.guess_type(path.name)[0],
                )
            )
        return out

    async def _do_cleanup(self, external_ref: str) -> None:
        job = self._job(external_ref)
        if not job.done:
            job.cancelled = True
            await self._stop(job)
            if job.monitor is not None:
                await asyncio.shield(job.monitor)
        if job.owns_artifacts_dir and job.artifacts_dir is not None:
            shutil.rmtree(job.artifacts_dir, ignore_errors=True)
        del self._jobs[external_ref]

    async def _do_health(self) -> RuntimeHealth:
        root = self.artifacts_root
        if root is not None:
            try:
                root.mkdir(parents=True, exist_ok=True)
                writable = os.access(root, os.W_OK)
            except OSError:
                writable = False
            if not writable:
                return RuntimeHealth(
                    healthy=False,
                    runtime=self.runtime_name,
                    message=f"artifacts_root {root} is not writable",
                )
        return RuntimeHealth(
            healthy=True, runtime=self.runtime_name, version=f"python {sys.version.split()[0]}"
        )

    def running_jobs(self) -> Mapping[str, int]:
        """External reference -> pid of the jobs still running."""
        return {ref: job.process.pid for ref, job in self._jobs.items() if not job.done}
