"""The weekly FINRA OTC pipeline over the synthetic sample (SQLite in memory)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from finra_otc.demo import DemoSettings, run_demo
from finra_otc.pipeline import DOMAIN, REASONS, OtcPipeline
from finra_otc.report import DemoReport
from finra_otc.sample import SampleSource
from finra_otc.source import HEADER, discover_files, file_name
from spine.db import SpineConnection
from spine.db.testing import memory_connection
from spine.ops import RejectSink, list_anomalies
from spine.types import ParseError, SourceNotFoundError, WeekEnding

SRC = Path(__file__).resolve().parents[1] / "src" / "finra_otc"


@pytest.fixture(scope="module")
def first() -> tuple[SpineConnection, DemoReport]:
    conn = memory_connection()
    return conn, run_demo(conn, DemoSettings())


def test_the_sample_is_twelve_fridays_of_three_tiers_with_dozens_of_symbols_and_venues(
    tmp_path: Path,
) -> None:
    sample = SampleSource()
    sample.write_all(tmp_path)
    files = discover_files(tmp_path)
    assert len(files) == 36
    weeks = sorted({f.week for f in files})
    assert len(weeks) == 12
    assert all(w.to_date().weekday() == 4 for w in weeks)
    lines = [line.split("|") for f in files for _, line in f.lines()]
    assert {r[0] for r in lines} >= {"NMS Tier 1", "NMS Tier 2", "OTC"}
    assert len({r[1] for r in lines}) > 60
    assert len({r[4] for r in lines if len(r) > 4}) > 15
    assert (tmp_path / file_name("T1", weeks[0])).read_text().splitlines()[0] == "|".join(HEADER)


def test_files_are_recognised_by_finra_tier_tokens_and_dates(tmp_path: Path) -> None:
    header = "|".join(HEADER) + "\n"
    for name in ("tier1_20251222.txt", "OTC-Weekly-T2-2025-12-22.csv", "otce_20251226.psv",
                 "readme.txt", "notes_tier1.txt"):  # fmt: skip
        (tmp_path / name).write_text(header)
    found = {(f.tier, str(f.week)) for f in discover_files(tmp_path)}
    assert found == {("T1", "2025-12-26"), ("T2", "2025-12-26"), ("OTC", "2025-12-26")}
    (tmp_path / "nms_tier1_2025-12-24.txt").write_text(header)
    with pytest.raises(ParseError, match="one file per week and tier"):
        discover_files(tmp_path)
    with pytest.raises(SourceNotFoundError):
        discover_files(tmp_path / "nope")


def test_a_file_without_finra_header_is_a_parse_error(tmp_path: Path) -> None:
    (tmp_path / "tier1_20251222.txt").write_text("symbol,shares\nAAPL,1\n")
    [f] = discover_files(tmp_path)
    with pytest.raises(ParseError, match="not a FINRA weekly OTC file"):
        list(f.lines())


def test_first_run_publishes_every_week_after_the_cut_file_is_fixed(
    first: tuple[SpineConnection, DemoReport],
) -> None:
    _, report = first
    sample = SampleSource()
    statuses = [(o.week, o.status) for o in report.outcomes]
    cut = str(sample.truncated_week)
    assert (cut, "blocked") in statuses  # release 1: the quality gate stopped it
    assert statuses[-2:] == [(cut, "published"), (str(sample.corrected_week), "published")]
    assert len(report.published_weeks) == 12
    blocked = next(o for o in report.outcomes if o.status == "blocked")
    assert blocked.steps == {"ingest": "completed", "normalize": "completed",
                             "quality_gate": "failed"}  # fmt: skip
    assert "tier_rows" in (blocked.error or "")
    assert report.releases[0]["gaps"] == [str(w) for w in sample.week_list]
    assert report.releases[1]["gaps"] == [cut]
    assert report.releases[1]["restated"] == [str(sample.corrected_week)]


def test_bad_rows_of_every_kind_are_rejected_with_their_reason(
    first: tuple[SpineConnection, DemoReport],
) -> None:
    conn, report = first
    assert set(report.rejects_by_reason) == set(REASONS)
    assert all(n >= 12 for n in report.rejects_by_reason.values())
    stored = RejectSink(conn, DOMAIN).fetch(reason_code="MISSING_MPID", limit=1)[0]
    assert stored.reject.raw_data["MPID"] == ""
    assert stored.reject.line_number is not None
    assert stored.reject.line_number > 1
    assert stored.reject.source_locator is not None


def test_warnings_record_anomalies_and_the_failed_gate_is_resolved_once_published(
    first: tuple[SpineConnection, DemoReport],
) -> None:
    conn, report = first
    sample = SampleSource()
    quality = {q["check"]: q for q in report.quality}
    assert quality["tier_rows"]["fail"] == 1
    assert quality["reject_rate"]["warn"] == 1
    assert quality["volume_change"]["warn"] >= 1
    open_weeks = {a["week"] for a in report.anomalies_open}
    assert str(sample.garbage_week) in open_weeks
    assert str(sample.spike_week) in open_weeks
    every = list_anomalies(conn, domain=DOMAIN, include_resolved=True, limit=None)
    failed_gate = [a for a in every if a.severity.value.lower() == "error"]
    assert len(failed_gate) == 1
    assert failed_gate[0].resolved_at is not None
    assert "superseded" in (failed_gate[0].resolution_note or "")


def test_the_corrected_week_is_a_new_version_and_the_old_one_stays_queryable(
    first: tuple[SpineConnection, DemoReport],
) -> None:
    _, report = first
    [restated] = report.restatements
    assert restated.week == str(SampleSource().corrected_week)
    assert restated.versions == 2
    assert len(restated.changed) == 6
    assert restated.shares_after > restated.shares_before
    assert restated.shares_as_of_before == restated.shares_before


def test_rolling_trends_and_venue_ranks_of_the_last_week(
    first: tuple[SpineConnection, DemoReport],
) -> None:
    _, report = first
    assert len(report.top_symbols) == 10
    assert all(s["weeks"] == 6 for s in report.top_symbols)
    assert {s["trend"] for s in report.top_symbols} <= {"up", "down", "flat"}
    shares = [s["avg_shares_6w"] for s in report.top_symbols]
    assert shares == sorted(shares, reverse=True)
    assert [v["rank"] for v in report.top_venues] == [1, 2, 3, 4, 5]
    assert report.ledger["runs"] == {"completed": 13, "failed": 1}
    assert report.ledger["executions"]["failed"] == 1


def test_a_second_run_changes_nothing_and_says_so(
    first: tuple[SpineConnection, DemoReport],
) -> None:
    conn, report = first
    again = run_demo(conn, DemoSettings())
    assert again.changed_nothing
    assert again.outcomes == []
    assert again.ledger == {"executions": {}, "runs": {}}
    assert [w.week for w in again.weeks] == [w.week for w in report.weeks]
    assert again.rejects_by_reason == report.rejects_by_reason


def test_steps_skip_unchanged_input_when_a_week_is_run_again(tmp_path: Path) -> None:
    conn = memory_connection()
    SampleSource().write_all(tmp_path)
    run_demo(conn, DemoSettings(input_dir=tmp_path))
    pipeline = OtcPipeline(conn, tmp_path)
    week = SampleSource().week_list[5]
    for step in ("ingest", "normalize", "quality_gate", "aggregate", "publish"):
        assert getattr(pipeline, step)(week)["skipped"] == "unchanged"
    assert pipeline.rolling(week) == {"skipped": "unchanged", "weeks": []}


def test_real_files_in_a_directory_run_the_same_pipeline_and_a_changed_file_restates(
    tmp_path: Path,
) -> None:
    sample = SampleSource()
    sample.write_all(tmp_path)
    conn = memory_connection()
    report = run_demo(conn, DemoSettings(input_dir=tmp_path))
    assert len(report.published_weeks) == 12
    assert {o.status for o in report.outcomes} == {"published"}
    week = sample.week_list[-1]
    path = tmp_path / file_name("T2", week)
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines[1:], start=1):
        parts = line.split("|")
        if len(parts) == 8 and parts[5].isdigit() and parts[4]:
            parts[5] = str(int(parts[5]) + 1000)
            parts[7] = "2026-03-02"
            lines[i] = "|".join(parts)
            break
    path.write_text("\n".join(lines) + "\n")
    again = run_demo(conn, DemoSettings(input_dir=tmp_path))
    assert [(o.week, o.status) for o in again.outcomes] == [(str(week), "published")]
    assert [r.week for r in again.restatements] == [str(week)]


def test_a_missing_week_file_fails_the_ingest_step_with_a_source_error(tmp_path: Path) -> None:
    conn = memory_connection()
    pipeline = OtcPipeline(conn, tmp_path)
    with pytest.raises(SourceNotFoundError, match="no FINRA weekly file"):
        pipeline.ingest(WeekEnding("2025-12-26"))


def test_the_example_uses_only_public_spine_names() -> None:
    for path in SRC.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("spine"):
                module = node.module or ""
                assert not any(part.startswith("_") for part in module.split(".")), (
                    f"{path.name} imports the private module {module}"
                )
                public = getattr(importlib.import_module(module), "__all__", None)
                assert public is not None, f"{path.name}: {module} has no __all__"
                for alias in node.names:
                    assert alias.name in public, f"{path.name}: {module}.{alias.name} is private"


def test_a_shorter_sample_keeps_every_special_week() -> None:
    report = run_demo(memory_connection(), DemoSettings(weeks=6))
    assert len(report.published_weeks) == 6
    assert {o.status for o in report.outcomes} == {"published", "blocked"}
    assert len(report.restatements) == 1
