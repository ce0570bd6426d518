"""Contract of every dead-letter queue (spine.execution.dlq.DeadLetterQueue)."""

from __future__ import annotations

import pytest

from spine.execution import DeadLetterNotFoundError
from spine.execution.dlq import DeadLetterQueue
from spine.execution.testing import FakeClock
from spine.types import ValidationError


def add(dlq: DeadLetterQueue, workflow: str = "finra.otc.ingest", **kwargs: object) -> str:
    entry = dlq.add(
        execution_id=kwargs.pop("execution_id", "01EXEC"),  # type: ignore[arg-type]
        workflow=workflow,
        params=kwargs.pop("params", {"week_ending": "2025-12-26"}),  # type: ignore[arg-type]
        error=kwargs.pop("error", "connection reset"),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
    return entry.id


def test_an_added_entry_reads_back_with_its_details(dlq: DeadLetterQueue, clock: FakeClock) -> None:
    entry_id = add(dlq, error_type="NetworkError", max_retries=5, metadata={"attempts": 4})
    entry = dlq.get(entry_id)
    assert entry is not None
    assert (entry.execution_id, entry.workflow, entry.params) == (
        "01EXEC",
        "finra.otc.ingest",
        {"week_ending": "2025-12-26"},
    )
    assert (entry.error, entry.error_type, entry.retry_count, entry.max_retries) == (
        "connection reset",
        "NetworkError",
        0,
        5,
    )
    assert entry.created_at == clock.now
    assert entry.metadata == {"attempts": 4}
    assert not entry.is_resolved
    assert dlq.get("01NOPE") is None


def test_lists_are_newest_first_filtered_and_paged(dlq: DeadLetterQueue, clock: FakeClock) -> None:
    ids = []
    for i in range(5):
        ids.append(add(dlq, "a" if i % 2 == 0 else "b"))
        clock.advance(1)
    assert [e.id for e in dlq.list_unresolved()] == ids[::-1]
    assert [e.id for e in dlq.list_unresolved(workflow="a")] == [ids[4], ids[2], ids[0]]
    assert [e.id for e in dlq.list_unresolved(limit=2, offset=1)] == [ids[3], ids[2]]
    dlq.resolve(ids[4], "ops")
    assert [e.id for e in dlq.list_unresolved()] == ids[3::-1]
    assert [e.id for e in dlq.list_all()] == ids[::-1]
    assert [e.id for e in dlq.list_all(include_resolved=False)] == ids[3::-1]
    assert dlq.count() == 4
    assert dlq.count(workflow="a") == 2
    assert dlq.count(unresolved_only=False) == 5


def test_resolve_happens_once(dlq: DeadLetterQueue, clock: FakeClock) -> None:
    entry_id = add(dlq)
    resolved_at = clock.now
    assert dlq.resolve(entry_id, "alice@example.com")
    clock.advance(5)
    assert not dlq.resolve(entry_id, "bob@example.com")
    entry = dlq.get(entry_id)
    assert entry is not None
    assert (entry.resolved_by, entry.resolved_at) == ("alice@example.com", resolved_at)
    assert not dlq.resolve("01NOPE")


def test_replays_are_counted_against_the_budget(dlq: DeadLetterQueue, clock: FakeClock) -> None:
    entry_id = add(dlq, max_retries=2)
    assert dlq.can_retry(entry_id)
    assert dlq.mark_retry_attempted(entry_id)
    assert dlq.mark_retry_attempted(entry_id, execution_id="01REPLAY")
    entry = dlq.get(entry_id)
    assert entry is not None
    assert (entry.retry_count, entry.last_retry_at) == (2, clock.now)
    assert not dlq.can_retry(entry_id)
    assert not dlq.can_retry("01NOPE")
    assert not dlq.mark_retry_attempted("01NOPE")


def test_a_resolved_entry_cannot_be_retried(dlq: DeadLetterQueue) -> None:
    entry_id = add(dlq)
    dlq.resolve(entry_id)
    assert not dlq.can_retry(entry_id)
    assert not dlq.mark_retry_attempted(entry_id)


def test_replay_outcomes_resolve_or_update_the_same_entry(dlq: DeadLetterQueue) -> None:
    entry_id = add(dlq)
    assert dlq.record_replay_outcome(entry_id, "01R1", error="still down", error_type="X")
    entry = dlq.get(entry_id)
    assert entry is not None
    assert (entry.execution_id, entry.error, entry.error_type) == ("01R1", "still down", "X")
    assert not entry.is_resolved
    assert dlq.record_replay_outcome(entry_id, "01R2")
    entry = dlq.get(entry_id)
    assert entry is not None
    assert entry.is_resolved
    assert entry.resolved_by == "replay 01R2"
    assert not dlq.record_replay_outcome(entry_id, "01R3")


def test_cleanup_deletes_only_entries_resolved_long_enough_ago(
    dlq: DeadLetterQueue, clock: FakeClock
) -> None:
    old_resolved = add(dlq)
    old_open = add(dlq)
    dlq.resolve(old_resolved)
    clock.advance(31 * 86400)
    recent = add(dlq)
    dlq.resolve(recent)
    assert dlq.cleanup_resolved(days=30) == 1
    assert dlq.get(old_resolved) is None
    assert dlq.get(old_open) is not None  # never deleted while unresolved, however old
    assert dlq.get(recent) is not None


def test_replay_of_an_unknown_entry_is_a_typed_error(dlq: DeadLetterQueue) -> None:
    from spine.execution import Dispatcher

    with pytest.raises(DeadLetterNotFoundError):
        dlq.replay("01NOPE", Dispatcher())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workflow": ""}, "workflow must be a str"),
        ({"error": ""}, "error must be a non-empty str"),
        ({"max_retries": -1}, "max_retries must be an int >= 0"),
    ],
)
def test_bad_entries_are_refused(
    dlq: DeadLetterQueue, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        add(dlq, **kwargs)  # type: ignore[arg-type]
    assert dlq.count(unresolved_only=False) == 0
