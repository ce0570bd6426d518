"""``observe``: one structured line per primitive call, with counts and duration."""

from __future__ import annotations

import logging

import pytest

from spine.ops._observe import LOGGER_NAME, observe


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER_NAME]


def test_a_successful_call_logs_one_debug_line_with_its_counts_and_duration(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.DEBUG, logger=LOGGER_NAME),
        observe("ingest_l2", domain="d", table="t") as counts,
    ):
        counts["rows_in"] = 3
        counts["inserted"] = 2
    (record,) = _records(caplog)
    assert record.levelno == logging.DEBUG
    assert record.getMessage() == "ingest_l2"
    fields = record.__dict__
    text = repr(fields)
    for expected in ("'rows_in': 3", "'inserted': 2", "'domain': 'd'", "'outcome': 'ok'"):
        assert expected in text
    assert "duration_ms" in text


def test_nothing_is_logged_for_a_successful_call_when_debug_is_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME), observe("advance_to") as counts:
        counts["stage"] = "ingested"
    assert _records(caplog) == []


def test_a_failing_call_logs_a_warning_naming_the_error_and_reraises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def failing_call() -> None:
        with observe("replace_l3", table="t") as counts:
            counts["rows_in"] = 5
            raise ValueError("boom")

    with caplog.at_level(logging.INFO, logger=LOGGER_NAME), pytest.raises(ValueError, match="boom"):
        failing_call()
    (record,) = _records(caplog)
    assert record.levelno == logging.WARNING
    text = repr(record.__dict__)
    assert "'outcome': 'error'" in text
    assert "ValueError" in text
    assert "boom" in text
    assert "'rows_in': 5" in text


def test_observed_logs_the_counts_a_result_holds_and_named_arguments(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from dataclasses import dataclass

    from spine.ops._observe import counts_of, observed

    @dataclass
    class Result:
        inserted: int
        skipped: int
        note: str
        ignored: list[int]

    class Store:
        domain = "otc"

        @observed("store.put", fields=("self.domain", "table"))
        def put(self, table: str, n: int) -> Result:
            return Result(n, 1, "ok", [1])

    with caplog.at_level(logging.DEBUG, logger=LOGGER_NAME):
        assert Store().put("t1", 4) == Result(4, 1, "ok", [1])
    (record,) = _records(caplog)
    fields = record.spine_fields  # type: ignore[attr-defined]
    assert {k: fields[k] for k in ("domain", "table", "inserted", "skipped", "note")} == {
        "domain": "otc",
        "table": "t1",
        "inserted": 4,
        "skipped": 1,
        "note": "ok",
    }
    assert "ignored" not in fields
    assert counts_of(3) == {"count": 3}
    assert counts_of(True) == {}
    assert counts_of(None) == {}


def test_counts_never_clash_with_identifying_fields(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=LOGGER_NAME), observe("x", table="a") as counts:
        counts["table"] = "b"
    (record,) = _records(caplog)
    assert record.spine_fields["table"] == "b"  # type: ignore[attr-defined]
