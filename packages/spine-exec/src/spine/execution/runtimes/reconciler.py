"""JobReconciler: the worker-side loop that settles jobs nobody is watching any more.

A submitter that dies between ``submit`` and the end of its job leaves the execution
``queued`` or ``running`` in the ledger while the container finishes (or is removed) on its
runtime. The reconciler asks each open execution's runtime how its job is doing and settles
the ones that finished (COMPLETED / FAILED / TIMED_OUT / CANCELLED, with the job's result or
error) or vanished (FAILED, retryable UNKNOWN). Runtimes that do not answer are left alone
until the next pass.

Example:
    >>> from spine.execution.runtimes import JobEngine, RuntimeAdapterRouter, StubRuntimeAdapter
    >>> router = RuntimeAdapterRouter()
    >>> router.register(StubRuntimeAdapter())
    >>> with JobEngine(router=router) as engine:
    ...     JobReconciler(engine).run_once().checked
    0
"""

from __future__ import annotations

import logging
import threading

from spine.execution.runtimes.engine import JobEngine, ReconcileReport

__all__ = ["JobReconciler"]

log = logging.getLogger("spine.execution.runtimes")


class JobReconciler:
    """Runs :meth:`JobEngine.reconcile` now (:meth:`run_once`) or every ``interval`` seconds
    until stopped (:meth:`run`, :meth:`start` / :meth:`stop` in a thread).

    Args:
        engine: The engine whose ledger and runtimes are reconciled.
        interval: Seconds between passes.
        limit: Open executions looked at per pass.
    """

    def __init__(self, engine: JobEngine, *, interval: float = 30.0, limit: int = 1000) -> None:
        self.engine = engine
        self.interval = interval
        self.limit = limit
        self.passes = 0
        self.last_report: ReconcileReport | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> ReconcileReport:
        """One pass; returns what it did."""
        report = self.engine.reconcile_sync(limit=self.limit)
        self.passes += 1
        self.last_report = report
        if report.settled or report.unreachable:
            log.info(
                "reconciler: %d settled (%d vanished), %d on unreachable runtimes",
                len(report.settled),
                len(report.vanished),
                len(report.unreachable),
            )
        return report

    def run(self, stop: threading.Event | None = None) -> None:
        """Pass after pass until ``stop`` (or :meth:`stop`) is set; a failing pass is logged
        and the next one runs on time."""
        event = stop or self._stop
        while not event.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("reconciler pass failed")
            event.wait(self.interval)

    def start(self) -> None:
        """Run in a daemon thread."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="spine-job-reconciler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the thread started by :meth:`start`."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
