"""Contract of every concurrency lock guard (spine.execution.locks.LockGuard)."""

from __future__ import annotations

import threading

import pytest

from spine.execution import LockNotAcquiredError, hold_lock, lock_key
from spine.execution.locks import LockGuard
from spine.execution.testing import FakeClock
from spine.types import ValidationError


def test_a_free_lock_is_acquired_and_shows_its_holder(guard: LockGuard, clock: FakeClock) -> None:
    assert guard.acquire("otc|w52", "worker-1", ttl=60, execution_id="01EXEC")
    held = guard.get("otc|w52")
    assert held is not None
    assert (held.owner, held.execution_id, held.depth) == ("worker-1", "01EXEC", 1)
    assert held.acquired_at == clock.now
    assert (held.expires_at - clock.now).total_seconds() == 60


def test_another_owner_is_refused_while_the_lock_is_held(guard: LockGuard) -> None:
    assert guard.acquire("k", "a", ttl=60)
    assert not guard.acquire("k", "b", ttl=60)
    assert not guard.release("k", "b")
    held = guard.get("k")
    assert held is not None
    assert held.owner == "a"


def test_release_frees_the_lock_for_the_next_owner(guard: LockGuard) -> None:
    guard.acquire("k", "a", ttl=60)
    assert guard.release("k", "a")
    assert guard.get("k") is None
    assert guard.acquire("k", "b", ttl=60)
    assert not guard.release("k", "a")


def test_locks_are_reentrant_for_the_same_owner(guard: LockGuard) -> None:
    assert guard.acquire("k", "a", ttl=60)
    assert guard.acquire("k", "a", ttl=60)
    held = guard.get("k")
    assert held is not None
    assert held.depth == 2
    assert guard.release("k", "a")
    assert guard.get("k") is not None  # one hold left
    assert not guard.acquire("k", "b", ttl=60)
    assert guard.release("k", "a")
    assert guard.get("k") is None


def test_an_expired_lock_is_taken_over(guard: LockGuard, clock: FakeClock) -> None:
    guard.acquire("k", "crashed-worker", ttl=30)
    clock.advance(29)
    assert not guard.acquire("k", "b", ttl=30)
    clock.advance(2)
    assert guard.get("k") is None
    assert guard.acquire("k", "b", ttl=30)
    held = guard.get("k")
    assert held is not None
    assert (held.owner, held.depth) == ("b", 1)
    assert not guard.release("k", "crashed-worker")  # the old owner cannot free it


def test_refresh_extends_only_the_owners_live_lock(guard: LockGuard, clock: FakeClock) -> None:
    guard.acquire("k", "a", ttl=10)
    clock.advance(8)
    assert guard.refresh("k", "a", ttl=10)
    clock.advance(8)
    assert not guard.acquire("k", "b", ttl=10)
    assert not guard.refresh("k", "b", ttl=10)
    clock.advance(3)
    assert not guard.refresh("k", "a", ttl=10)  # expired: it may already be someone else's


def test_list_locks_shows_live_locks_and_cleanup_removes_expired(
    guard: LockGuard, clock: FakeClock
) -> None:
    guard.acquire("b", "x", ttl=10)
    guard.acquire("a", "y", ttl=100)
    assert [h.lock_key for h in guard.list_locks()] == ["a", "b"]
    clock.advance(50)
    assert [h.lock_key for h in guard.list_locks()] == ["a"]
    assert guard.cleanup_expired() == 1
    assert guard.cleanup_expired() == 0


def test_keys_are_per_operation_and_partition(guard: LockGuard) -> None:
    w52 = lock_key("finra.otc.ingest", {"week_ending": "2025-12-26", "tier": "T1"})
    same = lock_key("finra.otc.ingest", {"tier": "T1", "week_ending": "2025-12-26"})
    w51 = lock_key("finra.otc.ingest", {"week_ending": "2025-12-19", "tier": "T1"})
    other = lock_key("finra.otc.normalize", {"week_ending": "2025-12-26", "tier": "T1"})
    assert w52 == same
    assert guard.acquire(w52, "a", ttl=60)
    assert not guard.acquire(same, "b", ttl=60)
    assert guard.acquire(w51, "b", ttl=60)
    assert guard.acquire(other, "c", ttl=60)


def test_hold_lock_releases_even_when_the_block_raises(guard: LockGuard) -> None:
    with pytest.raises(RuntimeError), hold_lock(guard, "k", "a", ttl=60):
        raise RuntimeError("boom")
    assert guard.get("k") is None
    guard.acquire("k", "z", ttl=60)
    with pytest.raises(LockNotAcquiredError, match="held by z"), hold_lock(guard, "k", "a"):
        pass


def test_concurrent_acquirers_get_exactly_one_winner(guard: LockGuard) -> None:
    barrier = threading.Barrier(10)
    winners: list[str] = []

    def race(name: str) -> None:
        barrier.wait()
        if guard.acquire("hot", name, ttl=60):
            winners.append(name)

    threads = [threading.Thread(target=race, args=(f"w{i}",)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


@pytest.mark.parametrize(
    ("key", "owner", "ttl", "message"),
    [
        ("", "a", 60, "lock_key must be a str"),
        ("k" * 256, "a", 60, "lock_key must be a str"),
        ("k", "", 60, "owner must be a str"),
        ("k", "a", 0, "lock ttl must be a finite number of seconds > 0"),
        ("k", "a", -5, "lock ttl must be a finite number of seconds > 0"),
    ],
)
def test_bad_arguments_are_refused(
    guard: LockGuard, key: str, owner: str, ttl: float, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        guard.acquire(key, owner, ttl=ttl)
