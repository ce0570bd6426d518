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
    ColumnType,
    DefaultValue,
    Index,
    SchemaComponent,
    Table,
)

__all__ = ["CORE_WORK_ITEMS", "MIGRATIONS", "SCHEMA", "WORK_ITEM_COLUMNS"]


def _c(name: str, ctype: ColumnType, null: bool = False, default: DefaultValue = None) -> Column:
    return Column(name, ctype, nullable=null, default=default)


CORE_WORK_ITEMS = Table(
    "core_work_items",
    columns=(
        _c("id", ID),
        _c("workflow", STR(200)),
        _c("lane", STR(100), default="default"),
        _c("domain", STR(100), True),
        _c("partition_key", STR(MAX_PARTITION_KEY_LENGTH), True),
        _c("partition_hash", STR(64), True),
        _c("payload_json", JSON, True),
        _c("status", STR(20), default="pending"),
        _c("priority", INT, default=0),
        _c("run_after", TS),
        _c("lease_owner", STR(255), True),
        _c("lease_expires_at", TS, True),
        _c("heartbeat_at", TS, True),
        _c("attempts", INT, default=0),
        _c("max_attempts", INT, default=3),
        _c("timeout_seconds", FLOAT, True),
        _c("last_error", TEXT, True),
        _c("execution_id", ID, True),
        _c("idempotency_key", STR(255), True),
        _c("created_at", TS),
        _c("updated_at", TS),
        _c("completed_at", TS, True),
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
