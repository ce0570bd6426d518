"""The queue's SQL per dialect, pinned: Oracle and Db2 cannot run here, so their statements
are golden strings (they run live in the CI matrix through the contract suite)."""

from __future__ import annotations

import pytest

from spine.db import get_dialect
from spine.execution.queue import CORE_WORK_ITEMS, SCHEMA, QueueSql

COLS = (
    "id, workflow, lane, domain, partition_key, partition_hash, payload_json, status, priority, "
    "run_after, lease_owner, lease_expires_at, heartbeat_at, attempts, max_attempts, "
    "timeout_seconds, last_error, execution_id, idempotency_key, created_at, updated_at, "
    "completed_at"
)

GOLDEN = {
    "oracle": {
        "claim": f"SELECT {COLS} FROM core_work_items WHERE status = :1 AND run_after <= :2 "
        "AND lane IN (:3, :4) ORDER BY priority DESC, run_after, id FOR UPDATE SKIP LOCKED",
        "mark_claimed": "UPDATE core_work_items SET status = :1, lease_owner = :2, "
        "lease_expires_at = :3, heartbeat_at = :4, attempts = attempts + 1, updated_at = :5 "
        "WHERE id IN (:6, :7)",
        "heartbeat": "UPDATE core_work_items SET lease_expires_at = :1, heartbeat_at = :2, "
        "updated_at = :3 WHERE status = :4 AND lease_owner = :5 AND id IN (:6)",
        "complete": "UPDATE core_work_items SET status = :1, lease_expires_at = NULL, "
        "completed_at = :2, updated_at = :3 WHERE status = :4 AND lease_owner = :5 "
        "AND id IN (:6, :7)",
        "expired": f"SELECT {COLS} FROM core_work_items WHERE status = :1 AND "
        "lease_expires_at < :2 ORDER BY lease_expires_at, id FOR UPDATE SKIP LOCKED",
        "release": "UPDATE core_work_items SET status = :1, run_after = :2, last_error = :3, "
        "lease_expires_at = NULL, completed_at = :4, updated_at = :5 WHERE id = :6 "
        "AND status = :7",
        "defer": "UPDATE core_work_items SET status = :1, run_after = :2, "
        "attempts = attempts - 1, last_error = COALESCE(last_error, :3), "
        "lease_expires_at = NULL, updated_at = :4 WHERE id = :5 AND status = :6 "
        "AND lease_owner = :7 AND attempts > 0",
    },
    "db2": {
        "claim": f"SELECT {COLS} FROM core_work_items WHERE status = ? AND run_after <= ? "
        "AND lane IN (?, ?) ORDER BY priority DESC, run_after, id FETCH FIRST 10 ROWS ONLY "
        "FOR UPDATE SKIP LOCKED DATA",
        "mark_claimed": "UPDATE core_work_items SET status = ?, lease_owner = ?, "
        "lease_expires_at = ?, heartbeat_at = ?, attempts = attempts + 1, updated_at = ? "
        "WHERE id IN (?, ?)",
        "heartbeat": "UPDATE core_work_items SET lease_expires_at = ?, heartbeat_at = ?, "
        "updated_at = ? WHERE status = ? AND lease_owner = ? AND id IN (?)",
        "complete": "UPDATE core_work_items SET status = ?, lease_expires_at = NULL, "
        "completed_at = ?, updated_at = ? WHERE status = ? AND lease_owner = ? "
        "AND id IN (?, ?)",
        "expired": f"SELECT {COLS} FROM core_work_items WHERE status = ? AND "
        "lease_expires_at < ? ORDER BY lease_expires_at, id FETCH FIRST 50 ROWS ONLY "
        "FOR UPDATE SKIP LOCKED DATA",
        "release": "UPDATE core_work_items SET status = ?, run_after = ?, last_error = ?, "
        "lease_expires_at = NULL, completed_at = ?, updated_at = ? WHERE id = ? AND status = ?",
        "defer": "UPDATE core_work_items SET status = ?, run_after = ?, "
        "attempts = attempts - 1, last_error = COALESCE(last_error, ?), "
        "lease_expires_at = NULL, updated_at = ? WHERE id = ? AND status = ? "
        "AND lease_owner = ? AND attempts > 0",
    },
}


def _render(backend: str) -> dict[str, str]:
    q = QueueSql(get_dialect(backend))
    return {
        "claim": q.claim_select(10, 2),
        "mark_claimed": q.mark_claimed(2),
        "heartbeat": q.heartbeat(1),
        "complete": q.complete(2),
        "expired": q.expired_select(50),
        "release": q.release,
        "defer": q.defer,
    }


@pytest.mark.parametrize("backend", sorted(GOLDEN))
def test_the_queue_sql_of_oracle_and_db2_is_pinned(backend: str) -> None:
    assert _render(backend) == GOLDEN[backend]


@pytest.mark.parametrize("backend", ["postgresql", "mysql", "oracle", "db2"])
def test_claims_skip_locked_rows_on_every_server_backend(backend: str) -> None:
    q = QueueSql(get_dialect(backend))
    assert "SKIP LOCKED" in q.claim_select(5)
    assert "SKIP LOCKED" in q.expired_select(5)


def test_sqlite_claims_without_row_locks() -> None:
    q = QueueSql(get_dialect("sqlite"))
    assert "FOR UPDATE" not in q.claim_select(5)
    assert q.claim_select(5).endswith("ORDER BY priority DESC, run_after, id LIMIT 5")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql", "oracle", "db2"])
def test_the_table_renders_on_every_backend(backend: str) -> None:
    d = get_dialect(backend)
    sql = "\n".join(d.create_table_statements(CORE_WORK_ITEMS)).lower()
    assert "core_work_items" in sql
    for index in CORE_WORK_ITEMS.indexes:
        assert d.fold(index.name).lower() in sql


def test_the_queue_table_is_its_own_schema_component() -> None:
    from spine.db.schema import get_schema_component

    assert get_schema_component("spine-exec.queue") is SCHEMA
    assert [t.name for t in SCHEMA.tables] == ["core_work_items"]


def test_the_claim_is_one_returning_statement_where_the_backend_returns_rows() -> None:
    pg = QueueSql(get_dialect("postgresql"))
    assert pg.claim_returning(10, 1) == (
        "UPDATE core_work_items SET status = %s, lease_owner = %s, lease_expires_at = %s, "
        "heartbeat_at = %s, attempts = attempts + 1, updated_at = %s WHERE id = ANY(ARRAY(SELECT "
        "id FROM core_work_items WHERE status = %s AND run_after <= %s AND lane IN (%s) ORDER "
        f"BY priority DESC, run_after, id LIMIT 10 FOR UPDATE SKIP LOCKED)) RETURNING {COLS}"
    )
    assert pg.complete(1, returning=True).endswith("AND id IN (%s) RETURNING id")
    lite = QueueSql(get_dialect("sqlite")).claim_returning(3)
    assert lite is not None
    assert "ORDER BY priority DESC, run_after, id LIMIT 3) RETURNING" in lite
    for backend in ("mysql", "oracle", "db2"):  # two statements in one transaction there
        assert QueueSql(get_dialect(backend)).claim_returning(10) is None
