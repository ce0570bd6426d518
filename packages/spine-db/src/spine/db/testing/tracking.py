"""Close the connections a test leaves open.

Python 3.13 reports every SQLite connection that is garbage-collected while still open
(``ResourceWarning``), and with ``filterwarnings = error`` such a report fails whichever test
happens to be running when the collector runs. :func:`closing_connections` records every
:class:`~spine.db.SpineConnection` opened inside its block and closes the ones still open when
the block ends, so each test cleans up after itself.

Example:
    >>> from spine.db import create_connection
    >>> with closing_connections() as opened:
    ...     conn, _ = create_connection("memory")
    >>> conn.closed, len(opened)
    (True, 1)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from spine.db.connection import SpineConnection

__all__ = ["closing_connections"]

_lock = threading.Lock()


@contextmanager
def closing_connections() -> Iterator[list[SpineConnection]]:
    """Record every ``SpineConnection`` created in the block; close the open ones at exit.

    Connections opened from other threads during the block (concurrency tests) are recorded
    too. Blocks may nest; the innermost closes what was opened inside it.
    """
    opened: list[SpineConnection] = []
    with _lock:
        original = SpineConnection.__init__

        def recording_init(self: SpineConnection, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            opened.append(self)

        SpineConnection.__init__ = recording_init  # type: ignore[method-assign]
    try:
        yield opened
    finally:
        with _lock:
            SpineConnection.__init__ = original  # type: ignore[method-assign]
        for conn in opened:
            # A leftover that cannot close (a test's stand-in driver object, a server gone
            # away) must not fail the test that merely forgot to close it.
            with suppress(Exception):
                if not conn.closed:
                    conn.close()
