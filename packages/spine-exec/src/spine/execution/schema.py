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

from dataclasses import replace
from typing import Any

from spine.db.dialects import DIALECT_NAMES, get_dialect
from spine.db.migrations import Migration
from spine.db.schema import (
    FLOAT,
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
    "CORE_CIRCUIT_BREAKERS",
    "CORE_CONCURRENCY_LOCKS",
    "CORE_DEAD_LETTERS",
    "CORE_EXECUTIONS",
    "CORE_EXECUTION_EVENTS",
    "CORE_RATE_LIMITS",
    "MIGRATIONS",
    "SCHEMA",
    "TABLES",
]


CORE_EXECUTIONS = Table(
    "core_executions",
    columns=(
        Column("id", ID),
        Column("workflow", STR(200)),
        Column("params_json", JSON, True),
        Column("status", STR(20)),
        Column("lane", STR(100), default="default"),
        Column("trigger_source", STR(50), True),
        Column("parent_execution_id", ID, True),
        Column("batch_id", ID, True),
        Column("idempotency_key", STR(255), True),
        Column("idempotency_slot", STR(270), True),
        Column("attempt", INT, default=1),
        Column("retry_of", ID, True),
        Column("retry_count", INT, default=0),
        Column("created_at", TS),
        Column("started_at", TS, True),
        Column("completed_at", TS, True),
        Column("updated_at", TS, True),
        Column("result_json", JSON, True),
        Column("error", TEXT, True),
        Column("error_type", STR(200), True),
        Column("metadata_json", JSON, True),
    ),
    primary_key=("id",),
    indexes=(
        # sparse: most executions have no idempotency key and no parent; they cost these
        # indexes nothing
        Index("ix_exec_idempotency", ("idempotency_key",), sparse=True),
        Index("ux_exec_idempotency_slot", ("idempotency_slot",), unique=True),
        Index("ix_exec_status_created", ("status", "created_at")),
        Index("ix_exec_workflow_created", ("workflow", "created_at")),
        Index("ix_exec_parent", ("parent_execution_id",), sparse=True),
        Index("ix_exec_created", ("created_at",)),
    ),
    description="The execution ledger: one row per execution (ExecutionLedger).",
)

CORE_EXECUTION_EVENTS = Table(
    "core_execution_events",
    columns=(
        Column("id", ID),
        Column("execution_id", ID),
        Column("event_type", STR(50)),
        Column("occurred_at", TS),
        Column("payload_json", JSON, True),
    ),
    primary_key=("id",),
    indexes=(Index("ix_exec_events_exec", ("execution_id", "occurred_at")),),
    description="Append-only event log of each execution.",
)

CORE_DEAD_LETTERS = Table(
    "core_dead_letters",
    columns=(
        Column("id", ID),
        Column("execution_id", ID, True),
        Column("workflow", STR(200)),
        Column("params_json", JSON, True),
        Column("error", TEXT),
        Column("error_type", STR(200), True),
        Column("retry_count", INT, default=0),
        Column("max_retries", INT, default=0),
        Column("created_at", TS),
        Column("last_retry_at", TS, True),
        Column("resolved_at", TS, True),
        Column("resolved_by", STR(255), True),
        Column("metadata_json", JSON, True),
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
        Column("lock_key", STR(255)),
        Column("owner", STR(255)),
        Column("execution_id", ID, True),
        Column("acquired_at", TS),
        Column("expires_at", TS),
        Column("depth", INT, default=1),
    ),
    primary_key=("lock_key",),
    indexes=(Index("ix_conc_locks_expires", ("expires_at",)),),
    description="Expiring, re-entrant concurrency locks (ConcurrencyGuard).",
)

CORE_CIRCUIT_BREAKERS = Table(
    "core_circuit_breakers",
    columns=(
        Column("breaker_name", STR(255)),
        Column("state", STR(20)),
        Column("failure_count", INT, default=0),
        Column("success_count", INT, default=0),
        Column("probe_count", INT, default=0),
        Column("opened_at", FLOAT, True),
        Column("half_open_at", FLOAT, True),
        Column("updated_at", TS),
    ),
    primary_key=("breaker_name",),
    description="Circuit breaker state shared by every worker (SqlBreakerStore).",
)

CORE_RATE_LIMITS = Table(
    "core_rate_limits",
    columns=(
        Column("limit_key", STR(255)),
        Column("tokens", FLOAT),
        Column("refilled_at", FLOAT),
        Column("updated_at", TS),
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


def _sparse_key_indexes(dialect_name: str) -> str | None:
    """Migration 1 where it changes something: the key indexes become sparse."""
    d = get_dialect(dialect_name)
    sparse = [ix for ix in CORE_EXECUTIONS.indexes if ix.sparse]
    full = [replace(ix, sparse=False) for ix in sparse]
    if [d.create_index_sql(CORE_EXECUTIONS, ix, if_not_exists=False) for ix in full] == [
        d.create_index_sql(CORE_EXECUTIONS, ix, if_not_exists=False) for ix in sparse
    ]:
        return None  # this backend indexes them alike (MySQL, Oracle)
    return ";\n".join(
        [
            *(d.drop_index_sql(CORE_EXECUTIONS.name, ix.name) for ix in sparse),
            *(d.create_index_sql(CORE_EXECUTIONS, ix, if_not_exists=False) for ix in sparse),
        ]
    )


def _unchanged(conn: Any) -> None:
    """Migration 1 on backends whose indexes are already what it makes."""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "sparse_key_indexes",
        _unchanged,
        variants={
            name: sql for name in DIALECT_NAMES if (sql := _sparse_key_indexes(name)) is not None
        },
        checksum="spine-exec:1:sparse_key_indexes:unchanged",
    ),
)
"""How a database created by an earlier release reaches the declared tables. Never edit an
applied migration: add the next version."""

SCHEMA = SchemaComponent(
    "spine-exec",
    tables=TABLES,
    migrations=MIGRATIONS,
    description="execution ledger, events, dead letters, locks, shared breakers and limits",
)
"""spine-exec's schema component (entry point ``spine.schema``: ``spine-exec``)."""
