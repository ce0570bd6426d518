"""Types of the container side of spine-exec: specs, statuses, capabilities and errors.

::

    ContainerJobSpec ──submitted to──▶ RuntimeAdapter ──returns──▶ JobStatus
          │                                 │ raises ──▶ JobError (JobErrorCategory → taxonomy)
          ├─ redact_spec() ─▶ ledger/logs    ├─ reports ─▶ RuntimeHealth
          └─ spec_hash()                     └─ produces ─▶ JobArtifact
    RuntimeCapabilities (flags) + RuntimeConstraints (limits) are checked before submit.

:class:`RuntimeAdapter` is the protocol for *external* lifecycles (a local process, a Docker
container, later a Kubernetes pod); spine-exec's :class:`~spine.execution.Executor` runs
handlers *in process*. A :class:`ContainerJobSpec` says what to run (image, command, env,
resources, volumes, timeout); :func:`redact_spec` is the only form of it that reaches logs, the
ledger or a ``repr``: secret env values never do.

Example:
    >>> spec = ContainerJobSpec(
    ...     name="finra-otc-ingest",
    ...     image="spine-worker:1.4",
    ...     command=["python", "-m", "jobs.otc", "--week", "2025-12-26"],
    ...     env={"DB_PASSWORD": "hunter2", "LOG_LEVEL": "info"},
    ...     resources=ResourceRequirements(cpu="1.5", memory="2Gi"),
    ...     timeout_seconds=1800,
    ... )
    >>> redact_spec(spec)["env"]
    {'DB_PASSWORD': '***REDACTED***', 'LOG_LEVEL': 'info'}
    >>> "hunter2" in repr(spec)
    False
    >>> err = JobError(ErrorCategory.OOM, "container killed: out of memory", exit_code=137)
    >>> err.job_category.value, err.category.value, err.retryable
    ('oom', 'OPERATION', False)
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol, runtime_checkable

from spine.types import ErrorCategory as TaxonomyCategory
from spine.types import SpineError
from spine.types.secrets import SecretValue

__all__ = [
    "JOB_STATES",
    "TERMINAL_JOB_STATES",
    "ContainerJobSpec",
    "ErrorCategory",
    "JobArtifact",
    "JobError",
    "JobErrorCategory",
    "JobState",
    "JobStatus",
    "ResourceRequirements",
    "RuntimeAdapter",
    "RuntimeCapabilities",
    "RuntimeConstraints",
    "RuntimeHealth",
    "VolumeMount",
    "job_external_name",
    "parse_cpu",
    "parse_memory_mb",
    "redact_spec",
]

# --------------------------------------------------------------------------- errors


class JobErrorCategory(StrEnum):
    """Why a container job failed (the spec's ``ErrorCategory``; lower-case values).

    Each maps onto spine-types' taxonomy (:attr:`JobError.category`) with a default
    ``retryable`` (see :data:`CATEGORY_MAP`).
    """

    AUTH = "auth"
    QUOTA = "quota"
    NOT_FOUND = "not_found"
    RUNTIME_UNAVAILABLE = "runtime_unavailable"
    IMAGE_PULL = "image_pull"
    OOM = "oom"
    TIMEOUT = "timeout"
    USER_CODE = "user_code"
    VALIDATION = "validation"
    UNKNOWN = "unknown"


ErrorCategory = JobErrorCategory
"""The spec's name for :class:`JobErrorCategory` (``FailingAdapter(category=ErrorCategory.OOM)``).

Not to be confused with :class:`spine.types.ErrorCategory`, the taxonomy it maps onto."""

_C = JobErrorCategory
_T = TaxonomyCategory

CATEGORY_MAP: Mapping[JobErrorCategory, tuple[TaxonomyCategory, bool]] = {
    _C.AUTH: (_T.AUTH, False),
    _C.QUOTA: (_T.ORCHESTRATION, False),
    _C.NOT_FOUND: (_T.CONFIG, False),
    _C.RUNTIME_UNAVAILABLE: (_T.NETWORK, True),
    _C.IMAGE_PULL: (_T.NETWORK, True),
    _C.OOM: (_T.OPERATION, False),
    _C.TIMEOUT: (_T.OPERATION, False),
    _C.USER_CODE: (_T.OPERATION, False),
    _C.VALIDATION: (_T.VALIDATION, False),
    _C.UNKNOWN: (_T.UNKNOWN, True),
}
"""Job category -> (taxonomy category, retryable by default).

A runtime that cannot be reached and a failed image pull are transient (``NETWORK``,
retryable). Bad credentials, an exhausted quota, a missing image or runtime, an OOM kill, a
job that ran past its deadline and user code that exited non-zero would fail the same way
again: not retryable unless the raiser says otherwise."""


class JobError(SpineError):
    """A container job failed, typed for retry decisions (never parse the message).

    A :class:`~spine.types.SpineError`: ``category`` is the taxonomy category and
    ``retryable`` its default from :data:`CATEGORY_MAP` (overridable); ``job_category`` keeps
    the runtime's reason.

    Args:
        category: The :class:`JobErrorCategory` (or its value).
        message: What went wrong and what to do.
        retryable: Overrides the category's default.
        provider_code: The runtime's own code (``"ImageNotFound"``, ``"ErrImagePull"``).
        exit_code: The container's or process's exit code, when there is one.
        runtime: The adapter's ``runtime_name``.

    Example:
        >>> from spine.types import is_retryable
        >>> err = JobError("runtime_unavailable", "docker daemon not reachable", runtime="docker")
        >>> is_retryable(err), err.category.value, str(err)
        (True, 'NETWORK', '[runtime_unavailable] docker daemon not reachable')
    """

    job_category: JobErrorCategory
    provider_code: str | None
    exit_code: int | None
    runtime: str | None

    def __init__(
        self,
        category: JobErrorCategory | str,
        message: str,
        *,
        retryable: bool | None = None,
        provider_code: str | None = None,
        exit_code: int | None = None,
        runtime: str | None = None,
        retry_after: int | None = None,
        cause: BaseException | None = None,
    ) -> None:
        try:
            job_category = JobErrorCategory(category)
        except ValueError:
            job_category = JobErrorCategory.UNKNOWN
        taxonomy, default_retryable = CATEGORY_MAP[job_category]
        super().__init__(
            message,
            category=taxonomy,
            retryable=default_retryable if retryable is None else retryable,
            retry_after=retry_after,
            cause=cause,
        )
        self.job_category = job_category
        self.provider_code = provider_code
        self.exit_code = exit_code
        self.runtime = runtime
        if runtime is not None:
            self.with_context(runtime=runtime)

    def __str__(self) -> str:
        text = f"[{self.job_category.value}] {self.message}"
        if self.provider_code:
            text += f" (provider: {self.provider_code})"
        if self.exit_code is not None:
            text += f" (exit: {self.exit_code})"
        return text

    def __repr__(self) -> str:
        return f"JobError({self.job_category.value!r}, {self.message!r}, runtime={self.runtime!r})"

    def __reduce__(self) -> Any:
        return (_rebuild_job_error, (self.__dict__,))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for logs and the ledger (the taxonomy fields plus the job's)."""
        out = super().to_dict()
        out.update(
            job_category=self.job_category.value,
            provider_code=self.provider_code,
            exit_code=self.exit_code,
            runtime=self.runtime,
        )
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobError:
        """Rebuild from :meth:`to_dict`."""
        return cls(
            data.get("job_category", "unknown"),
            str(data.get("message", "")),
            retryable=data.get("retryable"),
            provider_code=data.get("provider_code"),
            exit_code=data.get("exit_code"),
            runtime=data.get("runtime"),
            retry_after=data.get("retry_after"),
        )

    @classmethod
    def unknown(
        cls, message: str, *, runtime: str | None = None, cause: BaseException | None = None
    ) -> JobError:
        """An UNKNOWN error (retryable)."""
        return cls(JobErrorCategory.UNKNOWN, message, runtime=runtime, cause=cause)


def _rebuild_job_error(state: dict[str, Any]) -> JobError:
    err = JobError.__new__(JobError)
    Exception.__init__(err, state.get("message", ""))
    err.__dict__.update(state)
    return err


def _invalid(message: str) -> JobError:
    return JobError(JobErrorCategory.VALIDATION, message)


# --------------------------------------------------------------------------- resources

_CPU_RE = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
_MEM_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|K|M|G|T|k|m|g|t|b|B)?$")
_MEM_FACTORS = {
    None: 1,
    "b": 1,
    "B": 1,
    "K": 1000,
    "k": 1000,
    "Ki": 1024,
    "M": 1000**2,
    "m": 1000**2,
    "Mi": 1024**2,
    "G": 1000**3,
    "g": 1000**3,
    "Gi": 1024**3,
    "T": 1000**4,
    "t": 1000**4,
    "Ti": 1024**4,
}


def parse_cpu(value: str | float | int) -> float:
    """CPU cores from Kubernetes notation (``"0.5"``, ``"500m"``, ``2``).

    Raises:
        JobError: VALIDATION for anything else (or not > 0).

    Example:
        >>> parse_cpu("500m"), parse_cpu("1.5"), parse_cpu(2)
        (0.5, 1.5, 2.0)
    """
    if isinstance(value, bool):
        raise _invalid(f"cpu must be cores like '0.5', '500m' or 2, got {value!r}")
    if isinstance(value, int | float):
        cores = float(value)
    else:
        match = _CPU_RE.match(str(value).strip())
        if match is None:
            raise _invalid(f"cpu must be cores like '0.5', '500m' or 2, got {value!r}")
        cores = float(match.group(1)) / (1000 if match.group(2) else 1)
    if not math.isfinite(cores) or cores <= 0:
        raise _invalid(f"cpu must be > 0 cores, got {value!r}")
    return cores


def parse_memory_mb(value: str | int) -> float:
    """Mebibytes from Kubernetes/Docker notation (``"256Mi"``, ``"2Gi"``, ``"512m"``, bytes).

    Raises:
        JobError: VALIDATION for anything else (or not > 0).

    Example:
        >>> parse_memory_mb("2Gi"), parse_memory_mb("256Mi")
        (2048.0, 256.0)
    """
    if isinstance(value, bool):
        raise _invalid(f"memory must look like '256Mi', '2Gi' or a byte count, got {value!r}")
    if isinstance(value, int):
        size = float(value)
    else:
        match = _MEM_RE.match(str(value).strip())
        if match is None:
            raise _invalid(f"memory must look like '256Mi', '2Gi' or a byte count, got {value!r}")
        size = float(match.group(1)) * _MEM_FACTORS[match.group(2)]
    if size <= 0:
        raise _invalid(f"memory must be > 0, got {value!r}")
    return size / 1024**2


@dataclass(frozen=True, slots=True)
class ResourceRequirements:
    """CPU, memory and GPU a job needs (``None``: the runtime's default).

    Example:
        >>> ResourceRequirements(cpu="2", memory="4Gi", gpu=1).to_dict()
        {'cpu': '2', 'memory': '4Gi', 'gpu': 1}
    """

    cpu: str | None = None
    """Cores, Kubernetes style: ``"0.5"``, ``"500m"``, ``"2"``."""
    memory: str | None = None
    """``"256Mi"``, ``"4Gi"`` (or Docker's ``"512m"``)."""
    gpu: int | None = None
    """Number of GPUs."""
    gpu_type: str | None = None
    """``"nvidia.com/gpu"``..."""
    ephemeral_storage: str | None = None
    """Scratch disk: ``"10Gi"``."""

    def to_dict(self) -> dict[str, Any]:
        """The fields that are set."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    @property
    def cpu_cores(self) -> float | None:
        """``cpu`` as cores (raises JobError VALIDATION when malformed)."""
        return None if self.cpu is None else parse_cpu(self.cpu)

    @property
    def memory_mb(self) -> float | None:
        """``memory`` in MiB (raises JobError VALIDATION when malformed)."""
        return None if self.memory is None else parse_memory_mb(self.memory)


@dataclass(frozen=True, slots=True)
class VolumeMount:
    """A volume mounted into the job.

    Attributes:
        name: A name for it (a named volume on Docker when ``host_path`` is ``None``).
        mount_path: Absolute path inside the container.
        host_path: A host directory to bind-mount (absolute).
        read_only: Mount read-only.
    """

    name: str
    mount_path: str
    host_path: str | None = None
    read_only: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "mount_path": self.mount_path,
            "host_path": self.host_path,
            "read_only": self.read_only,
        }


# --------------------------------------------------------------------------- the spec

PullPolicy = Literal["always", "if_not_present", "never"]
_PULL_POLICIES = ("always", "if_not_present", "never")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}$")
_ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LABEL_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,252}$")

EnvValue = str | SecretValue
"""An env value: plain text, or a :class:`~spine.types.secrets.SecretValue` (always redacted)."""


@dataclass(frozen=True, kw_only=True)
class ContainerJobSpec:
    """What to run as a container job, with how much and for how long.

    The input of :meth:`RuntimeAdapter.submit` and :meth:`JobEngine.submit
    <spine.execution.runtimes.engine.JobEngine.submit>`. Constructing a spec never raises
    (a refused spec is recorded in the ledger by the engine); :meth:`problems` lists what is
    wrong with it, and :class:`~spine.execution.runtimes.validator.SpecValidator` adds what
    the chosen runtime cannot do.

    Secrets: env values whose *name* looks secret (``*PASSWORD*``, ``*TOKEN*``, ``*KEY*``,
    ``*SECRET*``...), values given as :class:`~spine.types.secrets.SecretValue`, and the
    password of a URL (``postgresql://u:pw@h/db``) never appear in :func:`redact_spec`,
    ``repr``, :meth:`spec_hash`, logs or the ledger.

    Example:
        >>> spec = ContainerJobSpec(name="hello", image="busybox", command=["echo", "hi"])
        >>> spec.to_dict()["command"], spec.problems()
        (['echo', 'hi'], [])
        >>> ContainerJobSpec(name="x", image="busybox", command=[]).problems()
        ['command is empty: give the program to run, or None for the image default']
    """

    # identity
    name: str
    """Job name (also the base of the container name, see :func:`job_external_name`)."""
    image: str = ""
    """OCI image (``registry/repo:tag`` or ``repo@sha256:...``); ignored by local processes."""
    # what to run
    command: Sequence[str] | None = None
    """Program and arguments (Docker's entrypoint); ``None``: the image's default."""
    args: Sequence[str] | None = None
    """Arguments after ``command`` (Docker's cmd)."""
    working_dir: str | None = None
    """Working directory (in the container, or the local process's cwd)."""
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    """Environment variables (overlaid on the runtime's environment)."""
    # resources and storage
    resources: ResourceRequirements = field(default_factory=ResourceRequirements)
    volumes: Sequence[VolumeMount] = ()
    artifacts_dir: str | None = None
    """Where the job writes output files (collected by :meth:`RuntimeAdapter.artifacts`)."""
    sidecars: Sequence[str] = ()
    """Images of sidecar containers (runtimes that support them; checked by the validator)."""
    init_containers: Sequence[str] = ()
    """Images of init containers (runtimes that support them; checked by the validator)."""
    network: str | None = None
    """Network mode hint: ``"none"``, ``"host"``, ``"bridge"`` or a named network."""
    # scheduling and policy
    runtime: str | None = None
    """Adapter to use (``"docker"``, ``"local"``); ``None``: the router picks."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Labels on the runtime resource (ownership labels are added by the adapter)."""
    timeout_seconds: float = 3600
    """Wall-clock limit; past it the job is killed and fails with TIMEOUT."""
    max_retries: int = 0
    """Retries a caller may make after a retryable failure (informational for adapters)."""
    # budget
    max_cost_usd: float | None = None
    """Budget gate: refused when the runtime's estimate is higher."""
    budget_tag: str | None = None
    # tracking
    idempotency_key: str | None = None
    """The same key means the same job: the engine returns the existing execution."""
    correlation_id: str | None = None
    parent_execution_id: str | None = None
    trigger_source: str = "api"
    lane: str = "default"
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """JSON-ready annotations stored with the execution."""
    # image
    image_pull_policy: PullPolicy = "if_not_present"
    """``always``, ``if_not_present`` (pull when missing) or ``never``."""
    image_pull_secret: str | None = None
    """Registry credential reference; never stored or logged."""

    def __post_init__(self) -> None:
        def setv(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        for name in ("command", "args"):
            value = getattr(self, name)
            if isinstance(value, list | tuple):
                setv(name, tuple(value))
        for name in ("volumes", "sidecars", "init_containers"):
            value = getattr(self, name)
            if isinstance(value, list | tuple):
                setv(name, tuple(value))
        for name in ("env", "labels", "metadata"):
            value = getattr(self, name)
            if isinstance(value, Mapping):
                setv(name, dict(value))

    # -- checks --------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """What is wrong with this spec on any runtime (empty when it is well formed)."""
        out: list[str] = []
        if not isinstance(self.name, str) or not _NAME_RE.match(self.name):
            out.append(
                "name must be 1..200 letters, digits, '_', '.' or '-' starting with a letter or "
                f"digit, got {self.name!r}"
            )
        image: object = self.image
        if not isinstance(image, str):
            out.append(f"image must be a str, got {type(image).__name__}")
        for attr in ("command", "args"):
            value = getattr(self, attr)
            if value is None:
                continue
            if not isinstance(value, tuple) or not all(isinstance(a, str) for a in value):
                out.append(f"{attr} must be a list of str, got {value!r}")
            elif attr == "command" and (not value or not value[0].strip()):
                out.append(
                    "command is empty: give the program to run, or None for the image default"
                )
        env: object = self.env
        if not isinstance(env, dict):
            out.append(f"env must be a mapping of str to str, got {type(env).__name__}")
        else:
            for key, value in env.items():
                if not isinstance(key, str) or not _ENV_KEY_RE.match(key):
                    out.append(f"env name {key!r} is not a valid variable name")
                elif not isinstance(value, str | SecretValue):
                    out.append(f"env[{key!r}] must be a str, got {type(value).__name__}")
        labels: object = self.labels
        if not isinstance(labels, dict) or not all(
            isinstance(k, str) and _LABEL_KEY_RE.match(k) and isinstance(v, str)
            for k, v in labels.items()
        ):
            out.append(f"labels must map label names to str values, got {labels!r}")
        timeout = self.timeout_seconds
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not math.isfinite(timeout)
            or timeout <= 0
        ):
            out.append(f"timeout_seconds must be a finite number > 0, got {timeout!r}")
        resources: object = self.resources
        if not isinstance(resources, ResourceRequirements):
            out.append("resources must be a ResourceRequirements")
        else:
            for attr in ("cpu_cores", "memory_mb"):
                try:
                    getattr(resources, attr)
                except JobError as exc:
                    out.append(exc.message)
            gpu: object = resources.gpu
            if gpu is not None and (isinstance(gpu, bool) or not isinstance(gpu, int) or gpu < 0):
                out.append(f"resources.gpu must be an int >= 0, got {gpu!r}")
        volumes: Sequence[object] = self.volumes
        for volume in volumes:
            if not isinstance(volume, VolumeMount):
                out.append(f"volumes must hold VolumeMount, got {type(volume).__name__}")
            elif not volume.mount_path.startswith("/"):
                out.append(f"volume {volume.name!r}: mount_path must be absolute")
            elif volume.host_path is not None and not volume.host_path.startswith("/"):
                out.append(f"volume {volume.name!r}: host_path must be absolute")
        if self.image_pull_policy not in _PULL_POLICIES:
            out.append(
                f"image_pull_policy must be one of {', '.join(_PULL_POLICIES)}, "
                f"got {self.image_pull_policy!r}"
            )
        cost = self.max_cost_usd
        if cost is not None and (
            isinstance(cost, bool) or not isinstance(cost, int | float) or cost < 0
        ):
            out.append(f"max_cost_usd must be a number >= 0, got {cost!r}")
        if not isinstance(self.lane, str) or not self.lane:
            out.append(f"lane must be a non-empty str, got {self.lane!r}")
        if not isinstance(self.metadata, dict):
            out.append("metadata must be a mapping")
        return out

    # -- serialisation -------------------------------------------------------------------
    def env_values(self) -> dict[str, str]:
        """The env as plain strings (secrets revealed) - for adapters launching the job only."""
        return {
            k: v.get_secret_value() if isinstance(v, SecretValue) else v
            for k, v in self.env.items()
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with the *real* env values (never log or store it: see
        :func:`redact_spec`). Fields at their defaults are left out."""
        out: dict[str, Any] = {"name": self.name, "image": self.image}
        for f in fields(self):
            if f.name in ("name", "image"):
                continue
            value = getattr(self, f.name)
            default = f.default_factory() if callable(f.default_factory) else f.default
            if value == default or (
                f.name in ("volumes", "sidecars", "init_containers") and not value
            ):
                continue
            if f.name == "env":
                value = self.env_values()
            elif f.name == "resources":
                value = value.to_dict()
            elif f.name == "volumes":
                value = [v.to_dict() for v in value]
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = dict(value)
            out[f.name] = value
        return out

    def spec_hash(self) -> str:
        """SHA-256 of the canonical *redacted* spec: stable across processes and runs, and
        no digest of a secret (two specs that differ only in secret values hash the same).

        Example:
            >>> a = ContainerJobSpec(name="j", image="busybox", env={"B": "1", "A": "2"})
            >>> b = ContainerJobSpec(name="j", image="busybox", env={"A": "2", "B": "1"})
            >>> a.spec_hash() == b.spec_hash(), len(a.spec_hash())
            (True, 64)
        """
        canonical = json.dumps(
            redact_spec(self), sort_keys=True, separators=(",", ":"), default=str
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def __repr__(self) -> str:
        shown = redact_spec(self)
        body = ", ".join(f"{k}={v!r}" for k, v in shown.items())
        return f"ContainerJobSpec({body})"


# --------------------------------------------------------------------------- redaction

REDACTED = "***REDACTED***"
_SECRET_NAME_RE = re.compile(
    r"(?i)(pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
    r"^key$|_key$|credential|auth|cookie|session|signature|dsn|cert)"
)
_URL_PASSWORD_RE = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:)(?P<pw>[^@\s/]+)@")


def _redact_value(key: str, value: EnvValue) -> str:
    if isinstance(value, SecretValue) or _SECRET_NAME_RE.search(key):
        return REDACTED
    return _URL_PASSWORD_RE.sub(lambda m: f"{m.group('head')}{REDACTED}@", value)


def redact_spec(spec: ContainerJobSpec) -> dict[str, Any]:
    """The spec as a dict that is safe to log and store.

    Masks env values whose name looks secret, every
    :class:`~spine.types.secrets.SecretValue`, and URL passwords in any env value; drops
    ``image_pull_secret``. The spec itself is unchanged.

    Example:
        >>> spec = ContainerJobSpec(name="t", image="busybox", env={
        ...     "DB_URL": "postgresql://etl:hunter2@db:5432/otc", "LOG_LEVEL": "debug"})
        >>> redact_spec(spec)["env"]
        {'DB_URL': 'postgresql://etl:***REDACTED***@db:5432/otc', 'LOG_LEVEL': 'debug'}
    """
    out = spec.to_dict()
    if isinstance(spec.env, dict) and spec.env:
        out["env"] = {
            k: _redact_value(k, v)
            if isinstance(k, str) and isinstance(v, str | SecretValue)
            else REDACTED
            for k, v in spec.env.items()
        }
    if "image_pull_secret" in out:
        out["image_pull_secret"] = REDACTED
    for key in ("command", "args"):
        if isinstance(out.get(key), list):
            out[key] = [
                _URL_PASSWORD_RE.sub(lambda m: f"{m.group('head')}{REDACTED}@", a)
                if isinstance(a, str)
                else a
                for a in out[key]
            ]
    return out


_SLUG_RE = re.compile(r"[^a-z0-9-]+")


def job_external_name(execution_id: str, work_name: str) -> str:
    """Deterministic name for the runtime resource of an execution.

    ``spine-<last 8 chars of the id>-<slug of the name>``, at most 63 characters (a DNS
    label, valid for Docker and Kubernetes). The id's tail is its random part, so two
    executions of the same job created in the same millisecond still get different names.

    Example:
        >>> job_external_name("01JFZ8Q4W7K3M2N5P6R8S9T0VX", "FINRA OTC ingest!")
        'spine-r8s9t0vx-finra-otc-ingest'
    """
    prefix = _SLUG_RE.sub("", execution_id.lower())[-8:] or "job"
    slug = _SLUG_RE.sub("-", work_name.lower()).strip("-")[:40].strip("-") or "job"
    return f"spine-{prefix}-{slug}"[:63].rstrip("-")


# --------------------------------------------------------------------------- capabilities


@dataclass(frozen=True, slots=True)
class RuntimeCapabilities:
    """What a runtime can do (checked by the validator before submit)."""

    supports_gpu: bool = False
    supports_volumes: bool = False
    supports_sidecars: bool = False
    supports_init_containers: bool = False
    supports_log_streaming: bool = False
    supports_resource_limits: bool = False
    supports_network_isolation: bool = False
    supports_artifacts: bool = True
    supports_images: bool = False
    """Runs the spec's image (a local process ignores it)."""

    def to_dict(self) -> dict[str, bool]:
        """Every flag."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class RuntimeConstraints:
    """Numeric limits of a runtime (``None``: no limit) and cost estimation.

    Example:
        >>> RuntimeConstraints(max_timeout_seconds=900).validate_spec(
        ...     ContainerJobSpec(name="t", image="x", timeout_seconds=3600))
        ['timeout 3600s exceeds the runtime maximum of 900s']
    """

    max_timeout_seconds: float | None = None
    max_memory_mb: float | None = None
    max_cpu_cores: float | None = None
    max_env_count: int | None = None
    max_env_bytes: int | None = None
    max_concurrent: int | None = None
    requires_command: bool = False
    """The runtime has no image default to fall back on (a local process)."""
    cost_per_cpu_hour_usd: float | None = None
    """For the budget gate: estimate = cores x timeout hours x this (+ memory term)."""
    cost_per_gb_hour_usd: float | None = None

    def validate_spec(self, spec: ContainerJobSpec) -> list[str]:
        """Violations of these limits by ``spec`` (empty: within limits)."""
        out: list[str] = []
        if self.requires_command and spec.command is None:
            out.append("command is required on this runtime (it has no image default)")
        timeout = spec.timeout_seconds
        limit = self.max_timeout_seconds
        if limit is not None and isinstance(timeout, int | float) and timeout > limit:
            out.append(f"timeout {timeout:g}s exceeds the runtime maximum of {limit:g}s")
        env = spec.env if isinstance(spec.env, dict) else {}
        if self.max_env_count is not None and len(env) > self.max_env_count:
            out.append(
                f"{len(env)} env variables exceed the runtime maximum of {self.max_env_count}"
            )
        if self.max_env_bytes is not None:
            size = sum(
                len(str(k).encode()) + len(str(v).encode()) for k, v in spec.env_values().items()
            )
            if size > self.max_env_bytes:
                out.append(
                    f"env of {size} bytes exceeds the runtime maximum of {self.max_env_bytes}"
                )
        try:
            cores = spec.resources.cpu_cores
            memory = spec.resources.memory_mb
        except JobError:
            return out  # malformed values are reported by spec.problems()
        if self.max_cpu_cores is not None and cores is not None and cores > self.max_cpu_cores:
            out.append(f"cpu {cores:g} cores exceeds the runtime maximum of {self.max_cpu_cores:g}")
        if self.max_memory_mb is not None and memory is not None and memory > self.max_memory_mb:
            out.append(
                f"memory {memory:g}MiB exceeds the runtime maximum of {self.max_memory_mb:g}MiB"
            )
        return out

    def estimate_cost_usd(self, spec: ContainerJobSpec) -> float | None:
        """Worst-case cost of ``spec`` (its full timeout), or ``None`` when unpriced."""
        if self.cost_per_cpu_hour_usd is None and self.cost_per_gb_hour_usd is None:
            return None
        hours = float(spec.timeout_seconds) / 3600
        cores = spec.resources.cpu_cores or 1.0
        gigabytes = (spec.resources.memory_mb or 0.0) / 1024
        return hours * (
            cores * (self.cost_per_cpu_hour_usd or 0.0)
            + gigabytes * (self.cost_per_gb_hour_usd or 0.0)
        )

    def to_dict(self) -> dict[str, Any]:
        """The limits that are set."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) not in (None, False)
        }


# --------------------------------------------------------------------------- status

JobState = Literal[
    "pending", "pulling", "creating", "running", "succeeded", "failed", "cancelled", "unknown"
]
JOB_STATES: tuple[str, ...] = (
    "pending",
    "pulling",
    "creating",
    "running",
    "succeeded",
    "failed",
    "cancelled",
    "unknown",
)
TERMINAL_JOB_STATES = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True, slots=True)
class JobStatus:
    """The runtime's view of a job (the engine maps it onto ExecutionStatus).

    Attributes:
        state: ``pending``, ``pulling``, ``creating``, ``running``, ``succeeded``,
            ``failed``, ``cancelled`` or ``unknown``.
        exit_code: The process's exit code once it ended.
        started_at / finished_at: UTC, when known.
        message: Human detail (why it failed).
        error: The typed failure (category OOM, TIMEOUT, USER_CODE...) of a failed job.
        node: Host the job ran on.
    """

    state: JobState
    exit_code: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    message: str | None = None
    error: JobError | None = None
    node: str | None = None

    @property
    def is_terminal(self) -> bool:
        """Whether the job has finished (succeeded, failed or cancelled)."""
        return self.state in TERMINAL_JOB_STATES

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (fields that are set)."""
        out: dict[str, Any] = {"state": self.state}
        if self.exit_code is not None:
            out["exit_code"] = self.exit_code
        if self.started_at is not None:
            out["started_at"] = self.started_at.isoformat()
        if self.finished_at is not None:
            out["finished_at"] = self.finished_at.isoformat()
        if self.message:
            out["message"] = self.message
        if self.error is not None:
            out["error"] = self.error.to_dict()
        if self.node:
            out["node"] = self.node
        return out


@dataclass(frozen=True, slots=True)
class JobArtifact:
    """An output file of a job (from its ``artifacts_dir``)."""

    name: str
    path: str
    size_bytes: int | None = None
    checksum: str | None = None
    """``"sha256:<hex>"``."""
    content_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


@dataclass(frozen=True, slots=True)
class RuntimeHealth:
    """Whether a runtime answers, and how fast."""

    healthy: bool
    runtime: str
    version: str | None = None
    message: str | None = None
    latency_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


# --------------------------------------------------------------------------- protocol


@runtime_checkable
class RuntimeAdapter(Protocol):
    """A container (or process) runtime: every backend the JobEngine drives implements it.

    Lifecycle: ``submit`` -> ``status`` / ``logs`` (poll or stream) -> ``cleanup``;
    ``cancel`` at any time. Every method is async; the external reference returned by
    ``submit`` (container id, pid handle) identifies the job for all the others.
    """

    @property
    def runtime_name(self) -> str:
        """Unique name (``"docker"``, ``"local"``, ``"stub"``)."""
        ...

    @property
    def capabilities(self) -> RuntimeCapabilities:
        """What it can do."""
        ...

    @property
    def constraints(self) -> RuntimeConstraints:
        """Its limits."""
        ...

    async def submit(self, spec: ContainerJobSpec) -> str:
        """Start the job; return its external reference.

        Raises:
            JobError: it could not be started (categorised).
        """
        ...

    async def status(self, external_ref: str) -> JobStatus:
        """The job's current state.

        Raises:
            JobError: NOT_FOUND for an unknown or removed reference.
        """
        ...

    async def cancel(self, external_ref: str) -> bool:
        """Stop the job; ``True`` once it is not running (idempotent)."""
        ...

    def logs(
        self, external_ref: str, *, follow: bool = False, tail: int | None = None
    ) -> AsyncIterator[str]:
        """Its output lines (stdout and stderr, without newlines); ``follow`` streams until
        the job ends, ``tail`` keeps the last N lines."""
        ...

    async def artifacts(self, external_ref: str) -> list[JobArtifact]:
        """Files the job left in its artifacts directory."""
        ...

    async def cleanup(self, external_ref: str) -> None:
        """Remove what the job left on the runtime (idempotent)."""
        ...

    async def health(self) -> RuntimeHealth:
        """Whether the runtime answers."""
        ...
