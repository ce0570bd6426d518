"""DockerAdapter: run a ContainerJobSpec as a container of a Docker-API daemon.

Works against Docker Engine and against podman's Docker-compatible API
(``podman system service``). Needs the docker SDK: ``pip install "spine-exec[docker]"``.

::

    ContainerJobSpec field   Docker
    ──────────────────────   ─────────────────────────────────────────────────────────────
    image                    pulled per image_pull_policy: always / if_not_present / never
    command, args            entrypoint, cmd
    env                      environment (+ SPINE_ARTIFACTS_DIR when artifacts_dir is set)
    working_dir              working_dir
    resources.cpu / memory   nano_cpus / mem_limit (memory-swap = memory: no swap)
    resources.gpu            device_requests (only with supports_gpu=True)
    volumes                  bind mounts (host_path) or named volumes, ro/rw
    network                  network_mode
    labels                   labels + ownership: spine.managed, spine.owner, spine.runtime,
                             spine.job, spine.spec_hash, spine.deadline, spine.artifacts_dir
    timeout_seconds          enforced by the adapter: a timer stops the container at its
                             deadline, and status() stops any container found past it (the
                             deadline is a label, so a restarted worker still enforces it)

    container state          JobStatus
    created / configured     pending
    running / paused / ...   running
    exited / stopped / dead  succeeded (exit 0) · failed OOM (OOMKilled) · failed TIMEOUT
                             (stopped at its deadline) · cancelled (cancelled here) ·
                             failed USER_CODE (any other non-zero exit)

Cancel is ``docker stop`` (SIGTERM, then SIGKILL after ``stop_timeout`` seconds), then a kill
if it is still running. Cleanup removes the container and its anonymous volumes. Every call
of the (blocking) SDK runs in a worker thread.

Errors: an unreachable daemon is RUNTIME_UNAVAILABLE (retryable); a missing image NOT_FOUND
(with ``image_pull_policy="never"``, or when the registry says so); a pull that fails for
another reason IMAGE_PULL (retryable); a refused credential AUTH.

Example::

    from spine.execution.runtimes import ContainerJobSpec, JobEngine, RuntimeAdapterRouter
    from spine.execution.runtimes.docker import DockerAdapter

    router = RuntimeAdapterRouter()
    router.register(DockerAdapter())            # DOCKER_HOST, or the default socket
    with JobEngine(router=router) as engine:
        job = engine.submit_sync(ContainerJobSpec(
            name="otc-ingest", image="registry.example.com/otc:1.4",
            command=["python", "-m", "jobs.otc"], timeout_seconds=1800,
            resources=ResourceRequirements(cpu="1", memory="2Gi"),
        ))
        print(engine.wait_sync(job.execution_id).status)
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import mimetypes
import os
import socket
import tarfile
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

from spine.execution.errors import MissingExtraError
from spine.execution.runtimes._base import BaseRuntimeAdapter
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
    job_external_name,
)
from spine.execution.runtimes.local_process import ARTIFACTS_ENV
from spine.types.timestamps import parse_iso, utc_now
from spine.types.ulid import generate_ulid

__all__ = ["LABEL_MANAGED", "LABEL_OWNER", "DockerAdapter", "import_docker"]

log = logging.getLogger("spine.execution.runtimes")

T = TypeVar("T")

LABEL_MANAGED = "spine.managed"
LABEL_OWNER = "spine.owner"
LABEL_RUNTIME = "spine.runtime"
LABEL_JOB = "spine.job"
LABEL_SPEC_HASH = "spine.spec_hash"
LABEL_DEADLINE = "spine.deadline"
LABEL_ARTIFACTS = "spine.artifacts_dir"

_RUNNING = frozenset({"running", "paused", "restarting", "removing"})
_PENDING = frozenset({"created", "configured", "initialized"})
_ENDED = frozenset({"exited", "stopped", "dead"})
_NOT_FOUND_PULL = ("manifest unknown", "not found", "does not exist", "name unknown", "no such")
_AUTH_PULL = ("unauthorized", "denied", "authentication required", "forbidden")
_API_ERROR_TEXTS: tuple[tuple[tuple[str, ...], JobErrorCategory, str], ...] = (
    # podman answers 500 (not 404) for a container removed meanwhile
    (("no such container",), JobErrorCategory.NOT_FOUND, "{operation}: no such container"),
    (("no such image", "image not known"), JobErrorCategory.NOT_FOUND, "image not found"),
    (("cannot allocate memory", "quota"), JobErrorCategory.QUOTA, "{operation} refused"),
)


def import_docker() -> Any:
    """The docker SDK module.

    Raises:
        MissingExtraError: it is not installed (names the ``docker`` extra).
    """
    try:
        import docker
    except ImportError as exc:
        raise MissingExtraError("DockerAdapter", "the docker SDK", "docker") from exc
    return docker


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value or value.startswith("0001-"):
        return None
    text = value.replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # nanoseconds: keep microseconds
        digits = "".join(ch for ch in rest if ch.isdigit())
        tz = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{tz}"
    try:
        return parse_iso(text)
    except ValueError:
        return None


class DockerAdapter(BaseRuntimeAdapter):
    """Runs jobs as containers (see the module docstring).

    Args:
        client: A ``docker.DockerClient`` (default: built from ``base_url``, else from the
            environment - ``DOCKER_HOST`` etc.).
        base_url: Daemon address (``unix:///var/run/docker.sock``, ``tcp://host:2375``).
        owner: Value of the ``spine.owner`` label on every container it starts (which
            containers :meth:`list_containers` and :meth:`cleanup_owned` see).
        stop_timeout: Seconds between SIGTERM and SIGKILL on cancel and timeout.
        supports_gpu: Claim GPU support (the daemon has the NVIDIA runtime).
        api_timeout: Seconds an SDK call may take.
        api_version: Docker API version spoken (1.41: Docker 20.10+, podman 3+).
        runtime_name: Name to register under (``"docker"``).
    """

    constraints = RuntimeConstraints()

    def __init__(
        self,
        client: Any = None,
        *,
        base_url: str | None = None,
        owner: str = "spine",
        stop_timeout: float = 5.0,
        supports_gpu: bool = False,
        api_timeout: float = 60.0,
        api_version: str = "1.41",
        runtime_name: str = "docker",
    ) -> None:
        self._docker = import_docker()
        self.runtime_name = runtime_name
        self.owner = owner
        self.stop_timeout = stop_timeout
        self.api_timeout = api_timeout
        self.api_version = api_version
        self.base_url = base_url
        self.capabilities = RuntimeCapabilities(
            supports_gpu=supports_gpu,
            supports_volumes=True,
            supports_log_streaming=True,
            supports_resource_limits=True,
            supports_network_isolation=True,
            supports_artifacts=True,
            supports_images=True,
        )
        self._client = client
        self._client_lock = threading.Lock()
        self._cancelled: set[str] = set()
        self._timed_out: set[str] = set()
        self._timers: dict[str, asyncio.TimerHandle] = {}

    # -- plumbing ------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        """The docker client (created on first use)."""
        with self._client_lock:
            if self._client is None:
                self._check_unix_socket()
                # a pinned API version: "auto" asks the daemon inside the constructor, and a
                # failed ask leaks the half-built client's socket
                options = {"timeout": int(self.api_timeout), "version": self.api_version}
                if self.base_url is not None:
                    self._client = self._docker.DockerClient(base_url=self.base_url, **options)
                else:
                    self._client = self._docker.from_env(**options)
            return self._client

    def _check_unix_socket(self) -> None:
        """Fail fast (and without the SDK, whose failed unix connects leak their socket) when
        the daemon's unix socket is missing or nobody listens on it."""
        url = self.base_url or os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        if not url.startswith("unix://"):
            return
        path = url[len("unix://") :]
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(min(5.0, self.api_timeout))
            try:
                probe.connect(path)
            except OSError as exc:
                raise JobError(
                    JobErrorCategory.RUNTIME_UNAVAILABLE,
                    f"docker daemon at {url} is not reachable: {exc.strerror or exc}; start it "
                    "or point DOCKER_HOST at a running one",
                    provider_code=type(exc).__name__,
                    runtime=self.runtime_name,
                ) from exc

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    def _where(self) -> str:
        return self.base_url or os.environ.get("DOCKER_HOST") or "the default docker socket"

    def map_error(self, exc: BaseException, operation: str) -> JobError:
        """Docker SDK / transport exceptions -> categorised :class:`JobError`."""
        errors = self._docker.errors
        name = self.runtime_name
        if isinstance(exc, errors.ImageNotFound):
            return JobError(
                JobErrorCategory.NOT_FOUND,
                f"image not found: {exc.explanation}",
                provider_code="ImageNotFound",
                runtime=name,
            )
        if isinstance(exc, errors.NotFound):
            return JobError(
                JobErrorCategory.NOT_FOUND,
                f"{operation}: no such container ({exc.explanation})",
                provider_code="NotFound",
                runtime=name,
            )
        if isinstance(exc, errors.APIError):
            status = exc.status_code
            if status in (401, 403):
                return JobError(
                    JobErrorCategory.AUTH,
                    f"{operation} refused: {exc.explanation}",
                    provider_code=str(status),
                    runtime=name,
                )
            text = str(exc.explanation or exc).lower()
            category, what = JobErrorCategory.UNKNOWN, f"{operation} failed"
            for markers, found, label in _API_ERROR_TEXTS:
                if any(marker in text for marker in markers):
                    category, what = found, label.format(operation=operation)
                    break
            return JobError(
                category, f"{what}: {exc.explanation}", provider_code=str(status), runtime=name
            )
        # requests' exceptions (the SDK's transport) are OSErrors
        transport = (ConnectionError, OSError, TimeoutError, errors.DockerException)
        if isinstance(exc, transport):
            return JobError(
                JobErrorCategory.RUNTIME_UNAVAILABLE,
                f"docker daemon at {self._where()} is not reachable ({operation}): {exc}",
                provider_code=type(exc).__name__,
                runtime=name,
            )
        return super().map_error(exc, operation)

    # -- images --------------------------------------------------------------------------
    def _image_present(self, image: str) -> bool:
        try:
            self.client.images.get(image)
        except self._docker.errors.ImageNotFound:
            return False
        return True

    def _pull(self, image: str) -> None:
        last_error: str | None = None
        for event in self.client.api.pull(image, stream=True, decode=True):
            if isinstance(event, dict) and event.get("error"):
                last_error = str(event["error"])
        if last_error is None and self._image_present(image):
            return
        text = (last_error or "the image is not there after the pull").lower()
        if any(marker in text for marker in _AUTH_PULL):
            category = JobErrorCategory.AUTH
        elif any(marker in text for marker in _NOT_FOUND_PULL):
            category = JobErrorCategory.NOT_FOUND
        else:
            category = JobErrorCategory.IMAGE_PULL
        raise JobError(
            category,
            f"cannot pull image {image!r}: {last_error or 'not present after the pull'}",
            provider_code="PullFailed",
            runtime=self.runtime_name,
        )

    def _ensure_image(self, spec: ContainerJobSpec) -> None:
        policy = spec.image_pull_policy
        if policy == "always":
            self._pull(spec.image)
            return
        if self._image_present(spec.image):
            return
        if policy == "never":
            raise JobError(
                JobErrorCategory.NOT_FOUND,
                f"image {spec.image!r} is not on the docker host and image_pull_policy is "
                "'never': build or load it there, or allow pulling",
                provider_code="ImageNotFound",
                runtime=self.runtime_name,
            )
        self._pull(spec.image)

    # -- submit --------------------------------------------------------------------------
    def _labels(self, spec: ContainerJobSpec, deadline: datetime) -> dict[str, str]:
        labels = dict(spec.labels)
        labels.update(
            {
                LABEL_MANAGED: "true",
                LABEL_OWNER: self.owner,
                LABEL_RUNTIME: self.runtime_name,
                LABEL_JOB: spec.name,
                LABEL_SPEC_HASH: spec.spec_hash(),
                LABEL_DEADLINE: deadline.isoformat(),
            }
        )
        if spec.artifacts_dir:
            labels[LABEL_ARTIFACTS] = spec.artifacts_dir
        return labels

    def _create_options(self, spec: ContainerJobSpec, name: str) -> dict[str, Any]:
        env = spec.env_values()
        if spec.artifacts_dir:
            env[ARTIFACTS_ENV] = spec.artifacts_dir
        options: dict[str, Any] = {
            "name": name,
            "environment": env,
            "detach": True,
            "stdin_open": False,
            "tty": False,
        }
        if spec.command is not None:
            options["entrypoint"] = list(spec.command)
            options["command"] = list(spec.args or [])
        elif spec.args is not None:
            options["command"] = list(spec.args)
        if spec.working_dir:
            options["working_dir"] = spec.working_dir
        cores = spec.resources.cpu_cores
        if cores is not None:
            options["nano_cpus"] = int(cores * 1_000_000_000)
        memory = spec.resources.memory_mb
        if memory is not None:
            limit = int(memory * 1024 * 1024)
            options["mem_limit"] = limit
            options["memswap_limit"] = limit
        if spec.resources.gpu:
            options["device_requests"] = [
                self._docker.types.DeviceRequest(count=spec.resources.gpu, capabilities=[["gpu"]])
            ]
        if spec.volumes:
            options["volumes"] = {
                (v.host_path or v.name): {
                    "bind": v.mount_path,
                    "mode": "ro" if v.read_only else "rw",
                }
                for v in spec.volumes
            }
        if spec.network:
            options["network_mode"] = spec.network
        return options

    def _submit_blocking(self, spec: ContainerJobSpec, deadline: datetime) -> str:
        self._ensure_image(spec)
        name = str(spec.metadata.get("external_name") or "") or job_external_name(
            generate_ulid(), spec.name
        )
        options = self._create_options(spec, name)
        container = self.client.containers.create(
            spec.image, labels=self._labels(spec, deadline), **options
        )
        try:
            container.start()
        except Exception:
            try:
                container.remove(force=True, v=True)
            except Exception:  # pragma: no cover - best effort; the start error matters
                log.warning("could not remove container %s after a failed start", container.id)
            raise
        return str(container.id)

    async def _do_submit(self, spec: ContainerJobSpec) -> str:
        deadline = utc_now() + timedelta(seconds=float(spec.timeout_seconds))
        ref = await self._call(self._submit_blocking, spec, deadline)
        loop = asyncio.get_running_loop()
        self._timers[ref] = loop.call_later(
            float(spec.timeout_seconds), lambda: loop.create_task(self._enforce(ref))
        )
        return ref

    async def _enforce(self, ref: str) -> None:
        self._timers.pop(ref, None)
        try:
            attrs = await self._call(self.client.api.inspect_container, ref)
        except Exception:
            return  # gone, or the daemon is away: status() enforces it later
        if attrs.get("State", {}).get("Status") in _RUNNING | _PENDING:
            self._timed_out.add(ref)
            log.info("%s: job %s passed its deadline; stopping it", self.runtime_name, ref)
            try:
                await self._call(self._stop_blocking, ref)
            except Exception as exc:  # status() tries again
                err = self.map_error(exc, "stop")
                if err.job_category is not JobErrorCategory.NOT_FOUND:  # removed meanwhile: fine
                    log.warning(
                        "%s: could not stop %s at its deadline: %s", self.runtime_name, ref, err
                    )

    # -- status --------------------------------------------------------------------------
    async def _do_status(self, external_ref: str) -> JobStatus:
        attrs = await self._call(self.client.api.inspect_container, external_ref)
        status = self._status_from(external_ref, attrs)
        if status.state in ("running", "pending") and self._past_deadline(attrs):
            self._timed_out.add(external_ref)
            await self._call(self._stop_blocking, external_ref)
            attrs = await self._call(self.client.api.inspect_container, external_ref)
            status = self._status_from(external_ref, attrs)
        return status

    @staticmethod
    def _deadline(attrs: dict[str, Any]) -> datetime | None:
        labels = (attrs.get("Config") or {}).get("Labels") or {}
        try:
            return parse_iso(labels[LABEL_DEADLINE])
        except (KeyError, ValueError):
            return None

    def _past_deadline(self, attrs: dict[str, Any]) -> bool:
        deadline = self._deadline(attrs)
        return deadline is not None and utc_now() >= deadline

    def _status_from(self, ref: str, attrs: dict[str, Any]) -> JobStatus:
        state = attrs.get("State") or {}
        raw = str(state.get("Status", "")).lower()
        started = _time(state.get("StartedAt"))
        finished = _time(state.get("FinishedAt"))
        node = (attrs.get("Config") or {}).get("Hostname")
        name = ((attrs.get("Config") or {}).get("Labels") or {}).get(LABEL_JOB, ref[:12])
        if raw in _PENDING:
            return JobStatus("pending", node=node)
        if raw in _RUNNING:
            return JobStatus("running", started_at=started, node=node)
        if raw not in _ENDED:
            return JobStatus("unknown", message=f"container state {raw!r}", node=node)
        exit_code = state.get("ExitCode")
        code = int(exit_code) if isinstance(exit_code, int) else None

        def ended(state_name: JobState, **extra: Any) -> JobStatus:
            return JobStatus(
                state_name,
                exit_code=code,
                started_at=started,
                finished_at=finished,
                node=node,
                **extra,
            )

        if ref in self._cancelled:
            return ended("cancelled", message="cancelled")
        deadline = self._deadline(attrs)
        if ref in self._timed_out or (
            code not in (0, None)
            and deadline is not None
            and finished is not None
            and finished >= deadline - timedelta(seconds=1)
        ):
            error = JobError(
                JobErrorCategory.TIMEOUT,
                f"job {name!r} ran past its deadline and was stopped",
                exit_code=code,
                runtime=self.runtime_name,
            )
            return ended("failed", message=error.message, error=error)
        if state.get("OOMKilled"):
            error = JobError(
                JobErrorCategory.OOM,
                f"job {name!r} was killed: out of memory",
                exit_code=code,
                provider_code="OOMKilled",
                runtime=self.runtime_name,
            )
            return ended("failed", message=error.message, error=error)
        if code == 0:
            return ended("succeeded")
        detail = str(state.get("Error") or "")
        error = JobError(
            JobErrorCategory.USER_CODE,
            f"job {name!r} exited with code {code}" + (f": {detail}" if detail else ""),
            exit_code=code,
            runtime=self.runtime_name,
        )
        return ended("failed", message=error.message, error=error)

    # -- cancel ----------------------------------------------------------------------------
    def _stop_blocking(self, ref: str) -> None:
        api = self.client.api
        api.stop(ref, timeout=int(max(0, round(self.stop_timeout))))
        state = (api.inspect_container(ref).get("State") or {}).get("Status")
        if state in _RUNNING:
            try:
                api.kill(ref)
            except self._docker.errors.APIError as exc:  # it ended between the two calls
                if exc.status_code != 409:
                    raise

    async def _do_cancel(self, external_ref: str) -> bool:
        attrs = await self._call(self.client.api.inspect_container, external_ref)
        raw = str((attrs.get("State") or {}).get("Status", "")).lower()
        if raw in _ENDED:
            return True
        self._cancelled.add(external_ref)
        self._drop_timer(external_ref)
        await self._call(self._stop_blocking, external_ref)
        return True

    def _drop_timer(self, ref: str) -> None:
        timer = self._timers.pop(ref, None)
        if timer is not None:
            timer.cancel()

    # -- logs ------------------------------------------------------------------------------
    async def _do_logs(
        self, external_ref: str, *, follow: bool, tail: int | None
    ) -> AsyncIterator[str]:
        api = self.client.api
        tail_arg: int | str = "all" if tail is None else tail
        if not follow:
            data = await self._call(
                api.logs, external_ref, stdout=True, stderr=True, tail=tail_arg, stream=False
            )
            if tail == 0:
                return
            for line in bytes(data).decode("utf-8", "replace").splitlines():
                yield line
            return
        if tail == 0:
            tail_arg = 0
        stream: Iterator[bytes] = await self._call(
            api.logs,
            external_ref,
            stdout=True,
            stderr=True,
            tail=tail_arg,
            stream=True,
            follow=True,
        )
        buffer = b""
        try:
            while True:
                chunk = await self._call(next, stream, None)
                if chunk is None:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    yield line.decode("utf-8", "replace").rstrip("\r")
            if buffer:
                yield buffer.decode("utf-8", "replace").rstrip("\r")
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    # -- artifacts, cleanup, health ----------------------------------------------------------
    def _artifacts_blocking(self, ref: str) -> list[JobArtifact]:
        attrs = self.client.api.inspect_container(ref)
        labels = (attrs.get("Config") or {}).get("Labels") or {}
        root = labels.get(LABEL_ARTIFACTS)
        if not root:
            return []
        try:
            chunks, _ = self.client.api.get_archive(ref, root)
        except self._docker.errors.NotFound:
            return []
        out: list[JobArtifact] = []
        base = root.rstrip("/").rsplit("/", 1)[-1]
        with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
            for member in archive.getmembers():
                if not member.isfile():
                    continue
                handle = archive.extractfile(member)
                digest = hashlib.sha256(handle.read() if handle is not None else b"").hexdigest()
                prefix = base + "/"
                relative = (
                    member.name[len(prefix) :] if member.name.startswith(prefix) else member.name
                )
                out.append(
                    JobArtifact(
                        name=relative,
                        path=f"{root.rstrip('/')}/{relative}",
                        size_bytes=member.size,
                        checksum=f"sha256:{digest}",
                        content_type=mimetypes.guess_type(relative)[0],
                    )
                )
        return out

    async def _do_artifacts(self, external_ref: str) -> list[JobArtifact]:
        return await self._call(self._artifacts_blocking, external_ref)

    async def _do_cleanup(self, external_ref: str) -> None:
        self._drop_timer(external_ref)
        await self._call(self.client.api.remove_container, external_ref, force=True, v=True)
        self._cancelled.discard(external_ref)
        self._timed_out.discard(external_ref)

    async def _do_health(self) -> RuntimeHealth:
        version = await self._call(self.client.version)
        return RuntimeHealth(
            healthy=True,
            runtime=self.runtime_name,
            version=f"{version.get('Version')} (API {version.get('ApiVersion')})",
        )

    # -- ownership ---------------------------------------------------------------------------
    def list_containers(self, *, include_stopped: bool = True) -> list[dict[str, Any]]:
        """Containers started by adapters with this ``owner`` (id, name, status, labels)."""
        found = self.client.api.containers(
            all=include_stopped,
            filters={"label": [f"{LABEL_MANAGED}=true", f"{LABEL_OWNER}={self.owner}"]},
        )
        return [
            {
                "id": c.get("Id"),
                "names": c.get("Names"),
                "state": c.get("State"),
                "labels": c.get("Labels") or {},
            }
            for c in found
        ]

    def cleanup_owned(self) -> int:
        """Force-remove every container of this ``owner``; returns how many."""
        removed = 0
        for container in self.list_containers():
            try:
                self.client.api.remove_container(container["id"], force=True, v=True)
                removed += 1
            except self._docker.errors.NotFound:
                pass
        return removed

    def close(self) -> None:
        """Close the client's connections and cancel pending deadline timers."""
        for ref in list(self._timers):
            self._drop_timer(ref)
        if self._client is not None:
            self._client.close()

    def __repr__(self) -> str:
        return f"DockerAdapter(runtime_name={self.runtime_name!r}, daemon={self._where()!r})"
