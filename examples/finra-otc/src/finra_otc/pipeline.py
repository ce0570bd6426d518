"""The weekly FINRA OTC pipeline: six steps, each safe to repeat, each skipped when its input
has not changed.

::

    ingest ─▶ normalize ─▶ quality_gate ─▶ aggregate ─▶ rolling ─▶ publish
     (L2)     (rejects)    (FAIL stops,    (L3 per     (6-week    (manifest,
                            WARN records    week and    averages,  watermark,
                            an anomaly)     tier)       trend)     assets)

Every step records its stage in the manifest (domain ``finra.otc``, partition
``{"week_ending": ...}``) with a **fingerprint** of its input: the files' checksums for
``ingest``, the previous stage's fingerprint after that. A step whose stage already holds the
same fingerprint does nothing and says so (``{"skipped": "unchanged"}``), so a week re-run
with unchanged files changes nothing, and a resumed run redoes nothing that finished.

:class:`OtcPipeline` binds the steps to a connection and an input directory;
:func:`register_operations` registers them as spine-exec handlers (``finra.otc.ingest`` ...,
params ``week_ending`` and ``input_dir``), which the workflow in ``weekly.yaml`` runs as
operation steps. It is also the package's ``spine.operations`` entry point: the ``spine``
command calls it with its registry and database, so ``spine runs resume`` can finish a
week in another process.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from finra_otc.schema import RAW, ROLLING, SYMBOL_WEEKLY, VENUE_WEEKLY, WEEKLY
from finra_otc.source import HEADER, TIERS, WeeklyFile, discover_files
from spine.db import BaseRepository, SpineConnection
from spine.execution import HandlerRegistry, current_execution
from spine.ops import (
    AnomalyCategory,
    AnomalyRecorder,
    AssetKey,
    AssetStore,
    DBWatermarkStore,
    QualityCategory,
    QualityCheck,
    QualityGateError,
    QualityResult,
    QualityRunner,
    QualityStatus,
    Reject,
    RejectSink,
    Severity,
    WorkManifest,
    compute_trend,
    current_rows,
    ingest_l2,
    replace_l3,
    restate,
    uniqueness_check,
)
from spine.types import SourceNotFoundError, WeekEnding, compute_hash

__all__ = [
    "ASSETS",
    "DOMAIN",
    "REASONS",
    "SOURCE",
    "STAGES",
    "STEPS",
    "OtcPipeline",
    "files_fingerprint",
    "fingerprint",
    "register_operations",
]

DOMAIN = "finra.otc"
"""Domain of every manifest row, reject, quality result and anomaly of the pipeline."""

SOURCE = "weekly"
"""Watermark source: one watermark per published week (``high_water`` = newest update)."""

STAGES = ("ingested", "normalized", "validated", "aggregated", "rolled", "published")
"""Manifest stages, in order."""

STEPS = ("ingest", "normalize", "quality_gate", "aggregate", "rolling", "publish")
"""Workflow steps, in order (operation ``finra.otc.<step>``)."""

ASSETS = {
    "symbol_weekly": AssetKey("finra", "otc", "symbol_weekly"),
    "venue_weekly": AssetKey("finra", "otc", "venue_weekly"),
    "rolling": AssetKey("finra", "otc", "rolling_6w"),
}

REASONS = {
    "MALFORMED_ROW": "the row does not have FINRA's 8 fields",
    "TIER_MISMATCH": "tierDescription does not match the file's tier",
    "INVALID_SYMBOL": "issueSymbolIdentifier is empty or not a ticker",
    "MISSING_MPID": "MPID is empty",
    "NOT_A_NUMBER": "a share or trade count is not an integer",
    "NEGATIVE_VOLUME": "a share or trade count is negative",
    "TRADES_EXCEED_SHARES": "more trades than shares",
    "INVALID_DATE": "lastUpdateDate is not a date",
    "DUPLICATE_KEY": "the symbol and venue appear twice with the same update date",
}
"""Reject reason codes and what they mean."""

ROLLING_WEEKS = 6
TREND_THRESHOLD = 0.10
REJECT_WARN, REJECT_FAIL = 0.02, 0.10
VOLUME_WARN = 0.40
TIER_MIN_RATIO = 0.5

_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,13}$")
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_RAW_KEY = [c.name for c in RAW.columns if c.name not in {
    "record_hash", "source_file", "line_number", "file_checksum", "execution_id"
}]  # fmt: skip


def fingerprint(*parts: Any) -> str:
    """A short, stable digest of ``parts``."""
    return compute_hash(*[str(p) for p in parts])[:16]


def files_fingerprint(files: Iterable[WeeklyFile]) -> str:
    """The fingerprint of a week's files (tier and checksum of each): what ``ingest`` keys on."""
    return fingerprint(*sorted(f"{f.tier}:{f.checksum}" for f in files))


def _execution_id() -> str | None:
    running = current_execution()
    return running.execution_id if running is not None else None


def _int(text: str | None) -> int | None:
    """An integer written with digits only (and an optional minus), else ``None``."""
    if not text:
        return None
    t = text.strip()
    digits = t[1:] if t[:1] == "-" else t
    return int(t) if digits.isascii() and digits.isdigit() else None


class OtcPipeline:
    """The six steps over one database and one directory of weekly files.

    Args:
        conn: Where the data goes (any spine backend).
        input_dir: Where the weekly files are (see :mod:`finra_otc.source`).
    """

    def __init__(self, conn: SpineConnection, input_dir: Path) -> None:
        self.conn = conn
        self.input_dir = Path(input_dir)
        self.repo = BaseRepository(conn)
        self.manifest = WorkManifest(conn, DOMAIN, STAGES)
        self.anomalies = AnomalyRecorder(conn, DOMAIN)
        self.watermarks = DBWatermarkStore(conn)
        self.assets = AssetStore(conn)

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def key(week: WeekEnding) -> dict[str, str]:
        return {"week_ending": str(week)}

    def files(self, week: WeekEnding) -> list[WeeklyFile]:
        """The week's files, one per tier."""
        return discover_files(self.input_dir, weeks=[week])

    def stage_fingerprint(self, week: WeekEnding, stage: str) -> str | None:
        row = self.manifest.get_stage(self.key(week), stage)
        return None if row is None else row.metrics.get("fingerprint")

    def gate_failed(self, week: WeekEnding, fp: str) -> bool:
        """Whether the quality gate stopped ``week`` for input ``fp`` (an open ERROR anomaly)."""
        return any(
            a.metadata.get("fingerprint") == fp
            for a in self.anomalies.list_unresolved(
                partition_key=self.key(week), min_severity=Severity.ERROR
            )
        )

    def _rows(self, table: str, week: WeekEnding, columns: str = "*") -> list[dict[str, Any]]:
        ph = self.conn.dialect.placeholder(0)
        sql = f"SELECT {columns} FROM {table} WHERE week_ending = {ph}"  # noqa: S608 - constant names
        rows = self.repo.query(sql, (str(week),))
        if not self.conn.in_transaction_block:
            self.conn.commit()
        return rows

    def _skip(self, week: WeekEnding, stage: str, fp: str) -> dict[str, Any] | None:
        if self.stage_fingerprint(week, stage) == fp:
            return {"skipped": "unchanged", "fingerprint": fp}
        return None

    def _input(self, week: WeekEnding, after: str, stage: str) -> tuple[str, dict[str, Any] | None]:
        """``(fingerprint, skipped)`` of a step reading stage ``after`` and writing ``stage``:
        ``skipped`` is the step's output when ``stage`` already holds that fingerprint.

        Raises:
            SourceNotFoundError: ``after`` has not been reached (the step cannot run yet).
        """
        fp = self.stage_fingerprint(week, after)
        if fp is None:
            raise SourceNotFoundError(f"week {week} has not reached {after!r} yet").with_context(
                partition_key=str(week)
            )
        return fp, self._skip(week, stage, fp)

    # -- 1. ingest ------------------------------------------------------------------------------

    def ingest(self, week: WeekEnding) -> dict[str, Any]:
        """Ingest the week's files into the raw table (L2: only rows never seen are added)."""
        files = self.files(week)
        if not files:
            raise SourceNotFoundError(
                f"no FINRA weekly file for week {week} in {str(self.input_dir)!r}"
            ).with_context(partition_key=str(week))
        fp = files_fingerprint(files)
        skipped = self._skip(week, "ingested", fp)
        if skipped is not None:
            return {**skipped, "files": len(files)}
        execution_id = _execution_id()
        rows: list[dict[str, Any]] = []
        lines_by_tier: dict[str, int] = {}
        for f in files:
            count = 0
            for number, text in f.lines():
                fields = text.split("|")
                padded = (fields + [None] * len(HEADER))[: len(HEADER)]
                rows.append(
                    {
                        "week_ending": str(week),
                        "tier": f.tier,
                        "tier_description": padded[0],
                        "symbol": padded[1],
                        "issue_name": padded[2],
                        "venue_name": padded[3],
                        "mpid": padded[4],
                        "shares": padded[5],
                        "trades": padded[6],
                        "last_update": padded[7],
                        "field_count": len(fields),
                        "source_file": f.name,
                        "line_number": number,
                        "file_checksum": f.checksum,
                        "execution_id": execution_id,
                    }
                )
                count += 1
            lines_by_tier[f.tier] = count
        result = ingest_l2(self.conn, RAW.name, rows, natural_key=_RAW_KEY)
        self.manifest.advance_to(
            self.key(week),
            "ingested",
            row_count=len(rows),
            metrics={
                "fingerprint": fp,
                "files": {f.tier: {"name": f.name, "checksum": f.checksum} for f in files},
                "lines": lines_by_tier,
                "new_rows": result.inserted,
            },
            execution_id=execution_id,
        )
        return {
            "files": len(files),
            "lines": len(rows),
            "new_rows": result.inserted,
            "already_stored": result.skipped,
            "fingerprint": fp,
        }

    # -- 2. normalize -----------------------------------------------------------------------------

    @staticmethod
    def _problem(r: Mapping[str, Any]) -> str | None:
        if r["field_count"] != len(HEADER):
            return "MALFORMED_ROW"
        if TIERS.get(r["tier"]) != r["tier_description"]:
            return "TIER_MISMATCH"
        if not _SYMBOL.match(r["symbol"] or ""):
            return "INVALID_SYMBOL"
        if not (r["mpid"] or "").strip():
            return "MISSING_MPID"
        shares, trades = _int(r["shares"]), _int(r["trades"])
        if shares is None or trades is None:
            return "NOT_A_NUMBER"
        if shares < 0 or trades < 0:
            return "NEGATIVE_VOLUME"
        if trades > shares:
            return "TRADES_EXCEED_SHARES"
        if not _DATE.match(r["last_update"] or ""):
            return "INVALID_DATE"
        return None

    def normalize(self, week: WeekEnding) -> dict[str, Any]:
        """Validate the week's rows: bad ones to the reject sink with a reason code, the
        current version of every good row to the weekly table (L3 per week)."""
        fp, skipped = self._input(week, "ingested", "normalized")
        if skipped is not None:
            return skipped
        execution_id = _execution_id()
        raw = sorted(
            self._rows(RAW.name, week),
            key=lambda r: (str(r["last_update"]), str(r["source_file"]), int(r["line_number"])),
        )
        rejects: list[Reject] = []
        latest: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in raw:
            reason = self._problem(r)
            if reason is not None:
                rejects.append(self._reject(r, reason))
                continue
            latest[(r["tier"], r["symbol"], r["mpid"].strip())].append(r)
        good: list[dict[str, Any]] = []
        superseded = 0
        for (tier, symbol, mpid), versions in latest.items():
            newest = versions[-1]["last_update"]
            current = [v for v in versions if v["last_update"] == newest]
            superseded += len(versions) - len(current)
            first = min(current, key=lambda v: (str(v["source_file"]), int(v["line_number"])))
            rejects += [self._reject(v, "DUPLICATE_KEY") for v in current if v is not first]
            good.append(
                {
                    "week_ending": str(week),
                    "tier": tier,
                    "symbol": symbol,
                    "issue_name": first["issue_name"],
                    "mpid": mpid,
                    "venue_name": first["venue_name"],
                    "shares": int(first["shares"]),
                    "trades": int(first["trades"]),
                    "last_update": newest,
                    "record_hash": first["record_hash"],
                }
            )
        RejectSink(self.conn, DOMAIN, execution_id).write_batch(rejects, self.key(week))
        replace_l3(self.conn, WEEKLY.name, self.key(week), good)
        by_reason = dict(sorted(Counter(r.reason_code for r in rejects).items()))
        tiers = Counter(g["tier"] for g in good)
        shares = Counter()  # type: Counter[str]
        for g in good:
            shares[g["tier"]] += g["shares"]
        self.manifest.advance_to(
            self.key(week),
            "normalized",
            row_count=len(good),
            metrics={
                "fingerprint": fp,
                "raw_rows": len(raw),
                "rejects": by_reason,
                "superseded": superseded,
                "tier_rows": dict(sorted(tiers.items())),
                "tier_shares": dict(sorted(shares.items())),
            },
            execution_id=execution_id,
        )
        return {
            "rows": len(good),
            "rejected": len(rejects),
            "superseded": superseded,
            "rejects": by_reason,
        }

    @staticmethod
    def _reject(r: Mapping[str, Any], reason: str) -> Reject:
        raw = {h: r[c] for h, c in zip(HEADER, _RAW_KEY[2:10], strict=True)}
        return Reject(
            "normalize",
            reason,
            f"{REASONS[reason]}: " + "|".join("" if v is None else str(v) for v in raw.values()),
            raw_data=raw,
            source_locator=str(r["source_file"]),
            line_number=int(r["line_number"]),
        )

    # -- 3. quality gate --------------------------------------------------------------------------

    def _history(self, week: WeekEnding, n: int = 4) -> list[Mapping[str, Any]]:
        """``normalized`` metrics of the ``n`` weeks before ``week`` that have them."""
        out = []
        w = week.previous()
        for _ in range(n * 3):
            row = self.manifest.get_stage(self.key(w), "normalized")
            if row is not None:
                out.append(row.metrics)
                if len(out) == n:
                    break
            w = w.previous()
        return out

    def quality_gate(self, week: WeekEnding) -> dict[str, Any]:
        """Check the week: FAIL stops it here (an ERROR anomaly), WARN records an anomaly."""
        fp, skipped = self._input(week, "normalized", "validated")
        if skipped is not None:
            return skipped
        execution_id = _execution_id()
        metrics = self.manifest.get_stage(self.key(week), "normalized")
        assert metrics is not None
        current = metrics.metrics
        history = self._history(week)
        rows = self._rows(WEEKLY.name, week, "tier, symbol, mpid, shares, trades")
        runner = QualityRunner(self.conn, DOMAIN, execution_id)
        runner.add(QualityCheck("tier_rows", QualityCategory.COMPLETENESS, _tier_rows_check))
        runner.add(QualityCheck("reject_rate", QualityCategory.VALIDITY, _reject_rate_check))
        runner.add(uniqueness_check(["tier", "symbol", "mpid"]))
        runner.add(QualityCheck("volume_change", QualityCategory.CONSISTENCY, _volume_check))
        results = runner.run_all(
            {"rows": rows, "current": current, "history": history}, self.key(week)
        )
        warnings = [n for n, r in results.items() if r.status is QualityStatus.WARN]
        failures = [n for n, r in results.items() if r.status is QualityStatus.FAIL]
        open_checks = {
            a.metadata.get("check")
            for a in self.anomalies.list_unresolved(partition_key=self.key(week))
        }
        for name in warnings + failures:
            result = results[name]
            if name in open_checks:
                continue
            failed = result.status is QualityStatus.FAIL
            self.anomalies.record(
                severity=Severity.ERROR if failed else Severity.WARN,
                category=AnomalyCategory.QUALITY_GATE,
                message=f"week {week}: {name} {result.status.value.lower()}: {result.message}",
                stage="validated",
                partition_key=self.key(week),
                metadata={"check": name, "fingerprint": fp},
                workflow="finra.otc.weekly",
                execution_id=execution_id,
            )
        if failures:
            detail = "; ".join(f"{n}: {results[n].message}" for n in failures)
            raise QualityGateError(
                failures, f"week {week} stopped by the quality gate: {detail}"
            ).with_context(partition_key=str(week))
        self.manifest.advance_to(
            self.key(week),
            "validated",
            row_count=len(rows),
            metrics={"fingerprint": fp, "warnings": warnings},
            execution_id=execution_id,
        )
        return {"passed": True, "warnings": warnings, "checks": len(results)}

    # -- 4. aggregate -----------------------------------------------------------------------------

    def aggregate(self, week: WeekEnding) -> dict[str, Any]:
        """Per week and tier: symbol totals, and each venue's market share and rank (L3,
        restated: a changed week becomes a new version, the old one kept)."""
        fp, skipped = self._input(week, "validated", "aggregated")
        if skipped is not None:
            return skipped
        execution_id = _execution_id()
        rows = self._rows(WEEKLY.name, week)
        symbols, venues = aggregate_week(str(week), rows)
        sym = restate(self.conn, SYMBOL_WEEKLY.name, self.key(week), symbols)
        ven = restate(self.conn, VENUE_WEEKLY.name, self.key(week), venues)
        restated = (sym.changed and sym.closed > 0) or (ven.changed and ven.closed > 0)
        self.manifest.advance_to(
            self.key(week),
            "aggregated",
            row_count=len(symbols),
            metrics={"fingerprint": fp, "venues": len(venues), "restated": restated},
            execution_id=execution_id,
        )
        return {"symbols": len(symbols), "venues": len(venues), "restated": restated}

    # -- 5. rolling ------------------------------------------------------------------------------

    def _window(self, week: WeekEnding) -> list[WeekEnding]:
        weeks = [week]
        while len(weeks) < ROLLING_WEEKS:
            weeks.insert(0, weeks[0].previous())
        return weeks

    def rolling(self, week: WeekEnding) -> dict[str, Any]:
        """6-week averages and trend per symbol for this week, and again for the later weeks
        whose window holds it (a restated week changes their averages too)."""
        if self.stage_fingerprint(week, "aggregated") is None:
            raise SourceNotFoundError(f"week {week} has not been aggregated")
        execution_id = _execution_id()
        cache: dict[WeekEnding, list[dict[str, Any]]] = {}
        done: list[str] = []
        trends: Counter[str] = Counter()
        target = week
        for _ in range(ROLLING_WEEKS):
            window = self._window(target)
            parts = [self.stage_fingerprint(w, "aggregated") for w in window]
            if parts[-1] is None:  # a later week not aggregated yet: its own run rolls it
                break
            fp = fingerprint(*parts)
            previous = self.stage_fingerprint(target, "rolled")
            if previous != fp and (target == week or previous is not None):
                for w in window:
                    if w not in cache:
                        cache[w] = current_rows(self.conn, SYMBOL_WEEKLY.name, self.key(w))
                out = rolling_rows(str(target), [cache[w] for w in window])
                restate(self.conn, ROLLING.name, self.key(target), out)
                self.manifest.advance_to(
                    self.key(target),
                    "rolled",
                    row_count=len(out),
                    metrics={"fingerprint": fp},
                    execution_id=execution_id,
                )
                done.append(str(target))
                if target == week:
                    trends.update(r["trend"] for r in out)
            target = target.next()
        if not done:
            return {"skipped": "unchanged", "weeks": []}
        return {"weeks": done, "trends": dict(sorted(trends.items()))}

    # -- 6. publish ------------------------------------------------------------------------------

    def publish(self, week: WeekEnding) -> dict[str, Any]:
        """Mark the week published: manifest stage, watermark, asset materializations; the
        week's open gate failures, and warnings about files since replaced, are resolved."""
        fp = self.stage_fingerprint(week, "aggregated")
        if fp is None or self.stage_fingerprint(week, "rolled") is None:
            raise SourceNotFoundError(f"week {week} is not ready to publish")
        skipped = self._skip(week, "published", fp)
        if skipped is not None:
            return skipped
        execution_id = _execution_id()
        rows = self._rows(WEEKLY.name, week, "last_update")
        high_water = max(str(r["last_update"]) for r in rows)
        moved = self.watermarks.advance(
            DOMAIN, SOURCE, str(week), high_water, {"fingerprint": fp, "rows": len(rows)}
        )
        symbols = current_rows(self.conn, SYMBOL_WEEKLY.name, self.key(week))
        for name, asset in ASSETS.items():
            self.assets.materialize(
                asset,
                partition=str(week),
                execution_id=execution_id,
                metadata={"fingerprint": fp, "table": name},
            )
        resolved = 0
        for anomaly in self.anomalies.list_unresolved(partition_key=self.key(week)):
            stale = anomaly.metadata.get("fingerprint") != fp
            if anomaly.severity is Severity.ERROR or stale:
                self.anomalies.resolve(anomaly.id, f"superseded: week {week} published ({fp})")
                resolved += 1
        self.manifest.advance_to(
            self.key(week),
            "published",
            row_count=len(symbols),
            metrics={"fingerprint": fp, "high_water": high_water},
            execution_id=execution_id,
        )
        return {
            "published": str(week),
            "high_water": high_water,
            "watermark_moved": moved,
            "anomalies_resolved": resolved,
        }


# -- checks (context: rows, current = this week's normalized metrics, history) -------------------


def _tier_rows_check(ctx: Mapping[str, Any]) -> QualityResult:
    current: Mapping[str, int] = ctx["current"].get("tier_rows", {})
    short = {}
    for tier in TIERS:
        past = [h.get("tier_rows", {}).get(tier, 0) for h in ctx["history"]]
        past = [p for p in past if p]
        floor = statistics.median(past) * TIER_MIN_RATIO if past else 1
        if current.get(tier, 0) < floor:
            short[tier] = {"rows": current.get(tier, 0), "expected_at_least": int(floor)}
    if short:
        text = ", ".join(
            f"{t} {v['rows']} rows < {v['expected_at_least']}" for t, v in short.items()
        )
        return QualityResult(QualityStatus.FAIL, f"file cut short? {text}", short, TIER_MIN_RATIO)
    return QualityResult(QualityStatus.PASS, "every tier complete", dict(current))


def _reject_rate_check(ctx: Mapping[str, Any]) -> QualityResult:
    current = ctx["current"]
    rejected = sum(current.get("rejects", {}).values())
    total = rejected + sum(current.get("tier_rows", {}).values())
    rate = rejected / total if total else 0.0
    text = f"{rejected} of {total} rows rejected ({rate:.1%})"
    if rate > REJECT_FAIL:
        return QualityResult(QualityStatus.FAIL, text, round(rate, 4), REJECT_FAIL)
    if rate > REJECT_WARN:
        return QualityResult(QualityStatus.WARN, text, round(rate, 4), REJECT_WARN)
    return QualityResult(QualityStatus.PASS, text, round(rate, 4), REJECT_WARN)


def _volume_check(ctx: Mapping[str, Any]) -> QualityResult:
    current: Mapping[str, int] = ctx["current"].get("tier_shares", {})
    moves = {}
    for tier, shares in current.items():
        past = [h.get("tier_shares", {}).get(tier) for h in ctx["history"]]
        before = statistics.median([p for p in past if p]) if any(past) else None
        if before:
            change = (shares - before) / before
            if abs(change) > VOLUME_WARN:
                moves[tier] = round(change, 4)
    if moves:
        text = ", ".join(f"{t} {c:+.0%}" for t, c in moves.items())
        return QualityResult(
            QualityStatus.WARN,
            f"volume moved vs the last weeks' median: {text}",
            moves,
            VOLUME_WARN,
        )
    return QualityResult(
        QualityStatus.PASS, "volume in line with the last weeks", None, VOLUME_WARN
    )


# -- calculations (pure) -------------------------------------------------------------------------


def aggregate_week(
    week: str, rows: Iterable[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Symbol totals and venue shares/ranks of one week's rows, per tier."""
    by_symbol: dict[tuple[str, str], dict[str, Any]] = {}
    by_venue: dict[tuple[str, str], dict[str, Any]] = {}
    tier_total: Counter[str] = Counter()
    for r in rows:
        tier, shares, trades = str(r["tier"]), int(r["shares"]), int(r["trades"])
        tier_total[tier] += shares
        s = by_symbol.setdefault(
            (tier, str(r["symbol"])),
            {"issue_name": r["issue_name"], "shares": 0, "trades": 0, "venues": set()},
        )
        s["shares"] += shares
        s["trades"] += trades
        s["venues"].add(r["mpid"])
        v = by_venue.setdefault(
            (tier, str(r["mpid"])),
            {"venue_name": r["venue_name"], "shares": 0, "trades": 0, "symbols": set()},
        )
        v["shares"] += shares
        v["trades"] += trades
        v["symbols"].add(r["symbol"])
    symbols = [
        {
            "week_ending": week,
            "tier": tier,
            "symbol": symbol,
            "issue_name": s["issue_name"],
            "total_shares": s["shares"],
            "total_trades": s["trades"],
            "venue_count": len(s["venues"]),
            "avg_trade_size": round(s["shares"] / s["trades"], 4) if s["trades"] else 0.0,
        }
        for (tier, symbol), s in sorted(by_symbol.items())
    ]
    venues: list[dict[str, Any]] = []
    for tier in sorted(tier_total):
        ranked = sorted(
            ((m, v) for (t, m), v in by_venue.items() if t == tier),
            key=lambda mv: (-mv[1]["shares"], mv[0]),
        )
        for rank, (mpid, v) in enumerate(ranked, start=1):
            venues.append(
                {
                    "week_ending": week,
                    "tier": tier,
                    "mpid": mpid,
                    "venue_name": v["venue_name"],
                    "total_shares": v["shares"],
                    "total_trades": v["trades"],
                    "symbol_count": len(v["symbols"]),
                    "market_share_pct": round(100.0 * v["shares"] / tier_total[tier], 6)
                    if tier_total[tier]
                    else 0.0,
                    "venue_rank": rank,
                }
            )
    return symbols, venues


def rolling_rows(week: str, window: Sequence[Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """6-week averages and trend per (tier, symbol) of the window's last week.

    ``window`` holds each week's symbol rows, oldest first; a symbol's averages cover the
    weeks it traded in (``weeks_present``), its trend the change from its first to its last
    week in the window.
    """
    series: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for rows in window:
        for r in rows:
            series[(str(r["tier"]), str(r["symbol"]))].append(
                (int(r["total_shares"]), int(r["total_trades"]))
            )
    last = {(str(r["tier"]), str(r["symbol"])) for r in window[-1]}
    out = []
    for (tier, symbol), values in sorted(series.items()):
        if (tier, symbol) not in last:
            continue
        shares = [float(v[0]) for v in values]
        first, latest = shares[0], shares[-1]
        out.append(
            {
                "week_ending": week,
                "tier": tier,
                "symbol": symbol,
                "weeks_present": len(values),
                "avg_shares_6w": round(sum(shares) / len(shares), 2),
                "avg_trades_6w": round(sum(float(v[1]) for v in values) / len(values), 2),
                "change_pct": round(100.0 * (latest - first) / first, 2) if first else 0.0,
                "trend": compute_trend(shares, threshold=TREND_THRESHOLD).value.lower(),
            }
        )
    return out


def register_operations(
    registry: HandlerRegistry, connect: Callable[[], SpineConnection]
) -> list[str]:
    """Register the six steps as handlers ``finra.otc.<step>``; returns their names.

    Each handler takes ``{"week_ending": ..., "input_dir": ...}`` (the weekly workflow's
    params) and runs the step of an :class:`OtcPipeline` over that directory, on the
    connection ``connect()`` returns.
    """
    names = []
    for step in STEPS:
        method = getattr(OtcPipeline, step)

        def handler(params: dict[str, Any], _step: str = step) -> dict[str, Any]:
            pipeline = OtcPipeline(connect(), Path(str(params.get("input_dir") or ".")))
            result: dict[str, Any] = getattr(pipeline, _step)(WeekEnding(params["week_ending"]))
            return result

        name = f"finra.otc.{step}"
        registry.register(
            name,
            handler,
            kind="operation",
            description=method.__doc__.splitlines()[0],
            replace=True,
        )
        names.append(name)
    return names
