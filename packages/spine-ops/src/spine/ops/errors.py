"""Errors raised by spine-ops, all part of the spine error taxonomy.

Every error here subclasses a :mod:`spine.types` error so that retry, DLQ and alert routing
decisions made on the taxonomy keep working:

- :class:`QualityGateError` (a :class:`~spine.types.ValidationError`): a quality gate blocked
  the data; carries the failing check names, what each check said and a sample of the bad
  data, and prints them.
- :class:`InvalidTransitionError` (a :class:`~spine.types.ConstraintError`): a state machine
  (backfill plan, partition) was asked for a move it does not allow.
- :class:`NotFoundError` (a :class:`~spine.types.ValidationError`): an id or key that the caller
  named does not exist (unknown anomaly id, unknown backfill plan or partition).
- :class:`LeaseLostError` (a :class:`~spine.types.ConstraintError`): a worker's claim on a
  backfill partition expired and another worker took the partition over.

Example:
    >>> from spine.types import SpineError
    >>> err = QualityGateError(["null_rate"])
    >>> isinstance(err, SpineError), err.failures
    (True, ('null_rate',))
    >>> print(QualityGateError(["uniq"], messages={"uniq": "2 duplicate keys"},
    ...                        samples={"uniq": [{"key": ["AAPL"], "count": 2}]}))
    quality gate failed: uniq: 2 duplicate keys (sample: [{'count': 2, 'key': ['AAPL']}])
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable, Mapping
from typing import Any

from spine.types import ConstraintError, ValidationError

__all__ = ["InvalidTransitionError", "LeaseLostError", "NotFoundError", "QualityGateError"]


class QualityGateError(ValidationError):
    """A quality gate found failing checks; the data must not move on.

    ``str(err)`` names each failing check with what it said and a short sample of the bad
    data (``quality gate failed: null_rate: null rate 35% > 25% (sample: [...])``).

    Args:
        failures: Names of the failing checks (kept on ``.failures``).
        message: Optional message; defaults to one naming each failure, its message and sample.
        messages: ``{check name: the check's message}`` (kept on ``.messages``).
        samples: ``{check name: a sample of what failed}`` (kept on ``.samples``), e.g. the
            duplicate keys or out-of-range rows a stock check lists in ``details["sample"]``.
    """

    failures: tuple[str, ...]
    messages: dict[str, str]
    samples: dict[str, Any]

    def __init__(
        self,
        failures: Iterable[str],
        message: str | None = None,
        *,
        messages: Mapping[str, str] | None = None,
        samples: Mapping[str, Any] | None = None,
    ) -> None:
        names = tuple(failures)
        self.messages = {n: str(messages[n]) for n in names if messages and messages.get(n)}
        self.samples = {n: samples[n] for n in names if samples and samples.get(n) is not None}
        super().__init__(message or self._describe(names))
        self.failures = names
        self.with_context(failures=list(names), messages=self.messages, samples=self.samples)

    def _describe(self, names: tuple[str, ...]) -> str:
        if not names:
            return "quality gate failed: (none)"
        short = reprlib.Repr()
        short.maxlist = short.maxdict = 3
        short.maxstring = short.maxother = 80
        parts = []
        for n in names:
            text = n
            if n in self.messages:
                text += f": {self.messages[n]}"
            if n in self.samples:
                text += f" (sample: {short.repr(self.samples[n])})"
            parts.append(text)
        return "quality gate failed: " + "; ".join(parts)


class InvalidTransitionError(ConstraintError):
    """A status change that the state machine does not allow (e.g. COMPLETED -> RUNNING)."""


class NotFoundError(ValidationError):
    """A caller-named record (anomaly id, backfill plan, partition) does not exist."""


class LeaseLostError(ConstraintError):
    """A worker settled or renewed a backfill partition it no longer holds: its lease expired
    and another worker claimed the partition. Drop that partition's work (the new holder
    does it); never retry the same call."""
