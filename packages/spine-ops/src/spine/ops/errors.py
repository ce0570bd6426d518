"""Errors raised by spine-ops, all part of the spine error taxonomy.

Every error here subclasses a :mod:`spine.types` error so that retry, DLQ and alert routing
decisions made on the taxonomy keep working:

- :class:`QualityGateError` (a :class:`~spine.types.ValidationError`): a quality gate blocked
  the data; carries the failing check names.
- :class:`InvalidTransitionError` (a :class:`~spine.types.ConstraintError`): a state machine
  (backfill plan, partition) was asked for a move it does not allow.
- :class:`NotFoundError` (a :class:`~spine.types.ValidationError`): an id or key that the caller
  named does not exist (unknown anomaly id, unknown backfill plan or partition).

Example:
    >>> from spine.types import SpineError
    >>> err = QualityGateError(["null_rate"])
    >>> isinstance(err, SpineError), err.failures
    (True, ('null_rate',))
"""

from __future__ import annotations

from collections.abc import Iterable

from spine.types import ConstraintError, ValidationError

__all__ = ["InvalidTransitionError", "NotFoundError", "QualityGateError"]


class QualityGateError(ValidationError):
    """A quality gate found failing checks; the data must not move on.

    Args:
        failures: Names of the failing checks (kept on ``.failures``).
        message: Optional message; defaults to one naming the failures.
    """

    failures: tuple[str, ...]

    def __init__(self, failures: Iterable[str], message: str | None = None) -> None:
        names = tuple(failures)
        super().__init__(message or f"quality gate failed: {', '.join(names) or '(none)'}")
        self.failures = names
        self.with_context(failures=list(names))


class InvalidTransitionError(ConstraintError):
    """A status change that the state machine does not allow (e.g. COMPLETED -> RUNNING)."""


class NotFoundError(ValidationError):
    """A caller-named record (anomaly id, backfill plan, partition) does not exist."""
