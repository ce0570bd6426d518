"""`spine.execution.runtimes`: run work as container jobs or local processes, tracked in the
ledger.

::

    spine.execution.runtimes
    ├── _types         ContainerJobSpec, JobStatus, JobError (+ categories), capabilities,
    │                  constraints, health, artifacts, the RuntimeAdapter protocol
    ├── _base          BaseRuntimeAdapter (logging + error mapping), StubRuntimeAdapter
    ├── mock_adapters  FailingAdapter, SlowAdapter, FlakeyAdapter, SequenceAdapter,
    │                  LatencyAdapter
    ├── hot_reload     HotReloadAdapter
    ├── validator      SpecValidator (pre-submit gate)
    ├── router         RuntimeAdapterRouter (registry + routing)
    ├── engine         JobEngine (the facade: ledger + router + validator)
    ├── reconciler     JobReconciler (settles jobs whose submitter went away)
    ├── entrypoint     run a handler inside a job and report its outcome
    ├── local_process  LocalProcessAdapter (no container needed)
    └── docker         DockerAdapter (extra ``spine-exec[docker]``)

:class:`RuntimeAdapter` is the protocol for *external* lifecycles (a process, a container);
spine-exec's :class:`~spine.execution.Executor` runs handlers *in process*.

Example:
    >>> import asyncio, sys
    >>> from spine.execution.runtimes import (
    ...     ContainerJobSpec, JobEngine, LocalProcessAdapter, RuntimeAdapterRouter)
    >>> router = RuntimeAdapterRouter()
    >>> router.register(LocalProcessAdapter())
    >>> with JobEngine(router=router) as engine:
    ...     job = engine.submit_sync(ContainerJobSpec(
    ...         name="hello", command=[sys.executable, "-c", "print('hello')"]))
    ...     engine.wait_sync(job.execution_id).status.value, engine.logs_sync(job.execution_id)
    ('completed', ['hello'])
"""

from __future__ import annotations

from spine.types.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from spine.execution.runtimes._base import BaseRuntimeAdapter, StubRuntimeAdapter
    from spine.execution.runtimes._types import (
        ContainerJobSpec,
        ErrorCategory,
        JobArtifact,
        JobError,
        JobErrorCategory,
        JobStatus,
        ResourceRequirements,
        RuntimeAdapter,
        RuntimeCapabilities,
        RuntimeConstraints,
        RuntimeHealth,
        VolumeMount,
        job_external_name,
        redact_spec,
    )
    from spine.execution.runtimes.docker import DockerAdapter
    from spine.execution.runtimes.engine import (
        JobEngine,
        JobOutcome,
        ReconcileReport,
        SubmitResult,
        map_job_state,
    )
    from spine.execution.runtimes.hot_reload import HotReloadAdapter
    from spine.execution.runtimes.local_process import LocalProcessAdapter
    from spine.execution.runtimes.mock_adapters import (
        FailingAdapter,
        FlakeyAdapter,
        LatencyAdapter,
        SequenceAdapter,
        SlowAdapter,
    )
    from spine.execution.runtimes.reconciler import JobReconciler
    from spine.execution.runtimes.router import RuntimeAdapterRouter
    from spine.execution.runtimes.validator import SpecValidator

_T = "spine.execution.runtimes._types"
_LAZY: dict[str, str] = {
    "BaseRuntimeAdapter": "spine.execution.runtimes._base",
    "StubRuntimeAdapter": "spine.execution.runtimes._base",
    "ContainerJobSpec": _T,
    "ErrorCategory": _T,
    "JobArtifact": _T,
    "JobError": _T,
    "JobErrorCategory": _T,
    "JobStatus": _T,
    "ResourceRequirements": _T,
    "RuntimeAdapter": _T,
    "RuntimeCapabilities": _T,
    "RuntimeConstraints": _T,
    "RuntimeHealth": _T,
    "VolumeMount": _T,
    "job_external_name": _T,
    "redact_spec": _T,
    "DockerAdapter": "spine.execution.runtimes.docker",
    "JobEngine": "spine.execution.runtimes.engine",
    "JobOutcome": "spine.execution.runtimes.engine",
    "ReconcileReport": "spine.execution.runtimes.engine",
    "SubmitResult": "spine.execution.runtimes.engine",
    "map_job_state": "spine.execution.runtimes.engine",
    "HotReloadAdapter": "spine.execution.runtimes.hot_reload",
    "LocalProcessAdapter": "spine.execution.runtimes.local_process",
    "FailingAdapter": "spine.execution.runtimes.mock_adapters",
    "FlakeyAdapter": "spine.execution.runtimes.mock_adapters",
    "LatencyAdapter": "spine.execution.runtimes.mock_adapters",
    "SequenceAdapter": "spine.execution.runtimes.mock_adapters",
    "SlowAdapter": "spine.execution.runtimes.mock_adapters",
    "JobReconciler": "spine.execution.runtimes.reconciler",
    "RuntimeAdapterRouter": "spine.execution.runtimes.router",
    "SpecValidator": "spine.execution.runtimes.validator",
}

__all__ = [
    "BaseRuntimeAdapter",
    "ContainerJobSpec",
    "DockerAdapter",
    "ErrorCategory",
    "FailingAdapter",
    "FlakeyAdapter",
    "HotReloadAdapter",
    "JobArtifact",
    "JobEngine",
    "JobError",
    "JobErrorCategory",
    "JobOutcome",
    "JobReconciler",
    "JobStatus",
    "LatencyAdapter",
    "LocalProcessAdapter",
    "ReconcileReport",
    "ResourceRequirements",
    "RuntimeAdapter",
    "RuntimeAdapterRouter",
    "RuntimeCapabilities",
    "RuntimeConstraints",
    "RuntimeHealth",
    "SequenceAdapter",
    "SlowAdapter",
    "SpecValidator",
    "StubRuntimeAdapter",
    "SubmitResult",
    "VolumeMount",
    "job_external_name",
    "map_job_state",
    "redact_spec",
]

__getattr__, __dir__ = lazy_exports("spine.execution.runtimes", _LAZY, globals())
