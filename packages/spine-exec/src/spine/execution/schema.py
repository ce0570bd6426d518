"""The tables spine-exec owns, declared once for every backend, and their migrations.

This is spine-exec's :class:`~spine.db.schema.SchemaComponent` (``SCHEMA``, component
``spine-exec``), published through the ``spine.schema`` entry point of the distribution, so
:func:`spine.db.schema.install_schema` creates these tables wherever spine-exec is installed.
The SQL stores that use them sit beside it (``_sql_ledger.py``, ``_sql_dlq.py``,
``_sql_locks.py``, ``_sql_limits.py``); the columns are documented in ``docs/core-schema.md``.

Conventions: ``ID`` columns hold ULIDs; ``TS`` columns hold timezone-aware UTC; ``*_json``
columns hold canonical JSON text; statuses and event types are the lower-case values of
spine-types' enums. ``core_executions.idempotency_slot`` is ``"<attempt>:<key>"`` (``NULL``
without a key): one unique column, so "one execution per key and attempt" holds on every
backend (a composite unique key with a ``NULL`` part is not unique on Oracle).

Example:
    >>> from spine.execution.schema import SCHEMA
    >>> SCHEMA.name, [t.name for t in SCHEMA.tables][:2]
    ('spine-exec', ['core_executions', 'core_execution_events'])
"""

from __future__ import annotations

from spine.db.schema import (
    FLOAT,
    ID,
    INT,
    JSON,
    STR,
    TEXT,
    TS,
    Column,
    ColumnType,
    DefaultValue,
    Index,
    SchemaComponent,
    Table,
)

__all__ = [
    "CORE_CIRCUIT_BREAKERS",
    "CORE_CONCURRENCY_LOCKS",
    "CORE_DEAD_LETTERS",
    "CORE_EXECUTIONS",
    "CORE_EXECUTION_EVENTS",
    "CORE_RATE_LIMITS",
    "SCHEMA",
    "TABLES",
]


def _c(name: str, ctype: ColumnType, null: bool = False, default: DefaultValue = None) -> Column:
    return Column(name, ctype, nullable=null, default=default)


CORE_EXECUTIONS = Table(
    "core_executions",
    columns=(
        _c("id", ID),
        _c("workflow", STR(200)),
        _c("params_json", JSON, True),
        _c("status", STR(20)),
        _c("lane", STR(100), default="default"),
        _c("trigger_source", STR(50), True),
        _c("parent_execution_id", ID, True),
        _c("batch_id", ID, True),
        _c("idempotency_key", STR(255), True),
        _c("idempotency_slot", STR(270), True),
        _c("attempt", INT, default=1),
        _c("retry_of", ID, True),
        _c("retry_count", INT, default=0),
        _c("created_at", TS),
        _c("started_at", TS, True),
        _c("completed_at", TS, True),
        _c("updated_at", TS, True),
        _c("result_json", JSON, True),
        _c("error", TEXT, True),
        _c("error_type", STR(200), True),
        _c("metadata_json", JSON, True),
    ),
    primary_key=("id",),
    indexes=(
        Index("ix_exec_idempotency", ("idempotency_key",)),
        Index("ux_exec_idempotency_slot", ("idempotency_slot",), unique=True),
        Index("ix_exec_status_created", ("status", "created_at")),
        Index("ix_exec_workflow_created", ("workflow", "created_at")),
        Index("ix_exec_parent", ("parent_execution_id",)),
        Index("ix_exec_created", ("created_at",)),
    ),
    description="The execution ledger: one row per execution (ExecutionLedger).",
)

CORE_EXECUTION_EVENTS = Table(
    "core_execution_events",
    columns=(
        _c("id", ID),
        _c("execution_id", ID),
        _c("event_type", STR(50)),
        _c("occurred_at", TS),
        _c("payload_json", JSON, True),
    ),
    primary_key=("id",),
    indexes=(Index("ix_exec_events_exec", ("execution_id", "occurred_at")),),
    description="Append-only event log of each execution.",
)

CORE_DEAD_LETTERS = Table(
    "core_dead_letters",
    columns=(
        _c("id", ID),
        _c("execution_id", ID, True),
        _c("workflow", STR(200)),
        _c("params_json", JSON, True),
        _c("error", TEXT),
        _c("error_type", STR(200), True),
        _c("retry_count", INT, default=0),
        _c("max_retries", INT, default=0),
        _c("created_at", TS),
        _c("last_retry_at", TS, True),
        _c("resolved_at", TS, True),
        _c("resolved_by", STR(255), True),
        _c("metadata_json", JSON, True),
    ),
    primary_key=("id",),
    indexes=(
        Index("ix_dead_letters_workflow", ("workflow", "resolved_at")),
        Index("ix_dead_letters_created", ("created_at",)),
        Index("ix_dead_letters_execution", ("execution_id",)),
    ),
    description="Executions that failed for good, kept for inspection and replay (DLQManager).",
)

CORE_CONCURRENCY_LOCKS = Table(
    "core_concurrency_locks",
    columns=(
        _c("lock_key", STR(255)),
        _c("owner", STR(255)),
        _c("execution_id", ID, True),
        _c("acquired_at", TS),
        _c("expires_at", TS),
        _c("depth", INT, default=1),
    ),
    primary_key=("lock_key",),
    indexes=(Index("ix_conc_locks_expires", ("expires_at",)),),
    description="Expiring, re-entrant concurrency locks (ConcurrencyGuard).",
)

CORE_CIRCUIT_BREAKERS = Table(
    "core_circuit_breakers",
    columns=(
        _c("breaker_name", STR(255)),
        _c("state", STR(20)),
        _c("failure_count", INT, default=0),
        _c("success_count", INT, default=0),
        _c("probe_count", INT, default=0),
        _c("opened_at", FLOAT, True),
        _c("half_open_at", FLOAT, True),
        _c("updated_at", TS),
    ),
    primary_key=("breaker_name",),
    description="Circuit breaker state shared by every worker (SqlBreakerStore).",
)

CORE_RATE_LIMITS = Table(
    "core_rate_limits",
    columns=(
        _c("limit_key", STR(255)),
        _c("tokens", FLOAT),
        _c("refilled_at", FLOAT),
        _c("updated_at", TS),
    ),
    primary_key=("limit_key",),
    description="Token buckets of the global rate limiter shared by every worker.",
)

TABLES: tuple[Table, ...] = (
    CORE_EXECUTIONS,
    CORE_EXECUTION_EVENTS,
    CORE_DEAD_LETTERS,
    CORE_CONCURRENCY_LOCKS,
    CORE_CIRCUIT_BREAKERS,
    CORE_RATE_LIMITS,
)
"""Every table of component ``spine-exec``, in creation order."""

SCHEMA = SchemaComponent(
    "spine-exec",
    tables=TABLES,
    description="execution ledger, events, dead letters, locks, shared breakers and limits",
)
"""spine-exec's schema component (entry point ``spine.schema``: ``spine-exec``)."""
