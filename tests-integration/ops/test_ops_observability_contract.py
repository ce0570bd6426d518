"""Contract: with DEBUG logging on, every persistent primitive of spine-ops logs one structured
line per call (event = the primitive, with its counts and duration) on every backend."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from spine.db.schema import STR, Column, Index, Table
from spine.ops import (
    AnomalyCategory,
    AnomalyRecorder,
    AssetStore,
    BackfillPlan,
    DBWatermarkStore,
    IdempotencyHelper,
    QualityGateError,
    QualityRunner,
    Reject,
    RejectSink,
    RetentionConfig,
    Severity,
    WorkManifest,
    bitemporal_columns,
    ingest_l2,
    purge_all,
    purge_table,
    replace_l3,
    restate,
    row_count_check,
)
from spine.ops._observe import LOGGER_NAME

WEEK = {"week_ending": "2025-12-26"}

BRONZE = Table(
    "obs_bronze",
    columns=(
        Column("week", STR(10)),
        Column("symbol", STR(12)),
        Column("record_hash", STR(64)),
    ),
    indexes=(Index("ix_obs_bronze_h", ("record_hash",), unique=True),),
)
VOL = Table(
    "obs_vol",
    columns=(Column("week", STR(10)), Column("symbol", STR(12)), *bitemporal_columns()),
)


class Lines:
    """The structured lines logged on the ``spine.ops`` logger."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    def of(self, operation: str) -> list[dict[str, Any]]:
        out = []
        for r in self.caplog.records:
            if r.name == LOGGER_NAME and r.getMessage() == operation:
                fields = dict(getattr(r, "spine_fields", {}))
                fields["_level"] = r.levelno
                out.append(fields)
        return out

    def one(self, operation: str) -> dict[str, Any]:
        lines = self.of(operation)
        assert len(lines) == 1, (operation, lines)
        line = lines[0]
        assert line["_level"] == logging.DEBUG
        assert line["outcome"] == "ok"
        assert isinstance(line["duration_ms"], float)
        return line

    def clear(self) -> None:
        self.caplog.clear()


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> Iterator[Lines]:
    with caplog.at_level(logging.DEBUG, logger=LOGGER_NAME):
        yield Lines(caplog)


def test_idempotency_and_restatement_log_their_counts(
    ops_db: Any, make_table: Callable[[Table], str], lines: Lines
) -> None:
    bronze = make_table(BRONZE)
    rows = [{"week": "w1", "symbol": s} for s in ("AAPL", "MSFT", "AAPL")]
    ingest_l2(ops_db, bronze, rows, natural_key=["week", "symbol"])
    line = lines.one("ingest_l2")
    assert (line["table"], line["total"], line["inserted"], line["skipped"]) == (
        bronze,
        3,
        2,
        1,
    )
    assert line["duplicates_in_batch"] == 1
    lines.clear()
    replace_l3(ops_db, bronze, {"week": "w1"}, [{"symbol": "GOOG", "record_hash": "h"}])
    line = lines.one("replace_l3")
    assert (line["deleted"], line["inserted"]) == (2, 1)
    lines.clear()
    IdempotencyHelper(ops_db).delete_for_key(bronze, {"week": "w1"})
    ops_db.commit()
    assert lines.one("idempotency.delete_for_key")["count"] == 1
    vol = make_table(VOL)
    lines.clear()
    restate(ops_db, vol, {"week": "w1"}, [{"symbol": "AAPL"}])
    restate(ops_db, vol, {"week": "w1"}, [{"symbol": "MSFT"}])
    first, second = lines.of("restate")
    assert (first["changed"], first["closed"], first["inserted"]) == (True, 0, 1)
    assert (second["changed"], second["closed"], second["inserted"]) == (True, 1, 1)


def test_manifest_rejects_quality_and_anomalies_log_their_counts(ops_db: Any, lines: Lines) -> None:
    m = WorkManifest(ops_db, "otc", ["INGESTED", "NORMALIZED"])
    m.advance_to(WEEK, "NORMALIZED", row_count=42)
    line = lines.one("manifest.advance_to")
    assert (line["domain"], line["stage_advanced"], line["row_count"]) == ("otc", "NORMALIZED", 42)
    m.clear(WEEK)
    assert lines.one("manifest.clear")["count"] == 1

    RejectSink(ops_db, "otc").write_batch([Reject("PARSE", "BAD")] * 2, WEEK)
    RejectSink(ops_db, "otc").write_batch([Reject("PARSE", "BAD")] * 3, WEEK)
    first, rerun = lines.of("rejects.write_batch")
    assert (first["rows_in"], first["inserted"], first["replaced"]) == (2, 2, 0)
    assert (rerun["rows_in"], rerun["inserted"], rerun["replaced"]) == (3, 3, 2)
    RejectSink(ops_db, "otc").write(Reject("PARSE", "BAD"), WEEK)
    assert lines.one("rejects.write")["replaced"] == 3
    RejectSink(ops_db, "otc").clear(WEEK)
    assert lines.one("rejects.clear")["deleted"] == 1

    runner = QualityRunner(ops_db, "otc").add(row_count_check(min_rows=5))
    runner.run_all({"rows": [{}]}, WEEK)
    line = lines.one("quality.run")
    assert (line["checks"], line["passed"], line["failed"], line["failures"]) == (
        1,
        0,
        1,
        ["row_count"],
    )
    with pytest.raises(QualityGateError):
        runner.gate()
    (gate,) = lines.of("quality.gate")
    assert gate["_level"] == logging.WARNING  # a failed call logs a warning naming the error
    assert gate["outcome"] == "error"
    assert gate["failures"] == ["row_count"]
    assert "row_count: 1 rows < min 5" in gate["error.message"]

    rec = AnomalyRecorder(ops_db, "otc")
    aid = rec.record(severity=Severity.ERROR, category=AnomalyCategory.DATA_QUALITY, message="m")
    line = lines.one("anomalies.record")
    assert (line["severity"], line["inserted"]) == ("error", 1)
    rec.resolve(aid, "fixed")
    assert lines.one("anomalies.resolve")["resolved"] == 1


def test_watermarks_backfill_retention_and_assets_log_their_counts(
    ops_db: Any, lines: Lines
) -> None:
    store = DBWatermarkStore(ops_db)
    store.advance("equity", "polygon", "AAPL", "2026-02-15")
    store.advance("equity", "polygon", "AAPL", "2026-02-14")
    moved, stayed = lines.of("watermarks.advance")
    assert (moved["advanced"], stayed["advanced"]) == (1, 0)
    assert moved["high_water"] == "2026-02-15"
    store.delete("equity", "polygon", "AAPL")
    assert lines.one("watermarks.delete")["deleted"] == 1

    plan = BackfillPlan.create(ops_db, "equity", "polygon", ["A", "B"])
    assert lines.one("backfill.create")["partitions"] == 2
    claims = plan.claim("w1", limit=2, lease=60)
    assert lines.one("backfill.start")["plan_id"] == plan.plan_id
    line = lines.one("backfill.claim")
    assert (line["worker_id"], line["claimed"]) == ("w1", 2)
    plan.renew(claims[0], 60)
    assert lines.one("backfill.renew")["renewed"] == 1
    plan.complete(claims[0])
    plan.fail(claims[1], "boom")
    done, failed = lines.of("backfill.mark_partition")
    assert (done["status"], done["updated"], done["pending"]) == ("done", 1, 1)
    assert (failed["status"], failed["plan_status"]) == ("failed", "failed")
    plan.retry_failed()
    assert lines.one("backfill.retry_failed")["count"] == 1
    plan.cancel()
    lines.one("backfill.cancel")

    purge_table(ops_db, "rejects", 0, now=dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    line = lines.one("retention.purge_table")
    assert (line["table"], line["completed"]) == ("core_rejects", True)
    purge_all(ops_db, RetentionConfig(rejects=7), tables=["rejects"])
    assert lines.one("retention.purge_all")["tables"] == 1

    AssetStore(ops_db).materialize("sec/filings", partition="CIK:1")
    line = lines.one("assets.record")
    assert (line["kind"], line["asset_key"], line["inserted"]) == (
        "materializations",
        "sec/filings",
        1,
    )


def test_nothing_is_logged_when_debug_is_off(ops_db: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        WorkManifest(ops_db, "otc", ["INGESTED"]).advance_to(WEEK, "INGESTED")
        RejectSink(ops_db, "otc").write(Reject("PARSE", "BAD"), WEEK)
    assert [r for r in caplog.records if r.name == LOGGER_NAME] == []
