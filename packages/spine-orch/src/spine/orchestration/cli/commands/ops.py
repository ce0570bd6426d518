"""Operator views over spine-ops: anomalies, quality, rejects, manifest, watermarks.

``spine anomalies list|resolve``, ``spine quality list``, ``spine rejects summary``,
``spine manifest show``, ``spine watermarks list``. Every listing takes ``--domain`` (all
domains when omitted) and ``--json``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import typer

from spine.db import SpineConnection
from spine.ops import (
    AnomalyRecorder,
    list_anomalies,
    list_manifest,
    list_quality_results,
    list_watermarks,
    reject_tallies,
)
from spine.orchestration.cli._errors import fail
from spine.orchestration.cli._output import console, emit
from spine.orchestration.cli._params import parse_assignments
from spine.orchestration.cli._rows import (
    anomaly_row,
    manifest_row,
    quality_row,
    reject_row,
    watermark_row,
)
from spine.orchestration.cli._state import get_state

__all__ = ["anomalies", "manifest", "quality", "rejects", "watermarks"]

T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]
DomainOption = Annotated[
    str | None, typer.Option("--domain", "-d", help="Only this domain (default: all).")
]
PartitionOption = Annotated[
    list[str] | None,
    typer.Option("--partition", help="Only this partition: KEY=VALUE (repeatable)."),
]
LimitOption = Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many rows.")]


def _partition(items: list[str] | None) -> dict[str, object] | None:
    return parse_assignments(items, option="--partition") or None


def _show(
    ctx: typer.Context,
    partition: list[str] | None,
    fetch: Callable[[SpineConnection, dict[str, object] | None], Sequence[T]],
    to_row: Callable[[T], dict[str, Any]],
    columns: list[str],
    *,
    as_json: bool,
    title: str,
    empty: str,
) -> None:
    """Read records (bad input and an unreachable database as one line) and list them."""
    state = get_state(ctx)
    with state.guard():
        key = _partition(partition)
        with state.connect() as conn:
            found = fetch(conn, key)
    emit([to_row(x) for x in found], columns, as_json=as_json, title=title, empty=empty)


anomalies = typer.Typer(name="anomalies", help="Anomalies: list and resolve.", no_args_is_help=True)


@anomalies.command("list")
def anomalies_list(
    ctx: typer.Context,
    domain: DomainOption = None,
    severity: Annotated[
        str | None, typer.Option("--severity", help="This severity or worse (warn, error...).")
    ] = None,
    include_resolved: Annotated[
        bool, typer.Option("--all", help="Include resolved anomalies.")
    ] = False,
    partition: PartitionOption = None,
    limit: LimitOption = 100,
    as_json: JsonOption = False,
) -> None:
    """Open anomalies, newest first (--all for resolved ones too)."""
    columns = ["id", "domain", "severity", "category", "partition", "message", "created_at"]
    _show(
        ctx,
        partition,
        lambda conn, key: list_anomalies(
            conn,
            domain=domain,
            include_resolved=include_resolved,
            min_severity=severity,
            partition_key=key,
            limit=limit,
        ),
        anomaly_row,
        [*columns, "resolved_at"] if include_resolved else columns,
        as_json=as_json,
        title="anomalies",
        empty="no open anomalies",
    )


@anomalies.command("resolve")
def anomalies_resolve(
    ctx: typer.Context,
    anomaly_id: Annotated[str, typer.Argument(help="The anomaly's id.")],
    note: Annotated[str, typer.Option("--note", "-m", help="Why it is resolved.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Mark an anomaly resolved, with a note."""
    state = get_state(ctx)
    with state.guard(), state.connect() as conn:
        matches = [
            a for a in list_anomalies(conn, include_resolved=True, limit=None) if a.id == anomaly_id
        ]
        if not matches:
            fail(
                f"no anomaly {anomaly_id!r}",
                hint="list them with `spine anomalies list --all`",
            )
        anomaly = matches[0]
        changed = AnomalyRecorder(conn, anomaly.domain).resolve(anomaly_id, note or None)
    if as_json:
        from spine.orchestration.cli._output import print_json

        print_json({"id": anomaly_id, "domain": anomaly.domain, "resolved": changed})
    elif changed:
        console.print(f"resolved anomaly {anomaly_id} ({anomaly.domain})")
    else:
        console.print(f"anomaly {anomaly_id} was already resolved; the first resolution stays")


quality = typer.Typer(name="quality", help="Quality check results.", no_args_is_help=True)


@quality.command("list")
def quality_list(
    ctx: typer.Context,
    domain: DomainOption = None,
    status: Annotated[str | None, typer.Option("--status", help="Only pass, warn or fail.")] = None,
    check: Annotated[str | None, typer.Option("--check", help="Only this check.")] = None,
    partition: PartitionOption = None,
    limit: LimitOption = 100,
    as_json: JsonOption = False,
) -> None:
    """Stored quality results, newest first."""
    _show(
        ctx,
        partition,
        lambda conn, key: list_quality_results(
            conn, domain=domain, status=status, partition_key=key, check_name=check, limit=limit
        ),
        quality_row,
        ["domain", "partition", "check", "status", "message", "created_at"],
        as_json=as_json,
        title="quality results",
        empty="no quality results",
    )


rejects = typer.Typer(name="rejects", help="Rejected rows.", no_args_is_help=True)


@rejects.command("summary")
def rejects_summary(
    ctx: typer.Context,
    domain: DomainOption = None,
    partition: PartitionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rejected rows counted by domain, stage and reason code."""
    _show(
        ctx,
        partition,
        lambda conn, key: reject_tallies(conn, domain=domain, partition_key=key),
        reject_row,
        ["domain", "stage", "reason", "rows", "partitions"],
        as_json=as_json,
        title="rejects",
        empty="no rejects",
    )


manifest = typer.Typer(name="manifest", help="The stage manifest.", no_args_is_help=True)


@manifest.command("show")
def manifest_show(
    ctx: typer.Context,
    domain: DomainOption = None,
    partition: PartitionOption = None,
    limit: LimitOption = 500,
    as_json: JsonOption = False,
) -> None:
    """Stages reached per partition (row counts, when, by which execution)."""
    _show(
        ctx,
        partition,
        lambda conn, key: list_manifest(conn, domain=domain, partition_key=key, limit=limit),
        manifest_row,
        ["domain", "partition", "stage", "rows", "updated_at"],
        as_json=as_json,
        title="manifest",
        empty="the manifest is empty",
    )


watermarks = typer.Typer(name="watermarks", help="High-water marks.", no_args_is_help=True)


@watermarks.command("list")
def watermarks_list(
    ctx: typer.Context,
    domain: DomainOption = None,
    as_json: JsonOption = False,
) -> None:
    """Watermarks: how far each source's partitions have been processed."""
    _show(
        ctx,
        None,
        lambda conn, _key: list_watermarks(conn, domain=domain),
        watermark_row,
        ["domain", "source", "partition", "high_water", "updated_at"],
        as_json=as_json,
        title="watermarks",
        empty="no watermarks",
    )
