"""closing_connections closes what a block opened, reports it, and leaves the rest alone."""

from __future__ import annotations

import sqlite3
import threading
import warnings

import pytest

from spine.db import SpineConnection, connect, wrap_connection
from spine.db.testing import ConnectionLeakError, ConnectionLeakWarning, closing_connections


def test_connections_left_open_are_closed_and_reported_with_where_they_were_opened() -> None:
    outside = connect("memory")

    def leaky() -> tuple[list[SpineConnection], SpineConnection, SpineConnection]:
        with closing_connections() as opened:
            inside = connect("memory")
            closed_in_time = connect("memory")
            closed_in_time.close()
        return opened, inside, closed_in_time

    with pytest.warns(ConnectionLeakWarning, match=r"1 spine connection\(s\) left open") as w:
        opened, inside, closed_in_time = leaky()
    assert opened == [inside, closed_in_time]
    assert inside.closed
    assert "test_db_testing_tracking.py" in str(w[0].message)
    assert "sqlite:///:memory:" in str(w[0].message)
    assert not outside.closed
    outside.close()


def test_a_clean_block_reports_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with closing_connections() as opened, connect("memory"):
            pass
    assert len(opened) == 1


def test_leaks_can_raise_or_be_closed_quietly() -> None:
    with pytest.raises(ConnectionLeakError), closing_connections(on_leak="raise"):
        connect("memory")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with closing_connections(on_leak="close") as opened:
            connect("memory")
    assert opened[0].closed


def test_wrappers_of_the_callers_own_connections_are_neither_closed_nor_reported() -> None:
    raw = sqlite3.connect(":memory:")
    with closing_connections() as opened:
        wrapped = wrap_connection(raw)
    assert opened == []
    assert not wrapped.closed
    assert raw.execute("SELECT 1").fetchone() == (1,)
    raw.close()


def test_connections_opened_by_other_threads_are_recorded() -> None:
    made: list[SpineConnection] = []
    with closing_connections(on_leak="close") as opened:
        worker = threading.Thread(target=lambda: made.append(connect("memory")))
        worker.start()
        worker.join()
    assert opened == made
    assert made[0].closed


def test_nested_blocks_close_their_own_connections_at_their_exit() -> None:
    with closing_connections(on_leak="close") as outer:
        first = connect("memory")
        with closing_connections(on_leak="close") as inner:
            second = connect("memory")
        assert second.closed
        assert not first.closed
        assert inner == [second]
    assert first.closed
    assert outer == [first, second]  # the outer block saw both


def test_recording_stops_after_the_block() -> None:
    with closing_connections() as opened:
        pass
    later = connect("memory")
    assert opened == []
    assert not later.closed
    later.close()
