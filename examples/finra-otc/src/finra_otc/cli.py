"""``spine demo``: the command group this package adds to ``spine`` (entry point ``spine.cli``).

``spine demo`` runs the weekly FINRA OTC pipeline on the database of ``spine --db`` (default
``sqlite:///spine.db`` in the current directory): over a synthetic sample of twelve weeks,
a larger one (``--scale ROWS_PER_WEEK``), or real FINRA files (``--input DIR``). It shows
progress while it runs, then a summary. Every week is a tracked run in the database's run
store, every step an execution in its ledger, run by ``--workers N`` in-process workers.
``--fail-at STEP[:WEEK]`` makes a step fail: the demo stops there and names the run that
``spine runs resume RUN_ID`` finishes. ``spine demo generate DIR`` writes the sample files.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from finra_otc.demo import DemoListener, DemoSettings, run_demo
from finra_otc.pipeline import STEPS
from finra_otc.report import DemoReport
from finra_otc.runtime import FailAt
from finra_otc.sample import SampleSource
from spine.db import create_connection, mask_url
from spine.orchestration.cli import (
    EXIT_FAILED,
    EXIT_USAGE,
    current_database,
    is_debug,
    print_json,
    progress_bar,
    styled,
)

__all__ = ["app"]

app = typer.Typer(
    name="demo",
    help="The main job: FINRA's weekly OTC transparency files through the whole pipeline.",
    invoke_without_command=True,
    no_args_is_help=False,
)

out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)

_MARKS = {
    "completed": "[green]✔[/green]",
    "skipped": "[dim]·[/dim]",
    "failed": "[red]✘[/red]",
    "cancelled": "[magenta]✘[/magenta]",
}


def _fail(message: str, hint: str, code: int = EXIT_USAGE) -> NoReturn:
    print(f"error: {message} (hint: {hint})", file=sys.stderr)
    raise typer.Exit(code)


@app.callback()
def demo(
    ctx: typer.Context,
    input_dir: Annotated[
        Path | None,
        typer.Option("--input", help="Run over real FINRA weekly files in this directory."),
    ] = None,
    scale: Annotated[
        int | None,
        typer.Option("--scale", min=100, help="Synthetic sample with about this many rows a week."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic sample.")] = 7,
    weeks: Annotated[int, typer.Option(min=6, max=104, help="Weeks of the synthetic sample.")] = 12,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="In-process workers; above 1 the steps go through the work queue to that many "
            "worker loops.",
        ),
    ] = 1,
    fail_at: Annotated[
        str | None,
        typer.Option(
            "--fail-at",
            metavar="STEP[:WEEK]",
            help="Make STEP fail (in WEEK, else the first week that runs it); the demo stops "
            "and `spine runs resume RUN_ID` finishes the week.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run the weekly pipeline end to end and print what it did."""
    if ctx.invoked_subcommand is not None:
        return
    if input_dir is not None and not input_dir.is_dir():
        _fail(f"--input {str(input_dir)!r} is not a directory", "point it at FINRA weekly files")
    if input_dir is not None and scale is not None:
        _fail("--input and --scale exclude each other", "the sample is synthetic; --input is real")
    failure = None
    if fail_at is not None:
        try:
            failure = FailAt.parse(fail_at)
        except Exception as exc:
            _fail(getattr(exc, "message", str(exc)), "e.g. --fail-at normalize:2025-10-17")
    try:
        target = current_database(ctx)
    except Exception as exc:
        _fail(f"settings: {getattr(exc, 'message', exc)}", "check SPINE_* settings and --profile")
    settings = DemoSettings(
        input_dir=input_dir.resolve() if input_dir is not None else None,
        scale=scale,
        seed=seed,
        weeks=weeks,
        workers=workers,
        fail_at=failure,
    )
    started = time.perf_counter()
    try:
        conn, _info = create_connection(target.url)
    except Exception as exc:
        _fail(f"cannot reach the database: {exc}", "check --db / SPINE_DATABASE_URL")
    stores_conn = None
    try:
        stores_conn, _info = create_connection(target.url)
        if not as_json:
            out.print(f"spine demo: weekly FINRA OTC pipeline on {mask_url(target.url)}")
        report = _run_with_progress(conn, stores_conn, target.url, settings, quiet=as_json)
    except Exception as exc:
        if is_debug(ctx):
            raise
        message = getattr(exc, "message", None) or str(exc)
        _fail(f"{type(exc).__name__}: {message}", "run `spine --debug demo` for details", 1)
    finally:
        if stores_conn is not None:
            stores_conn.close()
        conn.close()
    elapsed = time.perf_counter() - started
    if as_json:
        data = report.to_dict()
        data["elapsed_s"] = round(elapsed, 3)
        print_json(data)
    else:
        print_report(report, elapsed)
    if any(o.status == "failed" for o in report.outcomes):
        raise typer.Exit(EXIT_FAILED)


def _run_with_progress(
    conn: Any, stores_conn: Any, url: str, settings: DemoSettings, *, quiet: bool
) -> DemoReport:
    with progress_bar(quiet=quiet) as progress:
        task = progress.add_task("planning", total=None)

        def release(number: int, description: str) -> None:
            if not quiet:
                out.print(f"\n[bold]release {number}[/bold]: {description}")

        def planned(number: int, weeks: list[str], plan_id: str | None) -> None:
            if not quiet:
                if weeks:
                    out.print(f"  backfill plan {plan_id}: {len(weeks)} week(s) to run")
                    out.print(f"  [dim]{'week':<10}  steps   ({', '.join(STEPS)})[/dim]")
                else:
                    out.print("  nothing to run: every week is published and its files unchanged")
            progress.update(task, total=len(weeks) * len(STEPS), completed=0)

        def step(week: str, name: str, status: str, output: Any, error: str | None) -> None:
            progress.update(task, description=f"{week} {name}")
            progress.advance(task)

        def week_done(outcome: Any) -> None:
            if quiet:
                return
            marks = "".join(_MARKS.get(outcome.steps.get(s, ""), " ") for s in STEPS)
            out.print(f"  {outcome.week}  {marks}  {styled(outcome.status)}")
            if outcome.status in ("blocked", "failed") and outcome.error:
                out.print(f"    [dim]{outcome.error.split(' failed: ', 1)[-1]}[/dim]")

        return run_demo(
            conn,
            settings,
            DemoListener(release=release, planned=planned, step=step, week_done=week_done),
            stores_conn=stores_conn,
            connect=lambda: create_connection(url)[0],
        )


def _table(title: str, columns: list[str]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for col in columns:
        table.add_column(col)
    return table


def print_report(report: DemoReport, elapsed: float) -> None:
    """The summary, as rich tables."""
    ran = [o for o in report.outcomes if o.status != "unchanged"]
    out.print()
    if report.stopped is not None:
        s = report.stopped
        out.print(
            f"[red]stopped[/red]: week {s['week']} failed at step {s['step']} "
            f"(run {s['run_id']}); the finished steps are checkpointed"
        )
        out.print(f"  finish it: [bold]{s['resume']}[/bold]; then `spine demo` carries on")
    elif report.changed_nothing:
        out.print(
            f"[bold]nothing changed[/bold]: {len(report.published_weeks)} week(s) published, "
            "their files unchanged; no step had work to do"
        )
    else:
        counts: dict[str, int] = {}
        for o in ran:
            counts[o.status] = counts.get(o.status, 0) + 1
        out.print("this run: " + ", ".join(f"{n} {styled(s)}" for s, n in sorted(counts.items())))

    weeks = _table(
        "rows per stage and week",
        ["week", "stage", "lines", "new raw", "valid", "rejected", "symbols", "venues", "warnings"],
    )
    for w in report.weeks:
        weeks.add_row(
            w.week,
            styled(w.stage),
            f"{w.lines or 0:,}",
            f"{w.new_rows or 0:,}",
            f"{w.rows or 0:,}",
            f"{w.rejected:,}",
            f"{w.symbols or 0:,}",
            f"{w.venues or 0:,}",
            ", ".join(w.warnings),
        )
    out.print(weeks)

    rejects = _table("rejects by reason (current versions)", ["reason", "rows"])
    for reason, n in report.rejects_by_reason.items():
        rejects.add_row(reason, f"{n:,}")
    out.print(rejects)

    quality = _table("quality checks (every run)", ["check", "pass", "warn", "fail"])
    for q in report.quality:
        quality.add_row(q["check"], str(q["pass"]), styled(q["warn"]) if q["warn"] else "0",
                        f"[red]{q['fail']}[/red]" if q["fail"] else "0")  # fmt: skip
    out.print(quality)

    anomalies = _table(
        f"open anomalies ({report.anomalies_resolved} resolved)", ["severity", "week", "message"]
    )
    for a in report.anomalies_open:
        anomalies.add_row(styled(a["severity"]), str(a["week"]), a["message"])
    out.print(anomalies)

    for r in report.restatements:
        out.print(
            f"[bold]restated {r.week}[/bold]: version {r.versions} since {r.restated_at[:19]}; "
            f"total shares {r.shares_before:,} -> {r.shares_after:,} "
            f"({len(r.changed)} symbol(s) changed); as of just before: "
            f"{r.shares_as_of_before:,} (what was known then)"
        )
        for c in r.changed[:6]:
            out.print(f"    {c['tier']} {c['symbol']}: {c['before']:,} -> {c['after']:,}")

    if report.top_symbols:
        week = report.published_weeks[-1]
        top = _table(
            f"top symbols, 6 weeks to {week}",
            ["symbol", "tier", "avg shares/week", "change", "trend"],
        )
        for s in report.top_symbols:
            top.add_row(s["symbol"], s["tier"], f"{s['avg_shares_6w']:,}",
                        f"{s['change_pct']:+.1f}%", styled(s["trend"]))  # fmt: skip
        out.print(top)
    if report.top_venues:
        venues = _table(
            f"NMS Tier 1 venues, {report.published_weeks[-1]}", ["rank", "venue", "share", "shares"]
        )
        for v in report.top_venues:
            venues.add_row(str(v["rank"]), v["venue"], f"{v['market_share_pct']:.2f}%",
                           f"{v['shares']:,}")  # fmt: skip
        out.print(venues)

    executions = ", ".join(f"{n} {s}" for s, n in report.ledger.get("executions", {}).items())
    runs = ", ".join(f"{n} {s}" for s, n in report.ledger.get("runs", {}).items())
    out.print(
        f"ledger (this run): executions {executions or 'none'}; workflow runs {runs or 'none'}"
    )
    out.print(f"done in {elapsed:.1f} s on {report.backend}")


@app.command()
def generate(
    directory: Annotated[Path, typer.Argument(help="Where to write the weekly files.")],
    scale: Annotated[
        int | None, typer.Option("--scale", min=100, help="About this many rows a week.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed.")] = 7,
    weeks: Annotated[int, typer.Option(min=6, max=104, help="Weeks.")] = 12,
    release: Annotated[
        int | None, typer.Option(help="Only this release (1: first publication, 2: fixes).")
    ] = None,
) -> None:
    """Write the synthetic FINRA weekly files (as of the last release) into DIRECTORY."""
    sample = SampleSource(weeks=weeks, seed=seed, rows_per_week=scale)
    if release is None:
        written = sample.write_all(directory)
    else:
        if release not in (1, 2):
            _fail(f"--release {release}: the sample has releases 1 and 2", "use 1 or 2")
        written = sample.write_release(release, directory)
    total = sum(p.stat().st_size for p in written)
    out.print(f"wrote {len(written)} file(s), {total:,} bytes, to {directory}")
