"""One hash scheme per table and rehash_table, on SQLite (the cross-backend contract is
tests-integration/ops/test_ops_hash_scheme_contract.py)."""

from __future__ import annotations

from typing import Any

import pytest

from spine.db import SpineConnection
from spine.ops import IdempotencyHelper, ingest_l2, rehash_table
from spine.types import HashScheme, ValidationError, compute_hash, compute_hash_fast


@pytest.fixture
def conn(memory_db: SpineConnection) -> SpineConnection:
    memory_db.execute(
        "CREATE TABLE bronze (week TEXT, symbol TEXT, shares INT, record_hash TEXT UNIQUE)"
    )
    memory_db.commit()
    return memory_db


def _hashes(conn: SpineConnection) -> list[str]:
    return sorted(str(r[0]) for r in conn.execute("SELECT record_hash FROM bronze").fetchall())


def _row(i: int) -> dict[str, Any]:
    return {"week": "w", "symbol": f"S{i}", "shares": i}


def test_new_tables_get_the_fast_scheme_and_old_ones_keep_sha256(conn: SpineConnection) -> None:
    helper = IdempotencyHelper(conn)
    helper.insert_new("bronze", [_row(1)], natural_key=["week", "symbol"])
    assert _hashes(conn) == [compute_hash_fast("w", "S1")]
    conn.execute("DELETE FROM bronze")
    conn.execute("INSERT INTO bronze VALUES ('w', 'S1', 1, ?)", (compute_hash("w", "S1"),))
    conn.commit()
    res = helper.insert_new("bronze", [_row(1), _row(2)], natural_key=["week", "symbol"])
    assert (res.inserted, res.skipped) == (1, 1)
    assert helper.hash_scheme("bronze", "record_hash") is HashScheme.SHA256


def test_a_foreign_hash_in_the_table_is_refused_with_its_value(conn: SpineConnection) -> None:
    conn.execute("INSERT INTO bronze VALUES ('w', 'S1', 1, 'md5-or-so')")
    conn.commit()
    with pytest.raises(ValidationError, match="'md5-or-so', not a spine content hash"):
        ingest_l2(conn, "bronze", [_row(2)], natural_key=["week", "symbol"])


def test_a_missing_hash_column_is_named(conn: SpineConnection) -> None:
    with pytest.raises(ValidationError, match="no column 'row_hash'"):
        ingest_l2(conn, "bronze", [_row(2)], natural_key=["week"], hash_column="row_hash")


def test_rehash_table_round_trip(conn: SpineConnection) -> None:
    for i in range(12):
        conn.execute(
            "INSERT INTO bronze VALUES ('w', ?, ?, ?)", (f"S{i}", i, compute_hash("w", f"S{i}"))
        )
    conn.commit()
    assert rehash_table(conn, "bronze", ["week", "symbol"], batch_size=5).rehashed == 12
    assert _hashes(conn) == sorted(compute_hash_fast("w", f"S{i}") for i in range(12))
    res = rehash_table(conn, "bronze", ["Week", "Symbol"], to="sha256", commit_every=2)
    assert (res.rehashed, res.scheme) == (12, HashScheme.SHA256)
    assert _hashes(conn) == sorted(compute_hash("w", f"S{i}") for i in range(12))


def test_rehash_table_checks_its_arguments(conn: SpineConnection) -> None:
    for bad in ({"batch_size": 0}, {"commit_every": 0}, {"to": "md5"}):
        with pytest.raises(ValidationError):
            rehash_table(conn, "bronze", ["week"], **bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not a str"):
        rehash_table(conn, "bronze", "week")
    with pytest.raises(ValidationError, match="at least one column"):
        rehash_table(conn, "bronze", [])
