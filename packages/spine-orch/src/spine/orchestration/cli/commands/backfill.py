"""``spine backfill plan|preview|run|status``: fill the gaps of a source, partition by partition.

A plan is a persisted list of partitions (spine-ops :class:`~spine.ops.BackfillPlan`): over a
range of weeks (``--weeks START:END``), a list (``--partitions a,b,c``), or the expected
partitions that have no watermark yet (``--gaps-of a,b,c``). ``run`` executes the plan's
remaining partitions through a workflow file, one run per partition with the partition in
the param named by ``--key``; every partition is marked done or failed as it finishes, so an
interrupted ``run`` continues where it stopped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from spine.ops import (
    BackfillPlan,
    BackfillPreview,
    BackfillStatus,
    DBWatermarkStore,
    gap_keys,
    known_domains,
    preview_backfill,
    week_range_keys,
)
from spine.orchestration.cli._errors import EXIT_FAILED, fail
from spine.orchestration.cli._output import (
    console,
    emit,
    print_json,
    progress_bar,
    styled,
)
from spine.orchestration.cli._params import parse_assignments
from spine.orchestration.cli._runtime import Operations, open_runtime
from spine.orchestration.cli._state import get_state
from spine.orchestration.cli._workflows import import_operation_modules, load_workflow_file
from spine.orchestration.cli.commands.run import ImportOption, ParamOption
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.types import RunStatus

__all__ = ["app"]

app = typer.Typer(
    name="backfill", help="Plan, preview, run and follow backfills.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]
DomainArg = Annotated[str, typer.Option("--domain", "-d", help="Domain of the data.")]
SourceArg = Annotated[str, typer.Option("--source", "-s", help="Source within the domain.")]
WeeksOption = Annotated[
    str | None,
    typer.Option("--weeks", help="Every Friday in START:END (ISO dates, inclusive)."),
]
PartitionsOption = Annotated[
    str | None, typer.Option("--partitions", help="Comma-separated partition keys.")
]
GapsOption = Annotated[
    str | None,
    typer.Option(
        "--gaps-of",
        help="Comma-separated expected partitions; plan those with no watermark yet.",
    ),
]
WorkflowOption = Annotated[
    Path | None, typer.Option("--workflow", "-w", help="Workflow file each partition runs.")
]
KeyOption = Annotated[
    str, typer.Option("--key", "-k", help="Param that receives the partition key.")
]


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _make(
    conn: Any,
    domain: str,
    source: str,
    weeks: str | None,
    partitions: str | None,
    gaps_of: str | None,
    reason: str | None,
    metadata: dict[str, Any],
    dry_run: bool,
) -> BackfillPlan | BackfillPreview | None:
    chosen = [x for x in (weeks, partitions, gaps_of) if x]
    if len(chosen) != 1:
        fail(
            "say which partitions to plan: exactly one of --weeks, --partitions, --gaps-of",
            hint="e.g. --weeks 2025-10-03:2025-12-26",
        )
    if weeks:
        start, sep, end = weeks.partition(":")
        if not sep or not start or not end:
            fail(f"--weeks {weeks!r} is not START:END", hint="e.g. --weeks 2025-10-03:2025-12-26")
        keys = week_range_keys(start, end)
        reason = reason or f"weeks {keys[0]}..{keys[-1]}"
    elif partitions:
        keys = _split(partitions)
    else:
        keys = gap_keys(DBWatermarkStore(conn), domain, source, _split(gaps_of or ""))
        reason = reason or f"{len(keys)} watermark gap(s)"
        if not keys and not dry_run:
            return None
    if dry_run:
        return preview_backfill(domain, source, keys, reason, metadata=metadata)
    return BackfillPlan.create(conn, domain, source, keys, reason, metadata=metadata)


def _plan_row(plan: BackfillPlan) -> dict[str, Any]:
    progress = plan.progress()
    return {
        "plan_id": plan.plan_id,
        "domain": plan.domain,
        "source": plan.source,
        "status": plan.status.value.lower(),
        "partitions": progress.total,
        "done": progress.done,
        "failed": progress.failed,
        "pending": progress.pending,
        "percent": progress.percent,
        "reason": plan.reason,
        "created_at": plan.created_at,
        "metadata": plan.metadata,
    }


@app.command()
def preview(
    ctx: typer.Context,
    domain: DomainArg,
    source: SourceArg,
    weeks: WeeksOption = None,
    partitions: PartitionsOption = None,
    gaps_of: GapsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show exactly which partitions a plan would run (writes nothing)."""
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        result = _make(conn, domain, source, weeks, partitions, gaps_of, None, {}, True)
    keys = list(result.partition_keys) if isinstance(result, BackfillPreview) else []
    if as_json:
        print_json({"domain": domain, "source": source, "partitions": keys})
        return
    console.print(f"{len(keys)} partition(s) would run for {domain}/{source}:")
    for key in keys:
        console.print(f"  {key}")


@app.command()
def plan(
    ctx: typer.Context,
    domain: DomainArg,
    source: SourceArg,
    weeks: WeeksOption = None,
    partitions: PartitionsOption = None,
    gaps_of: GapsOption = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept with it).")] = None,
    workflow: WorkflowOption = None,
    key: KeyOption = "partition",
    as_json: JsonOption = False,
) -> None:
    """Create a backfill plan (PLANNED); `spine backfill run PLAN_ID` executes it."""
    state = get_state(ctx)
    metadata: dict[str, Any] = {"key": key}
    if workflow is not None:
        metadata["workflow"] = str(workflow)
    with state.guard():
        if workflow is not None:
            load_workflow_file(workflow)  # reject a bad file before writing the plan
        with state.connect() as conn:
            made = _make(conn, domain, source, weeks, partitions, gaps_of, reason, metadata, False)
            row = _plan_row(made) if isinstance(made, BackfillPlan) else None
    if row is None:
        if as_json:
            print_json(None)
        else:
            console.print("nothing to plan: every expected partition has a watermark")
        return
    if as_json:
        print_json(row)
        return
    console.print(
        f"planned {row['plan_id']}: {row['partitions']} partition(s) of {domain}/{source}"
    )


@app.command()
def run(
    ctx: typer.Context,
    plan_id: Annotated[str, typer.Argument(help="The plan's id.")],
    workflow: WorkflowOption = None,
    key: Annotated[
        str | None, typer.Option("--key", "-k", help="Param that receives the partition key.")
    ] = None,
    param: ParamOption = None,
    imports: ImportOption = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run a FAILED plan's failed partitions again.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Run a plan's remaining partitions through a workflow; exit 1 if any fails."""
    state = get_state(ctx)
    with state.guard():
        params = parse_assignments(param, option="--param")
        import_operation_modules(imports)
        with state.connect() as conn:
            backfill = BackfillPlan.load(conn, plan_id)
            file = workflow or (
                Path(backfill.metadata["workflow"]) if backfill.metadata.get("workflow") else None
            )
            if file is None:
                fail(
                    f"plan {plan_id} names no workflow",
                    hint="pass --workflow FILE (or give it when planning)",
                )
            wf = load_workflow_file(file)
            param_name = key or str(backfill.metadata.get("key") or "partition")
            if retry_failed and backfill.status is BackfillStatus.FAILED:
                backfill.retry_failed()
            if backfill.status is BackfillStatus.PLANNED:
                backfill.start()
            backfill = backfill.refresh()
            if backfill.status is not BackfillStatus.RUNNING:
                fail(
                    f"plan {plan_id} is {backfill.status.value.lower()}",
                    hint="only a planned or running plan runs (--retry-failed for a failed one)",
                )
            with open_runtime(Operations(state.database.url), conn) as rt:
                results = _run_partitions(backfill, wf, param_name, params, rt.runner)
            row = _plan_row(backfill.refresh())
    if as_json:
        print_json({**row, "runs": results})
    else:
        emit(results, ["partition", "status", "run_id", "error"], as_json=False, title=plan_id)
        console.print(
            f"plan {styled(row['status'])}: {row['done']} done, {row['failed']} failed, "
            f"{row['pending']} pending"
        )
    if row["failed"]:
        raise typer.Exit(EXIT_FAILED)


def _run_partitions(
    backfill: BackfillPlan,
    workflow: Any,
    param_name: str,
    params: dict[str, Any],
    runner: TrackedWorkflowRunner,
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    remaining = backfill.remaining_keys()
    with progress_bar() as progress:
        task = progress.add_task("backfill", total=len(remaining))
        for partition in remaining:
            progress.update(task, description=f"partition {partition}")
            result = runner.execute(
                workflow, {**params, param_name: partition}, partition={param_name: partition}
            )
            if result.status is RunStatus.COMPLETED:
                backfill.mark_partition_done(partition)
            else:
                backfill.mark_partition_failed(partition, result.error or result.status.value)
            results.append(
                {
                    "partition": partition,
                    "status": result.status.value,
                    "run_id": result.run_id,
                    "error": result.error,
                }
            )
            progress.advance(task)
    return results


@app.command()
def status(
    ctx: typer.Context,
    plan_id: Annotated[str | None, typer.Argument(help="One plan (default: list plans).")] = None,
    domain: Annotated[str | None, typer.Option("--domain", "-d", help="Only this domain.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List backfill plans with their progress, or one plan's partitions."""
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        if plan_id is not None:
            backfill = BackfillPlan.load(conn, plan_id)
            row = _plan_row(backfill)
            failed = backfill.failed_partitions()
            remaining = set(backfill.remaining_keys())
            parts = [
                {
                    "partition": k,
                    "status": "failed"
                    if k in failed
                    else ("pending" if k in remaining else "done"),
                    "error": failed.get(k),
                }
                for k in backfill.partition_keys()
            ]
        else:
            domains = [domain] if domain else known_domains(conn)
            rows = [_plan_row(p) for d in domains for p in BackfillPlan.list_plans(conn, d)]
    if plan_id is not None:
        if as_json:
            print_json({**row, "partition_status": parts})
            return
        console.print(
            f"plan {plan_id} ({row['domain']}/{row['source']}): {styled(row['status'])}, "
            f"{row['percent']:.0f}% settled"
        )
        emit(parts, ["partition", "status", "error"], as_json=False)
        return
    emit(
        rows,
        ["plan_id", "domain", "source", "status", "partitions", "done", "failed", "pending"],
        as_json=as_json,
        title="backfill plans",
        empty="no backfill plans",
    )
