"""Running one handler call, and carrying its outcome across threads, processes and brokers.

:func:`run_handler` is the one place a handler is called: sync or ``async def``, under its
deadline, its result checked as JSON. It never raises for a handler's failure; it returns an
:class:`Outcome`. Outcomes travel between processes as plain JSON (:meth:`Outcome.to_wire`),
and errors keep their place in the taxonomy on the way (:func:`error_to_wire` /
:func:`error_from_wire`): a ``NetworkError`` raised in a Celery worker is a ``NetworkError``
(retryable) in the dispatcher; an error class unknown here becomes a
:class:`~spine.execution.errors.HandlerError` with the same ``retryable``, ``category`` and
``retry_after``.

Example:
    >>> from spine.types import NetworkError
    >>> err = error_from_wire(error_to_wire(NetworkError("reset by peer", retry_after=5)))
    >>> type(err).__name__, err.retryable, err.retry_after
    ('NetworkError', True, 5)
"""

from __future__ import annotations

import asyncio
import builtins
import importlib
import math
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from spine.execution._json import json_result
from spine.execution.errors import HandlerError, TimeoutExpired
from spine.execution.registry import HandlerInfo
from spine.execution.timeout import with_deadline, with_deadline_async
from spine.types import (
    ErrorCategory,
    OperationError,
    SpineError,
    categorize_error,
    is_retryable,
)
from spine.types.enums import ExecutionStatus
from spine.types.retry import retry_after_of
from spine.types.timestamps import parse_iso, utc_now

__all__ = [
    "Outcome",
    "RunningExecution",
    "current_execution",
    "error_from_wire",
    "error_message",
    "error_to_wire",
    "failure_status",
    "run_handler",
]

MAX_TRACEBACK = 8000


class RunningExecution(NamedTuple):
    """What is running in this thread or task now (see :func:`current_execution`).

    Attributes:
        execution_id: The ledger id, e.g. for the ``execution_id`` columns of spine-ops.
        workflow: The handler or workflow name.
        attempt: 1 for the first run, 2 for the first retry...
    """

    execution_id: str
    workflow: str
    attempt: int = 1


_CURRENT: ContextVar[RunningExecution | None] = ContextVar("spine_execution", default=None)


def current_execution() -> RunningExecution | None:
    """The execution whose handler (or ``tracked_execution`` block) is running here, or
    ``None``.

    Example:
        >>> current_execution() is None
        True
    """
    return _CURRENT.get()


@dataclass(frozen=True)
class Outcome:
    """How one handler call ended.

    Attributes:
        result: The JSON result (on success).
        error: The exception (on failure).
        traceback: Formatted traceback of ``error`` (truncated), for the ledger.
        started_at / finished_at: When the call ran (UTC).
    """

    result: Any = None
    error: BaseException | None = None
    traceback: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def ok(self) -> bool:
        """Whether the handler returned normally."""
        return self.error is None

    @classmethod
    def failure(cls, error: BaseException, *, started_at: datetime | None = None) -> Outcome:
        """An outcome for ``error`` with its traceback (now as ``finished_at``)."""
        text = "".join(traceback.format_exception(error))
        return cls(None, error, text[-MAX_TRACEBACK:], started_at, utc_now())

    def to_wire(self) -> dict[str, Any]:
        """JSON-ready form (for a process pool, a broker, a database row)."""
        return {
            "ok": self.ok,
            "result": self.result,
            "error": None if self.error is None else error_to_wire(self.error),
            "traceback": self.traceback,
            "started_at": None if self.started_at is None else self.started_at.isoformat(),
            "finished_at": None if self.finished_at is None else self.finished_at.isoformat(),
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Outcome:
        """Rebuild an outcome from :meth:`to_wire`."""
        started = data.get("started_at")
        finished = data.get("finished_at")
        error = data.get("error")
        return cls(
            result=data.get("result"),
            error=None if error is None else error_from_wire(error),
            traceback=data.get("traceback"),
            started_at=None if started is None else parse_iso(started),
            finished_at=None if finished is None else parse_iso(finished),
        )


def _call(info: HandlerInfo, params: dict[str, Any], timeout: float | None) -> Any:
    if info.is_async:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise OperationError(
                f"async handler {info.name!r} cannot run inline inside a running event loop; "
                "use a ThreadExecutor (or await it yourself)"
            )
        return asyncio.run(_call_async(info.fn, params, timeout))
    if timeout is None:
        return info.fn(params)
    with with_deadline(timeout):
        return info.fn(params)


async def _call_async(fn: Callable[..., Any], params: dict[str, Any], timeout: float | None) -> Any:
    if timeout is None:
        return await fn(params)
    async with with_deadline_async(timeout):
        return await fn(params)


def run_handler(
    info: HandlerInfo,
    params: dict[str, Any],
    timeout: float | None = None,
    running: RunningExecution | None = None,
    *,
    started_at: datetime | None = None,
) -> Outcome:
    """Call a handler and return its :class:`Outcome`; a failure is returned, not raised.

    The result must be JSON (else the outcome's error is an ``InvalidResultError``); the
    outcome holds its JSON-form copy. A ``BaseException`` that is not an ``Exception``
    (``KeyboardInterrupt``, ``SystemExit``) propagates. ``running`` is what
    :func:`current_execution` returns meanwhile; ``started_at`` is the outcome's start time
    when the caller has just taken it (default: now).
    """
    token = _CURRENT.set(running) if running is not None else None
    started = utc_now() if started_at is None else started_at
    try:
        value = _call(info, params, timeout)
        result = json_result(value, info.name)
    except Exception as exc:
        return Outcome.failure(exc, started_at=started)
    finally:
        if token is not None:
            _CURRENT.reset(token)
    done = object.__new__(Outcome)  # the frozen dataclass __init__ is a setattr per field
    done.__dict__.update(
        result=result, error=None, traceback=None, started_at=started, finished_at=utc_now()
    )
    return done


# -- errors across process boundaries ------------------------------------------------------


def failure_status(error: BaseException) -> ExecutionStatus:
    """The final status of an execution that ended with ``error``: TIMED_OUT for a deadline,
    CANCELLED for an interruption (``KeyboardInterrupt``, task cancellation), else FAILED."""
    if isinstance(error, TimeoutExpired):
        return ExecutionStatus.TIMED_OUT
    if not isinstance(error, Exception):
        return ExecutionStatus.CANCELLED
    return ExecutionStatus.FAILED


def error_message(error: BaseException) -> str:
    """``str(error)``, or the class name when that is empty (``KeyboardInterrupt()``)."""
    text = str(error)
    return text if text else type(error).__name__


_STANDARD_ATTRS = frozenset(
    {"message", "category", "retryable", "retry_after", "context", "cause", "remote_type"}
)


def error_to_wire(error: BaseException) -> dict[str, Any]:
    """A JSON-ready description of ``error`` that keeps its taxonomy.

    Example:
        >>> error_to_wire(ValueError("bad row"))["category"]
        'VALIDATION'
    """
    cls = type(error)
    attrs: dict[str, Any] = {}
    for key, value in vars(error).items() if hasattr(error, "__dict__") else ():
        if key not in _STANDARD_ATTRS and isinstance(value, str | int | float | bool | type(None)):
            attrs[key] = value
    after = retry_after_of(error)
    context = error.context.to_dict() if isinstance(error, SpineError) else {}
    return {
        "type": cls.__qualname__,
        "module": cls.__module__,
        "message": str(error),
        "category": categorize_error(error).value,
        "retryable": is_retryable(error),
        "retry_after": None if after is None else math.ceil(after),
        "context": _json_safe(context),
        "attrs": attrs,
    }


def _json_safe(value: Any) -> Any:
    from spine.execution._json import lenient_json

    return lenient_json(value)


def _find_class(module: str, name: str) -> type[BaseException] | None:
    if module == "builtins":
        found = getattr(builtins, name, None)
    elif module.startswith("spine.") and "." not in name:
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            found = None
    else:
        found = None
    if isinstance(found, type) and issubclass(found, Exception):
        return found
    return None


def error_from_wire(data: dict[str, Any]) -> BaseException:
    """Rebuild an exception from :func:`error_to_wire` (see the module docstring)."""
    from spine.types import ErrorContext

    name = str(data.get("type", "Exception"))
    module = str(data.get("module", ""))
    message = str(data.get("message", ""))
    category = ErrorCategory(data.get("category", "UNKNOWN"))
    retryable = bool(data.get("retryable", False))
    retry_after = data.get("retry_after")
    context = data.get("context") or {}
    cls = _find_class(module, name)
    if cls is not None and issubclass(cls, SpineError):
        err: SpineError = cls.__new__(cls)
        SpineError.__init__(
            err,
            message,
            category=category,
            retryable=retryable,
            retry_after=retry_after,
            context=ErrorContext().with_(**context),
        )
        err.__dict__.update(data.get("attrs") or {})
        return err
    if cls is not None and module == "builtins":
        try:
            rebuilt = cls(message)
        except Exception:  # an odd constructor: fall through to HandlerError
            rebuilt = None
        # Only when the taxonomy reads it the same (a cause chain is not carried over).
        if (
            rebuilt is not None
            and is_retryable(rebuilt) == retryable
            and categorize_error(rebuilt) is category
        ):
            return rebuilt
    return HandlerError(
        f"{name}: {message}" if message else name,
        remote_type=f"{module}.{name}" if module else name,
        category=category,
        retryable=retryable,
        retry_after=retry_after,
        context=ErrorContext().with_(**context),
    )
