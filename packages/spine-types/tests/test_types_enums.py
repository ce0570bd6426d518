"""Behaviour of the shared enums."""

from __future__ import annotations

import json

import pytest

from spine.types import (
    EventType,
    ExecutionStatus,
    RunStatus,
    StepStatus,
    TriggerSource,
    ValidationError,
    event_for_status,
)


def test_values_are_lowercase_strings_equal_to_members() -> None:
    for enum in (ExecutionStatus, RunStatus, StepStatus, EventType, TriggerSource):
        for member in enum:
            assert member.value == member.name.lower()
            assert member == member.value
    assert json.dumps({"s": ExecutionStatus.RUNNING}) == '{"s": "running"}'


def test_execution_status_members() -> None:
    assert [s.name for s in ExecutionStatus] == [
        "PENDING", "QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "terminal"),
    [
        (ExecutionStatus.PENDING, False),
        (ExecutionStatus.QUEUED, False),
        (ExecutionStatus.RUNNING, False),
        (ExecutionStatus.COMPLETED, True),
        (ExecutionStatus.FAILED, True),
        (ExecutionStatus.CANCELLED, True),
        (ExecutionStatus.TIMED_OUT, True),
    ],
)
def test_execution_status_is_terminal(status: ExecutionStatus, terminal: bool) -> None:
    assert status.is_terminal is terminal
    assert status.is_active is not terminal


def test_only_completed_is_success() -> None:
    assert [s for s in ExecutionStatus if s.is_success] == [ExecutionStatus.COMPLETED]


def test_run_status_terminal_and_resumable() -> None:
    assert not RunStatus.RUNNING.is_terminal
    assert RunStatus.PARTIAL.is_terminal
    assert {s for s in RunStatus if s.is_resumable} == {RunStatus.FAILED, RunStatus.PARTIAL}


def test_step_status_skipped_is_terminal() -> None:
    assert StepStatus.SKIPPED.is_terminal
    assert not StepStatus.PENDING.is_terminal


def test_event_types_cover_the_ledger_lifecycle() -> None:
    for name in (
        "CREATED", "QUEUED", "STARTED", "PROGRESS", "COMPLETED", "FAILED", "CANCELLED",
        "TIMED_OUT", "RETRIED", "RECLAIMED", "DEFERRED", "DEAD_LETTERED", "CLEANUP_COMPLETED",
    ):  # fmt: skip
        assert name in EventType.__members__


def test_trigger_sources() -> None:
    assert {t.name for t in TriggerSource} == {
        "MANUAL", "SCHEDULE", "API", "CLI", "EVENT", "BACKFILL", "RETRY", "WORKFLOW"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "event"),
    [
        (ExecutionStatus.PENDING, EventType.CREATED),
        (ExecutionStatus.QUEUED, EventType.QUEUED),
        (ExecutionStatus.RUNNING, EventType.STARTED),
        (ExecutionStatus.COMPLETED, EventType.COMPLETED),
        (ExecutionStatus.FAILED, EventType.FAILED),
        (ExecutionStatus.CANCELLED, EventType.CANCELLED),
        (ExecutionStatus.TIMED_OUT, EventType.TIMED_OUT),
    ],
)
def test_event_for_status_follows_the_ledger_mapping(
    status: ExecutionStatus, event: EventType
) -> None:
    assert event_for_status(status) is event
    assert event_for_status(status.value) is event


def test_event_for_unknown_status_raises_validation_error() -> None:
    with pytest.raises(ValidationError, match="unknown execution status 'done'"):
        event_for_status("done")
