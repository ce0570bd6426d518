"""Behaviour of ULID generation and parsing."""

from __future__ import annotations

import os
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spine.types.ulid as ulid_module
from spine.types import ValidationError, generate_ulid, is_valid_ulid, ulid_timestamp

CROCKFORD_26 = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")


def test_ulid_is_26_uppercase_crockford_characters() -> None:
    value = generate_ulid()
    assert len(value) == 26
    assert CROCKFORD_26.match(value)
    assert is_valid_ulid(value)


def test_ulid_timestamp_is_close_to_now_and_aware_utc() -> None:
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    stamp = ulid_timestamp(generate_ulid())
    after = datetime.now(UTC) + timedelta(milliseconds=1)
    assert stamp.tzinfo is UTC
    assert before <= stamp <= after


def test_ulid_timestamp_decodes_reference_value() -> None:
    # Reference ULID from the spec repository: 1469922850259 ms.
    assert ulid_timestamp("01ARZ3NDEKTSV4RRFFQ69G5FAV") == datetime(
        2016, 7, 30, 23, 54, 10, 259000, tzinfo=UTC
    )


def test_ulid_timestamp_accepts_lowercase() -> None:
    assert ulid_timestamp("01arz3ndektsv4rrffq69g5fav").year == 2016


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "01ARZ3NDEKTSV4RRFFQ69G5FA",  # 25 chars
        "01ARZ3NDEKTSV4RRFFQ69G5FAVX",  # 27 chars
        "01ARZ3NDEKTSV4RRFFQ69G5FAU",  # U is not Crockford
        "01ARZ3NDEKTSV4RRFFQ69G5FAI",  # I is not canonical
        "81ARZ3NDEKTSV4RRFFQ69G5FAV",  # overflows 128 bits
        None,
        12345,
    ],
)
def test_invalid_ulids_are_rejected(bad: object) -> None:
    assert is_valid_ulid(bad) is False
    with pytest.raises(ValidationError, match="not a valid ULID"):
        ulid_timestamp(bad)  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=2, max_value=2000))
def test_ulids_sort_in_generation_order(n: int) -> None:
    ids = [generate_ulid() for _ in range(n)]
    assert ids == sorted(ids)
    assert len(set(ids)) == n


@pytest.fixture
def isolated_sequence(monkeypatch: pytest.MonkeyPatch) -> None:
    """Restore the generator's sequence state after tests that fake the clock."""
    monkeypatch.setattr(ulid_module, "_last_ms", ulid_module._last_ms)
    monkeypatch.setattr(ulid_module, "_last_rand", ulid_module._last_rand)


@pytest.mark.usefixtures("isolated_sequence")
def test_ulids_within_one_millisecond_are_monotonic(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen_ns = 4_000_000_000_000 * 1_000_000  # a millisecond in the future
    monkeypatch.setattr("spine.types.ulid.time.time_ns", lambda: frozen_ns)
    ids = [generate_ulid() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5000
    assert {ulid_timestamp(i) for i in ids} == {datetime.fromtimestamp(4_000_000_000, tz=UTC)}


@pytest.mark.usefixtures("isolated_sequence")
def test_clock_going_backwards_keeps_order(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([5_000_000_000_000, 4_999_999_999_000, 4_999_999_999_500])
    monkeypatch.setattr("spine.types.ulid.time.time_ns", lambda: next(clock) * 1_000_000)
    ids = [generate_ulid() for _ in range(3)]
    assert ids == sorted(ids)
    assert len({ulid_timestamp(i) for i in ids}) == 1


@pytest.mark.usefixtures("isolated_sequence")
def test_random_part_overflow_rolls_into_next_millisecond(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ms = 6_000_000_000_000
    monkeypatch.setattr("spine.types.ulid.time.time_ns", lambda: ms * 1_000_000)
    monkeypatch.setattr(ulid_module, "_last_ms", ms)
    monkeypatch.setattr(ulid_module, "_last_rand", (1 << 80) - 1)
    value = generate_ulid()
    assert ulid_timestamp(value) == datetime.fromtimestamp((ms + 1) / 1000, tz=UTC)


def test_generation_is_thread_safe() -> None:
    results: list[list[str]] = []

    def work() -> None:
        results.append([generate_ulid() for _ in range(2000)])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    all_ids = [i for batch in results for i in batch]
    assert len(set(all_ids)) == len(all_ids) == 16000
    for batch in results:
        assert batch == sorted(batch)


def test_sequence_state_is_restored_after_fake_clock_tests() -> None:
    assert abs((ulid_timestamp(generate_ulid()) - datetime.now(UTC)).total_seconds()) < 5


def _reference_encode(n: int) -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(alphabet[(n >> (5 * i)) & 31] for i in reversed(range(26)))


@given(st.integers(min_value=0, max_value=(1 << 128) - 1))
def test_encoding_matches_a_reference_crockford_encoder(n: int) -> None:
    assert ulid_module._encode(n) == _reference_encode(n)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_does_not_repeat_parent_ulids() -> None:
    generate_ulid()  # make sure the parent has buffered entropy and a sequence
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_fd)
        os.write(write_fd, ",".join(generate_ulid() for _ in range(50)).encode())
        os._exit(0)
    os.close(write_fd)
    parent_ids = {generate_ulid() for _ in range(50)}
    with os.fdopen(read_fd) as reader:
        child_ids = set(reader.read().split(","))
    os.waitpid(pid, 0)
    assert len(child_ids) == 50
    assert not parent_ids & child_ids
    # The random parts differ too, not only the sequence position.
    assert {i[10:] for i in parent_ids}.isdisjoint({i[10:] for i in child_ids})


@pytest.mark.usefixtures("isolated_sequence")
@pytest.mark.parametrize("start", [1021, (5 << 40) | ((1 << 40) - 3), (1 << 79) - 2])
def test_cached_head_renders_every_increment_exactly(
    monkeypatch: pytest.MonkeyPatch, start: int
) -> None:
    """Within a millisecond only the last characters are re-rendered; across a carry into the
    cached upper bits (and a new millisecond) the whole ULID is still exact."""
    ms = 7_000_000_000_000
    monkeypatch.setattr("spine.types.ulid.time.time_ns", lambda: ms * 1_000_000)
    monkeypatch.setattr(ulid_module, "_last_ms", ms)
    monkeypatch.setattr(ulid_module, "_last_rand", start)
    ids = [generate_ulid() for _ in range(4)]
    assert ids == [_reference_encode((ms << 80) | (start + i)) for i in range(1, 5)]
    monkeypatch.setattr("spine.types.ulid.time.time_ns", lambda: (ms + 1) * 1_000_000)
    later = generate_ulid()
    assert later > ids[-1]
    assert later == _reference_encode(((ms + 1) << 80) | ulid_module._last_rand)
