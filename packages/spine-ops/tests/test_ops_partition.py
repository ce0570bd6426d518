"""Canonical partition keys."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from enum import Enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.ops import canonical_partition_key, decode_partition_key, partition_hash
from spine.types import ValidationError, WeekEnding


class Tier(Enum):
    T1 = "NMS_TIER_1"


def test_key_order_never_matters() -> None:
    a = {"week_ending": "2025-12-26", "tier": "NMS_TIER_1"}
    b = {"tier": "NMS_TIER_1", "week_ending": "2025-12-26"}
    assert canonical_partition_key(a) == canonical_partition_key(b)
    assert canonical_partition_key(a) == '{"tier":"NMS_TIER_1","week_ending":"2025-12-26"}'
    assert partition_hash(a) == partition_hash(b)
    assert len(partition_hash(a)) == 64


def test_value_types_are_normalised() -> None:
    text = canonical_partition_key(
        {
            "d": dt.date(2025, 12, 26),
            "w": WeekEnding("2025-12-26"),
            "e": Tier.T1,
            "n": Decimal("1.50"),
            "t": dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        }
    )
    assert json.loads(text) == {
        "d": "2025-12-26",
        "w": "2025-12-26",
        "e": "NMS_TIER_1",
        "n": "1.50",
        "t": "2025-01-01T10:00:00+00:00",
    }


@pytest.mark.parametrize(
    "bad",
    [
        ["week"],
        "week=1",
        None,
        42,
        ("a", 1),
        {1: "x"},
        {"": "x"},
        {"k": [1]},
        {"k": {"n": 1}},
        {"k": float("nan")},
        {"k": dt.datetime(2025, 1, 1)},
        {"k": "x" * 2001},
    ],
)
def test_bad_keys_raise_typed_error(bad: object) -> None:
    with pytest.raises(ValidationError):
        canonical_partition_key(bad)
    with pytest.raises(ValidationError):
        partition_hash(bad)


def test_decode_round_trip_and_empty() -> None:
    key = {"symbol": "AAPL", "n": 3, "flag": True, "none": None}
    assert decode_partition_key(canonical_partition_key(key)) == key
    assert decode_partition_key(None) == {}
    with pytest.raises(ValidationError):
        decode_partition_key("[1, 2]")


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8), st.one_of(st.integers(), st.text(max_size=8)), max_size=6
    )
)
def test_any_permutation_hashes_equal(key: dict[str, object]) -> None:
    reordered = dict(reversed(list(key.items())))
    assert partition_hash(key) == partition_hash(reordered)
    assert decode_partition_key(canonical_partition_key(key)) == key


def test_spine_ops_reexports_the_storage_encoding_of_spine_db() -> None:
    import spine.db
    import spine.ops

    assert spine.ops.canonical_partition_key is spine.db.canonical_partition_key
    assert spine.ops.partition_hash is spine.db.partition_hash
    assert spine.ops.decode_partition_key is spine.db.decode_partition_key
