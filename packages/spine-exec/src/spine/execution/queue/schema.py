"""The worker queue's table, ``core_work_items``, as spine-exec's schema component.

``SCHEMA`` (component ``spine-exec.queue``) is published through the ``spine.schema`` entry
point of spine-exec, so :func:`spine.db.schema.install_schema` creates the table wherever
spine-exec is installed. Its columns follow ``docs/core-schema.md``.

Indexes serve the queue's three hot queries: the claim (``status, run_after, priority``),
a claim restricted to lanes (``lane, status, run_after``) and the reclaim of expired leases
(``status, lease_expires_at``); ``idempotency_key`` is unique (NULLs allowed on every
backend).

Example:
    >>> from spine.execution.queue.schema import SCHEMA, CORE_WORK_ITEMS
    >>> SCHEMA.name, CORE_WORK_ITEMS.primary_key
    ('spine-exec.queue', ('id',))
"""

from __future__ import annotations

from spine.db.dialects import DIALECT_NAMES, get_dialect
from spine.db.encoding import MAX_PARTITION_KEY_LENGTH
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

__all__ = ["CORE_WORK_ITEMS", "MIGRATIONS", "SCHEMA", "WORK_ITEM_COLUMNS"]


CORE_WORK_ITEMS = Table(
    "core_work_items",
    columns=(
        Column("id", ID),
        Column("workflow", STR(200)),
        Column("lane", STR(100), default="default"),
        Column("domain", STR(100), True),
        Column("partition_key", STR(MAX_PARTITION_KEY_LENGTH), True),
        Column("partition_hash", STR(64), True),
        Column("payload_json", JSON, True),
        Column("status", STR(20), default="pending"),
        Column("priority", INT, default=0),
        Column("run_after", TS),
        Column("lease_owner", STR(255), True),
        Column("lease_expires_at", TS, True),
        Column("heartbeat_at", TS, True),
        Column("attempts", INT, default=0),
        Column("max_attempts", INT, default=3),
        Column("timeout_seconds", FLOAT, True),
        Column("last_error", TEXT, True),
        Column("execution_id", ID, True),
        Column("idempotency_key", STR(255), True),
        Column("created_at", TS),
        Column("updated_at", TS),
        Column("completed_at", TS, True),
    ),
    primary_key=("id",),
    indexes=(
        # in the claim's order (priority DESC, run_after, id): a claim reads its rows off
        # the index instead of sorting every due item
        Index(
            "ix_core_work_items_pick",
            ("status", "priority", "run_after", "id"),
            descending=("priority",),
        ),
        Index(
            "ix_core_work_items_lanepick",
            ("lane", "status", "priority", "run_after", "id"),
            descending=("priority",),
        ),
        Index("ix_core_work_items_lease", ("status", "lease_expires_at")),
        Index("ux_core_work_items_idem", ("idempotency_key",), unique=True),
    ),
    description="The worker queue: one row per queued job, claimed with a lease.",
)

WORK_ITEM_COLUMNS: tuple[str, ...] = tuple(c.name for c in CORE_WORK_ITEMS.columns)
"""Column names in declaration order (the order the store reads and writes rows)."""


def _claim_indexes_in_claim_order(dialect_name: str) -> str:
    d = get_dialect(dialect_name)
    table = CORE_WORK_ITEMS
    new = [ix for ix in table.indexes if ix.name.endswith("pick")]
    return ";\n".join(
        [
            d.drop_index_sql(table.name, "ix_core_work_items_claim"),
            d.drop_index_sql(table.name, "ix_core_work_items_lane"),
            *(d.create_index_sql(table, ix, if_not_exists=False) for ix in new),
        ]
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "claim_indexes_in_claim_order",
        variants={name: _claim_indexes_in_claim_order(name) for name in DIALECT_NAMES},
    ),
)
"""How a queue table of an earlier release reaches the declared shape. Never edit an applied
migration: add the next version."""

SCHEMA = SchemaComponent("spine-exec.queue", tables=(CORE_WORK_ITEMS,), migrations=MIGRATIONS)
