"""Behaviour of the fast content-hash scheme (compute_hash_fast, HashScheme)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.types import (
    ExecutionStatus,
    HashScheme,
    ValidationError,
    WeekEnding,
    compute_hash,
    compute_hash_fast,
    compute_record_hash,
)
from spine.types.hashing import _canonical_text


def _b2(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def test_fast_hash_is_32_hex_characters_and_never_a_sha256() -> None:
    h = compute_hash_fast("a")
    assert len(h) == 32
    assert int(h, 16) >= 0
    assert h != compute_hash("a")[:32]


def test_known_encodings_and_digests_are_stable() -> None:
    # Pinned: hashes are stored in databases, an encoding change would orphan them.
    assert _canonical_text(("2025-12-26", "AAPL")) == "S2025-12-26\x1fAAPL"
    assert _canonical_text(("a", 1, None, 1.5, True)) == "Msinfb\x1fa\x1f1\x1fNone\x1f1.5\x1fTrue"
    assert _canonical_text((date(2025, 12, 26), "x")) == "MDs\x1f2025-12-26\x1fx"
    assert _canonical_text(("a\x1fb",)) == "Gs3:a\x1fb"
    assert _canonical_text(()) == "G"
    mixed = (Decimal("1.50"), {"b": [1, 2], "a": None}, "\u00e9", {3, 1}, b"\0")
    assert _canonical_text(mixed) == "Gd1.5;{s1:aNs1:b(i1;i2;)}s1:\u00e9<i1;i3;>y1:\0"
    assert compute_hash_fast("a", 1, None) == _b2("Msin\x1fa\x1f1\x1fNone")
    assert compute_hash_fast("a", 1, None) == "92eb71822c5b469e32b1dab826300751"


def test_fast_hash_is_deterministic_across_processes() -> None:
    args = ("2025-12-26", "NMS_TIER_1", "AAPL", 100, 1.5, None, True, frozenset({"x", "y"}))
    code = f"from spine.types import compute_hash_fast;print(compute_hash_fast(*{args!r}))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == compute_hash_fast(*args)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ((1, "2"), ("1", 2)),
        (("a", "bc"), ("ab", "c")),
        (("a\x1fb",), ("a", "b")),
        (("a\x1f", "b"), ("a", "\x1fb")),
        ((None,), ("None",)),
        ((None,), ("",)),
        (("",), ()),
        ((True,), (1,)),
        ((1,), (1.0,)),
        ((1,), (Decimal(1),)),
        ((0.0,), (-0.0,)),
        ((date(2025, 1, 1),), ("2025-01-01",)),
        ((b"a",), ("a",)),
        (([1, 2],), (1, 2)),
        (({"a": 1},), ([("a", 1)],)),
        (({1, 2},), ([1, 2],)),
        ((uuid.UUID(int=5),), (uuid.UUID(int=5).hex,)),
        ((time(10, 30),), (time(10, 31),)),
        ((datetime(2025, 1, 1, tzinfo=UTC),), (date(2025, 1, 1),)),
    ],
)
def test_distinct_values_and_types_hash_differently(
    left: tuple[object, ...], right: tuple[object, ...]
) -> None:
    assert compute_hash_fast(*left) != compute_hash_fast(*right)


def test_same_canonical_forms_as_compute_hash() -> None:
    class Color(Enum):
        RED = 1

    class Tier(IntEnum):
        ONE = 1

    class Symbol(str):
        pass

    plus2 = timezone(timedelta(hours=2))
    pairs = [
        (([1, 2],), ((1, 2),)),
        (({"b": 1, "a": 2},), (OrderedDict([("a", 2), ("b", 1)]),)),
        (({3, 1, 2},), (frozenset({1, 2, 3}),)),
        ((Decimal("1.10"),), (Decimal("1.1"),)),
        ((Decimal("100"),), (Decimal("1E+2"),)),
        ((bytearray(b"ab"),), (b"ab",)),
        ((memoryview(b"ab"),), (b"ab",)),
        ((datetime(2025, 1, 1, 12, tzinfo=UTC),), (datetime(2025, 1, 1, 14, tzinfo=plus2),)),
        ((timedelta(days=1),), (timedelta(hours=24),)),
        ((WeekEnding("2025-12-26"),), (date(2025, 12, 26),)),
        ((WeekEnding("2025-12-26"), 1), (date(2025, 12, 26), 1)),
        ((ExecutionStatus.RUNNING,), ("running",)),
        ((ExecutionStatus.RUNNING, 5), ("running", 5)),
        ((Color.RED,), (1,)),
        ((Color.RED, "x"), (1, "x")),
        ((Tier.ONE, "x"), (1, "x")),
        ((Symbol("AAPL"),), ("AAPL",)),
        ((Symbol("AAPL"), 3), ("AAPL", 3)),
        ((1, Symbol("AAPL")), (1, "AAPL")),
        ((float("nan"),), (float("nan"),)),
    ]
    for left, right in pairs:
        assert compute_hash_fast(*left) == compute_hash_fast(*right), (left, right)
        assert compute_hash(*left) == compute_hash(*right), (left, right)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValidationError, match="naive datetime"):
        compute_hash_fast(datetime(2025, 1, 1))
    with pytest.raises(ValidationError, match="naive datetime"):
        compute_hash_fast("a", [datetime(2025, 1, 1)])


@pytest.mark.parametrize("bad", [object(), 1 + 2j, Exception("x"), [object()], {"k": object()}])
def test_unsupported_types_raise_validation_error_naming_the_type(bad: object) -> None:
    with pytest.raises(ValidationError, match="cannot hash"):
        compute_hash_fast(bad)


def test_integers_beyond_the_str_digit_limit_raise_validation_error() -> None:
    with pytest.raises(ValidationError, match="cannot encode"):
        compute_hash_fast(10**5000)
    with pytest.raises(ValidationError, match="cannot encode"):
        compute_hash_fast("a", 10**5000)


def test_lone_surrogates_are_hashed_without_the_unicode_database() -> None:
    assert compute_hash_fast("\ud800") != compute_hash_fast("\ud801")
    assert compute_hash_fast("\ud83d\ude00") != compute_hash_fast("\U0001f600")


def test_hash_scheme_tells_schemes_apart_by_length() -> None:
    assert HashScheme.of_hash(compute_hash("a")) is HashScheme.SHA256
    assert HashScheme.of_hash(compute_hash_fast("a")) is HashScheme.BLAKE2B_128
    assert HashScheme.of_hash(compute_hash_fast("a").encode()) is HashScheme.BLAKE2B_128
    assert HashScheme.SHA256.compute("a", 1) == compute_hash("a", 1)
    assert HashScheme.BLAKE2B_128.compute("a", 1) == compute_hash_fast("a", 1)
    assert [s.hex_length for s in HashScheme] == [64, 32]
    with pytest.raises(ValidationError, match="not a spine content hash"):
        HashScheme.of_hash("abc")
    with pytest.raises(ValidationError, match="not a spine content hash"):
        HashScheme.of_hash(None)


def test_hash_scheme_coerce_accepts_names_and_refuses_unknown_ones() -> None:
    assert HashScheme.coerce("blake2b-128") is HashScheme.BLAKE2B_128
    assert HashScheme.coerce(HashScheme.SHA256) is HashScheme.SHA256
    with pytest.raises(ValidationError, match="unknown hash scheme 'md5'"):
        HashScheme.coerce("md5")


def test_compute_record_hash_takes_a_scheme() -> None:
    row = {"week": "2025-12-26", "symbol": "AAPL", "shares": 100}
    assert compute_record_hash(row, ["week", "symbol"]) == compute_hash("2025-12-26", "AAPL")
    assert compute_record_hash(row, ["week", "symbol"], scheme="blake2b-128") == compute_hash_fast(
        "2025-12-26", "AAPL"
    )


# -- properties: the encoding is injective on canonical values, with compute_hash (whose
#    ascii() encoding is injective by construction) as the oracle of canonical equality ----
texts = st.text(
    alphabet=st.sampled_from(["a", "b", "\x1f", ":", ";", "s", "1", "\u00e9", "\ud800"])
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    texts,
    st.text(),
    st.binary(max_size=4),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.times(),
    st.timedeltas(),
    st.decimals(allow_nan=False),
    st.uuids(),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.tuples(children, children),
        st.dictionaries(texts, children, max_size=3),
        st.frozensets(st.one_of(texts, st.integers()), max_size=3),
    ),
    max_leaves=8,
)


@given(st.lists(values, max_size=4), st.lists(values, max_size=4))
def test_fast_encoding_is_injective_with_the_same_equalities_as_compute_hash(
    a: list[object], b: list[object]
) -> None:
    same_canonical = compute_hash(*a) == compute_hash(*b)
    assert (_canonical_text(tuple(a)) == _canonical_text(tuple(b))) == same_canonical


@given(st.lists(texts, max_size=5), st.lists(texts, max_size=5))
def test_string_rows_never_collide_by_concatenation_or_separator(
    a: list[str], b: list[str]
) -> None:
    assert (_canonical_text(tuple(a)) == _canonical_text(tuple(b))) == (a == b)


@given(st.lists(scalars, max_size=4), st.lists(scalars, max_size=4))
def test_scalar_rows_are_told_apart_by_type(a: list[object], b: list[object]) -> None:
    def key(items: list[object]) -> list[tuple[str, str]]:
        return [(type(v).__name__, compute_hash(v)) for v in items]

    if key(a) != key(b):
        assert compute_hash_fast(*a) != compute_hash_fast(*b)


@given(st.lists(values, max_size=4))
def test_fast_hash_is_a_pure_function(items: list[object]) -> None:
    assert compute_hash_fast(*items) == compute_hash_fast(*items)
