"""``WorkerLoop``: claim work from ``core_work_items``, run it, record every transition.

One loop per process (run many processes, on many machines, against one database)::

    WorkerLoop(conn_factory, registry, concurrency=8, lanes=["default"]).run()

What it does, on one thread that owns the database connection while a thread pool runs the
handlers:

1. **Claims in batches** (up to the free pool slots, at most ``batch_size``): due pending
   items, highest priority first, atomically (``FOR UPDATE SKIP LOCKED``; a single-writer
   claim on SQLite). In the same transaction each execution is created in the ledger (first
   attempt) and moved to RUNNING with a ``started`` event.
2. **Runs** each handler from the :class:`~spine.execution.HandlerRegistry` in the pool, with
   the item's timeout (or the handler's). A handler registered with a ``rate_limit`` runs
   only with a token, taken without waiting just before it starts; a job refused is
   **deferred** (its row back to pending until the limiter may have a token, its attempt
   given back: no retry used, never dead-lettered) with ``queued`` + ``deferred`` events.
   Give the limiter a shared store (SQL, Redis) and the limit holds across every worker.
3. **Finishes in batches**: every outcome collected so far is written in one transaction:
   completed items and their ledger COMPLETED; a retryable failure with attempts left is
   **re-scheduled** (the row's ``run_after`` = now + the retry policy's backoff; the worker
   never sleeps) with ``queued`` + ``retried`` events; other failures (non-retryable, or
   out of attempts) fail the item, the execution (FAILED / TIMED_OUT) and add a dead letter.
4. **Leases**: each claim carries a lease of ``lease_seconds``, renewed by a heartbeat
   every ``lease_seconds / 3``. Items whose lease expired (their worker died) are
   **reclaimed** by any worker (on by default): back to pending with a ``reclaimed`` event,
   or failed and dead-lettered when out of attempts. A worker whose lease was taken cannot
   complete the item afterwards: at-least-once, never "completed twice".
5. **Idles** on LISTEN/NOTIFY where the backend has it (PostgreSQL: an enqueue wakes the
   worker at once), else polls every ``poll_interval`` seconds.
6. **Survives the database**: a lost connection is closed, the loop backs off (up to
   ``max_backoff`` seconds), reconnects and carries on; outcomes waiting to be written are
   kept and written after the reconnect.
7. **Stops gracefully** on SIGTERM / SIGINT (or :meth:`WorkerLoop.stop`): no new claims,
   in-flight work finishes and is recorded, then :meth:`WorkerLoop.run` returns the metrics.

Example:
    >>> from spine.execution import HandlerRegistry
    >>> from spine.execution.queue import NewWork, WorkerLoop
    >>> from spine.execution.testing import InMemoryLedger, InMemoryWorkQueue
    >>> registry, queue, ledger = HandlerRegistry(), InMemoryWorkQueue(), InMemoryLedger()
    >>> _ = registry.register("double", lambda params: {"n": params["n"] * 2})
    >>> _ = queue.enqueue_many(NewWork("double", {"n": n}) for n in range(5))
    >>> worker = WorkerLoop.in_memory(queue, registry, ledger=ledger, concurrency=2)
    >>> worker.run(idle_exit=0).completed
    5
    >>> sorted(e.result["n"] for e in ledger.list_executions(status="completed"))
    [0, 2, 4, 6, 8]
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue as queue_module
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from spine.db.connection import SpineConnection
from spine.execution.dlq import DeadLetterQueue
from spine.execution.errors import (
    ExecutionNotFoundError,
    InvalidTransitionError,
    UnserializableParamsError,
)
from spine.execution.ledger import Ledger, StatusChange
from spine.execution.models import Execution
from spine.execution.outcome import (
    Outcome,
    RunningExecution,
    error_message,
    failure_status,
    run_handler,
)
from spine.execution.queue._ledger_io import create_and_update, update_all
from spine.execution.queue._rate_gate import Deferred, RateGate
from spine.execution.queue._session import (
    SessionFactory,
    WorkerSession,
    memory_sessions,
    sql_sessions,
)
from spine.execution.queue.models import WorkItem, WorkStatus, check_lanes, check_lease
from spine.execution.queue.store import WorkQueue
from spine.execution.registry import HandlerRegistry
from spine.execution.retry import RetryStrategy
from spine.execution.timeout import check_timeout
from spine.types import DatabaseError, SpineError, ValidationError
from spine.types.enums import EventType, ExecutionStatus
from spine.types.timestamps import utc_now

__all__ = ["WorkerLoop", "WorkerMetrics"]

log = logging.getLogger("spine.execution.worker")

_ES = ExecutionStatus
_RECLAIM_BATCH = 100


@dataclass
class WorkerMetrics:
    """What a worker did (a snapshot: :attr:`WorkerLoop.metrics`, or :meth:`WorkerLoop.run`'s
    return value).

    Attributes:
        claimed: Items claimed (attempts started).
        completed: Items completed.
        failed: Items failed for good (each also dead-lettered where a DLQ is configured).
        retried: Failed attempts re-scheduled for a retry.
        reclaimed: Items whose lease had expired, taken back by this worker.
        deferred: Items put back unrun because their rate limit had no token (their
            attempt given back).
        lost: Outcomes not recorded because the lease had been lost (the item was reclaimed).
        db_errors: Database errors survived (each followed by a reconnect).
        lag_seconds: Enqueue (or due) to claim, of the last claimed item.
        max_lag_seconds: The largest such lag seen.
        in_flight: Items running now.
    """

    claimed: int = 0
    completed: int = 0
    failed: int = 0
    retried: int = 0
    reclaimed: int = 0
    deferred: int = 0
    lost: int = 0
    db_errors: int = 0
    lag_seconds: float = 0.0
    max_lag_seconds: float = 0.0
    in_flight: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (for a health endpoint or a log line)."""
        return asdict(self)


def default_worker_id() -> str:
    """``host:pid:random``: unique per worker process, readable in ``lease_owner``."""
    return f"{socket.gethostname()[:200]}:{os.getpid()}:{secrets.token_hex(3)}"


def _positive_int(name: str, value: object, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise ValidationError(f"{name} must be an int in 1..{high}, got {value!r}")
    return value


def _default_ledger(conn: SpineConnection) -> Ledger:
    from spine.execution._sql_ledger import SqlLedger

    return SqlLedger(conn)


def _default_dlq(conn: SpineConnection) -> DeadLetterQueue:
    from spine.execution._sql_dlq import SqlDeadLetterQueue

    return SqlDeadLetterQueue(conn)


class WorkerLoop:
    """A worker: claims work, runs handlers in a thread pool, records every transition.

    Args:
        conn_factory: Opens a connection to the queue's database (called again after a
            lost connection; the worker owns and closes what it opens).
        registry: The handlers, by the names work is enqueued under.
        concurrency: Handlers running at once (the thread pool's size).
        lanes: Lanes to take work from (default every lane).
        batch_size: Most items claimed per round trip (default ``concurrency``). Claims
            may run ahead of the pool: up to ``max(concurrency, batch_size)`` items are
            leased at once (larger batches, fewer commits, for short jobs).
        lease_seconds: Length of a claim's lease; a heartbeat renews it every third.
        poll_interval: Seconds between claims when idle and the backend has no
            notifications (or none arrived).
        reclaim: Reclaim expired leases of dead workers (on by default).
        retry: Retry policy of handlers registered without one (default: exponential,
            3 retries); the item's ``max_attempts`` caps it.
        ledger_factory: The ledger on a connection (default the SQL ledger of spine-exec).
        dlq_factory: The dead-letter queue on a connection (default the SQL one; ``None``
            from :meth:`in_memory` means no DLQ).
        listen: Wait for notifications when idle, where the backend has them.
        worker_id: The lease owner name (default ``host:pid:random``).
        max_backoff: Longest wait between reconnect attempts, in seconds.
        flush_interval: Longest an outcome waits to be written with others, in seconds
            (outcomes are written in batches of half ``batch_size``, or when the pool runs
            dry, or after this long).
        max_failures: Database errors in a row, other than a lost connection, after which
            :meth:`run` stops and raises the last one (a missing table, a permission
            denied: retrying cannot help). Lost connections are retried without limit.
        connections: Database sessions this worker process drives at once (default 1).
            With more, :meth:`run` runs that many claim loops on threads, each with its own
            connection, lease owner (``worker_id/1``, ...) and share of ``concurrency``:
            while one waits for the database another prepares its batch, so one process
            keeps the database busy (short jobs). Metrics and :meth:`stop` cover them all;
            only the first listens for notifications.

    Raises:
        ValidationError: a bad concurrency, batch size, lease, interval or lane list.
    """

    def __init__(
        self,
        conn_factory: Callable[[], SpineConnection] | None,
        registry: HandlerRegistry,
        *,
        concurrency: int = 4,
        lanes: Sequence[str] | None = None,
        batch_size: int | None = None,
        lease_seconds: float = 30.0,
        poll_interval: float = 0.5,
        reclaim: bool = True,
        retry: RetryStrategy | None = None,
        ledger_factory: Callable[[SpineConnection], Ledger] | None = None,
        dlq_factory: Callable[[SpineConnection], DeadLetterQueue] | None = None,
        listen: bool = True,
        worker_id: str | None = None,
        max_backoff: float = 5.0,
        flush_interval: float = 0.005,
        max_failures: int = 10,
        connections: int = 1,
        sessions: SessionFactory | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if not isinstance(registry, HandlerRegistry):
            raise ValidationError(f"registry must be a HandlerRegistry, got {registry!r}")
        self.registry = registry
        self.connections = _positive_int("connections", connections, 64)
        self.concurrency = _positive_int("concurrency", concurrency, 1024)
        if self.connections > self.concurrency:
            raise ValidationError(
                f"connections ({connections}) cannot exceed concurrency ({concurrency}): "
                "each connection's loop needs a handler thread"
            )
        if self.connections > 1 and (sessions is not None or conn_factory is None):
            raise ValidationError("connections > 1 needs a conn_factory (SQL stores)")
        share = self.concurrency // self.connections
        own_concurrency = self.concurrency - share * (self.connections - 1)
        self.batch_size = _positive_int(
            "batch_size", batch_size if batch_size is not None else self.concurrency, 10_000
        )
        self._capacity = max(own_concurrency, self.batch_size)
        self.lanes = check_lanes(lanes)
        self.lease_seconds = check_lease(lease_seconds)
        self.poll_interval = check_timeout(poll_interval, "poll_interval")
        self.max_backoff = check_timeout(max_backoff, "max_backoff")
        self.flush_interval = check_timeout(flush_interval, "flush_interval")
        self.max_failures = _positive_int("max_failures", max_failures, 1_000_000)
        self.reclaim = bool(reclaim)
        if retry is not None and not isinstance(retry, RetryStrategy):
            raise ValidationError(f"retry must be a RetryStrategy, got {retry!r}")
        self.retry = retry if retry is not None else RetryStrategy.exponential()
        self.worker_id = worker_id or default_worker_id()
        self._clock = clock
        if sessions is None:
            if conn_factory is None:
                raise ValidationError("WorkerLoop needs a conn_factory (or use in_memory())")
            if dlq_factory is None:
                dlq_factory = _default_dlq
            sessions = sql_sessions(
                conn_factory, ledger_factory or _default_ledger, dlq_factory, listen=listen
            )
        self._sessions = sessions
        self._gate = RateGate()
        self._stop = threading.Event()
        self._metrics = WorkerMetrics()
        self._lock = threading.Lock()
        self._pool_size = own_concurrency
        self._siblings = [
            WorkerLoop(
                conn_factory,
                registry,
                concurrency=share,
                lanes=lanes,
                batch_size=self.batch_size,
                lease_seconds=lease_seconds,
                poll_interval=poll_interval,
                reclaim=reclaim,
                retry=retry,
                ledger_factory=ledger_factory,
                dlq_factory=dlq_factory,
                listen=False,
                worker_id=f"{self.worker_id}/{i}",
                max_backoff=max_backoff,
                flush_interval=flush_interval,
                max_failures=max_failures,
                clock=clock,
            )
            for i in range(1, self.connections)
        ]

    @classmethod
    def in_memory(
        cls,
        queue: WorkQueue,
        registry: HandlerRegistry,
        *,
        ledger: Ledger,
        dlq: DeadLetterQueue | None = None,
        **options: Any,
    ) -> WorkerLoop:
        """A worker over in-memory stores (tests; one process)."""
        return cls(None, registry, sessions=memory_sessions(queue, ledger, dlq), **options)

    def __repr__(self) -> str:
        return f"WorkerLoop({self.worker_id!r}, concurrency={self.concurrency})"

    # -- public ------------------------------------------------------------------------
    @property
    def metrics(self) -> WorkerMetrics:
        """A snapshot of what this worker did so far (all its connections' loops)."""
        with self._lock:
            total = asdict(self._metrics)
        for sibling in self._siblings:
            for key, value in asdict(sibling.metrics).items():
                if key.endswith("lag_seconds"):
                    total[key] = max(total[key], value)
                else:
                    total[key] += value
        return WorkerMetrics(**total)

    def stop(self) -> None:
        """Ask the loop to stop: no new claims; in-flight work finishes and is recorded."""
        self._stop.set()
        for sibling in self._siblings:
            sibling.stop()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called (or a signal arrived)."""
        return self._stop.is_set()

    def run(
        self,
        *,
        idle_exit: float | None = None,
        max_jobs: int | None = None,
        handle_signals: bool = True,
    ) -> WorkerMetrics:
        """Work until stopped; return the metrics.

        Args:
            idle_exit: Return once nothing was claimable and nothing ran for this many
                seconds (``0``: as soon as the queue has no due work). ``None``: run until
                :meth:`stop` or a signal.
            max_jobs: Stop claiming after this many claims (then drain and return).
            handle_signals: On the main thread, SIGTERM and SIGINT stop the loop
                gracefully (the previous handlers are restored on return).
        """
        self._stop.clear()
        with self._signals(handle_signals):
            if not self._siblings:
                return self._loop(idle_exit, max_jobs)
            return self._run_all(idle_exit, max_jobs)

    def _run_all(self, idle_exit: float | None, max_jobs: int | None) -> WorkerMetrics:
        """This loop on the calling thread, each sibling's on its own thread; the first
        error of any stops them all and is raised once every loop has returned."""
        errors: list[BaseException] = []
        shares: list[int | None] = [None] * self.connections
        if max_jobs is not None:
            each = max_jobs // self.connections
            shares = [max_jobs - each * (self.connections - 1), *[each] * (self.connections - 1)]

        def sibling_run(loop: WorkerLoop, jobs: int | None) -> None:
            try:
                loop.run(idle_exit=idle_exit, max_jobs=jobs, handle_signals=False)
            except BaseException as exc:  # surfaced by the calling thread
                errors.append(exc)
                self.stop()

        threads = [
            threading.Thread(
                target=sibling_run, args=(loop, jobs), name=f"spine-worker-{i}", daemon=True
            )
            for i, (loop, jobs) in enumerate(zip(self._siblings, shares[1:], strict=True), 1)
        ]
        for thread in threads:
            thread.start()
        try:
            if shares[0] != 0:
                self._loop(idle_exit, shares[0])
        except BaseException:
            self.stop()
            raise
        finally:
            for thread in threads:
                thread.join()
        if errors:
            raise errors[0]
        return self.metrics

    # -- the loop ------------------------------------------------------------------------
    @contextlib.contextmanager
    def _signals(self, enabled: bool) -> Iterator[None]:
        if not enabled or threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_signal(signum: int, frame: FrameType | None) -> None:
            log.info("worker %s: signal %s, draining", self.worker_id, signum)
            self.stop()

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    def _loop(self, idle_exit: float | None, max_jobs: int | None) -> WorkerMetrics:
        done: queue_module.SimpleQueue[tuple[WorkItem, Outcome]] = queue_module.SimpleQueue()
        inflight: dict[str, WorkItem] = {}
        finished: list[tuple[WorkItem, Outcome]] = []
        session: WorkerSession | None = None
        backoff = 0.0
        failures_in_a_row = 0
        heartbeat_every = self.lease_seconds / 3
        reclaim_every = max(self.lease_seconds / 2, 0.05)
        next_heartbeat = next_reclaim = 0.0
        idle_since = time.monotonic()
        first_finished = 0.0  # when the oldest unwritten outcome arrived
        queue_empty_until = 0.0  # after an empty claim: poll again then (or on a notification)
        claims = 0
        flush_at = max(1, self.batch_size // 2)
        pool = ThreadPoolExecutor(self._pool_size, thread_name_prefix="spine-worker")

        def start(items: list[WorkItem]) -> None:
            for item in items:
                inflight[item.id] = item
                pool.submit(self._run_one, item, done)

        def collect(timeout: float | None) -> None:
            nonlocal first_finished
            try:
                got = done.get(timeout=timeout) if timeout else done.get_nowait()
            except queue_module.Empty:
                return
            if not finished:
                first_finished = time.monotonic()
            finished.append(got)
            while True:
                try:
                    finished.append(done.get_nowait())
                except queue_module.Empty:
                    return

        try:
            while True:
                collect(None)
                claim_more = not self._stop.is_set() and (max_jobs is None or claims < max_jobs)
                if not claim_more and not inflight and not finished:
                    break
                now = time.monotonic()
                pending = len(inflight) - len(finished)  # claimed, not finished yet
                free = self._capacity - len(inflight)
                # Write outcomes in batches: half a batch, or the pool ran dry, or the
                # oldest waited flush_interval, or the worker is stopping.
                flush = bool(finished) and (
                    len(finished) >= flush_at
                    or pending == 0
                    or now - first_finished >= self.flush_interval
                    or not claim_more
                )
                # Claim in batches too: half a batch of room, or an idle pool thread.
                claim = (
                    claim_more
                    and free > 0
                    and (free >= flush_at or pending < self._pool_size)
                    and (now >= queue_empty_until or (session is not None and session.notified()))
                )
                claimed: list[WorkItem] = []
                wrote = False
                try:
                    if session is None:
                        session = self._sessions()
                    if flush:
                        self._finish(session, finished, inflight)
                        finished = []
                        wrote = True
                    if inflight and now >= next_heartbeat:
                        self._heartbeat(session, inflight)
                        next_heartbeat = now + heartbeat_every
                    if self.reclaim and claim_more and now >= next_reclaim:
                        self._reclaim(session)
                        next_reclaim = now + reclaim_every
                    if claim:
                        limit = min(free, self.batch_size)
                        if max_jobs is not None:
                            limit = min(limit, max_jobs - claims)
                        claimed = self._claim(session, limit, start)
                        if not claimed:
                            queue_empty_until = time.monotonic() + self.poll_interval
                    backoff, failures_in_a_row = 0.0, 0
                except (DatabaseError, OSError) as exc:
                    failures_in_a_row += 1
                    with self._lock:
                        self._metrics.db_errors += 1
                    if session is not None:
                        session.close()
                        session = None
                    if not _is_connection_error(exc) and failures_in_a_row > self.max_failures:
                        log.error(
                            "worker %s: stopping after %d database errors in a row: %s",
                            self.worker_id,
                            failures_in_a_row,
                            exc,
                        )
                        raise
                    if self._stop.is_set() and failures_in_a_row > 5:
                        log.error("worker %s: database unusable while stopping: %s", self, exc)
                        break
                    backoff = min(self.max_backoff, max(0.05, backoff * 2))
                    log.warning(
                        "worker %s: database error (%s); reconnecting in %.2fs",
                        self.worker_id,
                        exc,
                        backoff,
                    )
                    self._stop.wait(backoff)
                    continue
                claims += len(claimed)
                if claimed or wrote:
                    idle_since = time.monotonic()
                    continue
                if inflight:  # wait for an outcome, at most until the flush is due
                    wait = self.poll_interval
                    if finished:
                        wait = max(0.0005, first_finished + self.flush_interval - now)
                    collect(min(wait, max(0.0005, next_heartbeat - now)))
                    continue
                if not claim_more:
                    continue
                if idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                    break
                try:
                    session.wait(max(0.0, queue_empty_until - time.monotonic()), self._stop)
                    queue_empty_until = 0.0
                except (DatabaseError, OSError):
                    session.close()
                    session = None
        finally:
            pool.shutdown(wait=True)
            if session is not None:
                session.close()
        return self.metrics

    # -- steps ---------------------------------------------------------------------------
    def _run_one(
        self, item: WorkItem, done: queue_module.SimpleQueue[tuple[WorkItem, Outcome]]
    ) -> None:
        try:
            if item.row_error is not None:  # a row the queue did not write: never run it
                raise UnserializableParamsError(
                    f"work item {item.id}: {item.row_error}; fix the row and enqueue the job again"
                )
            info = self.registry.get(item.workflow)
            timeout = item.timeout if item.timeout is not None else info.timeout
            if timeout is not None:  # a stored timeout may not be one NewWork checked
                timeout = check_timeout(timeout, f"timeout of work item {item.id}")
            if info.rate_limit is not None:  # last: a job that cannot run takes no token
                deferred = self._gate.admit(info.rate_limit)
                if deferred is not None:  # no token: back to the queue, unrun
                    done.put((item, Outcome(None, deferred, None, None, self._clock())))
                    return
            running = RunningExecution(item.id, item.workflow, item.attempts)
            outcome = run_handler(info, item.params, timeout, running)
        except BaseException as exc:
            outcome = Outcome.failure(exc)
        done.put((item, outcome))

    def _claim(
        self,
        session: WorkerSession,
        limit: int,
        start: Callable[[list[WorkItem]], None] | None = None,
    ) -> list[WorkItem]:
        with session.atomic(claim=True):
            items = session.queue.claim(
                self.worker_id, limit=limit, lanes=self.lanes, lease_seconds=self.lease_seconds
            )
            if not items:
                return []
            self._record_started(session, items)
        if start is not None:  # after the commit: a job runs only once its claim is durable
            start(items)
        now = self._clock()
        lags = [max(0.0, (now - item.run_after).total_seconds()) for item in items]
        with self._lock:
            m = self._metrics
            m.claimed += len(items)
            m.in_flight += len(items)
            m.lag_seconds = lags[-1]
            m.max_lag_seconds = max(m.max_lag_seconds, *lags)
        return items

    def _record_started(self, session: WorkerSession, items: list[WorkItem]) -> None:
        now = self._clock()
        fresh = [
            Execution.create(
                item.workflow,
                item.params,
                lane=item.lane,
                execution_id=item.id,
                metadata={"work_item_id": item.id},
            ).evolve(created_at=item.created_at)
            for item in items
            if item.first_claim
        ]
        changes = [
            StatusChange(
                item.id,
                _ES.RUNNING,
                data={"worker": self.worker_id, "attempt": item.attempts, "lane": item.lane},
                at=item.heartbeat_at or now,  # the claim: the handler may have run already
            )
            for item in items
        ]
        new_ids = {e.id for e in fresh}
        try:
            with session.savepoint():  # a refusal (an execution that exists) undoes only this
                create_and_update(
                    session.ledger, fresh, [c for c in changes if c.execution_id in new_ids]
                )
                update_all(session.ledger, [c for c in changes if c.execution_id not in new_ids])
        except DatabaseError as exc:
            if not _is_ledger_refusal(exc):
                raise
            self._record_one_by_one(session, fresh, changes)
        except SpineError:
            self._record_one_by_one(session, fresh, changes)

    def _record_one_by_one(
        self, session: WorkerSession, fresh: list[Execution], changes: list[StatusChange]
    ) -> None:
        """The batch was refused (an execution that exists already, say): record what can
        be recorded, one execution at a time."""
        ledger = session.ledger
        for execution in fresh:
            if ledger.get_execution(execution.id) is None:
                with _logged("create", execution.id):
                    ledger.create_execution(execution)
        for change in changes:
            with _logged("start", change.execution_id):
                update_all(ledger, [change])

    def _heartbeat(self, session: WorkerSession, inflight: dict[str, WorkItem]) -> None:
        ids = list(inflight)
        held = set(session.queue.heartbeat(self.worker_id, ids, lease_seconds=self.lease_seconds))
        for item_id in ids:
            if item_id not in held:
                log.warning("worker %s: lost the lease of %s", self.worker_id, item_id)

    def _policy(self, item: WorkItem) -> RetryStrategy:
        if item.workflow in self.registry:
            handler_policy = self.registry.get(item.workflow).retry
            if handler_policy is not None:
                return handler_policy
        return self.retry

    def _finish(
        self,
        session: WorkerSession,
        finished: list[tuple[WorkItem, Outcome]],
        inflight: dict[str, WorkItem],
    ) -> None:
        queue, owner = session.queue, self.worker_id
        now = self._clock()
        ok = [(item, outcome) for item, outcome in finished if outcome.error is None]
        failed = [(item, outcome) for item, outcome in finished if outcome.error is not None]
        changes: list[StatusChange] = []
        retries: list[tuple[str, dict[str, Any]]] = []
        deferrals: list[tuple[str, dict[str, Any]]] = []
        dead: list[tuple[WorkItem, BaseException]] = []
        counts = {"completed": 0, "retried": 0, "failed": 0, "lost": 0, "deferred": 0}
        with session.atomic():
            if ok:
                held = set(queue.complete(owner, [item.id for item, _ in ok]))
                for item, outcome in ok:
                    if item.id not in held:
                        counts["lost"] += 1
                        continue
                    counts["completed"] += 1
                    changes.append(
                        StatusChange(
                            item.id,
                            _ES.COMPLETED,
                            result=outcome.result,
                            data={"worker": owner, "attempt": item.attempts},
                            at=outcome.finished_at,
                        )
                    )
            for item, outcome in failed:
                error = outcome.error
                assert error is not None
                if isinstance(error, Deferred):
                    note = self._defer(queue, item, error, now)
                    if note is None:
                        counts["lost"] += 1
                        continue
                    counts["deferred"] += 1
                    changes.append(StatusChange(item.id, _ES.QUEUED, data=note))
                    deferrals.append((item.id, note))
                    continue
                message = f"{type(error).__name__}: {error_message(error)}"
                decision = self._policy(item).decide(error, item.attempts)
                if decision.retry and item.attempts < item.max_attempts:
                    run_after = now + timedelta(seconds=decision.delay)
                    if not queue.reschedule(owner, item.id, run_after, message):
                        counts["lost"] += 1
                        continue
                    counts["retried"] += 1
                    data = {
                        "attempt": item.attempts,
                        "delay": decision.delay,
                        "run_after": run_after.isoformat(),
                        "reason": decision.reason,
                    }
                    changes.append(
                        StatusChange(
                            item.id,
                            _ES.QUEUED,
                            error=error_message(error),
                            error_type=type(error).__name__,
                            data=data,
                        )
                    )
                    retries.append((item.id, data))
                    continue
                if not queue.fail(owner, item.id, message):
                    counts["lost"] += 1
                    continue
                counts["failed"] += 1
                changes.append(
                    StatusChange(
                        item.id,
                        failure_status(error),
                        error=error_message(error),
                        error_type=type(error).__name__,
                        data={
                            "worker": owner,
                            "attempt": item.attempts,
                            "traceback": outcome.traceback,
                        },
                        at=outcome.finished_at,
                    )
                )
                dead.append((item, error))
            self._record_changes(session, changes)
            for execution_id, data in retries:
                with _logged("count a retry of", execution_id):
                    session.ledger.increment_retry(execution_id, data)
            for execution_id, data in deferrals:
                with _logged("note the deferral of", execution_id):
                    session.ledger.record_event(execution_id, EventType.DEFERRED, data)
            for item, error in dead:
                self._dead_letter(session, item, error_message(error), type(error).__name__)
        for item, _ in finished:
            inflight.pop(item.id, None)
        with self._lock:
            m = self._metrics
            m.completed += counts["completed"]
            m.retried += counts["retried"]
            m.failed += counts["failed"]
            m.deferred += counts["deferred"]
            m.lost += counts["lost"]
            m.in_flight = len(inflight)

    def _defer(
        self, queue: WorkQueue, item: WorkItem, deferred: Deferred, now: datetime
    ) -> dict[str, Any] | None:
        """Put an item its rate limit refused back to the queue, its attempt given back;
        the ledger note, or ``None`` when the lease was lost meanwhile."""
        run_after = now + timedelta(seconds=deferred.delay)
        reason = f"deferred: {deferred.limiter} had no token"
        if not queue.defer(self.worker_id, item.id, run_after, reason):
            return None
        return {
            "worker": self.worker_id,
            "reason": "rate_limit",
            "limiter": deferred.limiter,
            "delay": round(deferred.delay, 6),
            "run_after": run_after.isoformat(),
            "attempts": item.attempts - 1,
        }

    def _record_changes(self, session: WorkerSession, changes: list[StatusChange]) -> None:
        try:
            update_all(session.ledger, changes)
        except (InvalidTransitionError, ExecutionNotFoundError):
            for change in changes:  # record what the state machine allows, note the rest
                with _logged("record", change.execution_id, session.ledger):
                    update_all(session.ledger, [change])

    def _dead_letter(
        self, session: WorkerSession, item: WorkItem, error: str, error_type: str
    ) -> None:
        if session.dlq is None:
            return
        entry = session.dlq.add(
            execution_id=item.id,
            workflow=item.workflow,
            params=item.params,
            error=error,
            error_type=error_type,
            metadata={"work_item_id": item.id, "attempts": item.attempts, "lane": item.lane},
        )
        with _logged("note the dead letter of", item.id):
            session.ledger.record_event(
                item.id, EventType.DEAD_LETTERED, {"dead_letter_id": entry.id}
            )

    def _reclaim(self, session: WorkerSession) -> None:
        with session.atomic(claim=True):
            items = session.queue.reclaim_expired(limit=_RECLAIM_BATCH)
            if not items:
                return
            ledger = session.ledger
            for item in items:
                note = {
                    "previous_owner": item.lease_owner,
                    "attempt": item.attempts,
                    "reclaimed_by": self.worker_id,
                }
                with _logged("note the reclaim of", item.id):
                    ledger.record_event(item.id, EventType.RECLAIMED, note)
                if item.status is WorkStatus.PENDING:
                    with _logged("re-queue", item.id):
                        ledger.update_status(
                            item.id,
                            _ES.QUEUED,
                            error=item.last_error,
                            error_type="LeaseExpired",
                            data=note,
                        )
                        ledger.increment_retry(item.id, note)
                else:
                    with _logged("fail", item.id):
                        ledger.update_status(
                            item.id,
                            _ES.FAILED,
                            error=item.last_error,
                            error_type="LeaseExpired",
                            data=note,
                        )
                    self._dead_letter(session, item, item.last_error or "", "LeaseExpired")
        with self._lock:
            self._metrics.reclaimed += len(items)
        log.warning("worker %s: reclaimed %d expired item(s)", self.worker_id, len(items))


def _is_connection_error(exc: BaseException) -> bool:
    """A lost or refused connection (worth reconnecting for), not a failing statement."""
    from spine.types import DatabaseConnectionError

    return isinstance(exc, (DatabaseConnectionError, OSError))


def _is_ledger_refusal(exc: BaseException) -> bool:
    """A typed refusal of the ledger (a duplicate), not a lost connection."""
    from spine.types import DatabaseConnectionError

    return not isinstance(exc, DatabaseConnectionError)


@contextlib.contextmanager
def _logged(action: str, execution_id: str, ledger: Ledger | None = None) -> Iterator[None]:
    """Run one ledger write; a typed refusal (illegal transition, unknown execution) is
    logged - and noted in the ledger when possible - instead of stopping the worker."""
    try:
        yield
    except (InvalidTransitionError, ExecutionNotFoundError, ValidationError) as exc:
        log.error("worker could not %s execution %s: %s", action, execution_id, exc)
        if ledger is not None and not isinstance(exc, ExecutionNotFoundError):
            with contextlib.suppress(SpineError):
                ledger.record_event(
                    execution_id,
                    EventType.PROGRESS,
                    {"error": str(exc), "error_type": type(exc).__name__, "action": action},
                )
