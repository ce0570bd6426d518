"""The main job: a weekly FINRA OTC transparency pipeline, restartable and auditable.

Run it::

    uv run python scripts/demo_pipeline.py                       # SQLite in a temp directory
    uv run python scripts/demo_pipeline.py --db postgresql://postgres@127.0.0.1:5432/test

A synthetic source publishes one weekly file per Friday (tiers x symbols x market participants,
with a sprinkling of bad rows). For every week the pipeline:

1. **ingests** the file: bad rows go to the reject sink with a reason code and line number;
   good rows are appended to ``demo_otc_raw`` with L2 idempotency (a re-delivered file adds
   nothing) and the week is marked ``INGESTED`` in the manifest;
2. **validates** the batch with quality gates (row count, uniqueness, value ranges); a failing
   gate records an anomaly and stops the week at ``INGESTED`` instead of publishing bad data;
3. **aggregates** per symbol and tier (volume, trades, market share that must sum to 100%) and
   writes the week with a restatement into ``demo_otc_symbol_weekly``: a corrected
   re-publication becomes a new version, and what was known before stays queryable (as-of);
4. **publishes**: manifest ``PUBLISHED``, watermark advanced, asset materialization recorded.

Then it shows the properties the framework exists for: a re-run does nothing (every week is
skipped from the manifest), a late week and a week that failed its gate are found as
watermark gaps and completed through a resumable backfill plan, a corrected file for an
already-published week creates version 2 while an as-of query still returns version 1, and a
6-week rolling window reads the published data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spine.db import SpineConnection, create_connection, create_core_tables, transaction
from spine.db.schema import (
    BIGINT,
    FLOAT,
    ID,
    STR,
    Column,
    Index,
    Table,
    create_tables,
    drop_tables,
)
from spine.ops import (
    AnomalyCategory,
    AnomalyRecorder,
    AssetKey,
    AssetStore,
    BackfillPlan,
    DBWatermarkStore,
    QualityRunner,
    Reject,
    RejectSink,
    RollingWindow,
    Severity,
    WorkManifest,
    as_of,
    bitemporal_columns,
    compute_trend,
    current_rows,
    history,
    ingest_l2,
    restate,
    row_count_check,
    sum_to_check,
    uniqueness_check,
    value_range_check,
)
from spine.types import ExecutionContext, WeekEnding, compute_hash, new_context, utc_now

DOMAIN = "finra.otc"
SOURCE = "otc_transparency"
STAGES = ["INGESTED", "VALIDATED", "AGGREGATED", "PUBLISHED"]
ASSET = AssetKey("finra", "otc", "symbol_weekly")
TIERS = ("NMS_TIER_1", "NMS_TIER_2", "OTCE")
DOMAIN_TABLES = (
    "core_manifest",
    "core_rejects",
    "core_quality",
    "core_anomalies",
    "core_watermarks",
    "core_backfill_plans",
)

RAW_TABLE = Table(
    "demo_otc_raw",
    (
        Column("record_hash", STR(64)),
        Column("week_ending", STR(10)),
        Column("tier", STR(20)),
        Column("symbol", STR(12)),
        Column("mpid", STR(8)),
        Column("shares", BIGINT),
        Column("trades", BIGINT),
        Column("source_file", STR(200)),
        Column("line_number", BIGINT),
        Column("execution_id", ID),
    ),
    primary_key=("record_hash",),
    indexes=(Index("ix_demo_otc_raw_week", ("week_ending",)),),
)
"""Bronze: every distinct record ever received (L2: keyed by the record's content hash)."""

WEEKLY_TABLE = Table(
    "demo_otc_symbol_weekly",
    (
        Column("week_ending", STR(10)),
        Column("tier", STR(20)),
        Column("symbol", STR(12)),
        Column("total_shares", BIGINT),
        Column("total_trades", BIGINT),
        Column("mpid_count", BIGINT),
        Column("market_share_pct", FLOAT),
        *bitemporal_columns(),
    ),
    indexes=(Index("ix_demo_otc_weekly_week", ("week_ending", "system_to")),),
)
"""Silver: per-symbol weekly aggregates, bi-temporal (restatements keep every version)."""


# --------------------------------------------------------------------------- the source


@dataclass
class WeeklyFile:
    """One published weekly file: its name, publication time and raw CSV-like lines."""

    week: WeekEnding
    name: str
    published_at: dt.datetime
    lines: list[str]

    @property
    def content_hash(self) -> str:
        return compute_hash(*self.lines)


@dataclass
class SyntheticOtcSource:
    """A deterministic stand-in for FINRA's weekly OTC transparency files.

    ``late`` weeks are not published yet, ``truncated`` weeks are published cut short (a
    quality gate must stop them) until :meth:`catch_up` fixes both, and :meth:`correct`
    re-publishes a week with a few volumes changed.
    """

    weeks: list[WeekEnding]
    seed: int = 7
    symbols_per_tier: int = 40
    mpids: int = 8
    late: set[WeekEnding] = field(default_factory=set)
    truncated: set[WeekEnding] = field(default_factory=set)
    corrections: dict[WeekEnding, int] = field(default_factory=dict)

    def available(self) -> list[WeekEnding]:
        return [w for w in self.weeks if w not in self.late]

    def catch_up(self) -> None:
        self.late.clear()
        self.truncated.clear()

    def correct(self, week: WeekEnding) -> None:
        self.corrections[week] = self.corrections.get(week, 0) + 1

    def fetch(self, week: WeekEnding) -> WeeklyFile:
        rng = random.Random(f"{self.seed}:{week}")
        lines = ["week_ending|tier|symbol|mpid|shares|trades"]
        for tier in TIERS:
            for s in range(self.symbols_per_tier):
                symbol = f"S{tier[-1]}{s:03d}"
                for m in range(self.mpids):
                    shares = rng.randint(1_000, 2_000_000)
                    trades = max(1, shares // rng.randint(200, 900))
                    lines.append(f"{week}|{tier}|{symbol}|MP{m:02d}|{shares}|{trades}")
        # A few bad rows, as real files have.
        lines.append(f"{week}|NMS_TIER_1|BAD$YM|MP01|1000|3")
        lines.append(f"{week}|NMS_TIER_2|S2001|MP02|-500|1")
        lines.append(f"{week}|OTCE|S3002||2500|4")
        lines.append(f"{week}|NMS_TIER_1|S1003|MP03|lots|2")
        version = self.corrections.get(week, 0)
        if version:
            fix = random.Random(f"{self.seed}:{week}:fix{version}")
            for i in fix.sample(range(1, len(lines) - 4), 5):
                parts = lines[i].split("|")
                parts[4] = str(int(parts[4]) + fix.randint(10_000, 90_000))
                lines[i] = "|".join(parts)
        if week in self.truncated:
            lines = lines[:21]
        published = dt.datetime.combine(week.next().to_date(), dt.time(18), tzinfo=dt.UTC)
        published += dt.timedelta(days=7 * version)
        name = f"otc_{week}_v{version + 1}.psv"
        return WeeklyFile(week, name, published, lines)


# --------------------------------------------------------------------------- the pipeline


@dataclass
class WeekOutcome:
    """What one pipeline run did with one week."""

    week: str
    action: str  # published | skipped | blocked
    rows: int = 0
    new_raw: int = 0
    rejects: int = 0
    detail: str = ""


def _problem(raw: Mapping[str, str]) -> tuple[str, str] | None:
    """``(reason_code, detail)`` when a raw record is unusable, else ``None``."""
    if not raw.get("mpid"):
        return "MISSING_MPID", "market participant id is empty"
    if not raw["symbol"].isalnum():
        return "INVALID_SYMBOL", f"symbol {raw['symbol']!r} is not alphanumeric"
    if not raw["shares"].lstrip("-").isdigit() or not raw["trades"].isdigit():
        return "NOT_A_NUMBER", f"shares={raw['shares']!r} trades={raw['trades']!r}"
    if int(raw["shares"]) < 0:
        return "NEGATIVE_VOLUME", f"shares {raw['shares']} < 0"
    return None


def _parse(file: WeeklyFile, sink: RejectSink, key: Mapping[str, Any]) -> list[dict[str, Any]]:
    good: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    header = file.lines[0].split("|")
    for number, line in enumerate(file.lines[1:], start=2):
        raw = dict(zip(header, line.split("|"), strict=False))
        problem = _problem(raw)
        if problem is not None:
            rejects.append(Reject("INGEST", *problem, raw, file.name, number))
            continue
        good.append(
            {
                "week_ending": raw["week_ending"],
                "tier": raw["tier"],
                "symbol": raw["symbol"],
                "mpid": raw["mpid"],
                "shares": int(raw["shares"]),
                "trades": int(raw["trades"]),
                "source_file": file.name,
                "line_number": number,
            }
        )
    sink.write_batch(rejects, key)
    return good


def _aggregate(week: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    by_symbol: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    tier_total: dict[str, int] = defaultdict(int)
    for r in rows:
        by_symbol[(r["tier"], r["symbol"])].append(r)
        tier_total[r["tier"]] += r["shares"]
    out = []
    for (tier, symbol), group in sorted(by_symbol.items()):
        shares = sum(r["shares"] for r in group)
        out.append(
            {
                "week_ending": week,
                "tier": tier,
                "symbol": symbol,
                "total_shares": shares,
                "total_trades": sum(r["trades"] for r in group),
                "mpid_count": len({r["mpid"] for r in group}),
                "market_share_pct": round(100.0 * shares / tier_total[tier], 9),
            }
        )
    return out


class OtcPipeline:
    """The four stages over one connection; every step is safe to repeat."""

    def __init__(self, conn: SpineConnection, source: SyntheticOtcSource) -> None:
        self.conn = conn
        self.source = source
        self.manifest = WorkManifest(conn, DOMAIN, STAGES)
        self.watermarks = DBWatermarkStore(conn)
        self.anomalies = AnomalyRecorder(conn, DOMAIN)
        self.assets = AssetStore(conn)

    def setup(self, *, reset: bool = True) -> None:
        """Create the core and demo tables; with ``reset``, forget earlier demo runs first."""
        create_core_tables(self.conn)
        if reset:
            drop_tables(self.conn, [RAW_TABLE, WEEKLY_TABLE])
            d = self.conn.dialect
            with transaction(self.conn):
                self.conn.execute(
                    "DELETE FROM core_backfill_partitions WHERE plan_id IN "  # noqa: S608 - constant names
                    f"(SELECT plan_id FROM core_backfill_plans WHERE domain = {d.placeholder()})",
                    (DOMAIN,),
                )
                for table in DOMAIN_TABLES:
                    self.conn.execute(
                        f"DELETE FROM {table} WHERE domain = {d.placeholder()}",  # noqa: S608 - constant names
                        (DOMAIN,),
                    )
                self.conn.execute(
                    f"DELETE FROM core_asset_materializations WHERE asset_key = {d.placeholder()}",  # noqa: S608
                    (ASSET.to_string(),),
                )
        create_tables(self.conn, [RAW_TABLE, WEEKLY_TABLE])

    def run_week(self, week: WeekEnding, ctx: ExecutionContext) -> WeekOutcome:
        key = {"week_ending": str(week)}
        file = self.source.fetch(week)
        published = self.manifest.get_stage(key, "PUBLISHED")
        if published is not None and published.metrics.get("file_hash") == file.content_hash:
            return WeekOutcome(str(week), "skipped", detail="already published")

        sink = RejectSink(self.conn, DOMAIN, ctx.execution_id, ctx.batch_id)
        rows = _parse(file, sink, key)
        ingest = ingest_l2(
            self.conn,
            RAW_TABLE.name,
            [{**r, "execution_id": ctx.execution_id} for r in rows],
            hash_column="record_hash",
            natural_key=["week_ending", "tier", "symbol", "mpid", "shares", "trades"],
        )
        self.manifest.advance_to(
            key,
            "INGESTED",
            row_count=len(rows),
            metrics={"rejects": sink.count, "new_raw": ingest.inserted, "file": file.name},
            execution_id=ctx.execution_id,
            batch_id=ctx.batch_id,
        )
        outcome = WeekOutcome(
            str(week), "blocked", len(rows), ingest.inserted, sink.count, detail=""
        )

        quality = (
            QualityRunner(self.conn, DOMAIN, ctx.execution_id)
            .add(row_count_check(min_rows=100))
            .add(uniqueness_check(["tier", "symbol", "mpid"]))
            .add(value_range_check("shares", min_value=0, allow_null=False))
        )
        quality.run_all({"rows": rows}, key)
        if quality.has_failures():
            failed = ", ".join(quality.failures())
            self.anomalies.record(
                severity=Severity.ERROR,
                category=AnomalyCategory.QUALITY_GATE,
                message=f"quality gate failed for {file.name}: {failed}",
                stage="VALIDATED",
                partition_key=key,
                execution_id=ctx.execution_id,
            )
            outcome.detail = f"gate failed: {failed}"
            return outcome
        self.manifest.advance_to(key, "VALIDATED", execution_id=ctx.execution_id)

        weekly = _aggregate(str(week), rows)
        shares_gate = QualityRunner(self.conn, DOMAIN, ctx.execution_id).add(
            sum_to_check("market_share_pct", 100.0, tolerance=1e-6, group_by=["tier"])
        )
        shares_gate.run_gate({"rows": weekly}, key)
        result = restate(self.conn, WEEKLY_TABLE.name, key, weekly)
        self.manifest.advance_to(
            key, "AGGREGATED", row_count=len(weekly), execution_id=ctx.execution_id
        )

        self.manifest.advance_to(
            key,
            "PUBLISHED",
            row_count=len(weekly),
            metrics={"file_hash": file.content_hash, "file": file.name},
            execution_id=ctx.execution_id,
        )
        self.watermarks.advance(
            DOMAIN, SOURCE, str(week), file.published_at.isoformat(), {"file": file.name}
        )
        self.assets.materialize(
            ASSET,
            partition=str(week),
            execution_id=ctx.execution_id,
            metadata={"rows": len(weekly)},
        )
        for anomaly in self.anomalies.list_unresolved(partition_key=key):
            self.anomalies.resolve(anomaly.id, f"week published by {ctx.execution_id}")
        outcome.action = "published"
        outcome.detail = "new version" if result.closed else "first version"
        return outcome

    def run(self, weeks: Sequence[WeekEnding], ctx: ExecutionContext) -> list[WeekOutcome]:
        return [self.run_week(w, ctx.child()) for w in weeks]

    def backfill(self, ctx: ExecutionContext) -> tuple[BackfillPlan | None, list[WeekOutcome]]:
        """Plan the weeks without a watermark and run the plan (resumable if interrupted)."""
        expected = [str(w) for w in self.source.weeks]
        plan = BackfillPlan.from_watermark_gaps(
            self.conn, self.watermarks, DOMAIN, SOURCE, expected, "late and blocked weeks"
        )
        if plan is None:
            return None, []
        plan.start()
        outcomes = []
        for partition in plan.remaining_keys():
            outcome = self.run_week(WeekEnding(partition), ctx.child())
            outcomes.append(outcome)
            if outcome.action == "published":
                plan.mark_partition_done(partition)
            else:
                plan.mark_partition_failed(partition, outcome.detail)
        return plan.refresh(), outcomes


# --------------------------------------------------------------------------- the demo


@dataclass
class DemoReport:
    """Everything the demo did, for printing and for tests."""

    first_run: list[WeekOutcome]
    rerun: list[WeekOutcome]
    backfill_status: str | None
    backfill_progress: float
    backfill: list[WeekOutcome]
    corrected_week: str
    correction: WeekOutcome
    versions: int
    shares_before: int
    shares_after: int
    shares_as_of_before: int
    rolling: dict[str, Any]
    rolling_complete: bool
    trend: str
    reject_reasons: dict[str, int]
    anomalies_recorded: int
    open_anomalies: int


def _total_shares(rows: Sequence[Mapping[str, Any]]) -> int:
    return sum(int(r["total_shares"]) for r in rows)


def run_demo(conn: SpineConnection, weeks: int = 8, seed: int = 7) -> DemoReport:
    """Run every phase of the demo on ``conn`` and return what happened."""
    last = WeekEnding("2025-12-26")
    all_weeks = last.window(weeks)
    source = SyntheticOtcSource(
        all_weeks, seed=seed, late={all_weeks[-3]}, truncated={all_weeks[2]}
    )
    pipeline = OtcPipeline(conn, source)
    pipeline.setup()
    root = new_context(batch_id=f"demo-{utc_now():%Y%m%dT%H%M%S}")

    first = pipeline.run(source.available(), root)
    rerun = pipeline.run(source.available(), root)

    source.catch_up()
    plan, backfilled = pipeline.backfill(root)

    corrected = all_weeks[-2]
    key = {"week_ending": str(corrected)}
    before_rows = current_rows(conn, WEEKLY_TABLE.name, key)
    known_at = utc_now()
    source.correct(corrected)
    correction = pipeline.run_week(corrected, root.child())
    after_rows = current_rows(conn, WEEKLY_TABLE.name, key)
    then_rows = as_of(conn, WEEKLY_TABLE.name, key, known_at)

    def weekly_total(week: WeekEnding) -> int | None:
        rows = current_rows(conn, WEEKLY_TABLE.name, {"week_ending": str(week)})
        return sum(int(r["total_shares"]) for r in rows) or None

    window = RollingWindow(6, lambda w: w.previous())
    rolling = window.compute(
        last,
        weekly_total,
        lambda present: {
            "avg_weekly_shares": round(sum(v for _, v in present) / len(present)),
            "max_weekly_shares": max(v for _, v in present),
        },
    )
    series = [float(v) for w in window.get_window(last) if (v := weekly_total(w)) is not None]

    reasons: dict[str, int] = defaultdict(int)
    for row in RejectSink(conn, DOMAIN).summary():
        reasons[row.reason_code] += row.count
    return DemoReport(
        first_run=first,
        rerun=rerun,
        backfill_status=plan.status.value if plan else None,
        backfill_progress=plan.progress().percent if plan else 0.0,
        backfill=backfilled,
        corrected_week=str(corrected),
        correction=correction,
        versions=len(history(conn, WEEKLY_TABLE.name, key)),
        shares_before=_total_shares(before_rows),
        shares_after=_total_shares(after_rows),
        shares_as_of_before=_total_shares(then_rows),
        rolling=dict(rolling.aggregates),
        rolling_complete=rolling.is_complete,
        trend=compute_trend(series, threshold=0.02).value,
        reject_reasons=dict(sorted(reasons.items())),
        anomalies_recorded=sum(o.action == "blocked" for o in [*first, *rerun, *backfilled]),
        open_anomalies=len(pipeline.anomalies.list_unresolved()),
    )


def _print_outcomes(title: str, outcomes: Sequence[WeekOutcome]) -> None:
    print(f"\n{title}")
    print(f"  {'week':<12}{'action':<11}{'rows':>6}{'new raw':>9}{'rejects':>9}  detail")
    for o in outcomes:
        print(f"  {o.week:<12}{o.action:<11}{o.rows:>6}{o.new_raw:>9}{o.rejects:>9}  {o.detail}")


def print_report(report: DemoReport) -> None:
    _print_outcomes("1. first run over the published weeks", report.first_run)
    skipped = sum(o.action == "skipped" for o in report.rerun)
    print(f"\n2. re-run: {skipped} of {len(report.rerun)} weeks skipped (manifest says PUBLISHED)")
    _print_outcomes(
        f"3. backfill from watermark gaps: plan {report.backfill_status}, "
        f"{report.backfill_progress:.0f}% done",
        report.backfill,
    )
    print(
        f"\n4. corrected file for {report.corrected_week}: {report.correction.action}, "
        f"{report.correction.new_raw} changed raw rows, {report.versions} versions kept\n"
        f"   week volume now {report.shares_after:,} shares; "
        f"as of before the correction {report.shares_as_of_before:,} "
        f"(was {report.shares_before:,})"
    )
    print(
        f"\n5. 6-week rolling window: {report.rolling} "
        f"(complete={report.rolling_complete}), trend {report.trend}"
    )
    print(f"\n   rejects by reason: {report.reject_reasons}")
    print(
        f"   anomalies: {report.anomalies_recorded} recorded (the blocked week's failed gates), "
        f"{report.open_anomalies} still open"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the weekly FINRA OTC demo pipeline.")
    parser.add_argument("--db", help="database URL (default: SQLite file in a temp directory)")
    parser.add_argument("--weeks", type=int, default=8, help="number of weeks (default 8)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic source")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="spine-demo-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'spine_demo.db'}"
        conn, info = create_connection(url)
        print(f"spine demo: weekly FINRA OTC pipeline on {info.url}")
        try:
            report = run_demo(conn, weeks=args.weeks, seed=args.seed)
        finally:
            conn.close()
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
