"""``SpineConnection.update_rows``: many single-row updates in one set-based statement
(PostgreSQL, MySQL/MariaDB) or ``executemany`` (SQLite, Oracle, Db2), with the same result
on every backend: the matched-row count, typed values round-tripping, NULLs set, a guard
column that does not match leaving its row alone, and nothing half-applied on failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spine.db import SpineConnection, transaction
from spine.db.schema import BIGINT, FLOAT, ID, JSON, STR, TEXT, TS, Column, Table, create_table
from spine.types import DatabaseError, ValidationError

_T = Table(
    "upd_rows_t",
    columns=(
        Column("id", ID),
        Column("status", STR(20)),
        Column("n", BIGINT, nullable=True),
        Column("x", FLOAT, nullable=True),
        Column("doc", JSON, nullable=True),
        Column("note", TEXT, nullable=True),
        Column("at", TS, nullable=True),
    ),
    primary_key=("id",),
)
_T0 = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)


@pytest.fixture
def table(db: SpineConnection) -> SpineConnection:
    create_table(db, _T)
    rows = [(f"r{i:04d}", "pending", i, None, None, None, None) for i in range(450)]
    db.insert_rows(_T.name, list(_T.column_names), rows)
    db.commit()
    return db


def _rows(conn: SpineConnection) -> dict[str, tuple[object, ...]]:
    out = conn.execute("SELECT id, status, n, x, doc, note, at FROM upd_rows_t").fetchall()
    conn.rollback()
    return {str(r[0]): tuple(r[1:]) for r in out}


def test_applies_every_row_across_chunks_and_counts_matches(table: SpineConnection) -> None:
    d = table.dialect
    ts = d.encode_timestamp
    sets, wheres = ["status", "n", "x", "doc", "note", "at"], ["id", "status"]
    rows = [
        ("done", i * 10, i / 4, d.encode_json({"i": i}), "é" * 3, ts(_T0 + timedelta(seconds=i)),
         f"r{i:04d}", "pending")
        for i in range(0, 450, 2)
    ]  # fmt: skip
    rows.append(("done", 1, 1.0, None, None, None, "missing", "pending"))  # no such row
    rows.append(("done", 1, 1.0, None, None, None, "r0001", "running"))  # guard mismatch
    with transaction(table):
        matched = table.update_rows(_T, sets, wheres, rows, chunk_size=100)
    assert matched == 225
    stored = _rows(table)
    status, n, x, doc, note, at = stored["r0010"]
    assert (status, n, x, note) == ("done", 100, 2.5, "ééé")
    assert d.decode_json(doc) == {"i": 10}
    assert d.decode_timestamp(at) == _T0 + timedelta(seconds=10)
    assert stored["r0001"][:2] == ("pending", 1)
    assert sum(1 for v in stored.values() if v[0] == "done") == 225


@pytest.mark.backend("postgres", "mysql", "oracle", "db2")
def test_an_over_long_value_is_refused_not_cut(table: SpineConnection) -> None:
    with pytest.raises(DatabaseError):
        table.update_rows(_T, ["status"], ["id"], [("x" * 50, "r0001"), ("ok", "r0002")])
    assert _rows(table)["r0001"][0] == "pending"


def test_sets_nulls(table: SpineConnection) -> None:
    table.update_rows(_T, ["n", "at"], ["id"], [(5, table.dialect.encode_timestamp(_T0), "r0003")])
    table.commit()
    table.update_rows(_T, ["n", "at"], ["id"], [(None, None, "r0003"), (None, None, "r0004")])
    table.commit()
    stored = _rows(table)["r0003"]
    assert stored[1] is None
    assert stored[5] is None


def test_a_failing_chunk_leaves_nothing_applied(table: SpineConnection) -> None:
    good = [("done", i, f"r{i:04d}") for i in range(150)]
    bad = [(None, 1, "r0200")]  # status is NOT NULL
    with pytest.raises(DatabaseError):
        table.update_rows(_T, ["status", "n"], ["id"], good + bad, chunk_size=100)
    assert all(v[0] == "pending" for v in _rows(table).values())


def test_bad_input_is_a_typed_error(table: SpineConnection) -> None:
    with pytest.raises(ValidationError, match="expected 3"):
        table.update_rows(_T, ["status", "n"], ["id"], [("done", 1)])
    with pytest.raises(ValidationError, match="no column"):
        table.update_rows(_T, ["nope"], ["id"], [(1, "r0001")])
    with pytest.raises(ValidationError, match="at least one"):
        table.update_rows(_T, [], ["id"], [("r0001",)])
    assert table.update_rows(_T, ["n"], ["id"], []) == 0
    assert all(v[0] == "pending" for v in _rows(table).values())


def test_execute_batch_runs_in_order_and_stops_at_the_first_error(table: SpineConnection) -> None:
    d = table.dialect
    p = d.placeholder
    upd = f"UPDATE upd_rows_t SET n = {p(0)} WHERE id = {p(1)}"
    with transaction(table):
        counts = table.execute_batch(
            [(upd, (7, "r0001")), (upd, (8, "missing")), (upd, (9, "r0002"))]
        )
    assert counts == [1, 0, 1]
    assert (_rows(table)["r0001"][1], _rows(table)["r0002"][1]) == (7, 9)
    null_status = f"UPDATE upd_rows_t SET status = {p(0)} WHERE id = {p(1)}"
    with pytest.raises(DatabaseError), transaction(table):
        table.execute_batch(
            [(upd, (70, "r0003")), (null_status, (None, "r0003")), (upd, (90, "r0004"))]
        )
    assert (_rows(table)["r0003"][1], _rows(table)["r0004"][1]) == (3, 4)
