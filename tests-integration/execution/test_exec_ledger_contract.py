"""Contract of every execution ledger (spine.execution.ledger.Ledger)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spine.execution import (
    DuplicateExecutionError,
    EventType,
    Execution,
    ExecutionNotFoundError,
    ExecutionStatus,
    InvalidResultError,
    InvalidTransitionError,
    TriggerSource,
    UnserializableParamsError,
)
from spine.execution.ledger import Ledger
from spine.execution.models import TRANSITIONS
from spine.types import ValidationError

S = ExecutionStatus
T0 = datetime(2025, 12, 26, 18, 0, tzinfo=UTC)


def new(workflow: str = "finra.otc.ingest", **kwargs: object) -> Execution:
    return Execution.create(workflow, **kwargs)  # type: ignore[arg-type]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def stored(ledger: Ledger, workflow: str = "w", *, minute: int = 0, **kwargs: object) -> Execution:
    execution = replace(new(workflow, **kwargs), created_at=at(minute))
    return ledger.create_execution(execution)


def drive(ledger: Ledger, execution_id: str, path: list[ExecutionStatus]) -> Execution:
    result = ledger.get_execution(execution_id)
    for status in path:
        result = ledger.update_status(execution_id, status)
    assert result is not None
    return result


# -- create / get ---------------------------------------------------------------------------


def test_a_created_execution_reads_back_equal_with_a_created_event(ledger: Ledger) -> None:
    execution = new(
        "sec.filings",
        params={"date": "2024-01-01", "forms": ["10-K", "8-K"]},
        lane="gpu",
        trigger_source=TriggerSource.SCHEDULE,
        parent_execution_id="01PARENT",
        idempotency_key="sec:2024-01-01",
        batch_id="backfill-1",
        metadata={"owner": "data-eng"},
    )
    ledger.create_execution(execution)
    assert ledger.get_execution(execution.id) == execution
    [event] = ledger.get_events(execution.id)
    assert event.event_type is EventType.CREATED
    assert event.execution_id == execution.id
    assert event.data == {"workflow": "sec.filings", "attempt": 1}


def test_events_read_back_the_same_every_time_with_their_data(ledger: Ledger) -> None:
    """Ids, times and data of events are stored, not made up on read (the in-memory ledger
    keeps them in a compact form)."""
    execution = stored(ledger)
    ledger.update_status(execution.id, S.RUNNING, at=at(1))
    ledger.record_event(execution.id, EventType.PROGRESS, {"rows": [1], "of": {"n": 2}})
    ledger.update_status(execution.id, S.COMPLETED, result={"rows": 1}, data={"note": "ok"})
    first = ledger.get_events(execution.id)
    assert first == ledger.get_events(execution.id)
    assert [(e.event_type.value, e.data) for e in first] == [
        ("created", {"workflow": "w", "attempt": 1}),
        ("started", {}),
        ("progress", {"rows": [1], "of": {"n": 2}}),
        ("completed", {"note": "ok"}),
    ]
    assert first[1].occurred_at == at(1)
    first[0].data["workflow"] = "changed"
    first[1].data["x"] = 1
    again = ledger.get_events(execution.id)
    assert again[0].data == {"workflow": "w", "attempt": 1}
    assert again[1].data == {}


def test_unknown_ids_read_as_none_and_no_events(ledger: Ledger) -> None:
    assert ledger.get_execution("01NOPE") is None
    assert ledger.get_by_idempotency_key("nope") is None
    assert ledger.get_events("01NOPE") == []


def test_creating_the_same_id_twice_is_refused_and_keeps_the_first(ledger: Ledger) -> None:
    execution = stored(ledger, "first")
    with pytest.raises(DuplicateExecutionError):
        ledger.create_execution(replace(execution, workflow="second"))
    found = ledger.get_execution(execution.id)
    assert found is not None
    assert found.workflow == "first"
    assert len(ledger.get_events(execution.id)) == 1


def test_an_idempotency_key_holds_one_execution_per_attempt(ledger: Ledger) -> None:
    first = stored(ledger, idempotency_key="k")
    with pytest.raises(DuplicateExecutionError, match="idempotency key 'k'"):
        ledger.create_execution(new("w", idempotency_key="k"))
    second = stored(ledger, idempotency_key="k", attempt=2, retry_of=first.id, minute=1)
    latest = ledger.get_by_idempotency_key("k")
    assert latest is not None
    assert latest.id == second.id
    assert latest.retry_of == first.id


def test_only_pending_executions_can_be_created(ledger: Ledger) -> None:
    with pytest.raises(ValidationError, match="must be pending"):
        ledger.create_execution(replace(new(), status=S.RUNNING))


@pytest.mark.parametrize(
    "params",
    [{"when": datetime(2025, 1, 1, tzinfo=UTC)}, {"x": float("nan")}, {1: "int key"}, {"s": {1}}],
    ids=["datetime", "nan", "int-key", "set"],
)
def test_params_that_are_not_json_are_refused_and_nothing_is_stored(
    ledger: Ledger, params: dict[object, object]
) -> None:
    execution = replace(new(), params=params)  # type: ignore[arg-type]
    with pytest.raises(UnserializableParamsError, match="params"):
        ledger.create_execution(execution)
    assert ledger.get_execution(execution.id) is None
    assert ledger.get_events(execution.id) == []


def test_reads_are_snapshots_that_callers_cannot_corrupt(ledger: Ledger) -> None:
    execution = stored(ledger, params={"rows": [1, 2]})
    copy = ledger.get_execution(execution.id)
    assert copy is not None
    copy.params["rows"].append(3)
    copy.params["new"] = True
    again = ledger.get_execution(execution.id)
    assert again is not None
    assert again.params == {"rows": [1, 2]}


def test_tuples_in_params_come_back_as_lists_like_json(ledger: Ledger) -> None:
    execution = stored(ledger, params={"cols": ("a", "b")})
    found = ledger.get_execution(execution.id)
    assert found is not None
    assert found.params == {"cols": ["a", "b"]}


# -- state machine ---------------------------------------------------------------------------

LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]
ILLEGAL = [(a, b) for a in S for b in S if b not in TRANSITIONS[a]]
PATH_TO = {
    S.PENDING: [],
    S.QUEUED: [S.QUEUED],
    S.RUNNING: [S.QUEUED, S.RUNNING],
    S.COMPLETED: [S.RUNNING, S.COMPLETED],
    S.FAILED: [S.FAILED],
    S.CANCELLED: [S.CANCELLED],
    S.TIMED_OUT: [S.RUNNING, S.TIMED_OUT],
}


@pytest.mark.parametrize(("current", "target"), LEGAL, ids=lambda s: s.value)
def test_every_legal_transition_is_stored_with_its_event(
    ledger: Ledger, current: ExecutionStatus, target: ExecutionStatus
) -> None:
    execution = stored(ledger)
    drive(ledger, execution.id, PATH_TO[current])
    before = len(ledger.get_events(execution.id))
    moved = ledger.update_status(execution.id, target)
    assert moved.status is target
    assert ledger.get_execution(execution.id) == moved
    events = ledger.get_events(execution.id)
    assert len(events) == before + 1
    expected = {S.RUNNING: "started", S.PENDING: "created"}.get(target, target.value)
    assert events[-1].event_type.value == expected


@pytest.mark.parametrize(("current", "target"), ILLEGAL, ids=lambda s: s.value)
def test_every_illegal_transition_raises_and_changes_nothing(
    ledger: Ledger, current: ExecutionStatus, target: ExecutionStatus
) -> None:
    execution = stored(ledger)
    before = drive(ledger, execution.id, PATH_TO[current])
    events_before = ledger.get_events(execution.id)
    with pytest.raises(InvalidTransitionError) as info:
        ledger.update_status(execution.id, target, result={"x": 1}, error="boom")
    assert info.value.current == current.value
    assert info.value.target == target.value
    assert info.value.context.execution_id == execution.id
    assert ledger.get_execution(execution.id) == before
    assert ledger.get_events(execution.id) == events_before


def test_running_sets_started_at_and_completion_sets_completed_at_and_result(
    ledger: Ledger,
) -> None:
    execution = stored(ledger)
    running = ledger.update_status(execution.id, S.RUNNING, at=at(1))
    assert running.started_at == at(1)
    assert running.completed_at is None
    done = ledger.update_status(execution.id, S.COMPLETED, result={"rows": 960}, at=at(3))
    assert done.completed_at == at(3)
    assert done.result == {"rows": 960}
    assert done.duration_seconds == 120.0
    events = ledger.get_events(execution.id)
    assert [e.occurred_at for e in events[1:]] == [at(1), at(3)]


def test_failure_keeps_error_and_type_in_the_row_and_the_event(ledger: Ledger) -> None:
    execution = stored(ledger)
    ledger.update_status(execution.id, S.RUNNING)
    failed = ledger.update_status(
        execution.id,
        S.FAILED,
        error="connection reset",
        error_type="NetworkError",
        data={"attempt": 1},
    )
    assert (failed.error, failed.error_type) == ("connection reset", "NetworkError")
    assert failed.completed_at is not None
    event = ledger.get_events(execution.id)[-1]
    assert event.event_type is EventType.FAILED
    assert event.data == {"attempt": 1, "error": "connection reset", "error_type": "NetworkError"}


def test_a_requeued_execution_keeps_its_first_start_and_clears_the_error_on_success(
    ledger: Ledger,
) -> None:
    execution = stored(ledger)
    ledger.update_status(execution.id, S.RUNNING, at=at(1))
    ledger.increment_retry(execution.id, {"delay": 30})
    requeued = ledger.update_status(execution.id, S.QUEUED, error="reset", error_type="X")
    assert requeued.error == "reset"
    assert requeued.retry_count == 1
    ledger.update_status(execution.id, S.RUNNING, at=at(2))
    done = ledger.update_status(execution.id, S.COMPLETED, result=None)
    assert done.started_at == at(1)
    assert (done.error, done.error_type, done.retry_count) == (None, None, 1)


def test_a_result_that_is_not_json_is_refused_and_changes_nothing(ledger: Ledger) -> None:
    execution = stored(ledger)
    ledger.update_status(execution.id, S.RUNNING)
    with pytest.raises(InvalidResultError):
        ledger.update_status(execution.id, S.COMPLETED, result={"obj": object()})
    found = ledger.get_execution(execution.id)
    assert found is not None
    assert found.status is S.RUNNING
    assert len(ledger.get_events(execution.id)) == 2


def test_updating_an_unknown_execution_raises_not_found(ledger: Ledger) -> None:
    with pytest.raises(ExecutionNotFoundError):
        ledger.update_status("01NOPE", S.RUNNING)
    with pytest.raises(ExecutionNotFoundError):
        ledger.increment_retry("01NOPE")
    with pytest.raises(ExecutionNotFoundError):
        ledger.record_event("01NOPE", EventType.PROGRESS)
    with pytest.raises(ExecutionNotFoundError):
        ledger.update_metadata("01NOPE", {"a": 1})


def test_unknown_status_strings_are_refused(ledger: Ledger) -> None:
    execution = stored(ledger)
    with pytest.raises(ValidationError, match="unknown execution status 'done'"):
        ledger.update_status(execution.id, "done")


def test_statuses_are_accepted_as_lower_case_strings(ledger: Ledger) -> None:
    execution = stored(ledger)
    assert ledger.update_status(execution.id, "running").status is S.RUNNING


def test_concurrent_updates_let_exactly_one_transition_win(ledger: Ledger) -> None:
    execution = stored(ledger)
    ledger.update_status(execution.id, S.RUNNING)
    barrier = threading.Barrier(8)
    wins: list[ExecutionStatus] = []
    losses: list[BaseException] = []

    def finish(status: ExecutionStatus) -> None:
        barrier.wait()
        try:
            wins.append(ledger.update_status(execution.id, status).status)
        except InvalidTransitionError as exc:
            losses.append(exc)

    threads = [
        threading.Thread(target=finish, args=(s,))
        for s in [S.COMPLETED, S.FAILED, S.CANCELLED, S.TIMED_OUT] * 2
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    assert len(losses) == 7
    terminal = [e for e in ledger.get_events(execution.id) if e.event_type is not EventType.CREATED]
    assert len(terminal) == 2  # started + the one winner


# -- retries, metadata, events ----------------------------------------------------------------


def test_increment_retry_counts_and_records_a_retried_event(ledger: Ledger) -> None:
    execution = stored(ledger)
    first = ledger.increment_retry(execution.id, {"delay": 1.5})
    second = ledger.increment_retry(execution.id)
    assert (first.retry_count, second.retry_count) == (1, 2)
    assert second.status is S.PENDING
    retried = [e for e in ledger.get_events(execution.id) if e.event_type is EventType.RETRIED]
    assert [e.data.get("retry_count") for e in retried] == [1, 2]
    assert retried[0].data["delay"] == 1.5


def test_update_metadata_merges_values(ledger: Ledger) -> None:
    execution = stored(ledger, metadata={"a": 1})
    merged = ledger.update_metadata(execution.id, {"b": {"ref": "celery-1"}})
    assert merged.metadata == {"a": 1, "b": {"ref": "celery-1"}}
    with pytest.raises(UnserializableParamsError):
        ledger.update_metadata(execution.id, {"c": object()})


def test_events_are_returned_in_recording_order_with_their_data(ledger: Ledger) -> None:
    execution = stored(ledger)
    ledger.update_status(execution.id, S.QUEUED)
    ledger.update_status(execution.id, S.RUNNING)
    for i in range(5):
        ledger.record_event(execution.id, EventType.PROGRESS, {"step": i})
    ledger.update_status(execution.id, S.COMPLETED)
    events = ledger.get_events(execution.id)
    kinds = [e.event_type.value for e in events]
    assert kinds == ["created", "queued", "started", *["progress"] * 5, "completed"]
    assert [e.data["step"] for e in events if e.event_type is EventType.PROGRESS] == [0, 1, 2, 3, 4]
    assert len({e.id for e in events}) == len(events)


def test_a_long_event_log_keeps_every_event_in_order(ledger: Ledger) -> None:
    execution = stored(ledger)
    ledger.update_status(execution.id, S.RUNNING)
    for step in range(150):
        ledger.record_event(execution.id, EventType.PROGRESS, {"step": step})
    ledger.update_status(execution.id, S.COMPLETED, result={"steps": 150})
    events = ledger.get_events(execution.id)
    assert len(events) == 153
    assert [e.data["step"] for e in events[2:-1]] == list(range(150))
    assert events[-1].event_type is EventType.COMPLETED
    assert [e.id for e in events] == sorted(e.id for e in events)


def test_events_are_append_only_snapshots(ledger: Ledger) -> None:
    execution = stored(ledger)
    ledger.record_event(execution.id, EventType.PROGRESS, {"rows": [1]})
    events = ledger.get_events(execution.id)
    events[-1].data["rows"].append(2)
    events.clear()
    assert ledger.get_events(execution.id)[-1].data == {"rows": [1]}
    assert not hasattr(ledger, "delete_event")


def test_record_event_refuses_unknown_types_and_non_json_data(ledger: Ledger) -> None:
    execution = stored(ledger)
    with pytest.raises(ValidationError, match="unknown event type 'exploded'"):
        ledger.record_event(execution.id, "exploded")
    with pytest.raises(UnserializableParamsError):
        ledger.record_event(execution.id, EventType.PROGRESS, {"x": object()})
    assert len(ledger.get_events(execution.id)) == 1


def test_event_times_are_utc_and_a_given_time_is_kept(ledger: Ledger) -> None:
    execution = stored(ledger)
    event = ledger.record_event(execution.id, EventType.PROGRESS, at=at(5))
    assert event.occurred_at == at(5)
    assert ledger.get_events(execution.id)[-1].occurred_at.utcoffset() == timedelta(0)


# -- listing ----------------------------------------------------------------------------------


@pytest.fixture
def populated(ledger: Ledger) -> Ledger:
    """12 executions over 2 workflows, 2 lanes, several statuses, one per minute."""
    for minute in range(12):
        workflow = "finra.otc.ingest" if minute % 2 == 0 else "sec.filings"
        lane = "io" if minute % 3 == 0 else "default"
        execution = stored(ledger, workflow, minute=minute, lane=lane)
        if minute % 4 == 1:
            ledger.update_status(execution.id, S.RUNNING)
        elif minute % 4 == 2:
            drive(ledger, execution.id, [S.RUNNING, S.COMPLETED])
        elif minute % 4 == 3:
            ledger.update_status(execution.id, S.FAILED)
    return ledger


def minutes(executions: list[Execution]) -> list[int]:
    return [int((e.created_at - T0).total_seconds() // 60) for e in executions]


def test_list_returns_newest_first(populated: Ledger) -> None:
    assert minutes(populated.list_executions()) == list(range(11, -1, -1))


def test_list_filters_by_workflow_status_and_lane(populated: Ledger) -> None:
    assert minutes(populated.list_executions(workflow="sec.filings")) == [11, 9, 7, 5, 3, 1]
    assert minutes(populated.list_executions(status=S.FAILED)) == [11, 7, 3]
    assert minutes(populated.list_executions(status="completed")) == [10, 6, 2]
    assert minutes(populated.list_executions(status=[S.RUNNING, S.PENDING])) == [9, 8, 5, 4, 1, 0]
    assert minutes(populated.list_executions(lane="io")) == [9, 6, 3, 0]
    combined = populated.list_executions(workflow="finra.otc.ingest", lane="io", status=S.PENDING)
    assert minutes(combined) == [0]


def test_list_filters_by_time_since_inclusive_until_exclusive(populated: Ledger) -> None:
    assert minutes(populated.list_executions(since=at(9))) == [11, 10, 9]
    assert minutes(populated.list_executions(until=at(2))) == [1, 0]
    assert minutes(populated.list_executions(since=at(3), until=at(5))) == [4, 3]


def test_list_pages_without_gaps_or_repeats(populated: Ledger) -> None:
    pages = [populated.list_executions(limit=5, offset=o) for o in (0, 5, 10, 15)]
    assert [len(p) for p in pages] == [5, 5, 2, 0]
    ids = [e.id for page in pages for e in page]
    assert ids == [e.id for e in populated.list_executions()]
    assert populated.list_executions(limit=0) == []


def test_list_filters_by_parent(ledger: Ledger) -> None:
    parent = stored(ledger, "workflow.run")
    child = stored(ledger, "step", parent_execution_id=parent.id, minute=1)
    stored(ledger, "other", minute=2)
    assert [e.id for e in ledger.list_executions(parent_execution_id=parent.id)] == [child.id]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": -1}, "limit must be an int >= 0"),
        ({"offset": -5}, "offset must be an int >= 0"),
        ({"limit": 10_001}, "limit must be <= 10000"),
        ({"limit": "10"}, "limit must be an int"),
        ({"since": datetime(2025, 1, 1)}, "naive datetime"),
        ({"status": "finished"}, "unknown execution status 'finished'"),
    ],
)
def test_list_refuses_bad_arguments(
    ledger: Ledger, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        ledger.list_executions(**kwargs)  # type: ignore[arg-type]


def test_list_bounds_in_other_time_zones_compare_instants(populated: Ledger) -> None:
    bound = at(1).astimezone(timezone(timedelta(hours=-5)))
    assert minutes(populated.list_executions(until=bound)) == [0]


# -- unit of work -----------------------------------------------------------------------------


def test_calls_inside_atomic_form_one_unit(ledger: Ledger) -> None:
    execution = new()
    with ledger.atomic():
        ledger.create_execution(execution)
        ledger.update_status(execution.id, S.RUNNING)
    kinds = [e.event_type.value for e in ledger.get_events(execution.id)]
    assert kinds == ["created", "started"]


def test_atomic_blocks_nest(ledger: Ledger) -> None:
    execution = new()
    with ledger.atomic():
        ledger.create_execution(execution)
        with ledger.atomic():
            ledger.update_status(execution.id, S.RUNNING)
        ledger.update_status(execution.id, S.COMPLETED)
    found = ledger.get_execution(execution.id)
    assert found is not None
    assert found.status is S.COMPLETED


# -- batches (what a worker uses) ---------------------------------------------------------------


def test_create_executions_stores_a_batch_with_created_events(ledger: Ledger) -> None:
    batch = [new(f"w{i}", params={"i": i}, idempotency_key=f"k{i}") for i in range(5)]
    created = ledger.create_executions(batch)
    assert [e.id for e in created] == [e.id for e in batch]
    for e in batch:
        assert ledger.get_execution(e.id) == e
        assert [ev.event_type for ev in ledger.get_events(e.id)] == [EventType.CREATED]
    assert ledger.create_executions([]) == []


def test_a_batch_with_a_duplicate_creates_nothing(ledger: Ledger) -> None:
    first = stored(ledger, idempotency_key="taken")
    fresh = new("fresh")
    with pytest.raises(DuplicateExecutionError):
        ledger.create_executions([fresh, new("again", idempotency_key="taken")])
    assert ledger.get_execution(fresh.id) is None
    twice = new("twice")
    with pytest.raises(DuplicateExecutionError):
        ledger.create_executions([twice, twice])
    assert ledger.get_execution(twice.id) is None
    assert ledger.get_execution(first.id) is not None


def test_update_statuses_applies_a_batch_in_order_with_events(ledger: Ledger) -> None:
    from spine.execution import StatusChange

    a, b = stored(ledger, "a"), stored(ledger, "b")
    moved = ledger.update_statuses(
        [
            StatusChange(a.id, S.RUNNING),
            StatusChange(b.id, "running"),
            StatusChange(a.id, S.COMPLETED, result={"rows": 1}),
            StatusChange(b.id, S.FAILED, error="boom", error_type="ValueError"),
        ]
    )
    assert [m.status for m in moved] == [S.RUNNING, S.RUNNING, S.COMPLETED, S.FAILED]
    found_a, found_b = ledger.get_execution(a.id), ledger.get_execution(b.id)
    assert found_a is not None
    assert found_a.result == {"rows": 1}
    assert found_b is not None
    assert found_b.error == "boom"
    assert [e.event_type.value for e in ledger.get_events(b.id)] == [
        "created",
        "started",
        "failed",
    ]
    assert ledger.update_statuses([]) == []


def test_a_batch_with_an_illegal_transition_changes_nothing(ledger: Ledger) -> None:
    from spine.execution import StatusChange

    a, b = stored(ledger, "a"), stored(ledger, "b")
    with pytest.raises(InvalidTransitionError):
        ledger.update_statuses([StatusChange(a.id, S.RUNNING), StatusChange(b.id, S.COMPLETED)])
    with pytest.raises(ExecutionNotFoundError):
        ledger.update_statuses([StatusChange(a.id, S.RUNNING), StatusChange("01NOPE", S.RUNNING)])
    for e in (a, b):
        found = ledger.get_execution(e.id)
        assert found is not None
        assert found.status is S.PENDING
        assert len(ledger.get_events(e.id)) == 1
