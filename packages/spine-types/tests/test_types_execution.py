"""Behaviour of ExecutionContext."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from spine.types import (
    ExecutionContext,
    ValidationError,
    is_valid_ulid,
    new_batch_id,
    new_context,
)


def test_new_context_has_ulid_id_and_aware_start() -> None:
    ctx = new_context()
    assert is_valid_ulid(ctx.execution_id)
    assert ctx.batch_id is None
    assert ctx.parent_execution_id is None
    assert ctx.started_at.tzinfo is UTC
    assert ctx.is_root


def test_new_context_accepts_batch_id() -> None:
    assert new_context(batch_id="b1").batch_id == "b1"


def test_child_gets_new_id_parent_link_and_inherited_batch() -> None:
    root = new_context(batch_id="X")
    child = root.child()
    assert child.execution_id != root.execution_id
    assert child.parent_execution_id == root.execution_id
    assert child.batch_id == "X"
    assert not child.is_root
    grandchild = child.child()
    assert grandchild.parent_execution_id == child.execution_id


def test_with_batch_keeps_id_and_parent() -> None:
    root = new_context()
    batched = root.with_batch("X")
    assert batched.execution_id == root.execution_id
    assert batched.parent_execution_id is None
    assert batched.batch_id == "X"
    assert root.batch_id is None


def test_context_is_frozen() -> None:
    ctx = new_context()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.batch_id = "y"  # type: ignore[misc]


def test_naive_started_at_is_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        ExecutionContext(started_at=datetime(2025, 1, 1))


def test_empty_execution_id_is_rejected() -> None:
    with pytest.raises(ValidationError, match="execution_id"):
        ExecutionContext(execution_id="")


def test_to_dict_is_serialisable() -> None:
    ctx = ExecutionContext(
        execution_id="E", batch_id="B", started_at=datetime(2025, 1, 1, tzinfo=UTC)
    )
    assert ctx.to_dict() == {
        "execution_id": "E",
        "batch_id": "B",
        "parent_execution_id": None,
        "started_at": "2025-01-01T00:00:00+00:00",
    }


def test_new_batch_id_is_a_ulid_with_optional_prefix() -> None:
    assert is_valid_ulid(new_batch_id())
    prefixed = new_batch_id("backfill")
    assert prefixed.startswith("backfill_")
    assert is_valid_ulid(prefixed.removeprefix("backfill_"))
