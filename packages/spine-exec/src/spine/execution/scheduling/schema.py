"""The tables of spine-exec's scheduler, declared once for every backend.

This is the :class:`~spine.db.schema.SchemaComponent` ``spine-exec.scheduling`` (``SCHEMA``),
published through the ``spine.schema`` entry point of spine-exec, so
:func:`spine.db.schema.install_schema` creates these tables wherever spine-exec is installed
(:class:`~spine.execution.scheduling.SqlScheduleStore` also installs them on first use).

==========================  ===================================================================
table                       rows
==========================  ===================================================================
``core_schedules``          one per schedule: its definition (JSON), whether it is enabled,
                            ``settled_until`` (fires at or before it are settled), revision
``core_schedule_fires``     one per **(schedule, fire instant)**: the tick claim that makes a
                            fire exactly-once across scheduler processes (``claimed``), then
                            its outcome (``submitted`` / ``skipped`` / ``failed``) with the
                            execution id - the fire history
``core_scheduler_leases``   the leader lease of the database scheduler (holder, lease end)
``core_expected_arrivals``  sources expected by a recurring deadline (expected arrivals)
``core_arrivals``           one per (expectation, deadline): ``arrived`` or ``missed`` (with the
                            anomaly recorded in ``core_anomalies``)
==========================  ===================================================================

Stored statuses are lower-case; timestamps are UTC; no column name is a reserved word on any
supported backend.

Example:
    >>> from spine.execution.scheduling.schema import SCHEMA
    >>> SCHEMA.name, [t.name for t in SCHEMA.tables][:2]
    ('spine-exec.scheduling', ['core_schedules', 'core_schedule_fires'])
"""

from __future__ import annotations

from spine.db.dialects import Dialect
from spine.db.schema import (
    BOOL,
    ID,
    INT,
    JSON,
    STR,
    TEXT,
    TS,
    Column,
    Index,
    SchemaComponent,
    Table,
)

__all__ = [
    "ARRIVAL_RECORD_COLUMNS",
    "CORE_ARRIVALS",
    "CORE_EXPECTED_ARRIVALS",
    "CORE_SCHEDULER_LEASES",
    "CORE_SCHEDULES",
    "CORE_SCHEDULE_FIRES",
    "FIRE_COLUMNS",
    "SCHEMA",
    "arrival_records_sql",
    "fire_history_sql",
    "insert_if_absent_sql",
    "rendered_sql",
]

_NAME = STR(200)


CORE_SCHEDULES = Table(
    "core_schedules",
    columns=(
        Column("schedule_name", _NAME),
        Column("target", STR(200)),
        Column("trigger_text", STR(200)),
        Column("timezone", STR(64)),
        Column("enabled", BOOL),
        Column("definition_json", JSON),
        Column("settled_until", TS),
        Column("revision", INT),
        Column("created_at", TS),
        Column("updated_at", TS),
    ),
    primary_key=("schedule_name",),
    description="Schedules (ScheduleStore): definition, enabled, fires settled up to.",
)

CORE_SCHEDULE_FIRES = Table(
    "core_schedule_fires",
    columns=(
        Column("schedule_name", _NAME),
        Column("scheduled_for", TS),
        Column("status", STR(20)),
        Column("claimed_by", STR(200), True),
        Column("lease_until", TS, True),
        Column("recorded_at", TS, True),
        Column("execution_id", ID, True),
        Column("params_json", JSON, True),
        Column("missed", INT),
        Column("first_missed", TS, True),
        Column("reason", TEXT, True),
        Column("error_type", STR(200), True),
    ),
    primary_key=("schedule_name", "scheduled_for"),
    indexes=(Index("ix_schedule_fires_status", ("status", "lease_until")),),
    description="Tick claims and fire history: claimed / submitted / skipped / failed.",
)

CORE_SCHEDULER_LEASES = Table(
    "core_scheduler_leases",
    columns=(
        Column("lease_name", _NAME),
        Column("holder", STR(200)),
        Column("lease_until", TS),
        Column("acquired_at", TS),
        Column("renewed_at", TS),
    ),
    primary_key=("lease_name",),
    description="Leader leases of database schedulers (one leader ticks, others stand by).",
)

CORE_EXPECTED_ARRIVALS = Table(
    "core_expected_arrivals",
    columns=(
        Column("arrival_name", _NAME),
        Column("domain", STR(100)),
        Column("source", STR(200)),
        Column("enabled", BOOL),
        Column("definition_json", JSON),
        Column("checked_until", TS),
        Column("created_at", TS),
        Column("updated_at", TS),
    ),
    primary_key=("arrival_name",),
    description="Sources expected by a recurring deadline (expected arrivals).",
)

CORE_ARRIVALS = Table(
    "core_arrivals",
    columns=(
        Column("arrival_name", _NAME),
        Column("deadline", TS),
        Column("status", STR(20)),
        Column("arrived_at", TS, True),
        Column("recorded_at", TS),
        Column("anomaly_id", ID, True),
        Column("details_json", JSON, True),
    ),
    primary_key=("arrival_name", "deadline"),
    description="Arrivals per deadline: arrived / missed / late (anomaly id when missed).",
)

SCHEMA = SchemaComponent(
    "spine-exec.scheduling",
    tables=(
        CORE_SCHEDULES,
        CORE_SCHEDULE_FIRES,
        CORE_SCHEDULER_LEASES,
        CORE_EXPECTED_ARRIVALS,
        CORE_ARRIVALS,
    ),
    description="Scheduler: schedules, tick claims and fire history, leader leases, "
    "expected arrivals.",
)
"""spine-exec's scheduling schema component (entry point ``spine-exec.scheduling``)."""


# -- the statements whose SQL differs per backend (pinned by golden files) ------------------

FIRE_COLUMNS = (
    "schedule_name, scheduled_for, status, claimed_by, recorded_at, execution_id, params_json, "
    "missed, first_missed, reason, error_type"
)
ARRIVAL_RECORD_COLUMNS = (
    "arrival_name, deadline, status, arrived_at, recorded_at, anomaly_id, details_json"
)


def insert_if_absent_sql(dialect: Dialect, table: Table, columns: list[str]) -> str:
    """Insert a row of ``table`` unless its primary key exists (the dialect's conflict-tolerant
    insert; typed parameter markers where the dialect needs them)."""
    types = {c.name: c.type for c in table.columns}
    return dialect.upsert(table.name, columns, list(table.primary_key), [], column_types=types)


def fire_history_sql(dialect: Dialect, limit: int) -> str:
    """The latest settled fires of one schedule (``schedule_name``, excluded status)."""
    ph = dialect.placeholder
    return (
        f"SELECT {FIRE_COLUMNS} FROM {CORE_SCHEDULE_FIRES.name} "  # noqa: S608 - constant identifiers, bound values
        f"WHERE schedule_name = {ph(0)} AND status <> {ph(1)} ORDER BY scheduled_for DESC "
        f"{dialect.limit_offset(limit)}"
    )


def arrival_records_sql(dialect: Dialect, limit: int, *, with_status: bool) -> str:
    """The latest arrival records of one expectation (``arrival_name``[, ``status``])."""
    ph = dialect.placeholder
    sql = f"SELECT {ARRIVAL_RECORD_COLUMNS} FROM {CORE_ARRIVALS.name} WHERE arrival_name = {ph(0)}"  # noqa: S608 - constant identifiers, bound values
    if with_status:
        sql += f" AND status = {ph(1)}"
    return f"{sql} ORDER BY deadline DESC {dialect.limit_offset(limit)}"


def rendered_sql(dialect: Dialect) -> str:
    """The component's DDL and backend-specific statements as ``dialect`` renders them (the
    golden files of the Oracle and Db2 SQL, which cannot run here)."""
    parts = [stmt for table in SCHEMA.tables for stmt in dialect.create_table_statements(table)]
    fire_cols = [c.name for c in CORE_SCHEDULE_FIRES.columns if c.name != "lease_until"]
    parts.append(insert_if_absent_sql(dialect, CORE_SCHEDULE_FIRES, fire_cols))
    parts.append(insert_if_absent_sql(dialect, CORE_ARRIVALS, list(CORE_ARRIVALS.column_names)))
    parts.append(fire_history_sql(dialect, 50))
    parts.append(arrival_records_sql(dialect, 50, with_status=True))
    return ";\n".join(parts) + ";\n"
