"""Typed errors of spine-exec, each a member of spine-types' taxonomy.

Retry, dead-letter and circuit-breaker decisions read ``retryable`` / ``retry_after`` /
``category`` from these classes like from any other :class:`~spine.types.SpineError`.

=============================  ===================================  =========
error                          taxonomy parent                      retryable
=============================  ===================================  =========
``InvalidTransitionError``     spine-ops' (a ``ConstraintError``)   no
``ExecutionNotFoundError``     spine-ops' ``NotFoundError``         no
``DuplicateExecutionError``    ``IntegrityError``                   no
``HandlerNotFoundError``       ``OperationNotFoundError``           no
``UnserializableParamsError``  ``BadParamsError`` (a ValueError)    no
``InvalidSpecError``           ``BadParamsError`` (a ValueError)    no
``InvalidResultError``         ``OperationError``                   no
``HandlerError``               ``OperationError``                   as sent
``TimeoutExpired``             ``spine.types.TimeoutError``         yes
``CircuitOpenError``           ``TransientError``                   yes
``LockNotAcquiredError``       ``TransientError``                   yes
``DeadLetterNotFoundError``    spine-ops' ``NotFoundError``         no
``DeadLetterStateError``       ``OperationError``                   no
``MissingExtraError``          ``ConfigError``                      no
=============================  ===================================  =========

Example:
    >>> from spine.types import ExecutionStatus, is_retryable
    >>> err = InvalidTransitionError("01J...", ExecutionStatus.COMPLETED, ExecutionStatus.RUNNING)
    >>> str(err)
    "execution 01J... cannot go from 'completed' to 'running' (allowed from 'completed': none)"
    >>> is_retryable(TimeoutExpired(30.0))
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spine.ops.errors import InvalidTransitionError as _OpsInvalidTransitionError
from spine.ops.errors import NotFoundError
from spine.types import (
    BadParamsError,
    ConfigError,
    ErrorCategory,
    IntegrityError,
    OperationError,
    OperationNotFoundError,
    SpineTimeoutError,
    TransientError,
)

__all__ = [
    "CircuitOpenError",
    "DeadLetterNotFoundError",
    "DeadLetterStateError",
    "DuplicateExecutionError",
    "ExecutionNotFoundError",
    "HandlerError",
    "HandlerNotFoundError",
    "InvalidResultError",
    "InvalidSpecError",
    "InvalidTransitionError",
    "LockNotAcquiredError",
    "MissingExtraError",
    "TimeoutExpired",
    "UnserializableParamsError",
]


class InvalidTransitionError(_OpsInvalidTransitionError):
    """An execution was asked to move to a status its state machine does not allow.

    Nothing is changed: the execution keeps its status and no event is recorded. A subclass
    of spine-ops' ``InvalidTransitionError`` (one ``except`` catches every state machine's).

    Attributes:
        execution_id: The execution.
        current: Its status.
        target: The refused status.
    """

    def __init__(
        self,
        execution_id: str,
        current: str,
        target: str,
        allowed: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        allowed_text = ", ".join(repr(str(s)) for s in allowed) or "none"
        super().__init__(
            f"execution {execution_id} cannot go from {str(current)!r} to {str(target)!r} "
            f"(allowed from {str(current)!r}: {allowed_text})",
            **kwargs,
        )
        self.execution_id = execution_id
        self.current = str(current)
        self.target = str(target)
        self.with_context(execution_id=execution_id)

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__dict__))


class ExecutionNotFoundError(NotFoundError, LookupError):
    """No execution with this id is in the ledger."""

    def __init__(self, execution_id: str, **kwargs: Any) -> None:
        super().__init__(f"no execution {execution_id!r} in the ledger", **kwargs)
        self.execution_id = execution_id
        self.with_context(execution_id=execution_id)

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__dict__))


class DuplicateExecutionError(IntegrityError):
    """An execution with this id, or this idempotency key and attempt, already exists."""


class HandlerNotFoundError(OperationNotFoundError):
    """No handler is registered under the requested name.

    The message lists the closest registered names (and how many there are).
    """


class InvalidSpecError(BadParamsError):
    """A work spec is malformed: empty name, negative timeout, unknown option..."""


class UnserializableParamsError(BadParamsError):
    """Params (or metadata) cannot be stored as JSON, so no worker could receive them.

    The message names the first offending path (``params['when']``) and its type.
    """


class InvalidResultError(OperationError):
    """A handler returned something that cannot be stored as its result (not JSON)."""


class HandlerError(OperationError):
    """A handler failed in another process (process pool, Celery worker) with an error that is
    not a spine error class known here; ``retryable``, ``category`` and ``retry_after`` are
    carried over from the original, and ``remote_type`` names its class."""

    def __init__(self, message: str, *, remote_type: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.remote_type = remote_type

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__dict__))


class TimeoutExpired(SpineTimeoutError):  # noqa: N818 - the spec's name
    """A deadline (``with_deadline``, a work spec's ``timeout``) passed before the work ended.

    Retryable, like every :class:`spine.types.TimeoutError`.

    Attributes:
        seconds: The deadline that expired.
    """

    def __init__(self, seconds: float, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message or f"deadline of {seconds:g}s expired", **kwargs)
        self.seconds = seconds

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__dict__))


class CircuitOpenError(TransientError):
    """A call was refused because the circuit breaker of its dependency is open.

    Retryable; ``retry_after`` says when the breaker lets a probe through.
    """

    default_category = ErrorCategory.NETWORK

    def __init__(self, name: str, retry_after: float | None = None, **kwargs: Any) -> None:
        after = f"; next probe in {retry_after:.1f}s" if retry_after is not None else ""
        seconds = None if retry_after is None else max(0, round(retry_after + 0.4999))
        super().__init__(f"circuit {name!r} is open{after}", retry_after=seconds, **kwargs)
        self.breaker = name

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__dict__))


class LockNotAcquiredError(TransientError):
    """A concurrency lock is held by another owner (retryable: it is released or expires)."""

    default_category = ErrorCategory.OPERATION


class DeadLetterNotFoundError(NotFoundError, LookupError):
    """No dead-letter entry with this id."""


class DeadLetterStateError(OperationError):
    """A dead-letter entry cannot be replayed: it is resolved, or its retries are used up."""


class MissingExtraError(ConfigError):
    """An optional library is not installed; the message names the extra to install."""

    def __init__(self, feature: str, module: str, extra: str, **kwargs: Any) -> None:
        super().__init__(
            f'{feature} needs {module}, which is not installed: pip install "spine-exec[{extra}]"',
            **kwargs,
        )
        self.extra = extra

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type[Exception], state: dict[str, Any]) -> Exception:
    """Unpickle an error whose ``__init__`` takes other arguments than its message."""
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("message", ""))
    err.__dict__.update(state)
    return err
