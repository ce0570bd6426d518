"""Contract: RejectSink on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from spine.db import SpineConnection
from spine.ops import Reject, RejectSink
from spine.types import ValidationError

WEEK = {"week_ending": "2025-12-26"}
PREV = {"week_ending": "2025-12-19"}


def test_write_and_read_back_a_reject(ops_db: Any) -> None:
    sink = RejectSink(ops_db, "otc", execution_id="exec-1", batch_id="b-1")
    rid = sink.write(
        Reject(
            "NORMALIZE",
            "INVALID_SYMBOL",
            "Symbol 'BAD$YM' contains $",
            {"symbol": "BAD$YM", "volume": 1000},
            "file://data/raw.csv",
            42,
        ),
        partition_key=WEEK,
    )
    assert len(rid) == 26
    stored = sink.fetch(WEEK)
    assert len(stored) == 1
    s = stored[0]
    assert s.id == rid
    assert s.partition_key == WEEK
    assert s.reject.raw_data == {"symbol": "BAD$YM", "volume": 1000}
    assert (s.reject.source_locator, s.reject.line_number) == ("file://data/raw.csv", 42)
    assert s.reject.reason_detail == "Symbol 'BAD$YM' contains $"
    assert (s.execution_id, s.batch_id) == ("exec-1", "b-1")
    assert s.created_at is not None
    assert s.created_at.tzinfo is not None
    assert sink.count == 1


def test_write_batch_is_one_round_trip(ops_db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    for name in ("execute", "executemany", "insert_rows"):
        original = getattr(SpineConnection, name)

        def counting(
            self: Any, *args: Any, _orig: Any = original, _name: str = name, **kw: Any
        ) -> Any:
            calls.append(_name)
            return _orig(self, *args, **kw)

        monkeypatch.setattr(SpineConnection, name, counting)
    sink = RejectSink(ops_db, "otc")
    n = sink.write_batch(
        [Reject("INGEST", "NULL_FIELD", raw_data={"i": i}) for i in range(500)], WEEK
    )
    monkeypatch.undo()
    assert n == 500
    # one bulk insert (COPY / multi-row executemany) for the whole batch; BEGIN on SQLite
    assert calls.count("insert_rows") == 1
    assert calls.count("executemany") == 0
    assert [c for c in calls if c == "execute"] in ([], ["execute"])
    assert sink.count == 500
    assert len(sink.fetch(WEEK, limit=1000)) == 500


def test_summary_counts_by_reason_per_partition(ops_db: Any) -> None:
    sink = RejectSink(ops_db, "otc")
    sink.write_batch([Reject("NORMALIZE", "INVALID_SYMBOL")] * 3, WEEK)
    sink.write_batch([Reject("NORMALIZE", "NEGATIVE_VOLUME")] * 2, WEEK)
    sink.write_batch([Reject("INGEST", "INVALID_SYMBOL")], PREV)
    RejectSink(ops_db, "equity").write(Reject("INGEST", "OTHER"), WEEK)
    summary = {
        (tuple(sorted(c.partition_key.items())), c.reason_code): c.count for c in sink.summary()
    }
    assert summary == {
        ((("week_ending", "2025-12-26"),), "INVALID_SYMBOL"): 3,
        ((("week_ending", "2025-12-26"),), "NEGATIVE_VOLUME"): 2,
        ((("week_ending", "2025-12-19"),), "INVALID_SYMBOL"): 1,
    }
    assert [(c.reason_code, c.count) for c in sink.summary(WEEK)] == [
        ("INVALID_SYMBOL", 3),
        ("NEGATIVE_VOLUME", 2),
    ]
    assert sink.counts_by_reason() == {"INVALID_SYMBOL": 4, "NEGATIVE_VOLUME": 2}
    assert [r.reject.reason_code for r in sink.fetch(reason_code="NEGATIVE_VOLUME")] == [
        "NEGATIVE_VOLUME"
    ] * 2


def test_bad_input_is_rejected_without_writing(ops_db: Any) -> None:
    sink = RejectSink(ops_db, "otc")
    with pytest.raises(ValidationError):
        sink.write(Reject("INGEST", "X"), ["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        sink.write_batch([Reject("INGEST", "X"), "not a reject"], WEEK)  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        Reject("INGEST", "")
    assert sink.count == 0
    assert sink.fetch() == []


def test_unserialisable_raw_data_is_kept_as_text(ops_db: Any) -> None:
    sink = RejectSink(ops_db, "otc")
    sink.write(Reject("INGEST", "WEIRD", raw_data={"obj": object.__name__, "n": {1, 2}}), WEEK)
    assert sink.fetch()[0].reject.raw_data == {"obj": "object", "n": [1, 2]}
