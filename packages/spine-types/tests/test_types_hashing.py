"""Behaviour of compute_hash / compute_record_hash."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.types import (
    ExecutionStatus,
    ValidationError,
    WeekEnding,
    compute_hash,
    compute_record_hash,
)


def test_hash_is_sha256_hex() -> None:
    h = compute_hash("a")
    assert len(h) == 64
    assert int(h, 16) >= 0


def test_hash_is_deterministic_across_processes() -> None:
    args = ("2025-12-26", "NMS_TIER_1", "AAPL", 100, 1.5, None, True)
    code = f"from spine.types import compute_hash;print(compute_hash(*{args!r}))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == compute_hash(*args)


def test_known_digests_are_stable() -> None:
    # Pinned so an accidental encoding change is caught: hashes are stored in databases.
    # The fast path hashes ascii() of the argument tuple.
    assert compute_hash("a", 1, None) == hashlib.sha256(b"('a', 1, None)").hexdigest()
    assert compute_hash("a", 1, None) == (
        "c6fd636f923c6bdcb85bac0fae7c0fc93791fb35e768486b63409e2d29738780"
    )
    assert compute_hash() == hashlib.sha256(b"()").hexdigest()
    mixed = (date(2025, 12, 26), Decimal("1.50"), {"b": [1, 2], "a": None}, "\u00e9", {3, 1}, b"\0")
    assert compute_hash(*mixed) == (
        "a6ec5e3f509b88f3f57d386fe596fa5fa0688ba68bf9bad92173e56537cd8062"
    )


def test_non_ascii_text_is_escaped_so_hashes_do_not_depend_on_unicode_version() -> None:
    assert compute_hash("\u00e9") == hashlib.sha256(b"('\\xe9',)").hexdigest()


def test_integers_beyond_the_str_digit_limit_raise_validation_error() -> None:
    with pytest.raises(ValidationError, match="cannot encode"):
        compute_hash(10**5000)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ((1, "2"), ("1", 2)),
        (("a", "bc"), ("ab", "c")),
        ((None,), ("None",)),
        ((None,), ("",)),
        (("",), ()),
        ((True,), (1,)),
        ((False,), (0,)),
        ((1,), (1.0,)),
        ((1,), (Decimal(1),)),
        ((b"a",), ("a",)),
        (([1, 2],), (1, 2)),
        (([[1], 2],), ([1, [2]],)),
        (({"a": 1},), ({"a": "1"},)),
        (({"a": 1},), ([("a", 1)],)),
        (({1, 2},), ([1, 2],)),
        ((date(2025, 1, 1),), ("2025-01-01",)),
        ((0.0,), (-0.0,)),
        (("x" * 3,), ("x", "x", "x")),
    ],
)
def test_distinct_inputs_hash_differently(
    left: tuple[object, ...], right: tuple[object, ...]
) -> None:
    assert compute_hash(*left) != compute_hash(*right)


def test_equivalent_inputs_hash_the_same() -> None:
    assert compute_hash([1, 2]) == compute_hash((1, 2))
    assert compute_hash({"b": 1, "a": 2}) == compute_hash(OrderedDict([("a", 2), ("b", 1)]))
    assert compute_hash({3, 1, 2}) == compute_hash(frozenset({1, 2, 3}))
    assert compute_hash(Decimal("1.10")) == compute_hash(Decimal("1.1"))
    assert compute_hash(Decimal("100")) == compute_hash(Decimal("1E+2"))
    assert compute_hash(bytearray(b"ab")) == compute_hash(b"ab")


def test_decimal_normalisation_keeps_precision_beyond_28_digits() -> None:
    a = Decimal("1.00000000000000000000000000000000001")
    b = Decimal("1.00000000000000000000000000000000002")
    assert compute_hash(a) != compute_hash(b)


def test_aware_datetimes_are_normalised_to_utc() -> None:
    utc = datetime(2025, 1, 1, 10, tzinfo=UTC)
    plus2 = datetime(2025, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert compute_hash(utc) == compute_hash(plus2)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValidationError, match="naive datetime"):
        compute_hash(datetime(2025, 1, 1))
    with pytest.raises(ValidationError, match="naive datetime"):
        compute_hash([datetime(2025, 1, 1)])


def test_dates_times_and_durations_are_supported() -> None:
    assert compute_hash(date(2025, 1, 1)) != compute_hash(datetime(2025, 1, 1, tzinfo=UTC))
    assert compute_hash(time(10, 30)) != compute_hash(time(10, 31))
    assert compute_hash(timedelta(days=1)) == compute_hash(timedelta(hours=24))


def test_week_ending_hashes_as_its_date() -> None:
    assert compute_hash(WeekEnding("2025-12-26")) == compute_hash(date(2025, 12, 26))


def test_enums_hash_as_their_values() -> None:
    class Color(Enum):
        RED = 1

    assert compute_hash(ExecutionStatus.RUNNING) == compute_hash("running")
    assert compute_hash(Color.RED) == compute_hash(1)


def test_uuid_and_str_subclasses_are_supported() -> None:
    class Symbol(str):
        pass

    u = uuid.UUID(int=5)
    assert compute_hash(u) == compute_hash(uuid.UUID(int=5))
    assert compute_hash(u) != compute_hash(str(u))
    assert compute_hash(Symbol("AAPL")) == compute_hash("AAPL")


def test_lone_surrogates_do_not_crash() -> None:
    assert compute_hash("\ud800") != compute_hash("\ud801")


@pytest.mark.parametrize("bad", [object(), 1 + 2j, Exception("x"), [object()], {"k": object()}])
def test_unsupported_types_raise_validation_error_naming_the_type(bad: object) -> None:
    with pytest.raises(ValidationError, match="cannot hash"):
        compute_hash(bad)


def test_compute_record_hash_uses_field_values_in_order() -> None:
    row = {"week": "2025-12-26", "symbol": "AAPL", "shares": 100}
    assert compute_record_hash(row, ["week", "symbol"]) == compute_hash("2025-12-26", "AAPL")
    assert compute_record_hash(row, ("symbol", "week")) != compute_record_hash(
        row, ("week", "symbol")
    )


def test_compute_record_hash_names_missing_fields() -> None:
    with pytest.raises(ValidationError, match=r"no field\(s\) \['mpid'\]"):
        compute_record_hash({"week": 1}, ["week", "mpid"])


def test_compute_record_hash_rejects_a_bare_string_of_fields() -> None:
    with pytest.raises(ValidationError, match="not the str"):
        compute_record_hash({"week": 1}, "week")


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.binary(),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=5), children, max_size=4),
    ),
    max_leaves=12,
)


@given(st.lists(values, max_size=5))
def test_hash_is_a_pure_function(items: list[object]) -> None:
    assert compute_hash(*items) == compute_hash(*items)


@given(st.lists(st.text(), max_size=6), st.lists(st.text(), max_size=6))
def test_string_sequences_never_collide_by_concatenation(a: list[str], b: list[str]) -> None:
    if a != b:
        assert compute_hash(*a) != compute_hash(*b)


@given(st.lists(scalars, max_size=4), st.lists(scalars, max_size=4))
def test_distinct_scalar_sequences_hash_differently(a: list[object], b: list[object]) -> None:
    def key(items: list[object]) -> list[tuple[str, object]]:
        return [(type(v).__name__, v) for v in items]

    if key(a) != key(b):
        assert compute_hash(*a) != compute_hash(*b)
