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

:func:`observed` is the decorator form for a primitive whose result already holds its counts
(a dataclass such as ``IngestResult``, or an int): its int, bool and str fields are logged.

Example:
    >>> with observe("ingest_l2", domain="finra.otc", table="otc_raw") as counts:
    ...     counts["rows_in"] = 10
    ...     counts["inserted"] = 7
    >>> counts
    {'rows_in': 10, 'inserted': 7}
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from spine.types.logging import get_logger

__all__ = ["LOGGER_NAME", "counts_of", "observe", "observed"]

P = ParamSpec("P")
R = TypeVar("R")

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
                **{
                    **fields,
                    **counts,
                    "error.type": type(exc).__name__,
                    "error.message": str(exc),
                },
            )
        raise
    if _stdlib.isEnabledFor(logging.DEBUG):
        get_logger(LOGGER_NAME).debug(
            operation,
            outcome="ok",
            duration_ms=round((time.perf_counter() - start) * 1000.0, 3),
            **{**fields, **counts},
        )


def counts_of(result: object) -> dict[str, Any]:
    """The counts a primitive's result holds: the int, bool and str fields of a dataclass
    (``IngestResult(total=3, inserted=2, ...)``), ``{"count": n}`` for an int, else ``{}``."""
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {
            f.name: v
            for f in dataclasses.fields(result)
            if isinstance(v := getattr(result, f.name), int | str)
        }
    if isinstance(result, int) and not isinstance(result, bool):
        return {"count": result}
    return {}


def observed(
    operation: str,
    *,
    fields: Sequence[str] = ("table",),
    counts: Callable[[Any], Mapping[str, Any]] = counts_of,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a primitive so each call is logged by :func:`observe`.

    Args:
        operation: The event logged (``"ingest_l2"``).
        fields: Names of the call's arguments logged as identifying fields (as text);
            ``"self.domain"`` logs an attribute of an argument (as ``domain``).
        counts: Maps the result to the counts logged (default :func:`counts_of`).
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if not _stdlib.isEnabledFor(logging.WARNING):
                return fn(*args, **kwargs)
            bound = signature.bind_partial(*args, **kwargs).arguments
            named = {}
            for f in fields:
                owner, _, attr = f.rpartition(".")
                value = getattr(bound.get(owner), attr, None) if owner else bound.get(f)
                if value is not None:
                    named[attr] = str(value)
            with observe(operation, **named) as logged:
                result = fn(*args, **kwargs)
                logged.update(counts(result))
            return result

        return wrapper

    return decorate
