"""closing_connections closes what a block opened and leaves the rest alone."""

from __future__ import annotations

import threading

from spine.db import SpineConnection, create_connection
from spine.db.testing import closing_connections


def test_connections_opened_in_the_block_are_closed_at_exit() -> None:
    outside, _ = create_connection("memory")
    with closing_connections() as opened:
        inside, _ = create_connection("memory")
        already_closed, _ = create_connection("memory")
        already_closed.close()
    assert opened == [inside, already_closed]
    assert inside.closed
    assert not outside.closed
    outside.close()


def test_connections_opened_by_other_threads_are_recorded() -> None:
    made: list[SpineConnection] = []
    with closing_connections() as opened:
        worker = threading.Thread(target=lambda: made.append(create_connection("memory")[0]))
        worker.start()
        worker.join()
    assert opened == made
    assert made[0].closed


def test_nested_blocks_close_their_own_connections_at_their_exit() -> None:
    with closing_connections() as outer:
        first, _ = create_connection("memory")
        with closing_connections() as inner:
            second, _ = create_connection("memory")
        assert second.closed
        assert not first.closed
        assert inner == [second]
    assert first.closed
    assert outer == [first, second]  # the outer block saw both


def test_recording_stops_after_the_block() -> None:
    with closing_connections() as opened:
        pass
    later, _ = create_connection("memory")
    assert opened == []
    assert not later.closed
    later.close()
