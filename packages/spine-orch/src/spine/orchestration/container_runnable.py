"""ContainerRunnable: a workflow's operation steps run as container (or process) jobs.

::

    WorkflowRunner ──▶ Runnable protocol (submit_operation_sync)
                           │
                    ContainerRunnable
                           │  operation name ──▶ its handler's import reference
                           │  params ──▶ $SPINE_JOB_PARAMS
                           ▼
                        JobEngine ──▶ Router ──▶ LocalProcessAdapter / DockerAdapter / ...
                           │
                         Ledger

Each operation step becomes a :class:`~spine.execution.runtimes.ContainerJobSpec` that runs
the operation's handler through ``python -m spine.execution.runtimes.entrypoint`` (the handler
found by name in a :class:`~spine.execution.HandlerRegistry` - the one DispatcherRunnable
uses by default - and sent by its ``module:function`` reference, so the image must have the
same code installed). The job is submitted through the
:class:`~spine.execution.runtimes.JobEngine` and polled to completion; its result, or its
typed error, comes back from the job's outcome line. The ledger records the execution under
the operation's name, with the step's params, trigger ``workflow`` and the workflow run as
``batch_id`` - like an in-process operation step - plus where the job ran.

Example::

    from spine.execution.runtimes import JobEngine, RuntimeAdapterRouter
    from spine.execution.runtimes.docker import DockerAdapter
    from spine.orchestration import Step, Workflow, WorkflowRunner
    from spine.orchestration.container_runnable import ContainerRunnable

    router = RuntimeAdapterRouter()
    router.register(DockerAdapter())
    engine = JobEngine(router=router, ledger=ledger)
    runnable = ContainerRunnable(engine=engine, image="registry.example.com/otc-jobs:1.4")
    runner = WorkflowRunner(runnable=runnable)
    result = runner.execute(workflow, params={"week_ending": "2025-12-26"})
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from spine.execution import HandlerRegistry
from spine.execution.errors import UnserializableParamsError
from spine.execution.runtimes import ContainerJobSpec, JobEngine, JobError
from spine.execution.runtimes.entrypoint import PARAMS_ENV, entrypoint_command, handler_reference
from spine.orchestration.runnable import OperationResult
from spine.types import ExecutionStatus, OperationError, SpineError

__all__ = ["ContainerRunnable"]

log = logging.getLogger("spine.orchestration")

_JOB_NAME_RE = re.compile(r"[^A-Za-z0-9_.\-]+")
DEFAULT_JOB_TIMEOUT = 3600.0


class ContainerRunnable:
    """A :class:`~spine.orchestration.runnable.Runnable` whose operations run as runtime jobs.

    Args:
        engine: Submits and tracks the jobs.
        image: Image of the jobs (ignored by local processes).
        registry: Where operation names are looked up (default: the registry of
            :func:`~spine.orchestration.dispatcher_runnable.default_dispatcher`).
        template: Spec every job starts from: runtime, resources, volumes, env, labels...
            (its ``name``, ``command`` and ``args`` are replaced per operation).
        python: The interpreter inside the job.
        job_timeout: Seconds a job may run when neither the step nor the handler sets one.
        cleanup: Remove each job's runtime resources once its outcome is read.

    Example:
        >>> import sys
        >>> from spine.execution.runtimes import LocalProcessAdapter, RuntimeAdapterRouter
        >>> from spine.execution.testing import echo
        >>> from spine.orchestration import Step, Workflow, WorkflowRunner
        >>> registry = HandlerRegistry()
        >>> _ = registry.register("demo.echo", echo)
        >>> router = RuntimeAdapterRouter()
        >>> router.register(LocalProcessAdapter())
        >>> with JobEngine(router=router) as engine:
        ...     runnable = ContainerRunnable(engine, registry=registry, python=sys.executable)
        ...     wf = Workflow("w", [Step.operation("echo", "demo.echo", {"x": 1})])
        ...     WorkflowRunner(runnable=runnable).execute(wf, {"week": "w52"}).output("echo")
        {'week': 'w52', 'x': 1}
    """

    def __init__(
        self,
        engine: JobEngine,
        *,
        image: str = "",
        registry: HandlerRegistry | None = None,
        template: ContainerJobSpec | None = None,
        python: str = "python",
        job_timeout: float = DEFAULT_JOB_TIMEOUT,
        cleanup: bool = True,
    ) -> None:
        self.engine = engine
        self.image = image
        self._registry = registry
        self.template = template or ContainerJobSpec(name="operation", image=image)
        self.python = python
        self.job_timeout = job_timeout
        self.cleanup = cleanup

    @property
    def registry(self) -> HandlerRegistry:
        """Where operation names are looked up."""
        if self._registry is None:
            from spine.orchestration.dispatcher_runnable import default_dispatcher

            self._registry = default_dispatcher().registry
        return self._registry

    def has_operation(self, operation_name: str) -> bool:
        """Whether ``operation_name`` is registered (checked before a run starts)."""
        return operation_name in self.registry

    def _spec(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        reference: str,
        timeout: float | None,
        step_name: str | None,
    ) -> ContainerJobSpec:
        template = self.template
        env = dict(template.env)
        env[PARAMS_ENV] = json.dumps(dict(params), separators=(",", ":"), allow_nan=False)
        labels = dict(template.labels)
        labels["spine.operation"] = operation_name[:63]
        if step_name:
            labels["spine.step"] = step_name[:63]
        job_name = _JOB_NAME_RE.sub("-", operation_name).strip("-.") or "operation"
        return dataclasses.replace(
            template,
            name=job_name[:200],
            image=template.image or self.image,
            command=entrypoint_command(
                reference, python=self.python, name=operation_name, timeout=timeout
            ),
            args=None,
            env=env,
            labels=labels,
            # the handler's own deadline fires first and reports a typed timeout; the job's
            # limit is the backstop for a handler that ignores it
            timeout_seconds=(timeout + 30.0) if timeout is not None else self.job_timeout,
            trigger_source="workflow",
        )

    def submit_operation_sync(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        parent_run_id: str | None = None,
        step_name: str | None = None,
        timeout: float | None = None,
    ) -> OperationResult:
        """Run the operation as a job, wait for it, report it (failures are returned)."""
        try:
            info = self.registry.get(operation_name)
        except SpineError as exc:
            return OperationResult.failed(exc)
        reference = handler_reference(info.fn)
        if reference is None:
            return OperationResult.failed(
                OperationError(
                    f"operation {operation_name!r}: its handler {info.fn!r} cannot be imported "
                    "inside a job (a lambda, a closure or a function of __main__); define it at "
                    "module level in a module the image has"
                ).with_context(workflow=operation_name, step=step_name)
            )
        deadline = timeout if timeout is not None else info.timeout
        try:
            spec = self._spec(operation_name, params, reference, deadline, step_name)
        except (TypeError, ValueError) as exc:
            return OperationResult.failed(
                UnserializableParamsError(
                    f"operation {operation_name!r}: params cannot be sent to a job as JSON: {exc}"
                ).with_context(workflow=operation_name, step=step_name)
            )
        metadata: dict[str, Any] = {}
        if parent_run_id is not None:
            metadata["workflow_run_id"] = parent_run_id
        if step_name is not None:
            metadata["workflow_step"] = step_name
        try:
            submitted = self.engine.submit_sync(
                spec,
                workflow=operation_name,
                params=params,
                batch_id=parent_run_id,
                metadata=metadata,
            )
        except SpineError as exc:  # refused: recorded in the ledger by the engine
            return OperationResult.failed(exc, execution_id=exc.context.execution_id)
        execution_id = submitted.execution_id
        try:
            outcome = self.engine.wait_outcome_sync(execution_id)
        except JobError as exc:
            return OperationResult.failed(exc, execution_id=execution_id)
        finally:
            if self.cleanup and not submitted.deduplicated:
                self._cleanup(execution_id)
        if outcome.succeeded:
            output: Any = {} if outcome.result is None else outcome.result
            return OperationResult(ExecutionStatus.COMPLETED, output, execution_id=execution_id)
        error = outcome.error or OperationError(
            f"execution {execution_id} ended {outcome.execution.status.value}"
        )
        if isinstance(error, SpineError):
            error.with_context(execution_id=execution_id)
        return OperationResult.failed(
            error, status=outcome.execution.status, execution_id=execution_id
        )

    def _cleanup(self, execution_id: str) -> None:
        try:
            self.engine.cleanup_sync(execution_id)
        except Exception as exc:  # the outcome is recorded; a leftover job is only logged
            log.warning("could not clean up the job of execution %s: %s", execution_id, exc)

    def __repr__(self) -> str:
        return f"ContainerRunnable(engine={self.engine!r}, image={self.image!r})"
