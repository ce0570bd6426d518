"""Partition keys as the core tables store them: canonical JSON + sha256 (spine.db.encoding)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from enum import Enum

import pytest

from spine.db import (
    CORE_TABLES,
    MAX_PARTITION_KEY_LENGTH,
    canonical_partition_key,
    decode_partition_key,
    encode_partition_key,
    partition_hash,
)
from spine.db.encoding import canonical_partition_value
from spine.types import ValidationError, WeekEnding


class Tier(Enum):
    T1 = "NMS_TIER_1"


def test_encode_returns_canonical_text_and_its_sha256() -> None:
    text, digest = encode_partition_key({"week_ending": "2025-12-26", "tier": "NMS_TIER_1"})
    assert text == '{"tier":"NMS_TIER_1","week_ending":"2025-12-26"}'
    assert digest == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert digest == partition_hash({"tier": "NMS_TIER_1", "week_ending": "2025-12-26"})
    assert text == canonical_partition_key({"tier": "NMS_TIER_1", "week_ending": "2025-12-26"})


def test_values_are_normalised_and_utf8_is_kept() -> None:
    text = canonical_partition_key(
        {
            "d": dt.date(2025, 12, 26),
            "w": WeekEnding("2025-12-26"),
            "e": Tier.T1,
            "n": Decimal("1.50"),
            "t": dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "u": "Zürich",
        }
    )
    assert '"u":"Zürich"' in text
    assert json.loads(text) == {
        "d": "2025-12-26",
        "w": "2025-12-26",
        "e": "NMS_TIER_1",
        "n": "1.50",
        "t": "2025-01-01T10:00:00+00:00",
        "u": "Zürich",
    }
    assert canonical_partition_value(Tier.T1) == "NMS_TIER_1"


@pytest.mark.parametrize(
    "bad",
    [
        ["week"],
        '{"week":1}',  # the JSON text is not the key: partition_hash takes the dict
        None,
        {1: "x"},
        {"": "x"},
        {"k": [1]},
        {"k": {"n": 1}},
        {"k": {1, 2}},
        {"k": float("inf")},
        {"k": dt.datetime(2025, 1, 1)},
    ],
)
def test_bad_keys_raise_typed_error_everywhere(bad: object) -> None:
    for fn in (canonical_partition_key, partition_hash, encode_partition_key):
        with pytest.raises(ValidationError):
            fn(bad)


def test_length_limit_is_the_length_of_hashed_partition_key_columns() -> None:
    hashed = [t for t in CORE_TABLES.values() if "partition_hash" in {c.name for c in t.columns}]
    assert len(hashed) >= 4
    lengths = {c.type.length for t in hashed for c in t.columns if c.name == "partition_key"}
    assert lengths == {MAX_PARTITION_KEY_LENGTH}
    fits = {"k": "x" * (MAX_PARTITION_KEY_LENGTH - len('{"k":""}'))}
    assert len(canonical_partition_key(fits)) == MAX_PARTITION_KEY_LENGTH
    with pytest.raises(ValidationError):
        encode_partition_key({"k": "x" * (MAX_PARTITION_KEY_LENGTH - len('{"k":""}') + 1)})


def test_decode_round_trip_and_empty() -> None:
    key = {"symbol": "AAPL", "n": 3, "flag": True, "none": None, "f": 1.5}
    assert decode_partition_key(encode_partition_key(key)[0]) == key
    assert decode_partition_key(None) == {}
    assert decode_partition_key("") == {}
    with pytest.raises(ValidationError):
        decode_partition_key('"text"')


def test_canonical_json_refuses_odd_values_unless_lenient() -> None:
    from spine.db.encoding import canonical_json
    from spine.types import ValidationError, WeekEnding

    class Odd:
        def __repr__(self) -> str:
            return "Odd()"

    assert canonical_json({"w": WeekEnding("2025-12-26")}) == '{"w":"2025-12-26"}'
    with pytest.raises(ValidationError, match="not JSON serial"):
        canonical_json({"x": Odd()})
    assert canonical_json({"x": Odd(), "b": 1}, lenient=True) == '{"b":1,"x":"Odd()"}'


def test_decode_text_reads_lobs_bytes_and_strings() -> None:
    from spine.db.encoding import decode_json_value, decode_text

    class Lob:
        def read(self) -> bytes:
            return b'{"a":"caf\xc3\xa9"}'

    assert decode_text(None) is None
    assert decode_text(Lob()) == '{"a":"café"}'
    assert decode_text(memoryview(b"x")) == "x"
    assert decode_text(12) == "12"
    assert decode_json_value(Lob()) == {"a": "café"}
