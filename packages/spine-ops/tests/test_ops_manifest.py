"""WorkManifest details on SQLite (the contract suite covers every backend)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from spine.db import SpineConnection
from spine.ops import WorkManifest
from spine.types import ValidationError

STAGES = ["PENDING", "INGESTED", "NORMALIZED"]


def test_partition_key_is_stored_canonically(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    conn = memory_db_factory()
    m = WorkManifest(conn, "otc", STAGES)
    m.advance_to({"week": "2025-12-26", "tier": "T1"}, "INGESTED")
    row = conn.execute(
        "SELECT partition_key, partition_hash, stage_rank FROM core_manifest"
    ).fetchone()
    assert row is not None
    assert row[0] == '{"tier":"T1","week":"2025-12-26"}'
    assert len(row[1]) == 64
    assert row[2] == 1


def test_ranks_come_from_the_stage_list_not_the_stored_rank(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    conn = memory_db_factory()
    WorkManifest(conn, "otc", STAGES).advance_to({"w": 1}, "NORMALIZED")
    reordered = WorkManifest(conn, "otc", ["PENDING", "NORMALIZED", "INGESTED"])
    assert reordered.is_at_least({"w": 1}, "NORMALIZED")
    assert not reordered.is_at_least({"w": 1}, "INGESTED")
    assert reordered.get({"w": 1})[0].stage_rank == 1


def test_rank_and_get_stage(memory_db_factory: Callable[[], SpineConnection]) -> None:
    m = WorkManifest(memory_db_factory(), "otc", STAGES)
    assert [m.rank(s) for s in STAGES] == [0, 1, 2]
    assert m.get_stage({"w": 1}, "INGESTED") is None
    m.advance_to({"w": 1}, "INGESTED", row_count=0)
    assert m.get_stage({"w": 1}, "INGESTED").row_count == 0  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as err:
        m.rank("nope")
    assert err.value.context.metadata["valid_stages"] == STAGES
    with pytest.raises(ValidationError):
        m.advance_to({"w": 1}, "INGESTED", row_count=-1)


@pytest.mark.parametrize("domain", ["", "x" * 101, None])
def test_bad_domain(domain: Any, memory_db_factory: Callable[[], SpineConnection]) -> None:
    with pytest.raises(ValidationError):
        WorkManifest(memory_db_factory(), domain, STAGES)


def test_reads_do_not_leave_a_transaction_open(
    memory_db_factory: Callable[[], SpineConnection],
) -> None:
    conn = memory_db_factory()
    m = WorkManifest(conn, "otc", STAGES)
    m.advance_to({"w": 1}, "INGESTED")
    m.is_at_least({"w": 1}, "INGESTED")
    m.get({"w": 1})
    assert not conn.raw.in_transaction
