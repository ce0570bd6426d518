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
    statements: list[str] = []
    for name in ("execute", "executemany", "insert_rows"):
        original = getattr(SpineConnection, name)

        def counting(
            self: Any, *args: Any, _orig: Any = original, _name: str = name, **kw: Any
        ) -> Any:
            calls.append(_name)
            if _name == "execute":
                statements.append(str(args[0]).split()[0].upper())
            return _orig(self, *args, **kw)

        monkeypatch.setattr(SpineConnection, name, counting)
    sink = RejectSink(ops_db, "otc")
    n = sink.write_batch(
        [Reject("INGEST", "NULL_FIELD", raw_data={"i": i}) for i in range(500)], WEEK
    )
    monkeypatch.undo()
    assert n == 500
    # one bulk insert (COPY / multi-row executemany) for the whole batch, after the one
    # DELETE replacing an earlier run's rejects of the partition and stage; BEGIN on SQLite
    assert calls.count("insert_rows") == 1
    assert calls.count("executemany") == 0
    assert [s for s in statements if s != "BEGIN"] == ["DELETE"]
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


def _line_rejects(lines: list[int]) -> list[Reject]:
    return [
        Reject("PARSE", "BAD_VOLUME", f"line {n}", {"line": n}, "file://week.csv", n) for n in lines
    ]


def test_re_processing_a_partition_replaces_its_rejects(ops_db: Any) -> None:
    # the same file processed twice (two runs, two sinks): 2 rejects, not 4
    for execution in ("exec-1", "exec-2"):
        RejectSink(ops_db, "otc", execution).write_batch(_line_rejects([3, 7]), WEEK)
    sink = RejectSink(ops_db, "otc")
    assert sink.counts_by_reason(WEEK) == {"BAD_VOLUME": 2}
    assert [r.execution_id for r in sink.fetch(WEEK)] == ["exec-2", "exec-2"]
    # the same for one-at-a-time writes, and with no execution id at all
    for _ in range(2):
        RejectSink(ops_db, "otc").write(_line_rejects([9])[0], PREV)
    assert sink.counts_by_reason(PREV) == {"BAD_VOLUME": 1}


def test_a_re_run_that_rejects_fewer_lines_leaves_fewer_rejects(ops_db: Any) -> None:
    RejectSink(ops_db, "otc", "exec-1").write_batch(_line_rejects([3, 7, 11]), WEEK)
    RejectSink(ops_db, "otc", "exec-2").write_batch(_line_rejects([7]), WEEK)
    assert [r.reject.line_number for r in RejectSink(ops_db, "otc").fetch(WEEK)] == [7]
    # a re-run that rejects nothing clears the partition's rejects
    assert RejectSink(ops_db, "otc", "exec-3").clear(WEEK, "PARSE") == 1
    assert RejectSink(ops_db, "otc").fetch(WEEK) == []


def test_one_run_adds_up_its_chunks_and_leaves_other_partitions_stages_and_domains(
    ops_db: Any,
) -> None:
    RejectSink(ops_db, "otc", "exec-1").write_batch(_line_rejects([1]), PREV)
    RejectSink(ops_db, "otc", "exec-1").write(Reject("NORMALIZE", "NEGATIVE"), WEEK)
    RejectSink(ops_db, "equity", "exec-1").write_batch(_line_rejects([1]), WEEK)
    run = RejectSink(ops_db, "otc", "exec-2")
    run.write_batch(_line_rejects([1, 2]), WEEK)  # chunk 1
    run.write_batch(_line_rejects([3]), WEEK)  # chunk 2 of the same run adds
    run.write(_line_rejects([4])[0], WEEK)
    otc = RejectSink(ops_db, "otc")
    assert [r.reject.line_number for r in otc.fetch(WEEK, reason_code="BAD_VOLUME")] == [
        1,
        2,
        3,
        4,
    ]
    assert otc.counts_by_reason(WEEK) == {"BAD_VOLUME": 4, "NEGATIVE": 1}  # other stage kept
    assert otc.counts_by_reason(PREV) == {"BAD_VOLUME": 1}  # other partition kept
    assert RejectSink(ops_db, "equity").counts_by_reason(WEEK) == {"BAD_VOLUME": 1}
    assert run.count == 4


def test_replace_false_adds_and_clear_without_stage_clears_every_stage(ops_db: Any) -> None:
    for _ in range(2):
        RejectSink(ops_db, "otc", replace=False).write_batch(_line_rejects([5]), WEEK)
    RejectSink(ops_db, "otc", replace=False).write(Reject("NORMALIZE", "NEGATIVE"), WEEK)
    assert RejectSink(ops_db, "otc").counts_by_reason(WEEK) == {"BAD_VOLUME": 2, "NEGATIVE": 1}
    assert RejectSink(ops_db, "otc").clear(WEEK) == 3
    with pytest.raises(ValidationError):
        RejectSink(ops_db, "otc", replace="yes")  # type: ignore[arg-type]


def test_a_failed_batch_leaves_the_earlier_runs_rejects(ops_db: Any) -> None:
    RejectSink(ops_db, "otc", "exec-1").write_batch(_line_rejects([3, 7]), WEEK)
    too_long = Reject("PARSE", "BAD_VOLUME", source_locator="x" * 1000, line_number=2**70)
    with pytest.raises(Exception):  # noqa: B017 - the backend's own overflow error
        RejectSink(ops_db, "otc", "exec-2").write_batch([*_line_rejects([1]), too_long], WEEK)
    assert RejectSink(ops_db, "otc").counts_by_reason(WEEK) == {"BAD_VOLUME": 2}
