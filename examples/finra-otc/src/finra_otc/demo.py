"""``spine demo``: the weekly pipeline over twelve weeks of FINRA files, end to end.

For each **release** of the source (the synthetic sample publishes twice: the weeks as first
published, then a late complete file and corrections; ``--input DIR`` is one release of real
files), the demo:

1. finds the weeks to run: weeks with no watermark yet (**gaps**), and weeks whose files
   changed since they were ingested (**restated** by FINRA); a week stopped by the quality
   gate is not run again until its files change;
2. plans them as a backfill (spine-ops ``BackfillPlan``: persisted, resumable);
3. runs the weekly workflow for each week through the tracked runner, partition
   ``{week_ending, fingerprint of the files}``, marking each week done or failed in the plan.

Each week's run goes through the SQL execution ledger and run store of the same database
(:mod:`finra_otc.runtime`). A week that fails (``fail_at`` injects a failure) stops the demo:
the report names its run, and ``spine runs resume RUN_ID`` finishes it without redoing the
finished steps (the synthetic files stay on disk for it); the next ``spine demo`` carries on
with the remaining weeks.

A second run finds nothing to do and says so. :func:`run_demo` returns a
:class:`~finra_otc.report.DemoReport` built from what the database holds.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finra_otc.pipeline import DOMAIN, SOURCE, OtcPipeline, files_fingerprint
from finra_otc.report import DemoReport, WeekOutcome, build_report
from finra_otc.runtime import FailAt, Runtime, StepListener, build_runtime
from finra_otc.sample import SampleSource
from finra_otc.source import WeeklyFile, discover_files
from spine.db import SpineConnection, install_schema
from spine.ops import BackfillPlan, DBWatermarkStore
from spine.types import RunStatus, WeekEnding, utc_now

__all__ = ["DemoListener", "DemoSettings", "run_demo"]

RELEASES_SOURCE = "sample.releases"
"""Watermark source recording which releases of the synthetic sample were processed."""


@dataclass(frozen=True)
class DemoSettings:
    """What to run.

    Attributes:
        input_dir: Real FINRA weekly files (``None``: the synthetic sample).
        scale: Rows per week of the synthetic sample (``None``: the small sample).
        seed: Seed of the synthetic sample.
        weeks: Weeks of the synthetic sample.
        workers: In-process worker threads running the steps (1: inline).
        fail_at: A step (and week) to fail on purpose, to resume with ``spine runs resume``.
    """

    input_dir: Path | None = None
    scale: int | None = None
    seed: int = 7
    weeks: int = 12
    workers: int = 1
    fail_at: FailAt | None = None


@dataclass
class DemoListener:
    """Progress hooks (all optional)."""

    release: Callable[[int, str], None] | None = None
    planned: Callable[[int, list[str], str | None], None] | None = None
    step: StepListener | None = None
    week_done: Callable[[WeekOutcome], None] | None = None


@dataclass
class _Run:
    listener: DemoListener
    outcomes: list[WeekOutcome] = field(default_factory=list)
    releases: list[dict[str, Any]] = field(default_factory=list)
    steps: dict[str, str] = field(default_factory=dict)
    stopped: WeekOutcome | None = None

    def on_step(
        self, week: str, step: str, status: str, output: Mapping[str, Any], error: str | None
    ) -> None:
        self.steps[step] = status
        if self.listener.step is not None:
            self.listener.step(week, step, status, output, error)


def _outcome(week: str, result: Any, steps: Mapping[str, str]) -> WeekOutcome:
    if result.status is RunStatus.COMPLETED:
        status = "unchanged" if all(s == "skipped" for s in steps.values()) else "published"
    else:
        failed = next((o for o in result.steps.values() if o.failed), None)
        gate = failed is not None and failed.name == "quality_gate"
        status = "blocked" if gate else "failed"
    return WeekOutcome(week, status, dict(steps), result.run_id, result.error)


def _plan_weeks(
    pipeline: OtcPipeline, files: list[WeeklyFile]
) -> tuple[list[str], list[str], list[str]]:
    """``(gaps to run, restated weeks, weeks still blocked)`` for the files present."""
    by_week: dict[WeekEnding, list[WeeklyFile]] = {}
    for f in files:
        by_week.setdefault(f.week, []).append(f)
    store = DBWatermarkStore(pipeline.conn)
    gaps = {g.partition_key for g in store.list_gaps(DOMAIN, SOURCE, [str(w) for w in by_week])}
    to_run, restated, blocked = [], [], []
    for week, week_files in sorted(by_week.items()):
        fp = files_fingerprint(week_files)
        ingested = pipeline.stage_fingerprint(week, "ingested")
        if str(week) in gaps:
            if ingested == fp and pipeline.gate_failed(week, fp):
                blocked.append(str(week))
            else:
                to_run.append(str(week))
        elif ingested != fp:
            restated.append(str(week))
    return to_run, restated, blocked


def _run_release(
    runtime: Runtime, input_dir: Path, number: int, run: _Run, listener: DemoListener
) -> None:
    pipeline = OtcPipeline(runtime.conn, input_dir)
    files = discover_files(input_dir)
    gaps, restated, blocked = _plan_weeks(pipeline, files)
    weeks = sorted(gaps + restated)
    plan_id = None
    if weeks:
        reason = f"release {number}: {len(gaps)} watermark gap(s), {len(restated)} restated"
        if restated:
            plan = BackfillPlan.create(
                pipeline.conn,
                DOMAIN,
                SOURCE,
                weeks,
                reason,
                metadata={"gaps": gaps, "restated": restated},
            )
        else:
            store = DBWatermarkStore(pipeline.conn)
            made = BackfillPlan.from_watermark_gaps(
                pipeline.conn, store, DOMAIN, SOURCE, weeks, reason
            )
            assert made is not None
            plan = made
        plan_id = plan.plan_id
    if listener.planned:
        listener.planned(number, weeks, plan_id)
    run.releases.append(
        {
            "release": number,
            "plan_id": plan_id,
            "gaps": gaps,
            "restated": restated,
            "blocked": blocked,
        }
    )
    if not weeks:
        return
    plan.start()
    fps: dict[str, list[WeeklyFile]] = {}
    for f in files:
        fps.setdefault(str(f.week), []).append(f)
    for week in plan.remaining_keys():
        run.steps = {}
        result = runtime.runner.execute(
            runtime.workflow,
            {"week_ending": week, "input_dir": str(input_dir.resolve())},
            partition={"week_ending": week, "files": files_fingerprint(fps[week])},
        )
        outcome = _outcome(week, result, run.steps)
        if outcome.status in ("published", "unchanged"):
            plan.mark_partition_done(week)
        else:
            plan.mark_partition_failed(week, outcome.error or outcome.status)
        run.outcomes.append(outcome)
        if listener.week_done:
            listener.week_done(outcome)
        if outcome.status == "failed":  # not the gate: stop, so `spine runs resume` finishes it
            run.stopped = outcome
            return


def run_demo(
    conn: SpineConnection,
    settings: DemoSettings,
    listener: DemoListener | None = None,
    *,
    stores_conn: SpineConnection | None = None,
    connect: Callable[[], SpineConnection] | None = None,
) -> DemoReport:
    """Run the demo on ``conn`` (tables created when missing) and report what the database
    holds afterwards.

    Args:
        conn: The database (the pipeline's tables, and spine's).
        settings: What to run.
        listener: Progress hooks.
        stores_conn: A second connection to the same database for the execution ledger and
            the run store (default: ``conn``; see :mod:`finra_otc.runtime`).
        connect: Opens connections to the same database: with ``settings.workers`` > 1 the
            steps then go through the work queue to in-process worker loops.
    """
    listener = listener or DemoListener()
    started = utc_now()
    install_schema(conn)
    run = _Run(listener)
    runtime = build_runtime(
        conn,
        run.on_step,
        stores_conn=stores_conn,
        workers=settings.workers,
        fail_at=settings.fail_at,
        connect=connect,
    )
    files_dir: Path | None = None
    try:
        if settings.input_dir is not None:
            if listener.release:
                listener.release(1, f"files in {settings.input_dir}")
            _run_release(runtime, settings.input_dir, 1, run, listener)
            source_label = f"FINRA files in {settings.input_dir}"
        else:
            files_dir = Path(tempfile.mkdtemp(prefix="spine-demo-"))
            _run_sample(runtime, settings, files_dir, run, listener)
            source_label = (
                f"synthetic FINRA sample: {settings.weeks} weeks, seed {settings.seed}"
                + (f", {settings.scale:,} rows/week" if settings.scale else "")
            )
    finally:
        runtime.close()
        if files_dir is not None and run.stopped is None:
            shutil.rmtree(files_dir, ignore_errors=True)
    return build_report(
        conn, runtime, run.outcomes, run.releases, source_label, since=started, stopped=run.stopped
    )


def _run_sample(
    runtime: Runtime, settings: DemoSettings, workdir: Path, run: _Run, listener: DemoListener
) -> None:
    """Both releases of the synthetic sample, each once (a watermark records them)."""
    sample = SampleSource(weeks=settings.weeks, seed=settings.seed, rows_per_week=settings.scale)
    store = DBWatermarkStore(runtime.conn)
    partition = f"seed={settings.seed},weeks={settings.weeks},scale={settings.scale}"
    seen = store.get(DOMAIN, RELEASES_SOURCE, partition)
    for release in sample.releases:
        sample.write_release(release.number, workdir)
        stamp = release.published_at.isoformat()
        if seen is not None and seen.high_water >= stamp:
            run.releases.append({"release": release.number, "already_processed": True})
            continue
        if listener.release:
            listener.release(release.number, release.description)
        _run_release(runtime, workdir, release.number, run, listener)
        if run.stopped is not None:
            return
        store.advance(DOMAIN, RELEASES_SOURCE, partition, stamp)
    if all(r.get("already_processed") for r in run.releases):
        _run_release(runtime, workdir, len(sample.releases), run, listener)
