"""Retention configuration, SQL rendering per dialect, purge on SQLite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from spine.db import SpineConnection, get_dialect
from spine.ops import RETENTION_TARGETS, RetentionConfig, RetentionTarget, purge_table
from spine.ops.retention import delete_batch_sql
from spine.types import ValidationError, generate_ulid

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def test_defaults_follow_the_spec() -> None:
    cfg = RetentionConfig()
    assert (cfg.executions, cfg.rejects, cfg.quality, cfg.anomalies, cfg.work_items) == (
        90,
        30,
        90,
        180,
        30,
    )
    assert {t.table for t, _ in cfg.items()} == {
        "core_executions",
        "core_rejects",
        "core_quality",
        "core_anomalies",
        "core_work_items",
    }


def test_overrides_by_short_or_full_name() -> None:
    cfg = RetentionConfig.from_dict({"rejects": 7, "core_quality": None})
    assert (cfg.rejects, cfg.quality) == (7, None)
    assert "core_quality" not in {t.table for t, _ in cfg.items()}
    with pytest.raises(ValidationError):
        RetentionConfig(rejects=-1)
    with pytest.raises(ValidationError):
        RetentionConfig(rejects=True)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        RetentionConfig(extra=(("core_x", 1),))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("mysql", "DELETE FROM core_rejects WHERE created_at < %s ORDER BY created_at LIMIT 10"),
        (
            "postgresql",
            "DELETE FROM core_rejects WHERE id IN (SELECT id FROM core_rejects "
            "WHERE created_at < %s ORDER BY created_at LIMIT 10)",
        ),
        (
            "sqlite",
            "DELETE FROM core_rejects WHERE id IN (SELECT id FROM core_rejects "
            "WHERE created_at < ? ORDER BY created_at LIMIT 10)",
        ),
    ],
)
def test_delete_batch_sql_per_dialect(dialect: str, expected: str) -> None:
    assert delete_batch_sql(get_dialect(dialect), RETENTION_TARGETS["rejects"], 10) == expected


@pytest.mark.parametrize("dialect", ["oracle", "db2"])
def test_oracle_and_db2_use_fetch_first_and_numbered_markers(dialect: str) -> None:
    sql = delete_batch_sql(get_dialect(dialect), RETENTION_TARGETS["executions"], 5)
    assert "FETCH NEXT 5 ROWS ONLY" in sql
    assert sql.count("NOT IN") == 1
    if dialect == "oracle":
        assert ":1 " in sql
        assert ":6)" in sql
    sql2 = delete_batch_sql(get_dialect(dialect), RETENTION_TARGETS["anomalies"], 5)
    assert "resolved_at IS NOT NULL" in sql2


def test_custom_target_purges_a_domain_table(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    conn = memory_db_factory()
    conn.execute("CREATE TABLE events (event_id TEXT PRIMARY KEY, seen_at TEXT)")
    d = get_dialect(conn)
    for age in (1, 40, 50):
        conn.execute(
            "INSERT INTO events VALUES (?, ?)",
            (generate_ulid(), d.encode_timestamp(NOW - dt.timedelta(days=age))),
        )
    conn.commit()
    target = RetentionTarget("events", "seen_at", id_column="event_id")
    res = purge_table(conn, target, 30, now=NOW, batch_size=1)
    assert (res.deleted, res.batches, res.completed) == (2, 2, True)
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone() == (1,)
