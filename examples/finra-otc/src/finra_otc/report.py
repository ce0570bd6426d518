"""What the demo shows at the end, read back from the database (so a second run, or another
process, reports the same state).

:class:`DemoReport` holds: what this run did (releases, planned weeks, each week's outcome),
rows per stage and week, rejects by reason, quality results, anomalies, restatements with
what was known before (``as_of``), the top symbols of the last week with their 6-week trend,
the venues' market share, and the ledger's counts.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from finra_otc.pipeline import DOMAIN, STAGES
from finra_otc.schema import ROLLING, SYMBOL_WEEKLY, VENUE_WEEKLY
from spine.db import SpineConnection
from spine.ops import (
    as_of,
    current_rows,
    history,
    list_anomalies,
    list_manifest,
    list_quality_results,
)

if TYPE_CHECKING:
    from finra_otc.runtime import Runtime

__all__ = ["DemoReport", "Restatement", "WeekOutcome", "WeekRow", "build_report"]


@dataclass(frozen=True)
class WeekOutcome:
    """What this run did with one week: ``published``, ``unchanged``, ``blocked`` (the
    quality gate stopped it) or ``failed``; the status of each step; the workflow run."""

    week: str
    status: str
    steps: Mapping[str, str]
    run_id: str
    error: str | None = None


@dataclass(frozen=True)
class WeekRow:
    """Rows per stage of one week, as the database holds it."""

    week: str
    stage: str
    lines: int | None
    new_rows: int | None
    rows: int | None
    rejected: int
    symbols: int | None
    venues: int | None
    warnings: list[str]


@dataclass(frozen=True)
class Restatement:
    """A week with more than one version: what changed, and what was known before."""

    week: str
    versions: int
    restated_at: str
    shares_before: int
    shares_after: int
    shares_as_of_before: int
    changed: list[dict[str, Any]]


@dataclass
class DemoReport:
    """Everything the demo prints (and ``--json`` emits)."""

    source: str
    backend: str
    releases: list[dict[str, Any]]
    outcomes: list[WeekOutcome]
    weeks: list[WeekRow]
    rejects_by_reason: dict[str, int]
    quality: list[dict[str, Any]]
    anomalies_open: list[dict[str, Any]]
    anomalies_resolved: int
    restatements: list[Restatement]
    top_symbols: list[dict[str, Any]]
    top_venues: list[dict[str, Any]]
    ledger: dict[str, dict[str, int]] = field(default_factory=dict)
    stopped: dict[str, Any] | None = None

    @property
    def changed_nothing(self) -> bool:
        """True when this run wrote nothing: no week was run, or every step was unchanged."""
        return self.stopped is None and all(o.status == "unchanged" for o in self.outcomes)

    @property
    def published_weeks(self) -> list[str]:
        return [w.week for w in self.weeks if w.stage == "published"]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["changed_nothing"] = self.changed_nothing
        return data


def _week_rows(conn: SpineConnection) -> list[WeekRow]:
    stages: dict[str, dict[str, Any]] = {}
    for entry in list_manifest(conn, domain=DOMAIN, limit=None):
        week = str(entry.partition_key.get("week_ending"))
        stages.setdefault(week, {})[entry.stage] = entry
    out = []
    for week in sorted(stages):
        s = stages[week]
        reached = max(s, key=lambda name: STAGES.index(name) if name in STAGES else -1)
        ing, norm, val, agg = (
            s.get(n) for n in ("ingested", "normalized", "validated", "aggregated")
        )
        out.append(
            WeekRow(
                week=week,
                stage=reached,
                lines=ing.row_count if ing else None,
                new_rows=ing.metrics.get("new_rows") if ing else None,
                rows=norm.row_count if norm else None,
                rejected=sum(norm.metrics.get("rejects", {}).values()) if norm else 0,
                symbols=agg.row_count if agg else None,
                venues=agg.metrics.get("venues") if agg else None,
                warnings=list(val.metrics.get("warnings", [])) if val else [],
            )
        )
    return out


def _rejects(conn: SpineConnection) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for entry in list_manifest(conn, domain=DOMAIN, limit=None):
        if entry.stage == "normalized":
            totals.update(entry.metrics.get("rejects", {}))
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))


def _quality(conn: SpineConnection) -> list[dict[str, Any]]:
    by_check: dict[str, Counter[str]] = {}
    for q in list_quality_results(conn, domain=DOMAIN, limit=None):
        by_check.setdefault(q.check_name, Counter())[q.status.value.lower()] += 1
    return [
        {"check": name, "pass": c["pass"], "warn": c["warn"], "fail": c["fail"]}
        for name, c in sorted(by_check.items())
    ]


def _restatements(conn: SpineConnection, weeks: Sequence[str]) -> list[Restatement]:
    out = []
    for week in weeks:
        key = {"week_ending": week}
        versions = history(conn, SYMBOL_WEEKLY.name, key)
        if len(versions) < 2:
            continue
        before, after = versions[-2], versions[-1]
        known_then = as_of(
            conn, SYMBOL_WEEKLY.name, key, after.system_from - dt.timedelta(microseconds=1)
        )
        old = {(r["tier"], r["symbol"]): int(r["total_shares"]) for r in before.payload}
        new = {(r["tier"], r["symbol"]): int(r["total_shares"]) for r in after.payload}
        changed = [
            {"tier": t, "symbol": s, "before": old.get((t, s)), "after": new.get((t, s))}
            for (t, s) in sorted(set(old) | set(new))
            if old.get((t, s)) != new.get((t, s))
        ]
        out.append(
            Restatement(
                week=week,
                versions=len(versions),
                restated_at=after.system_from.isoformat(),
                shares_before=sum(old.values()),
                shares_after=sum(new.values()),
                shares_as_of_before=sum(int(r["total_shares"]) for r in known_then),
                changed=changed,
            )
        )
    return out


def _top(
    conn: SpineConnection, week: str | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if week is None:
        return [], []
    key = {"week_ending": week}
    rolling = sorted(
        current_rows(conn, ROLLING.name, key), key=lambda r: -float(r["avg_shares_6w"])
    )[:10]
    symbols = [
        {
            "symbol": r["symbol"],
            "tier": r["tier"],
            "avg_shares_6w": round(float(r["avg_shares_6w"])),
            "weeks": int(r["weeks_present"]),
            "change_pct": float(r["change_pct"]),
            "trend": r["trend"],
        }
        for r in rolling
    ]
    venues = sorted(
        (r for r in current_rows(conn, VENUE_WEEKLY.name, key) if r["tier"] == "T1"),
        key=lambda r: int(r["venue_rank"]),
    )[:5]
    top_venues = [
        {
            "rank": int(r["venue_rank"]),
            "mpid": r["mpid"],
            "venue": r["venue_name"],
            "market_share_pct": round(float(r["market_share_pct"]), 2),
            "shares": int(r["total_shares"]),
        }
        for r in venues
    ]
    return symbols, top_venues


def _count(page: Any, size: int = 1000) -> Counter[str]:
    """Statuses counted over every page of a ``list_*(limit=, offset=)`` method."""
    counts: Counter[str] = Counter()
    offset = 0
    while True:
        batch = page(limit=size, offset=offset)
        counts.update(item.status.value for item in batch)
        if len(batch) < size:
            return counts
        offset += size


def build_report(
    conn: SpineConnection,
    runtime: Runtime,
    outcomes: Sequence[WeekOutcome],
    releases: Sequence[Mapping[str, Any]],
    source: str,
    *,
    since: dt.datetime,
    stopped: WeekOutcome | None = None,
) -> DemoReport:
    """Read the database into a :class:`DemoReport`: the ledger's executions created
    ``since`` (this invocation) and the runs of ``outcomes``."""
    weeks = _week_rows(conn)
    published = [w.week for w in weeks if w.stage == "published"]
    anomalies = list_anomalies(conn, domain=DOMAIN, include_resolved=True, limit=None)
    top_symbols, top_venues = _top(conn, published[-1] if published else None)
    ledger = runtime.dispatcher.ledger
    executions = _count(functools.partial(ledger.list_executions, since=since))
    runs = Counter(runtime.runner.store.get_run(o.run_id).status.value for o in outcomes)
    return DemoReport(
        source=source,
        backend=conn.dialect.name,
        releases=[dict(r) for r in releases],
        outcomes=list(outcomes),
        weeks=weeks,
        rejects_by_reason=_rejects(conn),
        quality=_quality(conn),
        anomalies_open=[
            {
                "id": a.id,
                "severity": a.severity.value.lower(),
                "week": (a.partition_key or {}).get("week_ending"),
                "message": a.message,
            }
            for a in anomalies
            if a.resolved_at is None
        ],
        anomalies_resolved=sum(a.resolved_at is not None for a in anomalies),
        restatements=_restatements(conn, published),
        top_symbols=top_symbols,
        top_venues=top_venues,
        ledger={"executions": dict(sorted(executions.items())), "runs": dict(sorted(runs.items()))},
        stopped=None if stopped is None else _stopped(stopped),
    )


def _stopped(outcome: WeekOutcome) -> dict[str, Any]:
    step = next((s for s, status in outcome.steps.items() if status == "failed"), None)
    return {
        "week": outcome.week,
        "run_id": outcome.run_id,
        "step": step,
        "error": outcome.error,
        "resume": f"spine runs resume {outcome.run_id}",
    }
