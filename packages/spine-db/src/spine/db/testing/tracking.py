"""Find the connections a test leaves open: close them, and say so.

:func:`closing_connections` records every :class:`~spine.db.SpineConnection` opened inside
its block (from any thread), with where it was opened. When the block ends, the ones still
open are closed - Python 3.13 reports an SQLite connection garbage-collected while open, and
a report landing in an unrelated test helps no one - and, by default, a
:class:`ConnectionLeakWarning` names each of them and the line that opened it. Under
``filterwarnings = error`` the leaking test fails with that message; choose
``on_leak="close"`` where leaving connections to the block is intended (documentation
examples), or ``on_leak="raise"`` to fail hard.

Example:
    >>> import warnings
    >>> from spine.db import connect
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     with closing_connections() as opened:
    ...         conn = connect("memory")
    >>> conn.closed, len(opened), caught[0].category.__name__
    (True, 1, 'ConnectionLeakWarning')
"""

from __future__ import annotations

import threading
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal

from spine.db.connection import SpineConnection

__all__ = ["ConnectionLeakError", "ConnectionLeakWarning", "closing_connections"]

_lock = threading.Lock()
_SPINE_DB = str(Path(__file__).resolve().parents[1])

OnLeak = Literal["warn", "raise", "close"]


class ConnectionLeakWarning(ResourceWarning):
    """Connections were left open by the code of a :func:`closing_connections` block."""


class ConnectionLeakError(AssertionError):
    """Raised instead of :class:`ConnectionLeakWarning` with ``on_leak="raise"``."""


def _opened_at() -> str:
    """The first frame outside spine.db's own modules: where the connection was asked for."""
    for frame in reversed(traceback.extract_stack(limit=25)[:-2]):
        if not frame.filename.startswith(_SPINE_DB) and "contextlib" not in frame.filename:
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "<unknown>"


@contextmanager
def closing_connections(*, on_leak: OnLeak = "warn") -> Iterator[list[SpineConnection]]:
    """Record every ``SpineConnection`` created in the block; close the open ones at exit
    and report them (``on_leak``: ``"warn"`` a :class:`ConnectionLeakWarning`, ``"raise"``
    a :class:`ConnectionLeakError`, ``"close"`` nothing).

    Connections opened from other threads during the block (concurrency tests) are recorded
    too; wrappers of driver connections the caller owns (:func:`spine.db.wrap_connection`)
    are not. Blocks may nest; the innermost closes (and reports) what was opened inside it.
    """
    opened: list[SpineConnection] = []
    origins: dict[int, str] = {}
    with _lock:
        original = SpineConnection.__init__

        def recording_init(self: SpineConnection, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            if self.owns_raw:  # a wrapper of the caller's driver connection is the caller's
                opened.append(self)
                origins[id(self)] = _opened_at()

        SpineConnection.__init__ = recording_init  # type: ignore[method-assign]
    try:
        yield opened
    finally:
        with _lock:
            SpineConnection.__init__ = original  # type: ignore[method-assign]
        leaked = []
        for conn in opened:
            # A leftover that cannot close (a test's stand-in driver object, a server gone
            # away) is still reported: closing is best effort.
            if not conn.closed:
                leaked.append(f"{conn.info.url} opened at {origins.get(id(conn), '?')}")
                with suppress(Exception):
                    conn.close()
        if leaked and on_leak != "close":
            message = f"{len(leaked)} spine connection(s) left open: " + "; ".join(leaked)
            if on_leak == "raise":
                raise ConnectionLeakError(message)
            warnings.warn(message, ConnectionLeakWarning, stacklevel=3)
