"""The WorkQueue contract, run against the in-memory queue and the SQL queue on every backend."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from spine.db import SpineConnection
from spine.db.transaction import transaction
from spine.execution.errors import UnserializableParamsError
from spine.execution.queue import NewWork, SqlWorkQueue, WorkQueue, WorkStatus
from spine.execution.testing import FakeClock
from spine.types import IntegrityError, ValidationError

S = WorkStatus


def test_enqueue_stores_a_pending_item_due_now_with_its_params(
    queue: WorkQueue, clock: FakeClock
) -> None:
    item = queue.enqueue(
        NewWork("finra.otc.ingest", {"week": "2025-12-26", "n": [1, 2]}, timeout=2.5)
    )
    assert item.status is S.PENDING
    assert (item.attempts, item.max_attempts, item.lane, item.priority) == (0, 3, "default", 0)
    assert item.run_after == clock()
    stored = queue.get(item.id)
    assert stored is not None
    assert stored.params == {"week": "2025-12-26", "n": [1, 2]}
    assert stored.timeout == 2.5
    assert queue.get("no-such-item") is None


def test_domain_and_partition_key_round_trip(queue: WorkQueue) -> None:
    item = queue.enqueue(
        NewWork("ingest", domain="finra", partition_key={"week": "2025-12-26", "tier": "T1"})
    )
    stored = queue.get(item.id)
    assert stored is not None
    assert (stored.domain, stored.partition_key) == ("finra", {"tier": "T1", "week": "2025-12-26"})


def test_an_idempotency_key_enqueues_the_work_once(queue: WorkQueue) -> None:
    first = queue.enqueue(NewWork("ingest", {"a": 1}, idempotency_key="week-2025-52"))
    again = queue.enqueue(NewWork("ingest", {"a": 2}, idempotency_key="week-2025-52"))
    assert again.id == first.id
    assert again.params == {"a": 1}
    assert queue.counts()[S.PENDING] == 1


def test_enqueue_many_stores_all_or_nothing(queue: WorkQueue) -> None:
    ids = queue.enqueue_many(NewWork("echo", {"n": n}) for n in range(50))
    assert len(ids) == 50
    assert queue.counts()[S.PENDING] == 50
    queue.enqueue(NewWork("echo", idempotency_key="taken"))
    with pytest.raises(IntegrityError):
        queue.enqueue_many([NewWork("echo", {"new": 1}), NewWork("echo", idempotency_key="taken")])
    assert queue.counts()[S.PENDING] == 51


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"workflow": ""}, ValidationError),
        ({"workflow": "x", "params": {"f": object()}}, UnserializableParamsError),
        ({"workflow": "x", "params": {"f": float("nan")}}, UnserializableParamsError),
        ({"workflow": "x", "timeout": -1}, ValidationError),
        ({"workflow": "x", "max_attempts": 0}, ValidationError),
        ({"workflow": "x", "priority": "high"}, ValidationError),
        ({"workflow": "x", "lane": ""}, ValidationError),
        ({"workflow": "x", "partition_key": {"week": "w"}}, ValidationError),
    ],
)
def test_bad_work_is_refused_with_a_typed_error_and_nothing_is_stored(
    queue: WorkQueue, kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        queue.enqueue(NewWork(**kwargs))  # type: ignore[arg-type]
    assert sum(queue.counts().values()) == 0


def test_a_naive_run_after_is_refused(queue: WorkQueue, clock: FakeClock) -> None:
    with pytest.raises(ValidationError, match=r"naive|timezone"):
        NewWork("x", run_after=clock().replace(tzinfo=None))


def test_claim_takes_due_items_by_priority_then_run_after(
    queue: WorkQueue, clock: FakeClock
) -> None:
    now = clock()
    low = queue.enqueue(NewWork("a", priority=0, run_after=now - timedelta(seconds=10)))
    high = queue.enqueue(NewWork("b", priority=5))
    older = queue.enqueue(NewWork("c", priority=0, run_after=now - timedelta(seconds=20)))
    later = queue.enqueue(NewWork("d", priority=9, run_after=now + timedelta(seconds=60)))
    claimed = queue.claim("w1", limit=10, lease_seconds=30)
    assert [w.id for w in claimed] == [high.id, older.id, low.id]
    for w in claimed:
        assert (w.status, w.attempts, w.lease_owner) == (S.RUNNING, 1, "w1")
        assert w.lease_expires_at == now + timedelta(seconds=30)
    assert queue.claim("w1") == []
    clock.advance(61)
    assert [w.id for w in queue.claim("w1")] == [later.id]


def test_claim_respects_the_limit_and_the_lanes(queue: WorkQueue) -> None:
    queue.enqueue_many([NewWork("x", lane="fast") for _ in range(3)])
    queue.enqueue_many([NewWork("x", lane="slow") for _ in range(2)])
    assert len(queue.claim("w1", limit=2, lanes=["fast"])) == 2
    rest = queue.claim("w1", limit=10, lanes=["fast", "other"])
    assert [w.lane for w in rest] == ["fast"]
    assert len(queue.claim("w1", limit=10)) == 2
    assert queue.counts(lane="fast")[S.RUNNING] == 3
    assert queue.counts(lane="slow")[S.RUNNING] == 2


@pytest.mark.parametrize(
    "kwargs",
    [{"limit": 0}, {"limit": True}, {"lease_seconds": -5}, {"lanes": []}, {"lanes": [""]}],
)
def test_claim_refuses_bad_arguments(queue: WorkQueue, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        queue.claim("w1", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        queue.claim("")


def test_two_workers_never_claim_the_same_item(make_queue: Callable[[], WorkQueue]) -> None:
    make_queue().enqueue_many(NewWork("x", {"n": n}) for n in range(60))
    queues = [make_queue() for _ in range(3)]
    got: list[list[str]] = [[] for _ in queues]

    def drain(index: int) -> None:
        while True:
            items = queues[index].claim(f"w{index}", limit=4)
            if not items:
                return
            got[index].extend(w.id for w in items)

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(len(queues))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for ids in got for i in ids]
    assert len(every) == 60
    assert len(set(every)) == 60


def test_heartbeat_extends_only_the_owners_live_leases(queue: WorkQueue, clock: FakeClock) -> None:
    a, b = (queue.enqueue(NewWork("x")) for _ in range(2))
    queue.claim("w1", limit=2, lease_seconds=10)
    clock.advance(8)
    assert queue.heartbeat("w1", [a.id, b.id, "unknown"], lease_seconds=10) == [a.id, b.id]
    assert queue.heartbeat("w2", [a.id], lease_seconds=10) == []
    clock.advance(8)  # 16 s after the claim: alive thanks to the heartbeat
    assert queue.reclaim_expired() == []
    stored = queue.get(a.id)
    assert stored is not None
    assert stored.lease_expires_at == clock() + timedelta(seconds=2)


def test_only_the_owner_completes_and_only_once(queue: WorkQueue) -> None:
    a, b = (queue.enqueue(NewWork("x")) for _ in range(2))
    queue.claim("w1", limit=2)
    assert queue.complete("w2", [a.id]) == []
    assert queue.complete("w1", [a.id, b.id]) == [a.id, b.id]
    assert queue.complete("w1", [a.id]) == []
    stored = queue.get(a.id)
    assert stored is not None
    assert stored.status is S.COMPLETED
    assert stored.completed_at is not None
    assert queue.counts()[S.COMPLETED] == 2


def test_complete_reports_exactly_the_items_still_held(queue: WorkQueue) -> None:
    a, b = (queue.enqueue(NewWork("x")) for _ in range(2))
    queue.claim("w1", limit=2)
    assert queue.fail("w1", a.id, "boom")
    assert queue.complete("w1", [a.id, b.id]) == [b.id]


def test_fail_is_terminal_and_keeps_the_error(queue: WorkQueue) -> None:
    a = queue.enqueue(NewWork("x"))
    queue.claim("w1")
    assert not queue.fail("w2", a.id, "not mine")
    assert queue.fail("w1", a.id, "ValidationError: bad row")
    stored = queue.get(a.id)
    assert stored is not None
    assert (stored.status, stored.last_error) == (S.FAILED, "ValidationError: bad row")
    assert queue.claim("w1") == []


def test_reschedule_puts_the_item_back_until_run_after(queue: WorkQueue, clock: FakeClock) -> None:
    a = queue.enqueue(NewWork("x", max_attempts=3))
    queue.claim("w1")
    due = clock() + timedelta(seconds=30)
    assert not queue.reschedule("w2", a.id, due, "not mine")
    assert queue.reschedule("w1", a.id, due, "NetworkError: reset")
    stored = queue.get(a.id)
    assert stored is not None
    assert (stored.status, stored.run_after, stored.attempts) == (S.PENDING, due, 1)
    assert stored.last_error == "NetworkError: reset"
    assert queue.claim("w1") == []
    clock.advance(30)
    [again] = queue.claim("w2")
    assert (again.id, again.attempts, again.lease_owner) == (a.id, 2, "w2")


def test_defer_puts_the_item_back_until_run_after_and_gives_its_attempt_back(
    queue: WorkQueue, clock: FakeClock
) -> None:
    a = queue.enqueue(NewWork("x", max_attempts=1))
    [first] = queue.claim("w1")
    assert first.first_claim
    due = clock() + timedelta(seconds=0.25)
    assert not queue.defer("w2", a.id, due, "not mine")
    assert not queue.defer("w1", "no-such-item", due)
    assert queue.defer("w1", a.id, due, "rate limit 'api': no token")
    stored = queue.get(a.id)
    assert stored is not None
    assert (stored.status, stored.run_after, stored.attempts) == (S.PENDING, due, 0)
    assert (stored.lease_expires_at, stored.last_error) == (None, "rate limit 'api': no token")
    assert not queue.defer("w1", a.id, due)  # pending: not held any more
    assert queue.claim("w1") == []
    clock.advance(0.25)
    [again] = queue.claim("w2")
    assert (again.id, again.attempts, again.lease_owner) == (a.id, 1, "w2")
    assert not again.first_claim  # claimed before: its execution exists
    for _ in range(5):  # deferrals never use up the single attempt
        assert queue.defer("w2", a.id, clock())
        [again] = queue.claim("w2")
        assert again.attempts == 1
    assert queue.complete("w2", [a.id]) == [a.id]


def test_defer_keeps_the_last_failure(queue: WorkQueue, clock: FakeClock) -> None:
    a = queue.enqueue(NewWork("x", max_attempts=3))
    queue.claim("w1")
    assert queue.reschedule("w1", a.id, clock(), "NetworkError: reset")
    [second] = queue.claim("w1")
    assert second.attempts == 2
    assert queue.defer("w1", a.id, clock(), "rate limited")
    stored = queue.get(a.id)
    assert stored is not None
    assert (stored.attempts, stored.last_error) == (1, "NetworkError: reset")


@pytest.mark.parametrize("run_after", [None, "soon", datetime(2030, 1, 1)])
def test_defer_and_reschedule_refuse_a_bad_run_after(queue: WorkQueue, run_after: object) -> None:
    a = queue.enqueue(NewWork("x"))
    queue.claim("w1")
    with pytest.raises(ValidationError):
        queue.defer("w1", a.id, run_after)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        queue.reschedule("w1", a.id, run_after, "e")  # type: ignore[arg-type]
    stored = queue.get(a.id)
    assert stored is not None
    assert (stored.status, stored.attempts) == (S.RUNNING, 1)


def test_expired_leases_are_reclaimed_and_the_old_owner_cannot_complete(
    queue: WorkQueue, clock: FakeClock
) -> None:
    a = queue.enqueue(NewWork("x", max_attempts=2))
    queue.claim("w1", lease_seconds=10)
    clock.advance(9)
    assert queue.reclaim_expired() == []
    clock.advance(2)
    [back] = queue.reclaim_expired()
    assert (back.id, back.status, back.attempts, back.run_after) == (a.id, S.PENDING, 1, clock())
    assert back.last_error is not None
    assert "expired" in back.last_error
    assert queue.complete("w1", [a.id]) == []
    assert not queue.fail("w1", a.id, "late")
    [again] = queue.claim("w2", lease_seconds=10)
    assert again.attempts == 2
    clock.advance(11)
    [dead] = queue.reclaim_expired()
    assert (dead.status, dead.attempts) == (S.FAILED, 2)
    stored = queue.get(a.id)
    assert stored is not None
    assert stored.status is S.FAILED
    assert queue.claim("w3") == []


def test_cancel_only_stops_pending_items(queue: WorkQueue) -> None:
    a, b = (queue.enqueue(NewWork("x")) for _ in range(2))
    [claimed] = queue.claim("w1")
    other = b if claimed.id == a.id else a
    assert not queue.cancel(claimed.id)
    assert queue.cancel(other.id)
    assert not queue.cancel(other.id)
    assert not queue.cancel("unknown")
    assert queue.counts() == {
        S.PENDING: 0,
        S.RUNNING: 1,
        S.COMPLETED: 0,
        S.FAILED: 0,
        S.CANCELLED: 1,
    }


def test_sql_queue_joins_the_callers_transaction(queue: WorkQueue) -> None:
    if not isinstance(queue, SqlWorkQueue):
        pytest.skip("transactions are a SQL feature")

    def failing_block() -> None:
        with transaction(queue.conn):
            queue.enqueue(NewWork("x"))
            queue.enqueue_many([NewWork("y"), NewWork("z")])
            raise RuntimeError("the caller's block fails")

    with pytest.raises(RuntimeError):
        failing_block()
    assert sum(queue.counts().values()) == 0
    with transaction(queue.conn):
        queue.enqueue(NewWork("x"))
        assert queue.claim("w1")[0].workflow == "x"
    assert queue.counts()[S.RUNNING] == 1


def test_a_queue_of_an_earlier_release_gets_the_claim_order_indexes(db: SpineConnection) -> None:
    """Migration 1 of ``spine-exec.queue``: the claim indexes of the first release become
    indexes in the claim's order; queued work survives and is claimed in order."""
    from dataclasses import replace

    from spine.db.schema import Index, index_exists, install_schema
    from spine.execution.queue import CORE_WORK_ITEMS

    old = replace(
        CORE_WORK_ITEMS,
        indexes=(
            Index("ix_core_work_items_claim", ("status", "run_after", "priority")),
            Index("ix_core_work_items_lane", ("lane", "status", "run_after")),
            *(ix for ix in CORE_WORK_ITEMS.indexes if not ix.name.endswith("pick")),
        ),
    )
    for stmt in db.dialect.create_table_statements(old):  # as the first release made it
        db.execute(stmt)
    db.commit()
    queue = SqlWorkQueue(db)
    low = queue.enqueue(NewWork("x", priority=1))
    high = queue.enqueue(NewWork("x", priority=9))
    report = install_schema(db, ["spine-exec.queue"])
    assert ("spine-exec.queue", 1) in report.applied
    assert index_exists(db, CORE_WORK_ITEMS.name, "ix_core_work_items_pick")
    assert index_exists(db, CORE_WORK_ITEMS.name, "ix_core_work_items_lanepick")
    assert not index_exists(db, CORE_WORK_ITEMS.name, "ix_core_work_items_claim")
    assert [w.id for w in queue.claim("w", limit=2)] == [high.id, low.id]
    assert install_schema(db, ["spine-exec.queue"]).applied == ()


def test_enqueue_returns_exactly_what_a_read_returns(
    make_queue: Callable[[], WorkQueue],
) -> None:
    queue = make_queue()
    item = queue.enqueue(
        NewWork(
            "x",
            {"n": 1, "s": "é"},
            lane="l1",
            priority=3,
            timeout=2.5,
            idempotency_key="k-1",
            domain="d",
            partition_key={"week": "2026-11-27"},
        )
    )
    assert make_queue().get(item.id) == item
