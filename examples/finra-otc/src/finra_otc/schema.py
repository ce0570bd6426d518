"""The example's own tables (bronze, silver, gold), declared once for every backend.

======================== ========================================================== =======
table                    what                                                       writes
======================== ========================================================== =======
finra_otc_raw            every distinct row ever received, as text (bad rows too)   L2
finra_otc_weekly         the week's valid rows (current version), typed             L3
finra_otc_symbol_weekly  per week, tier and symbol: shares, trades, venues          restate
finra_otc_venue_weekly   per week, tier and venue: shares, market share, rank       restate
finra_otc_rolling        per week, tier and symbol: 6-week averages and trend       restate
======================== ========================================================== =======

``restate`` tables are bi-temporal (``system_from`` / ``system_to``): a corrected week is a
new version and the earlier one stays queryable (``as_of``).

The tables are this application's schema component (``SCHEMA``), named in the ``spine.schema``
entry point of its ``pyproject.toml``, so ``spine db init`` and ``install_schema`` create and
migrate them with spine's own.
"""

from __future__ import annotations

from spine.db import SpineConnection
from spine.db.schema import (
    BIGINT,
    FLOAT,
    ID,
    INT,
    STR,
    Column,
    ColumnType,
    Index,
    SchemaComponent,
    Table,
    install_schema,
)
from spine.ops import bitemporal_columns

__all__ = [
    "RAW",
    "ROLLING",
    "SCHEMA",
    "SYMBOL_WEEKLY",
    "TABLES",
    "VENUE_WEEKLY",
    "WEEKLY",
    "create_schema",
]


def _c(name: str, ctype: ColumnType, null: bool = False) -> Column:
    return Column(name, ctype, nullable=null)


RAW = Table(
    "finra_otc_raw",
    (
        _c("record_hash", STR(64)),
        _c("week_ending", STR(10)),
        _c("tier", STR(8)),
        _c("tier_description", STR(100), True),
        _c("symbol", STR(100), True),
        _c("issue_name", STR(500), True),
        _c("venue_name", STR(500), True),
        _c("mpid", STR(100), True),
        _c("shares", STR(100), True),
        _c("trades", STR(100), True),
        _c("last_update", STR(100), True),
        _c("field_count", INT),
        _c("source_file", STR(300)),
        _c("line_number", BIGINT),
        _c("file_checksum", STR(64)),
        _c("execution_id", ID, True),
    ),
    primary_key=("record_hash",),
    indexes=(Index("ix_finra_otc_raw_week", ("week_ending", "tier")),),
)

WEEKLY = Table(
    "finra_otc_weekly",
    (
        _c("week_ending", STR(10)),
        _c("tier", STR(8)),
        _c("symbol", STR(20)),
        _c("issue_name", STR(500)),
        _c("mpid", STR(10)),
        _c("venue_name", STR(500)),
        _c("shares", BIGINT),
        _c("trades", BIGINT),
        _c("last_update", STR(10)),
        _c("record_hash", STR(64)),
    ),
    primary_key=("week_ending", "tier", "symbol", "mpid"),
)

SYMBOL_WEEKLY = Table(
    "finra_otc_symbol_weekly",
    (
        _c("week_ending", STR(10)),
        _c("tier", STR(8)),
        _c("symbol", STR(20)),
        _c("issue_name", STR(500)),
        _c("total_shares", BIGINT),
        _c("total_trades", BIGINT),
        _c("venue_count", INT),
        _c("avg_trade_size", FLOAT),
        *bitemporal_columns(),
    ),
    indexes=(Index("ix_finra_otc_symw_week", ("week_ending", "system_to")),),
)

VENUE_WEEKLY = Table(
    "finra_otc_venue_weekly",
    (
        _c("week_ending", STR(10)),
        _c("tier", STR(8)),
        _c("mpid", STR(10)),
        _c("venue_name", STR(500)),
        _c("total_shares", BIGINT),
        _c("total_trades", BIGINT),
        _c("symbol_count", INT),
        _c("market_share_pct", FLOAT),
        _c("venue_rank", INT),
        *bitemporal_columns(),
    ),
    indexes=(Index("ix_finra_otc_venw_week", ("week_ending", "system_to")),),
)

ROLLING = Table(
    "finra_otc_rolling",
    (
        _c("week_ending", STR(10)),
        _c("tier", STR(8)),
        _c("symbol", STR(20)),
        _c("weeks_present", INT),
        _c("avg_shares_6w", FLOAT),
        _c("avg_trades_6w", FLOAT),
        _c("change_pct", FLOAT),
        _c("trend", STR(10)),
        *bitemporal_columns(),
    ),
    indexes=(Index("ix_finra_otc_roll_week", ("week_ending", "system_to")),),
)

TABLES = (RAW, WEEKLY, SYMBOL_WEEKLY, VENUE_WEEKLY, ROLLING)

SCHEMA = SchemaComponent(
    "spine-example-finra-otc",
    tables=TABLES,
    description="FINRA OTC weekly pipeline: raw, weekly, symbol/venue aggregates, rolling.",
)
"""The example's schema component (entry point ``spine-example-finra-otc`` of ``spine.schema``)."""


def create_schema(conn: SpineConnection) -> list[str]:
    """Create (and migrate) the example's tables; returns the names of those created."""
    return list(install_schema(conn, [SCHEMA]).created)
