"""Contract: WorkManifest on every backend."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from spine.ops import WorkManifest
from spine.types import ValidationError

STAGES = ["PENDING", "INGESTED", "NORMALIZED", "AGGREGATED", "PUBLISHED"]
KEY = {"week_ending": "2025-12-26", "tier": "NMS_TIER_1"}
SAME_KEY_REORDERED = {"tier": "NMS_TIER_1", "week_ending": "2025-12-26"}


def _count_rows(db: Any) -> int:
    return int(db.execute("SELECT COUNT(*) FROM core_manifest").fetchone()[0])


def test_advance_records_one_row_per_stage(ops_db: Any) -> None:
    m = WorkManifest(ops_db, "otc", STAGES)
    m.advance_to(KEY, "PENDING")
    row = m.advance_to(
        KEY,
        "INGESTED",
        row_count=1000,
        metrics={"null_rate": 0.05},
        execution_id="exec-1",
        batch_id="b-1",
    )
    assert row.stage_rank == 1
    rows = m.get(SAME_KEY_REORDERED)
    assert [(r.stage, r.stage_rank) for r in rows] == [("PENDING", 0), ("INGESTED", 1)]
    ingested = rows[1]
    assert ingested.row_count == 1000
    assert ingested.metrics == {"null_rate": 0.05}
    assert (ingested.execution_id, ingested.batch_id) == ("exec-1", "b-1")
    assert ingested.updated_at is not None
    assert ingested.updated_at.tzinfo is not None
    assert _count_rows(ops_db) == 2


def test_re_running_a_stage_updates_its_row(ops_db: Any) -> None:
    m = WorkManifest(ops_db, "otc", STAGES)
    m.advance_to(KEY, "INGESTED", row_count=10, execution_id="e1")
    m.advance_to(SAME_KEY_REORDERED, "INGESTED", row_count=12, execution_id="e2")
    rows = m.get(KEY)
    assert len(rows) == 1
    assert (rows[0].row_count, rows[0].execution_id) == (12, "e2")
    assert _count_rows(ops_db) == 1


def test_stage_comparisons(ops_db: Any) -> None:
    m = WorkManifest(ops_db, "otc", STAGES)
    assert m.current_stage(KEY) is None
    assert m.is_before(KEY, "PENDING")
    m.advance_to(KEY, "NORMALIZED")
    assert m.is_at_least(KEY, "INGESTED")
    assert m.is_at_least(SAME_KEY_REORDERED, "NORMALIZED")
    assert not m.is_at_least(KEY, "AGGREGATED")
    assert m.is_before(KEY, "PUBLISHED")
    assert m.current_stage(KEY) == "NORMALIZED"
    assert m.get_latest(KEY).stage == "NORMALIZED"  # type: ignore[union-attr]
    assert m.has_stage(KEY, "NORMALIZED")
    assert not m.has_stage(KEY, "INGESTED")


def test_partitions_and_domains_are_independent(ops_db: Any) -> None:
    a = WorkManifest(ops_db, "otc", STAGES)
    b = WorkManifest(ops_db, "equity", STAGES)
    a.advance_to(KEY, "PUBLISHED")
    other = {"week_ending": "2025-12-19", "tier": "NMS_TIER_1"}
    a.advance_to(other, "INGESTED")
    assert b.current_stage(KEY) is None
    assert a.list_partitions() == [other, KEY] or a.list_partitions() == [KEY, other]
    assert a.list_partitions("PUBLISHED") == [KEY]
    assert a.clear(KEY) == 1
    assert a.current_stage(KEY) is None
    assert a.current_stage(other) == "INGESTED"


def test_unknown_stage_lists_valid_stages(ops_db: Any) -> None:
    m = WorkManifest(ops_db, "otc", STAGES)
    with pytest.raises(ValidationError) as err:
        m.advance_to(KEY, "SHIPPED")
    assert "SHIPPED" in str(err.value)
    for stage in STAGES:
        assert stage in str(err.value)
    with pytest.raises(ValidationError):
        m.is_at_least(KEY, "SHIPPED")
    assert _count_rows(ops_db) == 0


@pytest.mark.parametrize("bad", [["week"], "week=2025-12-26", 42, None, {"k": [1, 2]}])
def test_non_dict_partition_key_is_rejected(ops_db: Any, bad: Any) -> None:
    m = WorkManifest(ops_db, "otc", STAGES)
    with pytest.raises(ValidationError):
        m.advance_to(bad, "INGESTED")
    with pytest.raises(ValidationError):
        m.get(bad)
    assert _count_rows(ops_db) == 0


def test_bad_stage_lists_rejected(ops_db: Any) -> None:
    for stages in ([], ["A", "A"], "ABC", [""]):
        with pytest.raises(ValidationError):
            WorkManifest(ops_db, "otc", stages)  # type: ignore[arg-type]


def test_hook_fires_when_latest_stage_moves(ops_db: Any) -> None:
    calls: list[tuple[str, Mapping[str, Any], str | None, str]] = []
    m = WorkManifest(ops_db, "otc", STAGES, on_stage_change=lambda *a: calls.append(a))
    m.advance_to(KEY, "INGESTED")
    m.advance_to(KEY, "INGESTED")  # same stage again: no move
    m.advance_to(KEY, "NORMALIZED")
    m.advance_to(KEY, "PENDING")  # re-running an earlier stage: latest unchanged
    assert calls == [("otc", KEY, None, "INGESTED"), ("otc", KEY, "INGESTED", "NORMALIZED")]


def test_failing_hook_does_not_undo_the_write(ops_db: Any) -> None:
    def hook(*_: Any) -> None:
        raise RuntimeError("listener down")

    m = WorkManifest(ops_db, "otc", STAGES, on_stage_change=hook)
    m.advance_to(KEY, "INGESTED")
    assert m.current_stage(KEY) == "INGESTED"


def test_concurrent_advance_of_same_stage_never_duplicates(
    ops_db: Any, db_factory: Callable[[], Any]
) -> None:
    n_threads, rounds = 4, 10
    errors: list[BaseException] = []
    barrier = threading.Barrier(n_threads)

    def run(i: int) -> None:
        conn = db_factory()
        try:
            m = WorkManifest(conn, "otc", STAGES)
            barrier.wait(10)
            for r in range(rounds):
                m.advance_to(KEY, "INGESTED", row_count=i * 100 + r, execution_id=f"w{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert _count_rows(ops_db) == 1
    rows = WorkManifest(ops_db, "otc", STAGES).get(KEY)
    assert len(rows) == 1
    assert rows[0].stage == "INGESTED"
    assert rows[0].row_count is not None
    assert rows[0].row_count % 100 == rounds - 1


def test_a_polling_reader_sees_other_workers_progress(
    ops_db: Any, db_factory: Callable[[], Any]
) -> None:
    reader = WorkManifest(ops_db, "otc", STAGES)
    writer_conn = db_factory()
    writer = WorkManifest(writer_conn, "otc", STAGES)
    assert not reader.is_at_least(KEY, "INGESTED")  # the reader's first look
    writer.advance_to(KEY, "INGESTED")
    assert reader.is_at_least(KEY, "INGESTED")  # no stale snapshot (MySQL REPEATABLE READ)
    writer.advance_to(KEY, "NORMALIZED")
    assert reader.current_stage(KEY) == "NORMALIZED"
    writer_conn.close()


@pytest.mark.parametrize(
    ("row_count", "says"),
    [
        ("5", "row_count must be an int"),
        (1.5, "row_count must be an int"),
        (5.0, "row_count must be an int"),
        (True, "row_count must be an int"),
        (-1, "between 0 and"),
        (2**63, "between 0 and"),
    ],
)
def test_a_row_count_that_is_not_an_int_is_refused_and_nothing_is_written(
    ops_db: Any, row_count: Any, says: str
) -> None:
    m = WorkManifest(ops_db, "otc", STAGES)
    with pytest.raises(ValidationError, match=says) as caught:
        m.advance_to(KEY, "INGESTED", row_count=row_count)
    assert caught.value.context.metadata["argument"] == "row_count"
    assert _count_rows(ops_db) == 0
    assert m.advance_to(KEY, "INGESTED", row_count=2**63 - 1).row_count == 2**63 - 1
    assert m.get(KEY)[0].row_count == 2**63 - 1
