"""Execution records and the status state machine (pure, no store)."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest

from spine.execution import (
    TRANSITIONS,
    EventType,
    Execution,
    ExecutionEvent,
    ExecutionStatus,
    InvalidTransitionError,
    TriggerSource,
    can_transition,
)
from spine.ops.errors import InvalidTransitionError as OpsInvalidTransitionError
from spine.types import ValidationError

S = ExecutionStatus


def test_create_makes_a_pending_execution_with_a_ulid_and_utc_time() -> None:
    e = Execution.create("finra.otc.ingest", {"week_ending": "2025-12-26"})
    assert e.status is S.PENDING
    assert len(e.id) == 26
    assert e.created_at.utcoffset() is not None
    assert (e.lane, e.trigger_source, e.attempt, e.retry_count) == (
        "default",
        TriggerSource.MANUAL,
        1,
        0,
    )


def test_create_takes_the_spec_call_shape() -> None:
    e = Execution.create(
        workflow="sec.filings",
        params={"date": "2024-01-01"},
        lane="io",
        trigger_source="schedule",
        parent_execution_id="01PARENT",
        idempotency_key="sec:2024-01-01",
    )
    assert e.trigger_source is TriggerSource.SCHEDULE
    assert (e.lane, e.parent_execution_id, e.idempotency_key) == (
        "io",
        "01PARENT",
        "sec:2024-01-01",
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workflow": ""}, "workflow must be a str of 1..200"),
        ({"workflow": "x" * 201}, "workflow must be a str of 1..200"),
        ({"workflow": "w", "lane": ""}, "lane must be a str"),
        ({"workflow": "w", "idempotency_key": "k" * 256}, "idempotency_key must be a str"),
        ({"workflow": "w", "trigger_source": "cron"}, "unknown trigger_source 'cron'"),
        ({"workflow": "w", "params": ["a"]}, "params must be a mapping"),
        ({"workflow": "w", "attempt": 0}, "attempt must be an int >= 1"),
    ],
)
def test_create_refuses_bad_fields(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Execution.create(**kwargs)  # type: ignore[arg-type]


def test_the_transition_table_is_the_documented_state_machine() -> None:
    assert TRANSITIONS[S.PENDING] == {S.QUEUED, S.RUNNING, S.FAILED, S.CANCELLED}
    assert TRANSITIONS[S.QUEUED] == {S.RUNNING, S.FAILED, S.CANCELLED, S.TIMED_OUT}
    assert TRANSITIONS[S.RUNNING] == {S.QUEUED, S.COMPLETED, S.FAILED, S.CANCELLED, S.TIMED_OUT}
    for terminal in (S.COMPLETED, S.FAILED, S.CANCELLED, S.TIMED_OUT):
        assert TRANSITIONS[terminal] == frozenset()
    assert can_transition("queued", "running")
    assert not can_transition(S.COMPLETED, S.RUNNING)


def test_transition_returns_a_new_snapshot_and_leaves_the_old_one() -> None:
    e = Execution.create("w")
    t = datetime(2025, 1, 1, tzinfo=UTC)
    running = e.transition(S.RUNNING, at=t)
    assert (running.status, running.started_at, running.updated_at) == (S.RUNNING, t, t)
    assert e.status is S.PENDING
    assert e.started_at is None


def test_illegal_transition_raises_a_typed_error_naming_the_move() -> None:
    done = Execution.create("w").transition(S.RUNNING).transition(S.COMPLETED)
    with pytest.raises(InvalidTransitionError) as info:
        done.transition(S.RUNNING)
    err = info.value
    assert (err.current, err.target, err.execution_id) == ("completed", "running", done.id)
    assert "allowed from 'completed': none" in str(err)
    assert isinstance(err, OpsInvalidTransitionError)
    assert not err.retryable
    assert done.status is S.COMPLETED


def test_terminal_statuses_set_completed_at_and_errors() -> None:
    running = Execution.create("w").transition(S.RUNNING)
    failed = running.transition(S.FAILED, error="boom", error_type="ValueError")
    assert failed.completed_at is not None
    assert (failed.error, failed.error_type) == ("boom", "ValueError")
    done = running.transition(S.COMPLETED, result={"rows": 1})
    assert done.result == {"rows": 1}
    assert done.duration_seconds is not None


def test_execution_to_dict_is_json_ready() -> None:
    data = Execution.create("w", {"a": 1}).to_dict()
    assert data["status"] == "pending"
    assert isinstance(data["created_at"], str)
    assert data["started_at"] is None


def test_events_validate_their_type() -> None:
    event = ExecutionEvent.create("01X", "progress", {"rows": 3})
    assert event.event_type is EventType.PROGRESS
    with pytest.raises(ValidationError, match="unknown event type"):
        ExecutionEvent.create("01X", "nope")


def test_invalid_transition_error_pickles_with_its_fields() -> None:
    err = InvalidTransitionError("01X", S.FAILED, S.RUNNING, ["none"])
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.execution_id, clone.current, clone.target) == ("01X", "failed", "running")
    assert str(clone) == str(err)
