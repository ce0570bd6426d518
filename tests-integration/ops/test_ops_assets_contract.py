"""Contract: AssetStore on every backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from spine.ops import AssetKey, AssetMaterialization, AssetObservation, AssetStore
from spine.types import ValidationError

KEY = AssetKey("sec", "filings", "10-K")
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_latest_materialization_per_partition(ops_db: Any) -> None:
    store = AssetStore(ops_db)
    store.record_materialization(AssetMaterialization(KEY, "CIK:1", "e1", {"count": 1}, T0))
    store.record_materialization(
        AssetMaterialization(KEY, "CIK:1", "e2", {"count": 2}, T0 + dt.timedelta(hours=1))
    )
    store.record_materialization(AssetMaterialization(KEY, "CIK:2", "e3", {}, T0))
    store.record_materialization(AssetMaterialization(KEY, None, "e4", {}, T0))
    latest = store.latest_materialization(KEY, "CIK:1")
    assert latest is not None
    assert (latest.execution_id, dict(latest.metadata)) == ("e2", {"count": 2})
    assert latest.created_at == T0 + dt.timedelta(hours=1)
    assert store.latest_materialization(KEY).execution_id == "e4"  # type: ignore[union-attr]
    assert store.latest_materialization("sec/filings/10-K", any_partition=True).execution_id == "e2"  # type: ignore[union-attr]
    assert store.latest_materialization(KEY, "CIK:9") is None
    assert {p: m.execution_id for p, m in store.latest_by_partition(KEY).items()} == {
        "CIK:1": "e2",
        "CIK:2": "e3",
        None: "e4",
    }
    assert [m.execution_id for m in store.materializations(KEY, "CIK:1")] == ["e2", "e1"]
    assert store.asset_keys() == [KEY]


def test_freshness_and_lag(ops_db: Any) -> None:
    store = AssetStore(ops_db)
    assert store.lag(KEY) is None
    assert not store.is_fresh(KEY, dt.timedelta(days=1))
    store.record_materialization(AssetMaterialization(KEY, created_at=T0))
    now = T0 + dt.timedelta(hours=3)
    assert store.lag(KEY, now=now) == dt.timedelta(hours=3)
    assert store.is_fresh(KEY, dt.timedelta(hours=3), now=now)
    assert not store.is_fresh(KEY, dt.timedelta(hours=2), now=now)
    with pytest.raises(ValidationError):
        store.is_fresh(KEY, dt.timedelta(hours=-1))


def test_observations_are_separate(ops_db: Any) -> None:
    store = AssetStore(ops_db)
    store.record_observation(AssetObservation(KEY, "CIK:1", None, {"row_count": 42, "lag_h": 2.5}))
    assert store.latest_materialization(KEY, "CIK:1") is None
    obs = store.observations(KEY, "CIK:1")
    assert [dict(o.metadata) for o in obs] == [{"row_count": 42, "lag_h": 2.5}]


def test_asset_keys_validate() -> None:
    assert AssetKey.from_string("sec/filings/10-K") == KEY
    assert KEY.to_string() == "sec/filings/10-K"
    assert KEY.parent == AssetKey("sec", "filings")
    assert KEY.child("2025") == AssetKey("sec", "filings", "10-K", "2025")
    for bad in ((), ("a/b",), ("",), ("x" * 501,)):
        with pytest.raises(ValidationError):
            AssetKey(*bad)
    with pytest.raises(ValidationError):
        AssetKey.from_string("a//b")
