"""tracked_execution on a real connection, on every backend: the spec's lifecycle with the
SQL ledger, locks and dead letters, across processes."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest

from spine.execution import (
    ConcurrencyGuard,
    DLQManager,
    EventType,
    ExecutionLedger,
    ExecutionStatus,
    LockNotAcquiredError,
    tracked_execution,
)

S = ExecutionStatus


def test_success_is_recorded_with_its_result_in_two_commits(exec_space: Any) -> None:
    conn = exec_space.conn
    with tracked_execution(conn, workflow="finra.otc.ingest", params={"week": "w52"}) as ctx:
        assert ExecutionLedger(conn).get_execution(ctx.id).status is S.RUNNING  # type: ignore[union-attr]
        ctx.set_result({"rows": 960})
    found = ExecutionLedger(conn).get_execution(ctx.id)
    assert found is not None
    assert (found.status, found.result) == (S.COMPLETED, {"rows": 960})
    assert not conn.in_transaction
    other = exec_space.connect()  # committed: another connection sees it
    seen = ExecutionLedger(other).get_execution(ctx.id)
    assert seen is not None
    assert seen.status is S.COMPLETED
    assert ConcurrencyGuard(other).list_locks() == []


def test_failure_is_dead_lettered_and_re_raised(exec_space: Any) -> None:
    conn = exec_space.conn
    with (
        pytest.raises(ValueError, match="bad file"),
        tracked_execution(conn, workflow="sec.filings", lock_key="sec") as ctx,
    ):
        raise ValueError("bad file")
    found = ExecutionLedger(conn).get_execution(ctx.id)
    assert found is not None
    assert (found.status, found.error, found.error_type) == (S.FAILED, "bad file", "ValueError")
    [entry] = DLQManager(conn).list_unresolved()
    assert (entry.execution_id, entry.workflow, entry.error) == (ctx.id, "sec.filings", "bad file")
    kinds = [e.event_type for e in ExecutionLedger(conn).get_events(ctx.id)]
    assert kinds == [
        EventType.CREATED,
        EventType.STARTED,
        EventType.FAILED,
        EventType.DEAD_LETTERED,
    ]
    assert ConcurrencyGuard(conn).get("sec") is None


def test_a_completed_idempotency_key_is_skipped(exec_space: Any) -> None:
    conn = exec_space.conn
    runs = 0
    for _ in range(3):
        with tracked_execution(conn, workflow="w", idempotency_key="otc:w52") as ctx:
            if ctx.skipped:
                continue
            runs += 1
            ctx.set_result({"n": runs})
    assert runs == 1
    [only] = ExecutionLedger(conn).list_executions()
    assert (only.status, only.result) == (S.COMPLETED, {"n": 1})


def test_a_failed_key_runs_again_as_the_next_attempt(exec_space: Any) -> None:
    conn = exec_space.conn
    with pytest.raises(RuntimeError), tracked_execution(conn, workflow="w", idempotency_key="k"):
        raise RuntimeError("first try")
    with tracked_execution(conn, workflow="w", idempotency_key="k") as ctx:
        ctx.set_result("ok")
    latest = ExecutionLedger(conn).get_by_idempotency_key("k")
    assert latest is not None
    assert (latest.attempt, latest.status, latest.result) == (2, S.COMPLETED, "ok")


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_the_lock_is_released_when_the_body_raises_a_base_exception(
    exec_space: Any, error: type[BaseException]
) -> None:
    conn = exec_space.conn
    with pytest.raises(error), tracked_execution(conn, workflow="w", lock_key="L") as ctx:
        raise error()
    assert ConcurrencyGuard(exec_space.connect()).get("L") is None
    found = ExecutionLedger(conn).get_execution(ctx.id)
    assert found is not None
    assert found.status is S.CANCELLED
    assert DLQManager(conn).count() == 0


# -- two processes --------------------------------------------------------------------------


HOLDER = """
import sys
from spine.db import connect
from spine.execution import tracked_execution

url, schema, ttl = sys.argv[1], sys.argv[2], float(sys.argv[3])
conn = connect(url, schema=schema) if schema else connect(url)
with tracked_execution(conn, workflow="holder", lock_key="L", lock_ttl=ttl) as ctx:
    print(ctx.id, flush=True)
    sys.stdin.readline()
    ctx.set_result({"done": True})
conn.close()
"""


class Holder:
    """Another process running a tracked execution that holds lock "L" until told to end."""

    def __init__(self, space: Any, ttl: float) -> None:
        url = space.space.url
        schema = space.space.schema or ""
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(url), schema, repr(ttl)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.execution_id = self.proc.stdout.readline().strip()
        assert self.execution_id, "the holder process did not start its execution"

    def finish(self) -> int:
        assert self.proc.stdin is not None
        if self.proc.poll() is None:
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
        self.proc.stdin.close()
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return self.proc.wait(timeout=60)


def test_lock_contention_between_two_processes(exec_space: Any) -> None:
    conn = exec_space.conn
    holder = Holder(exec_space, ttl=60)
    try:
        with (
            pytest.raises(LockNotAcquiredError, match="'L' is held"),
            tracked_execution(conn, workflow="second", lock_key="L"),
        ):
            pytest.fail("the body must not run while another process holds the lock")
        [refused] = ExecutionLedger(conn).list_executions(workflow="second")
        assert refused.status is S.CANCELLED
    finally:
        code = holder.finish()
    assert code == 0
    done = ExecutionLedger(conn).get_execution(holder.execution_id)
    assert done is not None
    assert (done.status, done.result) == (S.COMPLETED, {"done": True})
    with tracked_execution(conn, workflow="second", lock_key="L") as ctx:
        ctx.set_result("ran")
    assert ExecutionLedger(conn).get_execution(ctx.id).status is S.COMPLETED  # type: ignore[union-attr]


def test_the_lock_of_a_killed_process_is_taken_over_when_it_expires(
    exec_space: Any,
) -> None:
    conn = exec_space.conn
    holder = Holder(exec_space, ttl=1.0)
    holder_id = holder.execution_id
    holder.proc.kill()
    holder.finish()
    held = ConcurrencyGuard(conn).get("L")
    assert held is not None  # the dead holder's row is still there ...
    assert held.execution_id == holder_id
    with pytest.raises(LockNotAcquiredError), tracked_execution(conn, workflow="w", lock_key="L"):
        pass
    time.sleep(max(0.0, (held.expires_at.timestamp() - time.time())) + 0.05)
    with tracked_execution(conn, workflow="w", lock_key="L") as ctx:  # ... until it expires
        ctx.set_result("taken over")
    assert ExecutionLedger(conn).get_execution(ctx.id).status is S.COMPLETED  # type: ignore[union-attr]
    assert ConcurrencyGuard(conn).get("L") is None
    dead = ExecutionLedger(conn).get_execution(holder_id)
    assert dead is not None
    assert dead.status is S.RUNNING  # what a reconciler finds: it never finished
