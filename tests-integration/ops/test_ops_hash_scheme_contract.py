"""Contract: one content-hash scheme per table, and the migration between schemes, on every
backend.

New tables get ``blake2b-128`` (``compute_hash_fast``); a table that already stores ``sha256``
hashes (``compute_hash``) keeps that scheme for L2 ingests and restatements (read from a stored
hash), an explicit other scheme is refused, and ``rehash_table`` converts a table - verified,
all or nothing by default, resumable with ``commit_every``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from spine.db import BaseRepository, transaction
from spine.db.schema import BIGINT, STR, Column, Index, Table
from spine.ops import (
    IdempotencyHelper,
    current_rows,
    ingest_l2,
    rehash_table,
    restate,
    row_content_hash,
)
from spine.ops.restatement import bitemporal_columns
from spine.types import (
    ConstraintError,
    HashScheme,
    ValidationError,
    compute_hash,
    compute_hash_fast,
)

NK = ["week", "symbol"]


def _bronze(name: str = "ops_hs_bronze") -> Table:
    return Table(
        name,
        columns=(
            Column("week", STR(10)),
            Column("symbol", STR(12)),
            Column("shares", BIGINT, nullable=True),
            Column("record_hash", STR(64)),
        ),
        indexes=(Index(f"ux_{name}_h", ("record_hash",), unique=True),),
    )


def _row(i: int, week: str = "2025-12-26") -> dict[str, Any]:
    return {"week": week, "symbol": f"S{i:06d}", "shares": i}


def _legacy(db: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """Rows stored the way spine stored them before the fast scheme (sha256)."""
    with transaction(db):
        BaseRepository(db).insert_many(
            table, [{**r, "record_hash": compute_hash(r["week"], r["symbol"])} for r in rows]
        )


def _hashes(db: Any, table: str, column: str = "record_hash") -> list[str]:
    return sorted(str(r[0]) for r in db.execute(f"SELECT {column} FROM {table}").fetchall())


def test_a_new_table_gets_the_fast_scheme(ops_db: Any, make_table: Callable[[Table], str]) -> None:
    t = make_table(_bronze())
    helper = IdempotencyHelper(ops_db)
    assert helper.hash_scheme(t, "record_hash") is None
    assert ingest_l2(ops_db, t, [_row(1), _row(2)], natural_key=NK).inserted == 2
    assert helper.hash_scheme(t, "record_hash") is HashScheme.BLAKE2B_128
    assert _hashes(ops_db, t) == sorted(
        compute_hash_fast("2025-12-26", f"S{i:06d}") for i in (1, 2)
    )


def test_a_sha256_table_keeps_its_scheme(ops_db: Any, make_table: Callable[[Table], str]) -> None:
    t = make_table(_bronze())
    _legacy(ops_db, t, [_row(i) for i in range(3)])
    res = ingest_l2(ops_db, t, [_row(i) for i in range(5)], natural_key=NK, chunk_size=2)
    assert (res.inserted, res.skipped) == (2, 3)  # the stored sha256 hashes still match
    assert _hashes(ops_db, t) == sorted(compute_hash("2025-12-26", f"S{i:06d}") for i in range(5))
    assert IdempotencyHelper(ops_db).hash_scheme(t, "record_hash") is HashScheme.SHA256


def test_an_explicit_scheme_other_than_the_stored_one_is_refused(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    t = make_table(_bronze())
    _legacy(ops_db, t, [_row(1)])
    with pytest.raises(ValidationError, match=r"stores sha256 hashes.*rehash_table"):
        ingest_l2(ops_db, t, [_row(2)], natural_key=NK, hash_scheme="blake2b-128")
    assert ingest_l2(ops_db, t, [_row(2)], natural_key=NK, hash_scheme="sha256").inserted == 1
    with pytest.raises(ValidationError, match="unknown hash scheme"):
        ingest_l2(ops_db, t, [_row(3)], natural_key=NK, hash_scheme="md5")
    own = [{**_row(4), "record_hash": compute_hash_fast("2025-12-26", "S000004")}]
    with pytest.raises(ValidationError, match="32-character"):
        ingest_l2(ops_db, t, own, hash_scheme="sha256")
    assert len(_hashes(ops_db, t)) == 2


def test_an_empty_table_takes_the_callers_scheme(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    t = make_table(_bronze())
    ingest_l2(ops_db, t, [_row(1)], natural_key=NK, hash_scheme=HashScheme.SHA256)
    assert _hashes(ops_db, t) == [compute_hash("2025-12-26", "S000001")]
    assert ingest_l2(ops_db, t, [_row(1), _row(2)], natural_key=NK).inserted == 1


@pytest.mark.parametrize("commit_every", [None, 1], ids=["one-transaction", "resumable"])
def test_rehash_table_converts_and_later_ingests_still_deduplicate(
    ops_db: Any, make_table: Callable[[Table], str], commit_every: int | None
) -> None:
    t = make_table(_bronze())
    _legacy(ops_db, t, [_row(i) for i in range(25)])
    res = rehash_table(ops_db, t, NK, batch_size=7, commit_every=commit_every)
    assert (res.rehashed, res.scheme) == (25, HashScheme.BLAKE2B_128)
    assert _hashes(ops_db, t) == sorted(
        compute_hash_fast("2025-12-26", f"S{i:06d}") for i in range(25)
    )
    assert not ops_db.has_pending_writes
    again = ingest_l2(ops_db, t, [_row(i) for i in range(30)], natural_key=NK)
    assert (again.inserted, again.skipped) == (5, 25)
    assert rehash_table(ops_db, t, NK).rehashed == 0  # idempotent
    back = rehash_table(ops_db, t, NK, to="sha256", batch_size=4)
    assert back.rehashed == 30
    assert _hashes(ops_db, t) == sorted(compute_hash("2025-12-26", f"S{i:06d}") for i in range(30))


def test_rehash_refuses_rows_that_do_not_reproduce_their_hash_and_converts_nothing(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    t = make_table(_bronze())
    _legacy(ops_db, t, [_row(i) for i in range(10)])
    ops_db.execute(f"UPDATE {t} SET symbol = 'TAMPERED' WHERE shares = 7")
    ops_db.commit()
    before = _hashes(ops_db, t)
    with pytest.raises(ValidationError, match=r"does not reproduce.*decode="):
        rehash_table(ops_db, t, NK, batch_size=3)
    assert _hashes(ops_db, t) == before  # one transaction: nothing converted
    # decode rebuilds the values as they were ingested
    fixed = rehash_table(
        ops_db,
        t,
        NK,
        decode=lambda r: (r["week"], "S000007" if r["symbol"] == "TAMPERED" else r["symbol"]),
    )
    assert fixed.rehashed == 10


def test_rehash_reports_a_record_stored_under_both_schemes(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    t = make_table(_bronze())
    _legacy(ops_db, t, [_row(1)])
    with transaction(ops_db):
        BaseRepository(ops_db).insert_many(
            t, [{**_row(1), "record_hash": compute_hash_fast("2025-12-26", "S000001")}]
        )
    with pytest.raises(ConstraintError, match="stored twice"):
        rehash_table(ops_db, t, NK)
    with pytest.raises(ValidationError, match="batch_size"):
        rehash_table(ops_db, t, NK, batch_size=0)
    with pytest.raises(ValidationError):
        rehash_table(ops_db, t, ["week; DROP TABLE x"])


VOL = Table(
    "ops_hs_vol",
    columns=(
        Column("week", STR(10)),
        Column("symbol", STR(12)),
        Column("shares", BIGINT),
        *bitemporal_columns(),
    ),
)
KEY = {"week": "2025-12-26"}
T1 = dt.datetime(2026, 1, 2, 9, tzinfo=dt.UTC)


def test_restatement_row_hashes_follow_the_table(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    t = make_table(VOL)
    rows = [{"symbol": "AAPL", "shares": 100}]
    assert restate(ops_db, t, KEY, rows, system_time=T1).changed
    stored = _hashes(ops_db, t, "row_hash")
    assert stored == [row_content_hash({"week": "2025-12-26", "symbol": "AAPL", "shares": 100})]
    assert len(stored[0]) == 32
    assert not restate(ops_db, t, KEY, rows).changed
    with pytest.raises(ValidationError, match="stores blake2b-128"):
        restate(ops_db, t, KEY, rows, hash_scheme="sha256")


def test_a_legacy_restatement_table_keeps_sha256_and_can_be_converted(
    ops_db: Any, make_table: Callable[[Table], str]
) -> None:
    t = make_table(VOL)
    rows = [{"symbol": "AAPL", "shares": 100}, {"symbol": "MSFT", "shares": 5}]
    restate(ops_db, t, KEY, rows, system_time=T1, hash_scheme="sha256")
    assert {len(h) for h in _hashes(ops_db, t, "row_hash")} == {64}
    assert not restate(ops_db, t, KEY, rows).changed  # unchanged content is recognised
    res = rehash_table(ops_db, t, None, hash_column="row_hash")
    assert res.rehashed == 2
    assert {len(h) for h in _hashes(ops_db, t, "row_hash")} == {32}
    assert not restate(ops_db, t, KEY, rows).changed
    changed = restate(ops_db, t, KEY, [{"symbol": "AAPL", "shares": 101}])
    assert changed.changed
    assert _shares(current_rows(ops_db, t, KEY)) == {"AAPL": 101}


def _shares(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {str(r["symbol"]): int(r["shares"]) for r in rows}
