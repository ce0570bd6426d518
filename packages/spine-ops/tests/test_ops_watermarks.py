"""Watermark ordering and the in-memory store."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from spine.db import SpineConnection
from spine.ops import DBWatermarkStore, InMemoryWatermarkStore, WatermarkStore, compare_high_water


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("9", "10", -1),
        ("10", "10", 0),
        ("-5", "3", -1),
        ("1.5", "1.25", 1),
        ("1e3", "999", 1),
        ("2025-01-02", "2025-01-01T23:00:00Z", 1),
        ("2025-01-01T10:00:00+02:00", "2025-01-01T09:00:00+00:00", -1),
        ("2025-01-01 10:00", "2025-01-01T10:00:00+00:00", 0),
        ("abc", "abd", -1),
        ("v10", "v9", -1),  # plain text compares as text
    ],
)
def test_compare_high_water(a: str, b: str, expected: int) -> None:
    assert compare_high_water(a, b) == expected
    assert compare_high_water(b, a) == -expected


def test_both_stores_satisfy_the_protocol(memory_db_factory: Callable[[], SpineConnection]) -> None:
    assert isinstance(InMemoryWatermarkStore(), WatermarkStore)
    assert isinstance(DBWatermarkStore(memory_db_factory()), WatermarkStore)


def test_in_memory_store_is_thread_safe() -> None:
    store = InMemoryWatermarkStore()

    def run(start: int) -> None:
        for v in range(start, 2_000, 4):
            store.advance("d", "s", "p", v)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("d", "s", "p").high_water == "1999"  # type: ignore[union-attr]
