"""Contract: L2 ingest streams in chunks and natural-key mode needs no hash (issue 9), the same
on every backend.

Chunk boundaries: a duplicate split across two chunks, a batch of only duplicates, an empty
iterator, a generator that raises midway (nothing committed from the failed call), on both
write paths (small chunks: insert-if-absent per row or a look-up; big chunks: a staging
table), with and without a unique index, and in natural-key mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from spine.db.schema import BIGINT, STR, Column, Index, Table
from spine.ops import IdempotencyHelper, ingest_l2
from spine.types import SpineError, ValidationError


def _hashed(name: str, *, unique: bool) -> Table:
    return Table(
        name,
        columns=(
            Column("week", STR(10)),
            Column("symbol", STR(12)),
            Column("shares", BIGINT, nullable=True),
            Column("record_hash", STR(64)),
        ),
        indexes=(Index(f"ix_{name}_h", ("record_hash",), unique=unique),),
    )


NATURAL = Table(
    "ops_l2_natural",
    columns=(
        Column("week", STR(10)),
        Column("symbol", STR(12)),
        Column("shares", BIGINT, nullable=True),
    ),
    indexes=(Index("ux_ops_l2_natural_k", ("week", "symbol"), unique=True),),
)
NK = ["week", "symbol"]

MODES = ["hash-unique", "hash-plain", "natural"]


@pytest.fixture(params=MODES)
def target(request: pytest.FixtureRequest, make_table: Callable[[Table], str]) -> dict[str, Any]:
    mode = request.param
    if mode == "natural":
        return {"table": make_table(NATURAL), "hash_column": None}
    table = make_table(_hashed("ops_l2_hashed", unique=mode == "hash-unique"))
    return {"table": table, "hash_column": "record_hash"}


def _row(n: int) -> dict[str, Any]:
    return {"week": "2025-12-26", "symbol": f"S{n:06d}", "shares": n}


def _ingest(db: Any, target: dict[str, Any], rows: Any, chunk_size: int) -> Any:
    return ingest_l2(
        db,
        target["table"],
        rows,
        natural_key=NK,
        hash_column=target["hash_column"],
        chunk_size=chunk_size,
    )


def _symbols(db: Any, table: str) -> list[str]:
    return sorted(str(r[0]) for r in db.execute(f"SELECT symbol FROM {table}").fetchall())


@pytest.mark.parametrize("chunk", [2, 300], ids=["small-chunks", "staged-chunks"])
def test_a_duplicate_split_across_chunks_is_stored_once(
    ops_db: Any, target: dict[str, Any], chunk: int
) -> None:
    n = chunk * 3
    # every record appears twice: once in the first chunks, once in the last ones
    ids = list(range(n)) + list(range(n))
    res = _ingest(ops_db, target, (_row(i) for i in ids), chunk)
    assert (res.total, res.inserted, res.skipped) == (2 * n, n, n)
    assert _symbols(ops_db, target["table"]) == [f"S{i:06d}" for i in range(n)]


@pytest.mark.parametrize("chunk", [2, 300], ids=["small-chunks", "staged-chunks"])
def test_a_batch_of_only_duplicates_inserts_nothing(
    ops_db: Any, target: dict[str, Any], chunk: int
) -> None:
    rows = [_row(i) for i in range(chunk * 2)]
    _ingest(ops_db, target, rows, chunk)
    res = _ingest(ops_db, target, iter(rows + rows), chunk)
    assert (res.inserted, res.skipped) == (0, 4 * chunk)
    same = _ingest(ops_db, target, [_row(1)] * (chunk + 1), chunk)  # one stored record, repeated
    assert same.inserted == 0
    assert same.duplicates_in_batch >= chunk - 1
    assert len(_symbols(ops_db, target["table"])) == 2 * chunk


def test_an_empty_iterator_writes_nothing(ops_db: Any, target: dict[str, Any]) -> None:
    res = _ingest(ops_db, target, iter(()), 10)
    assert (res.total, res.inserted, res.skipped, res.duplicates_in_batch) == (0, 0, 0, 0)
    assert _symbols(ops_db, target["table"]) == []
    assert not ops_db.has_pending_writes


@pytest.mark.parametrize("chunk", [2, 300], ids=["small-chunks", "staged-chunks"])
def test_a_generator_raising_midway_commits_nothing(
    ops_db: Any, target: dict[str, Any], chunk: int
) -> None:
    _ingest(ops_db, target, [_row(-1)], chunk)

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(chunk * 3):  # three chunks written before the failure
            yield _row(i)
        raise RuntimeError("source file truncated")

    with pytest.raises(RuntimeError, match="truncated"):
        _ingest(ops_db, target, rows(), chunk)
    assert _symbols(ops_db, target["table"]) == ["S-00001"]
    assert not ops_db.has_pending_writes


@pytest.mark.parametrize("chunk", [2, 300], ids=["small-chunks", "staged-chunks"])
def test_a_database_error_in_a_later_chunk_commits_nothing(
    ops_db: Any, target: dict[str, Any], chunk: int
) -> None:
    # the failing chunk's statement may still be running on the server (PostgreSQL's
    # pipeline) while the next chunk is prepared: its error still rolls everything back
    rows = [_row(i) for i in range(chunk * 3)] + [{**_row(-5), "week": None}]
    rows += [_row(i) for i in range(1_000, 1_000 + chunk * 2)]
    with pytest.raises(SpineError):
        _ingest(ops_db, target, iter(rows), chunk)
    assert _symbols(ops_db, target["table"]) == []
    assert not ops_db.has_pending_writes
    assert _ingest(ops_db, target, iter(rows[:chunk]), chunk).inserted == chunk


def test_a_bad_row_in_a_later_chunk_commits_nothing(ops_db: Any, target: dict[str, Any]) -> None:
    rows = [_row(i) for i in range(10)] + [{"week": "2025-12-26"}]
    with pytest.raises(ValidationError, match="row 10 lacks"):
        _ingest(ops_db, target, iter(rows), 3)
    assert _symbols(ops_db, target["table"]) == []


def test_natural_key_mode_needs_a_unique_key(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    plain = Table("ops_l2_plain", columns=NATURAL.columns)
    table = make_table(plain)
    with pytest.raises(ValidationError, match="unique index"):
        ingest_l2(ops_db, table, [_row(1)], natural_key=NK, hash_column=None)
    with pytest.raises(ValidationError, match="natural_key"):
        ingest_l2(ops_db, table, [_row(1)], hash_column=None)
    helper = IdempotencyHelper(ops_db)
    name = helper.ensure_unique_key(table, NK)
    assert helper.ensure_unique_key(table, list(reversed(NK))) == name
    res = helper.insert_new(table, [_row(1), _row(1), _row(2)], hash_column=None, natural_key=NK)
    assert (res.inserted, res.skipped, res.duplicates_in_batch) == (2, 1, 1)
    assert "record_hash" not in [
        c.lower() for c in ops_db.execute(f"SELECT * FROM {table} WHERE 1 = 0").column_names
    ]


def test_chunk_size_is_checked(ops_db: Any, target: dict[str, Any]) -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValidationError, match="chunk_size"):
            _ingest(ops_db, target, [_row(1)], bad)  # type: ignore[arg-type]
