"""``CeleryExecutor``: run spine jobs on an existing Celery deployment (extra ``celery``).

For teams that already run Celery: the dispatcher keeps the ledger, the retry policy and the
dead-letter queue; Celery carries the work. Both sides share one task,
``spine.execution.run``, installed on the Celery app with :func:`install_spine_task` and a
:class:`~spine.execution.registry.HandlerRegistry` (the worker imports the module that fills
the registry, like it imports its own tasks).

* The worker runs the handler with :func:`~spine.execution.outcome.run_handler` and returns
  its outcome as JSON, so a handler's error keeps its place in the taxonomy
  (a ``NetworkError`` is retryable on the dispatcher's side too). Celery's own failures map
  too: a time limit -> ``TimeoutExpired``, an unknown task -> ``HandlerNotFoundError``, a
  lost worker -> a retryable ``OperationError``.
* A retry is the task sent again with ``countdown`` (Celery's ETA): no sleep anywhere.
* A lane is a Celery queue (``"default"`` uses the app's default queue).
* Outcomes are collected from the result backend by a watcher thread (and whenever the
  dispatcher is asked about the execution).

Install: ``pip install "spine-exec[celery]"`` (Celery with the Redis transport).

Example (needs a broker and a worker)::

    from celery import Celery
    from spine.execution import Dispatcher, HandlerRegistry
    from spine.execution.executors.celery_executor import CeleryExecutor, install_spine_task

    registry = HandlerRegistry()           # the worker imports this module too
    app = Celery("pipelines", broker="redis://127.0.0.1:6379/0",
                 backend="redis://127.0.0.1:6379/0")
    install_spine_task(app, registry)

    dispatcher = Dispatcher(CeleryExecutor(app), registry=registry)
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any

from spine.execution.errors import HandlerNotFoundError, MissingExtraError, TimeoutExpired
from spine.execution.executors.base import Job
from spine.execution.outcome import Outcome, run_handler
from spine.execution.registry import HandlerRegistry
from spine.types import OperationError

__all__ = ["TASK_NAME", "CeleryExecutor", "install_spine_task"]

TASK_NAME = "spine.execution.run"
"""The Celery task both sides share."""

log = logging.getLogger("spine.execution")


def _celery() -> Any:
    try:
        return importlib.import_module("celery")
    except ImportError:
        raise MissingExtraError("CeleryExecutor", "celery", "celery") from None


def install_spine_task(app: Any, registry: HandlerRegistry) -> Any:
    """Register the ``spine.execution.run`` task on ``app``, resolving handlers in
    ``registry``; returns the task. Call it where the worker imports its tasks."""
    _celery()

    @app.task(name=TASK_NAME, bind=False, acks_late=True)  # type: ignore[untyped-decorator]
    def run(name: str, params: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        try:
            info = registry.get(name)
        except HandlerNotFoundError as exc:
            return Outcome.failure(exc).to_wire()
        return run_handler(info, params, timeout).to_wire()

    return run


def _celery_failure(error: BaseException) -> BaseException:
    """Celery's own failures in the taxonomy."""
    name = type(error).__name__
    if name in ("TimeLimitExceeded", "SoftTimeLimitExceeded"):
        return TimeoutExpired(0.0, f"Celery time limit: {error}")
    if name == "NotRegistered":
        return HandlerNotFoundError(
            f"the Celery worker has no task {error}: call install_spine_task(app, registry) "
            "in the worker's task modules"
        )
    if name == "WorkerLostError":
        return OperationError(f"Celery worker lost: {error}", retryable=True, cause=error)
    return error


class CeleryExecutor:
    """Celery executor (the :class:`~spine.execution.executors.base.Executor` protocol).

    Args:
        app: The ``celery.Celery`` app (with a result backend).
        watch: Collect outcomes on a background thread (else only when asked).
        poll_interval: Seconds between the watcher's rounds.

    Raises:
        MissingExtraError: Celery is not installed (``spine-exec[celery]``).
        ValidationError: the app has no result backend (outcomes could never come back).
    """

    name = "celery"
    inline = False
    remote = True

    def __init__(self, app: Any, *, watch: bool = True, poll_interval: float = 0.1) -> None:
        from spine.types import ValidationError

        self._result_cls = _celery().result.AsyncResult
        backend = getattr(app.conf, "result_backend", None)
        if not backend or str(backend).startswith("disabled"):
            raise ValidationError(
                "CeleryExecutor needs a Celery app with a result backend (result_backend=...)"
            )
        self.app = app
        self.poll_interval = poll_interval
        self._lock = threading.RLock()
        self._pending: dict[str, Job] = {}
        self._watch = watch
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def submit(self, job: Job, delay: float = 0.0) -> str:
        """Send the job as ``spine.execution.run`` (after ``delay`` seconds: ``countdown``)."""
        options: dict[str, Any] = {}
        if delay > 0:
            options["countdown"] = delay
        if job.lane != "default":
            options["queue"] = job.lane
        result = self.app.send_task(TASK_NAME, args=[job.name, job.params, job.timeout], **options)
        ref = str(result.id)
        with self._lock:
            self._pending[ref] = job
            if self._watch and (self._watcher is None or not self._watcher.is_alive()):
                self._stop.clear()
                self._watcher = threading.Thread(
                    target=self._watch_loop, name="spine-exec-celery-watcher", daemon=True
                )
                self._watcher.start()
        return ref

    def poll(self, ref: str) -> None:
        """Report the job behind ``ref`` if its outcome is in the result backend."""
        with self._lock:
            job = self._pending.get(ref)
        if job is None:
            return
        result = self._result_cls(ref, app=self.app)
        if not result.ready():
            return
        with self._lock:
            if self._pending.pop(ref, None) is None:
                return  # another thread reported it
        if result.successful():
            outcome = Outcome.from_wire(result.result)
        else:
            outcome = Outcome.failure(_celery_failure(result.result))
        result.forget()
        job.report(outcome)

    def _watch_loop(self) -> None:
        while not self._stop.wait(self.poll_interval):
            with self._lock:
                refs = list(self._pending)
            for ref in refs:
                try:
                    self.poll(ref)
                except Exception:  # a backend hiccup: try again next round
                    log.warning("polling Celery result %s failed", ref, exc_info=True)

    def cancel(self, ref: str) -> bool:
        """Revoke a task that has not started; ``True`` when it had not."""
        result = self._result_cls(ref, app=self.app)
        if result.state != "PENDING":
            return False
        result.revoke()
        with self._lock:
            job = self._pending.pop(ref, None)
        if job is not None:
            job.cancelled = True
        return True

    def shutdown(self, wait: bool = True) -> None:
        """Stop the watcher (Celery's workers are not ours to stop)."""
        self._stop.set()
        watcher = self._watcher
        if wait and watcher is not None:
            watcher.join(timeout=5)

    def __repr__(self) -> str:
        return f"CeleryExecutor(app={self.app.main!r})"
