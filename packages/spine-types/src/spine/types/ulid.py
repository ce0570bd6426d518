"""ULIDs: 128-bit, time-sortable identifiers rendered as 26 Crockford base32 characters.

Layout: 48 bits of Unix time in milliseconds followed by 80 random bits. Within one
millisecond (and if the clock steps backwards) the random part of the previous ULID is
incremented instead of redrawn, so ULIDs from one process sort in generation order. Generation
is thread-safe. Randomness comes from ``os.urandom`` read in small batches; a forked child
discards the parent's buffer and sequence, so parent and child never share ULIDs.

Example:
    >>> a, b = generate_ulid(), generate_ulid()
    >>> len(a), a < b, is_valid_ulid(a)
    (26, True, True)
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

from spine.types.errors import ValidationError

__all__ = ["generate_ulid", "is_valid_ulid", "ulid_timestamp"]

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80
_RANDOM_LIMIT = 1 << _RANDOM_BITS
_MAX_TIMESTAMP = (1 << 48) - 1
# Two base32 characters per 10-bit chunk: 13 lookups render 130 bits (2 leading zero bits).
_PAIRS = tuple(a + b for a in CROCKFORD_ALPHABET for b in CROCKFORD_ALPHABET)
_DECODE = {c: i for i, c in enumerate(CROCKFORD_ALPHABET)} | {
    c.lower(): i for i, c in enumerate(CROCKFORD_ALPHABET)
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LOW40 = (1 << 40) - 1
_ENTROPY_CHUNK = 10 * 256  # random bytes fetched per os.urandom() call

_lock = threading.Lock()
_last_ms = -1
_last_rand = 0
# The first 24 characters (time + the random part's upper 70 bits), cached: within one
# millisecond the sequence increments, so consecutive ULIDs usually differ only in the last
# two characters and one lookup renders them.
_head_ms = -1
_head_high = -1
_head = ""
_entropy = b""
_entropy_pos = 0


def _reset_after_fork() -> None:
    global _last_ms, _last_rand, _entropy, _entropy_pos
    _last_ms = -1
    _last_rand = 0
    _entropy = b""  # never share buffered randomness with the parent
    _entropy_pos = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _random80() -> int:
    """80 random bits from a buffered ``os.urandom`` (call with ``_lock`` held)."""
    global _entropy, _entropy_pos
    pos = _entropy_pos
    if pos + 10 > len(_entropy):
        _entropy = os.urandom(_ENTROPY_CHUNK)
        pos = 0
    _entropy_pos = pos + 10
    return int.from_bytes(_entropy[pos : pos + 10], "big")


def _encode(n: int) -> str:
    """26-character Crockford base32 of a 128-bit integer."""
    return _encode_time(n >> _RANDOM_BITS) + _encode_random(n & (_RANDOM_LIMIT - 1))


def _encode_time(ms: int) -> str:
    p = _PAIRS
    return (
        p[ms >> 40]
        + p[(ms >> 30) & 1023]
        + p[(ms >> 20) & 1023]
        + p[(ms >> 10) & 1023]
        + p[ms & 1023]
    )


def _encode_random(rand: int) -> str:
    p = _PAIRS
    hi = rand >> 40
    lo = rand & _LOW40
    return (
        p[hi >> 30]
        + p[(hi >> 20) & 1023]
        + p[(hi >> 10) & 1023]
        + p[hi & 1023]
        + p[lo >> 30]
        + p[(lo >> 20) & 1023]
        + p[(lo >> 10) & 1023]
        + p[lo & 1023]
    )


def generate_ulid() -> str:
    """Return a new ULID string (26 uppercase Crockford base32 characters).

    Monotonic within a process: every call returns a value greater than the previous one.

    Example:
        >>> ids = [generate_ulid() for _ in range(1000)]
        >>> ids == sorted(ids) and len(set(ids)) == 1000
        True
    """
    global _last_ms, _last_rand, _head_ms, _head_high, _head
    now_ms = time.time_ns() // 1_000_000
    with _lock:
        if now_ms > _last_ms:
            ms = now_ms
            rand = _random80()
        else:
            # Same millisecond (or the clock went back): continue the previous sequence.
            ms = _last_ms
            rand = _last_rand + 1
            if rand >= _RANDOM_LIMIT:
                ms += 1
                rand = _random80() >> 1
        _last_ms = ms
        _last_rand = rand
        high = rand >> 10
        if high != _head_high or ms != _head_ms:
            if ms > _MAX_TIMESTAMP:  # pragma: no cover - year 10889
                raise ValidationError("ULID timestamp overflow")
            _head_ms = ms
            _head_high = high
            _head = _encode_time(ms) + _encode_random(rand)[:-2]
        head = _head
    return head + _PAIRS[rand & 1023]


def is_valid_ulid(value: object) -> bool:
    """Whether ``value`` is a 26-character Crockford base32 ULID (case-insensitive).

    Example:
        >>> is_valid_ulid("01ARZ3NDEKTSV4RRFFQ69G5FAV"), is_valid_ulid("not-a-ulid")
        (True, False)
    """
    if not isinstance(value, str) or len(value) != 26:
        return False
    decode = _DECODE
    if value[0] not in "01234567":  # 26 chars hold 130 bits; the top 2 must be zero
        return False
    return all(c in decode for c in value)


def ulid_timestamp(ulid: str) -> datetime:
    """Creation time encoded in a ULID, as an aware UTC ``datetime`` (millisecond precision).

    Raises :class:`ValidationError` for anything that is not a valid ULID.

    Example:
        >>> ulid_timestamp("01ARZ3NDEKTSV4RRFFQ69G5FAV").isoformat()
        '2016-07-30T23:54:10.259000+00:00'
    """
    if not is_valid_ulid(ulid):
        raise ValidationError(f"not a valid ULID: {ulid!r} (expected 26 Crockford base32 chars)")
    ms = 0
    for c in ulid[:10]:
        ms = (ms << 5) | _DECODE[c]
    return _EPOCH + timedelta(milliseconds=ms)
