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

from spine.db.encoding import MAX_PARTITION_KEY_LENGTH
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

__all__ = ["CORE_WORK_ITEMS", "SCHEMA", "WORK_ITEM_COLUMNS"]


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
        Index("ix_core_work_items_claim", ("status", "run_after", "priority")),
        Index("ix_core_work_items_lane", ("lane", "status", "run_after")),
        Index("ix_core_work_items_lease", ("status", "lease_expires_at")),
        Index("ux_core_work_items_idem", ("idempotency_key",), unique=True),
    ),
    description="The worker queue: one row per queued job, claimed with a lease.",
)

WORK_ITEM_COLUMNS: tuple[str, ...] = tuple(c.name for c in CORE_WORK_ITEMS.columns)
"""Column names in declaration order (the order the store reads and writes rows)."""

SCHEMA = SchemaComponent("spine-exec.queue", tables=(CORE_WORK_ITEMS,))
