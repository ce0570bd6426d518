"""The executor protocol and the job it runs.

An :class:`Executor` decides *where and when* a job runs (inline, a thread, a process, a
Celery worker); the dispatcher decides *what it means* (ledger, retries, dead letters). The
two meet in a :class:`Job`: the executor calls :meth:`Job.run` where the work should happen,
or, when the work ran elsewhere, hands its :class:`~spine.execution.outcome.Outcome` to
:meth:`Job.report`. Either way the job tells its :class:`JobSink` (the dispatcher).

Writing an executor::

    class MyExecutor:
        name = "mine"
        inline = False            # True: submit() runs the job before returning

        def submit(self, job: Job, delay: float = 0.0) -> str:
            ...                   # arrange for job.run() after `delay` seconds
            return "mine:" + job.execution_id

        def cancel(self, ref: str) -> bool: ...      # True only if it will never run
        # optional: remote = True when jobs run on other machines and outlive this process
        def poll(self, ref: str) -> None: ...        # pull-based executors report here
        def shutdown(self, wait: bool = True) -> None: ...
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from spine.execution._json import json_result
from spine.execution.errors import InvalidResultError
from spine.execution.outcome import Outcome, RunningExecution, run_handler
from spine.execution.registry import HandlerInfo
from spine.types.timestamps import utc_now

__all__ = ["Executor", "Job", "JobSink"]


class JobSink(Protocol):
    """Receives a job's lifecycle (implemented by the dispatcher)."""

    def job_started(self, job: Job, at: datetime) -> bool:
        """Record that ``job`` starts at ``at``; ``False`` means do not run it (cancelled)."""
        ...

    def job_finished(self, job: Job, outcome: Outcome) -> None:
        """Record how ``job`` ended (and retry or dead-letter it).

        A successful ``outcome`` carries a checked JSON result that the sink may keep as
        is (:meth:`Job.run` and :meth:`Job.report` guarantee it).
        """
        ...


class Job:
    """One execution's work as an executor sees it.

    Attributes:
        execution_id: The ledger id.
        handler: The resolved handler (its ``fn`` runs; remote executors use its ``name``).
        params: JSON-form params.
        timeout: Seconds the handler may run, or ``None``.
        lane: The routing lane.
        run_number: 1 for the first run, +1 per retry.
        ref: The executor's reference of the current run.
        cancelled: Set by the dispatcher; a job not yet started then does not run.
        dead_letter_id: The dead-letter entry this job replays, if any.
    """

    __slots__ = (
        "cancelled",
        "dead_letter_id",
        "execution_id",
        "handler",
        "lane",
        "params",
        "ref",
        "run_number",
        "sink",
        "timeout",
    )

    def __init__(
        self,
        execution_id: str,
        handler: HandlerInfo,
        params: dict[str, Any],
        sink: JobSink,
        *,
        timeout: float | None = None,
        lane: str = "default",
    ) -> None:
        self.execution_id = execution_id
        self.handler = handler
        self.params = params
        self.sink = sink
        self.timeout = timeout
        self.lane = lane
        self.run_number = 1
        self.ref: str | None = None
        self.cancelled = False
        self.dead_letter_id: str | None = None

    @property
    def name(self) -> str:
        """The handler's registered name."""
        return self.handler.name

    def run(self) -> None:
        """Run the handler here and now, reporting start and outcome to the sink."""
        if self.cancelled:
            return
        if self.handler.rate_limit is not None:  # in-process: wait for the handler's token
            self.handler.rate_limit.acquire()
        started = utc_now()
        if self.cancelled or not self.sink.job_started(self, started):
            return
        running = RunningExecution(self.execution_id, self.handler.name, self.run_number)
        try:
            outcome = run_handler(
                self.handler, self.params, self.timeout, running, started_at=started
            )
        except BaseException as exc:  # KeyboardInterrupt, SystemExit: record, then let go
            self.sink.job_finished(self, Outcome.failure(exc, started_at=started))
            raise
        self.sink.job_finished(self, outcome)

    def report(self, outcome: Outcome) -> None:
        """Report a run that happened elsewhere (a process, a Celery worker).

        A successful outcome's result is checked (and copied) as JSON here, as
        :func:`~spine.execution.outcome.run_handler` checks one that runs in process; a
        result JSON cannot carry is reported as an ``InvalidResultError`` failure.
        """
        if outcome.error is None:
            try:
                result = json_result(outcome.result, self.handler.name)
            except InvalidResultError as exc:
                outcome = Outcome.failure(exc, started_at=outcome.started_at)
            else:
                outcome = replace(outcome, result=result)
        if self.sink.job_started(self, outcome.started_at or utc_now()):
            self.sink.job_finished(self, outcome)

    def __repr__(self) -> str:
        return (
            f"Job({self.handler.name!r}, execution_id={self.execution_id!r}, run={self.run_number})"
        )


@runtime_checkable
class Executor(Protocol):
    """Where and when jobs run. See the module docstring for a template."""

    name: str
    inline: bool

    def submit(self, job: Job, delay: float = 0.0) -> str:
        """Arrange for ``job`` to run after ``delay`` seconds; return a reference."""
        ...

    def cancel(self, ref: str) -> bool:
        """Stop a job that has not started; ``True`` only if it will not run."""
        ...

    def poll(self, ref: str) -> None:
        """Report the job behind ``ref`` if it finished (pull-based executors); else no-op."""
        ...

    def shutdown(self, wait: bool = True) -> None:
        """Release threads/processes/connections (``wait``: let running jobs finish)."""
        ...
