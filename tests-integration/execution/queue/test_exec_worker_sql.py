"""WorkerLoop on live databases: many processes, SIGKILL, dropped connections, retries, DLQ.

Each test runs on SQLite (one writer), PostgreSQL and MariaDB (Oracle and Db2 where their
test URLs are set), in its own isolated schema, with real worker processes
(``worker_main.py``) where processes matter.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest

from spine.db.connection import SpineConnection
from spine.db.testing import IsolatedDatabase
from spine.execution import HandlerRegistry
from spine.execution.queue import NewWork, SqlWorkQueue, WorkerLoop, WorkStatus

WORKER_MAIN = Path(__file__).with_name("worker_main.py")
S = WorkStatus


class _Worker(subprocess.Popen[str]):
    """A worker process whose output goes to files: a pipe nobody reads while the test waits
    on another worker fills up, and a worker logging into it would block (holding its locks)."""

    out_file: IO[str]
    err_file: IO[str]


def _spawn(space: IsolatedDatabase, url: str | None = None, **cfg: Any) -> _Worker:
    config = {"url": url or space.url, "schema": space.schema, **cfg}
    out_file = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by _output
    err_file = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by _output
    proc = _Worker(
        [sys.executable, str(WORKER_MAIN), json.dumps(config)],
        stdout=out_file,
        stderr=err_file,
        text=True,
    )
    proc.out_file, proc.err_file = out_file, err_file
    return proc


def _output(proc: _Worker, timeout: float = 300) -> tuple[str, str]:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()  # never leave a worker behind
        proc.wait()
        raise
    finally:
        texts = []
        for handle in (proc.out_file, proc.err_file):
            handle.seek(0)
            texts.append(handle.read())
            handle.close()
    return texts[0], texts[1]


def _metrics(proc: _Worker, timeout: float = 300) -> dict[str, Any]:
    out, err = _output(proc, timeout)
    assert proc.returncode == 0, err[-3000:]
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _rows(conn: SpineConnection, sql: str) -> dict[str, int]:
    rows = conn.execute(sql).fetchall()
    conn.commit()
    return {str(k): int(v) for k, v in rows}


def _event_counts(conn: SpineConnection) -> dict[str, int]:
    return _rows(conn, "SELECT event_type, COUNT(*) FROM core_execution_events GROUP BY event_type")


def _events(conn: SpineConnection, execution_id: str) -> list[str]:
    rows = conn.execute(
        f"SELECT event_type FROM core_execution_events WHERE execution_id = "
        f"{conn.dialect.placeholder(0)} ORDER BY occurred_at, id",
        (execution_id,),
    ).fetchall()
    conn.commit()
    return [str(r[0]) for r in rows]


def _worker(space: IsolatedDatabase, registry: HandlerRegistry, **kw: Any) -> WorkerLoop:
    return WorkerLoop(space.connect, registry, poll_interval=0.05, **kw)


def test_four_worker_processes_drain_5000_jobs_exactly_once_with_full_history(
    worker_space: IsolatedDatabase,
) -> None:
    conn = worker_space.connect()
    jobs = 5000
    SqlWorkQueue(conn).enqueue_many(NewWork("noop", {"n": n}) for n in range(jobs))
    procs = [_spawn(worker_space, concurrency=8, batch_size=32, idle_exit=1.5) for _ in range(4)]
    metrics = [_metrics(p) for p in procs]
    assert sum(m["completed"] for m in metrics) == jobs
    assert sum(m["claimed"] for m in metrics) == jobs
    assert sum(m["lost"] + m["reclaimed"] + m["failed"] for m in metrics) == 0
    assert SqlWorkQueue(conn).counts()[S.COMPLETED] == jobs
    assert _rows(conn, "SELECT attempts, COUNT(*) FROM core_work_items GROUP BY attempts") == {
        "1": jobs
    }
    assert _rows(conn, "SELECT status, COUNT(*) FROM core_executions GROUP BY status") == {
        "completed": jobs
    }
    assert _event_counts(conn) == {"created": jobs, "started": jobs, "completed": jobs}
    # How the jobs spread over the four processes depends on the machine's load (on a busy
    # machine one process may claim them all): the exactly-once counts above are the contract.


def test_a_job_of_a_sigkilled_worker_is_reclaimed_after_its_lease(
    worker_space: IsolatedDatabase, tmp_path: Path
) -> None:
    conn = worker_space.connect()
    log = tmp_path / "runs.log"
    item = SqlWorkQueue(conn).enqueue(NewWork("slow", {"seconds": 1.5, "log": str(log)}))
    victim = _spawn(worker_space, concurrency=1, lease_seconds=1.0)
    deadline = time.monotonic() + 60
    queue = SqlWorkQueue(conn)

    def running() -> bool:  # the job started and its claim is committed
        item_now = queue.get(item.id)
        started = log.exists() and bool(log.read_text())
        return started and item_now is not None and item_now.status is S.RUNNING

    while not running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running(), "the first worker never started the job"
    os.kill(victim.pid, signal.SIGKILL)
    _output(victim, timeout=30)
    rescuer = _spawn(worker_space, concurrency=1, lease_seconds=1.0, idle_exit=2.5)
    metrics = _metrics(rescuer)
    assert (metrics["reclaimed"], metrics["completed"]) == (1, 1)
    stored = SqlWorkQueue(conn).get(item.id)
    assert stored is not None
    assert (stored.status, stored.attempts) == (S.COMPLETED, 2)
    assert [int(p) for p in log.read_text().split()] == [victim.pid, rescuer.pid]
    assert _events(conn, item.id) == [
        "created",
        "started",
        "reclaimed",
        "queued",
        "retried",
        "started",
        "completed",
    ]


def _kill_sessions(admin: SpineConnection, space: IsolatedDatabase, app: str) -> int:
    """Drop the worker connections of this test from the server side."""
    p = admin.dialect.placeholder
    if admin.dialect.supports_notify:  # PostgreSQL: the backends carrying our application_name
        rows = admin.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE application_name = {p(0)}",
            (app,),
        ).fetchall()
        admin.commit()
        return len(rows)
    ids = admin.execute(
        "SELECT id FROM information_schema.processlist "
        f"WHERE db = {p(0)} AND id <> CONNECTION_ID()",
        (space.schema,),
    ).fetchall()
    for (conn_id,) in ids:
        with contextlib.suppress(Exception):
            admin.execute(f"KILL {int(conn_id)}")
    admin.commit()
    return len(ids)


def test_workers_reconnect_after_their_connections_are_killed(
    worker_space: IsolatedDatabase, tmp_path: Path
) -> None:
    """The queue's, the ledger's and the rate limit store's connections are all killed."""
    if worker_space.backend not in {"postgres", "mysql"}:
        pytest.skip("connections are killed on PostgreSQL and MariaDB/MySQL")
    conn = worker_space.connect()
    log = tmp_path / "starts"
    log.mkdir()
    works = []
    for n in range(200):  # rate-limited jobs among the others: their store is killed too
        works.append(NewWork("slow", {"seconds": 0.02}))
        if n % 10 < 3:
            works.append(NewWork("limited", {"n": n, "log": str(log)}))
    SqlWorkQueue(conn).enqueue_many(works)
    jobs = len(works)
    limit = {"store": "sql", "rate": 50.0, "capacity": 2.0, "key": "killed"}
    app = f"spine_test_{secrets.token_hex(4)}"
    url = worker_space.url or ""
    if conn.dialect.supports_notify:  # PostgreSQL: name the workers' sessions to find them
        url += ("&" if "?" in url else "?") + f"application_name={app}"
    # A claim whose commit was cut by the kill is durable but unknown to its worker: the
    # short lease lets the surviving workers reclaim and finish it (at-least-once).
    procs = [
        _spawn(
            worker_space,
            url=url,
            concurrency=2,
            idle_exit=4,
            max_backoff=0.2,
            lease_seconds=2,
            rate_limit=limit,
        )
        for _ in range(2)
    ]
    queue = SqlWorkQueue(conn)
    killed, seen = 0, 0
    deadline = time.monotonic() + 90
    for _ in range(2):  # twice, each time once the workers made progress
        while time.monotonic() < deadline:
            done = queue.counts()[S.COMPLETED]
            if done > seen + 20:
                break
            time.sleep(0.05)
        seen = queue.counts()[S.COMPLETED]
        assert seen < jobs, "the workers finished before their connections could be killed"
        killed += _kill_sessions(conn, worker_space, app)
    metrics = [_metrics(p) for p in procs]
    assert killed > 0
    assert sum(m["db_errors"] for m in metrics) >= 1
    counts = SqlWorkQueue(conn).counts()
    assert counts[S.COMPLETED] == jobs
    assert counts[S.RUNNING] == counts[S.PENDING] == 0
    statuses = _rows(conn, "SELECT status, COUNT(*) FROM core_executions GROUP BY status")
    assert statuses == {"completed": jobs}
    ran = {int(line.split()[1]) for f in log.iterdir() for line in f.read_text().splitlines()}
    assert ran == {n for n in range(200) if n % 10 < 3}


def test_non_retryable_errors_are_dead_lettered_after_one_attempt_retryable_after_backoff(
    worker_space: IsolatedDatabase, registry: HandlerRegistry
) -> None:
    from spine.execution import DLQManager

    conn = worker_space.connect()
    queue = SqlWorkQueue(conn)
    bad = queue.enqueue(NewWork("bad_row", max_attempts=5))
    flaky = queue.enqueue(NewWork("flaky", max_attempts=3))
    metrics = _worker(worker_space, registry).run(idle_exit=0.6)
    assert (metrics.failed, metrics.retried) == (2, 2)
    bad_item, flaky_item = queue.get(bad.id), queue.get(flaky.id)
    assert bad_item is not None
    assert flaky_item is not None
    assert (bad_item.status, bad_item.attempts) == (S.FAILED, 1)
    assert (flaky_item.status, flaky_item.attempts) == (S.FAILED, 3)
    assert _events(conn, bad.id) == ["created", "started", "failed", "dead_lettered"]
    assert _events(conn, flaky.id) == [
        "created",
        "started",
        "queued",
        "retried",
        "started",
        "queued",
        "retried",
        "started",
        "failed",
        "dead_lettered",
    ]
    dead = {d.execution_id: d for d in DLQManager(conn).list_unresolved()}
    assert dead[bad.id].error_type == "ValidationError"
    assert dead[flaky.id].error_type == "NetworkError"


@pytest.mark.parametrize(
    ("workflow", "error_type"),
    [("no_such_handler", "HandlerNotFoundError"), ("garbage", "InvalidResultError")],
)
def test_bad_work_is_recorded_as_a_typed_error_and_the_worker_keeps_running(
    worker_space: IsolatedDatabase,
    registry: HandlerRegistry,
    workflow: str,
    error_type: str,
) -> None:
    from spine.execution import ExecutionLedger

    conn = worker_space.connect()
    queue = SqlWorkQueue(conn)
    bad = queue.enqueue(NewWork(workflow))
    queue.enqueue_many(NewWork("noop", {"n": n}) for n in range(5))
    metrics = _worker(worker_space, registry).run(idle_exit=0)
    assert (metrics.completed, metrics.failed) == (5, 1)
    execution = ExecutionLedger(conn).get_execution(bad.id)
    assert execution is not None
    assert (execution.status.value, execution.error_type) == ("failed", error_type)


def test_a_stored_row_that_is_not_valid_work_is_a_typed_error_and_the_worker_keeps_running(
    worker_space: IsolatedDatabase, registry: HandlerRegistry
) -> None:
    """Rows changed behind the queue's back (params that are not a JSON object, a negative
    timeout) fail with a typed error in the ledger and the DLQ; they never stop a worker
    (a claim that raised would stop every worker that claims the row)."""
    from spine.execution import DLQManager, ExecutionLedger

    conn = worker_space.connect()
    queue = SqlWorkQueue(conn)
    params = queue.enqueue(NewWork("noop", {"n": 1}))
    timeout = queue.enqueue(NewWork("noop", {"n": 2}))
    queue.enqueue_many(NewWork("noop", {"n": n}) for n in range(3))
    p = conn.dialect.placeholder
    conn.execute(
        f"UPDATE core_work_items SET payload_json = '[1, 2]' WHERE id = {p(0)}", (params.id,)
    )
    conn.execute(
        f"UPDATE core_work_items SET timeout_seconds = -1 WHERE id = {p(0)}", (timeout.id,)
    )
    conn.commit()
    metrics = _worker(worker_space, registry).run(idle_exit=0)
    assert (metrics.completed, metrics.failed, metrics.retried) == (3, 2, 0)
    ledger = ExecutionLedger(conn)
    expected = {params.id: "UnserializableParamsError", timeout.id: "ValidationError"}
    for item_id, error_type in expected.items():
        execution = ledger.get_execution(item_id)
        assert execution is not None
        assert (execution.status.value, execution.error_type) == ("failed", error_type)
        assert item_id in (execution.error or "")
        stored = queue.get(item_id)
        assert stored is not None
        assert (stored.status, stored.attempts) == (S.FAILED, 1)
    assert {d.execution_id for d in DLQManager(conn).list_unresolved()} == set(expected)


def test_an_illegal_transition_on_the_sql_ledger_is_recorded_and_the_worker_keeps_running(
    worker_space: IsolatedDatabase, registry: HandlerRegistry
) -> None:
    from spine.execution import ExecutionLedger

    conn = worker_space.connect()
    queue = SqlWorkQueue(conn)
    item = queue.enqueue(NewWork("slow", {"seconds": 0.5}))
    worker = _worker(worker_space, registry, concurrency=2)
    runner = threading.Thread(target=worker.run, kwargs={"idle_exit": 0.3})
    runner.start()
    ledger = ExecutionLedger(worker_space.connect())
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        execution = ledger.get_execution(item.id)
        if execution is not None and execution.status.value == "running":
            break
        time.sleep(0.01)
    ledger.update_status(item.id, "cancelled")  # an operator cancels it while it runs
    others = queue.enqueue_many(NewWork("noop", {"n": n}) for n in range(3))
    runner.join(30)
    assert not runner.is_alive()
    assert worker.metrics.completed == 4  # the queue row completes; the ledger refuses
    events = _events(conn, item.id)
    assert events[:3] == ["created", "started", "cancelled"]
    assert events[-1] == "progress"  # the refused COMPLETED, noted with its typed error
    [note] = [e for e in ledger.get_events(item.id) if e.event_type.value == "progress"]
    assert note.data["error_type"] == "InvalidTransitionError"
    assert all(queue.get(i).status is S.COMPLETED for i in others)  # type: ignore[union-attr]


def test_a_repeated_database_error_stops_the_worker_after_max_failures(
    worker_space: IsolatedDatabase, registry: HandlerRegistry
) -> None:
    """A dropped queue table is not a lost connection: retrying cannot help, so after
    ``max_failures`` errors in a row ``run`` raises it instead of looping forever."""
    from spine.types import DatabaseError

    conn = worker_space.connect()
    SqlWorkQueue(conn).enqueue(NewWork("noop"))
    conn.execute(conn.dialect.drop_table_sql("core_work_items"))
    conn.commit()
    worker = _worker(worker_space, registry, max_failures=3, max_backoff=0.05)
    started = time.monotonic()
    with pytest.raises(DatabaseError):
        worker.run(idle_exit=5)
    assert time.monotonic() - started < 5
    assert worker.metrics.db_errors == 4  # the first error and max_failures more


def test_one_worker_process_with_several_connections_runs_every_job_once(
    worker_space: IsolatedDatabase, registry: HandlerRegistry
) -> None:
    """``connections=3``: three claim loops, each with its own session and lease owner,
    share the process's concurrency; every job runs once with its full history and the
    metrics add up."""
    conn = worker_space.connect()
    jobs = 600
    SqlWorkQueue(conn).enqueue_many(NewWork("noop", {"n": n}) for n in range(jobs))
    worker = _worker(worker_space, registry, concurrency=6, batch_size=20, connections=3)
    metrics = worker.run(idle_exit=0.3)
    assert (metrics.claimed, metrics.completed, metrics.failed) == (jobs, jobs, 0)
    assert SqlWorkQueue(conn).counts()[S.COMPLETED] == jobs
    assert _event_counts(conn) == {"created": jobs, "started": jobs, "completed": jobs}
    owners = _rows(conn, "SELECT lease_owner, COUNT(*) FROM core_work_items GROUP BY lease_owner")
    # every claim under one of the three loops' owners (how the load spreads is the
    # scheduler's business: on SQLite one loop may take every batch)
    assert set(owners) <= {worker.worker_id, f"{worker.worker_id}/1", f"{worker.worker_id}/2"}


def test_an_error_of_one_connection_loop_stops_them_all_and_is_raised(
    worker_space: IsolatedDatabase, registry: HandlerRegistry
) -> None:
    from spine.types import DatabaseError

    conn = worker_space.connect()
    conn.execute(conn.dialect.drop_table_sql("core_work_items"))
    conn.commit()
    worker = _worker(worker_space, registry, max_failures=2, max_backoff=0.05, connections=2)
    started = time.monotonic()
    with pytest.raises(DatabaseError):
        worker.run(idle_exit=5)
    assert time.monotonic() - started < 5


def test_bad_connection_counts_are_refused(
    worker_space: IsolatedDatabase, registry: HandlerRegistry
) -> None:
    from spine.types import ValidationError

    with pytest.raises(ValidationError, match="connections"):
        _worker(worker_space, registry, concurrency=2, connections=3)
    with pytest.raises(ValidationError, match="connections"):
        _worker(worker_space, registry, connections=0)


def test_the_sql_worker_drains_lanes_by_priority(
    worker_space: IsolatedDatabase, registry: HandlerRegistry
) -> None:
    from spine.execution import ExecutionLedger

    conn = worker_space.connect()
    queue = SqlWorkQueue(conn)
    queue.enqueue(NewWork("noop", {"n": 1}, lane="reports"))
    ids = queue.enqueue_many(NewWork("noop", {"n": n}, priority=n) for n in range(6))
    metrics = _worker(worker_space, registry, concurrency=1, lanes=["default"]).run(idle_exit=0)
    assert metrics.completed == 6
    assert queue.counts(lane="reports")[S.PENDING] == 1
    ledger = ExecutionLedger(conn)
    started = [ledger.get_execution(i) for i in reversed(ids)]  # priority 5 first
    times = [e.started_at for e in started if e is not None and e.started_at is not None]
    assert len(times) == 6
    assert times == sorted(times)


def test_work_whose_execution_exists_already_runs_under_that_execution(
    worker_space: IsolatedDatabase, registry: HandlerRegistry
) -> None:
    from spine.execution import Execution, ExecutionLedger

    conn = worker_space.connect()
    ledger = ExecutionLedger(conn)
    created = ledger.create_execution(Execution.create("noop", {"n": 7}))
    queue = SqlWorkQueue(conn)
    queue.enqueue(NewWork("noop", {"n": 7}, item_id=created.id))
    queue.enqueue_many(NewWork("noop", {"n": n}) for n in range(3))
    metrics = _worker(worker_space, registry).run(idle_exit=0)
    assert metrics.completed == 4
    assert _events(conn, created.id) == ["created", "started", "completed"]


# -- a global rate limit across worker processes ------------------------------------------

RATE, BURST, LIMITED_JOBS = 20.0, 3.0, 100
START_JITTER = 0.05  # seconds: how much later than its grant a start may be noted


def _most_starts_in_a_window(starts: list[float], window: float) -> int:
    """The most starts within ``window`` seconds of one another (each start opens one)."""
    starts = sorted(starts)
    return max(bisect.bisect_left(starts, t + window) - i for i, t in enumerate(starts))


def _run_rate_limited(
    space: IsolatedDatabase, tmp_path: Path, limit: dict[str, Any]
) -> tuple[list[str], list[float], list[dict[str, Any]]]:
    """3 worker processes drain LIMITED_JOBS jobs of the ``limited`` handler under one
    global token bucket (RATE/s, bursts of BURST); returns the ids, the start times (all
    processes) and the workers' metrics."""
    conn = space.connect()
    log = tmp_path / "starts"
    log.mkdir()
    ids = SqlWorkQueue(conn).enqueue_many(
        NewWork("limited", {"n": n, "log": str(log)}, max_attempts=1) for n in range(LIMITED_JOBS)
    )
    limit = {"rate": RATE, "capacity": BURST, "key": f"api-{secrets.token_hex(4)}", **limit}
    procs = [
        _spawn(space, concurrency=4, batch_size=8, idle_exit=1.5, rate_limit=limit)
        for _ in range(3)
    ]
    metrics = [_metrics(p, timeout=180) for p in procs]
    starts: list[float] = []
    runs: list[int] = []
    for path in log.iterdir():
        for line in path.read_text().splitlines():
            at, n = line.split()
            starts.append(float(at))
            runs.append(int(n))
    assert sorted(runs) == list(range(LIMITED_JOBS)), "every job ran exactly once"
    return ids, starts, metrics


def _check_the_limit_held(
    space: IsolatedDatabase, ids: list[str], starts: list[float], metrics: list[dict[str, Any]]
) -> None:
    conn = space.connect()
    # the limit: in any window, at most the burst plus the rate times the window started.
    # A start is noted a little after its token was granted (the grant's commit, a thread
    # switch); those delays differ by up to START_JITTER, which can bring starts granted
    # within window + START_JITTER into one window - never more.
    most = {w: _most_starts_in_a_window(starts, w) for w in (0.25, 1.0, 2.0)}
    for window, count in most.items():
        assert count <= BURST + RATE * (window + START_JITTER), (window, count)
    elapsed = max(starts) - min(starts)
    assert elapsed >= (LIMITED_JOBS - BURST) / RATE * 0.95
    assert elapsed <= (LIMITED_JOBS - BURST) / RATE * 3 + 5, "the limit should be used, not idle"
    # nothing was failed, retried or dead-lettered because of the limit
    assert sum(m["completed"] for m in metrics) == LIMITED_JOBS
    assert sum(m["failed"] + m["retried"] + m["lost"] for m in metrics) == 0
    deferred = sum(m["deferred"] for m in metrics)
    assert deferred > 0, "three workers at 4 threads each must have met the limit"
    assert _rows(conn, "SELECT attempts, COUNT(*) FROM core_work_items GROUP BY attempts") == {
        "1": LIMITED_JOBS
    }
    assert _rows(conn, "SELECT status, COUNT(*) FROM core_executions GROUP BY status") == {
        "completed": LIMITED_JOBS
    }
    retries = _rows(conn, "SELECT retry_count, COUNT(*) FROM core_executions GROUP BY retry_count")
    assert retries == {"0": LIMITED_JOBS}
    assert conn.execute("SELECT COUNT(*) FROM core_dead_letters").fetchone()[0] == 0
    conn.commit()
    events = _event_counts(conn)
    assert events["created"] == events["completed"] == LIMITED_JOBS
    assert events["deferred"] == events["queued"] == deferred
    assert events["started"] == LIMITED_JOBS + deferred
    assert set(events) == {"created", "started", "queued", "deferred", "completed"}
    print(
        f"rate limit {RATE:g}/s burst {BURST:g} on {space.backend}: {LIMITED_JOBS} jobs in "
        f"{elapsed:.2f}s, {deferred} deferrals, most starts per 0.25/1/2 s window "
        f"{most[0.25]}/{most[1.0]}/{most[2.0]}, load {os.getloadavg()[0]:.2f}"
    )


def test_a_global_rate_limit_on_the_database_holds_across_three_worker_processes(
    worker_space: IsolatedDatabase, tmp_path: Path
) -> None:
    ids, starts, metrics = _run_rate_limited(worker_space, tmp_path, {"store": "sql"})
    _check_the_limit_held(worker_space, ids, starts, metrics)


def test_a_global_rate_limit_on_redis_holds_across_three_worker_processes(
    worker_space: IsolatedDatabase, tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    if worker_space.backend != "postgres":
        pytest.skip("the Redis limit is backend-independent: run once, on PostgreSQL")
    limit = {"store": "redis", "redis_url": redis_url, "prefix": redis_prefix}
    ids, starts, metrics = _run_rate_limited(worker_space, tmp_path, limit)
    _check_the_limit_held(worker_space, ids, starts, metrics)
