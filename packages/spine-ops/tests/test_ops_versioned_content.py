"""VersionedContent / ContentVersion."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from spine.ops import ContentSource, ContentVersion, NotFoundError, VersionedContent
from spine.types import ValidationError


def _doc() -> VersionedContent:
    doc = VersionedContent.create("Apple beat estimates.", author="ana")
    doc.add_version("Apple beat EPS estimates by 4%.", ContentSource.LLM_EXPANDED, author="gpt")
    doc.add_version("Apple beat EPS estimates by 4.1%.", ContentSource.HUMAN_EDITED, author="ana")
    return doc


def test_history_is_append_only_and_current_is_latest() -> None:
    doc = _doc()
    assert [v.version for v in doc.history] == [1, 2, 3]
    assert [v.source for v in doc.history] == [
        ContentSource.HUMAN,
        ContentSource.LLM_EXPANDED,
        ContentSource.HUMAN_EDITED,
    ]
    assert doc.current.content == "Apple beat EPS estimates by 4.1%."
    assert doc.original.content == "Apple beat estimates."
    assert len(doc) == 3
    assert doc.versions_by(ContentSource.LLM_EXPANDED)[0].is_machine_generated


def test_versions_are_immutable() -> None:
    v = _doc().at(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.content = "rewritten"  # type: ignore[misc]
    history = _doc().history
    assert isinstance(history, tuple)


def test_identical_content_adds_no_version() -> None:
    doc = _doc()
    same = doc.add_version(doc.current.content, ContentSource.HUMAN_EDITED)
    assert same is doc.current
    assert doc.version_count == 3


def test_unknown_version_is_a_typed_error() -> None:
    doc = _doc()
    for bad in (0, 4, -1):
        with pytest.raises(NotFoundError):
            doc.at(bad)


def test_diff_between_versions() -> None:
    doc = VersionedContent.create("line one\nline two\n")
    doc.add_version("line one\nline 2\n")
    diff = doc.diff(1)
    assert "-line two" in diff
    assert "+line 2" in diff
    assert diff.startswith("--- v1")
    assert doc.diff(2, 2) == ""


def test_as_of_returns_version_current_at_time() -> None:
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    doc = VersionedContent.create("a", created_at=t0)
    doc.add_version("b", created_at=t0 + dt.timedelta(days=1))
    assert doc.as_of(t0 - dt.timedelta(seconds=1)) is None
    assert doc.as_of(t0 + dt.timedelta(hours=1)).content == "a"  # type: ignore[union-attr]
    assert doc.as_of(t0 + dt.timedelta(days=2)).content == "b"  # type: ignore[union-attr]


def test_round_trip_through_json() -> None:
    doc = _doc()
    restored = VersionedContent.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert restored.content_id == doc.content_id
    assert restored.history == doc.history
    assert restored.current.content_hash == doc.current.content_hash


def test_broken_history_rejected() -> None:
    v = ContentVersion(2, "x", ContentSource.HUMAN, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError):
        VersionedContent("id", [v])
    with pytest.raises(ValidationError):
        VersionedContent("id", [])
