"""One structured log line per persistent-primitive call, with its counts and duration.

Every persistent primitive of spine-ops (``ingest_l2``, ``replace_l3``, ``restate``,
``advance_to``, ``RejectSink.write_batch``, quality runs, backfill marks, retention purges ...)
wraps its work in :func:`observe` and fills in the counts it knows (rows in / inserted /
skipped / rejected, gate results, stage advanced, versions closed/opened). On exit one record
is logged through spine-types' logging on the ``spine.ops`` logger:

* at DEBUG with ``outcome="ok"`` when the call returns,
* at WARNING with ``outcome="error"``, ``error.type`` and ``error.message`` when it raises
  (the exception propagates unchanged).

When DEBUG is off and the call succeeds nothing is formatted: the cost is one level check
and two clock reads.

Example:
    >>> with observe("ingest_l2", domain="finra.otc", table="otc_raw") as counts:
    ...     counts["rows_in"] = 10
    ...     counts["inserted"] = 7
    >>> counts
    {'rows_in': 10, 'inserted': 7}
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from spine.types.logging import get_logger

__all__ = ["LOGGER_NAME", "observe"]

LOGGER_NAME = "spine.ops"
"""Name of the logger every spine-ops primitive logs to."""

_stdlib = logging.getLogger(LOGGER_NAME)


@contextmanager
def observe(operation: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Time a primitive call and log one line with the counts it filled in.

    Args:
        operation: The primitive's name, logged as the event (``"ingest_l2"``).
        **fields: Identifying fields logged with it (domain, table, stage, partition ...).

    Yields:
        A dict the caller fills with counts; it is logged as given (keys become fields).
    """
    counts: dict[str, Any] = {}
    start = time.perf_counter()
    try:
        yield counts
    except BaseException as exc:
        if _stdlib.isEnabledFor(logging.WARNING):
            get_logger(LOGGER_NAME).warning(
                operation,
                outcome="error",
                duration_ms=round((time.perf_counter() - start) * 1000.0, 3),
                **{"error.type": type(exc).__name__, "error.message": str(exc)},
                **fields,
                **counts,
            )
        raise
    if _stdlib.isEnabledFor(logging.DEBUG):
        get_logger(LOGGER_NAME).debug(
            operation,
            outcome="ok",
            duration_ms=round((time.perf_counter() - start) * 1000.0, 3),
            **fields,
            **counts,
        )
