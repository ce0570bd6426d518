"""One retry policy for in-process retries, queued jobs and database deadlocks.

A :class:`RetryStrategy` answers two questions from the error taxonomy
(:func:`spine.types.errors.is_retryable`, ``retry_after``):

* **whether** to retry after attempt *n* failed with error *e* (:meth:`RetryStrategy.decide`);
* **when**: the delay before attempt *n + 1* (:meth:`RetryStrategy.delay`), as seconds for an
  in-process sleep or as a timestamp for a queue row's ``run_after``
  (:meth:`RetryStrategy.next_run_at`): a queued job's retry is its row re-scheduled, never a
  sleep inside a worker.

Attempts are numbered from 1 (the first run). ``max_retries`` counts the retries *after* the
first attempt, so a job runs at most ``max_retries + 1`` times. Only retryable errors are
retried (``TransientError`` and its subclasses, builtin ``TimeoutError``/``ConnectionError``,
anything whose explicit cause chain holds one); an error's ``retry_after`` (seconds, e.g. from
an HTTP 429) is a floor for the delay.

Delays for the failed attempt ``n``::

    exponential  base_delay * multiplier ** (n - 1)
    linear       base_delay * n
    constant     base_delay
    none         never retries

capped at ``max_delay``, then reduced by up to ``jitter`` (a fraction: ``0.1`` spreads delays
over ``[0.9 d, d]``, ``1.0`` is "full jitter" over ``[0, d]``) so that many workers failing
together do not retry together. ``seed`` makes the jitter reproducible.

Example:
    >>> from spine.types.errors import NetworkError, RateLimitError
    >>> policy = RetryStrategy.exponential(max_retries=3, base_delay=1.0, max_delay=10.0, jitter=0)
    >>> [policy.delay(n) for n in (1, 2, 3, 4, 5)]
    [1.0, 2.0, 4.0, 8.0, 10.0]
    >>> policy.decide(NetworkError("reset"), attempt=1)
    RetryDecision(retry=True, delay=1.0, attempt=1, reason='retryable NetworkError')
    >>> policy.decide(ValueError("bad row"), attempt=1).retry
    False
    >>> policy.decide(NetworkError("reset"), attempt=4).reason
    'retries exhausted: 3 retries after the first attempt'
    >>> policy.delay(1, RateLimitError("slow down", retry_after=30))
    30.0
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from spine.types.errors import ValidationError, is_retryable
from spine.types.timestamps import to_utc, utc_now

__all__ = ["Backoff", "RetryDecision", "RetryStrategy", "retry_after_of"]

_MAX_CHAIN = 32


class Backoff(StrEnum):
    """How the delay grows from one retry to the next."""

    EXPONENTIAL = "exponential"
    LINEAR = "linear"
    CONSTANT = "constant"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """The answer of :meth:`RetryStrategy.decide`; truthy when a retry is due.

    Attributes:
        retry: Whether attempt ``attempt + 1`` should run.
        delay: Seconds to wait before it (``0.0`` when ``retry`` is false).
        attempt: The attempt that failed (1 = the first run).
        reason: Why, for logs and ledger events.
    """

    retry: bool
    delay: float
    attempt: int
    reason: str

    def __bool__(self) -> bool:
        return self.retry


def retry_after_of(error: BaseException) -> float | None:
    """The ``retry_after`` (seconds) an error or its explicit cause chain asks for, if any.

    Example:
        >>> from spine.types.errors import RateLimitError
        >>> try:
        ...     try:
        ...         raise RateLimitError("429", retry_after=5)
        ...     except RateLimitError as e:
        ...         raise RuntimeError("fetch failed") from e
        ... except RuntimeError as outer:
        ...     retry_after_of(outer)
        5.0
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < _MAX_CHAIN:
        seen.add(id(current))
        value = getattr(current, "retry_after", None)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        current = current.__cause__
    return None


def _number(name: str, value: object, *, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{name} must be a number, got {type(value).__name__}: {value!r}")
    if not math.isfinite(value) or value < minimum:
        raise ValidationError(f"{name} must be a finite number >= {minimum:g}, got {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class RetryStrategy:
    """An immutable retry policy: backoff shape, retry budget, cap and jitter.

    Prefer the constructors :meth:`exponential`, :meth:`linear`, :meth:`constant` and
    :meth:`none`. A strategy is safe to share between threads and to store with a queued job
    (:meth:`to_dict` / :meth:`from_dict`).

    Args:
        backoff: The delay shape (:class:`Backoff` or its value).
        max_retries: Retries allowed after the first attempt (``>= 0``).
        base_delay: Seconds: the first retry's delay (the only one for ``constant``).
        max_delay: Seconds: no computed delay exceeds it (``retry_after`` may).
        multiplier: Growth factor of ``exponential`` (``>= 1``).
        jitter: Fraction ``0..1`` by which a delay may be randomly shortened.
        seed: Seed of the jitter's random generator (reproducible delays in tests).

    Raises:
        ValidationError: a negative, non-finite or out-of-range setting.
    """

    backoff: Backoff = Backoff.EXPONENTIAL
    max_retries: int = 3
    base_delay: float = 1.0
    max_delay: float = 60.0
    multiplier: float = 2.0
    jitter: float = 0.0
    seed: int | None = None
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            backoff = Backoff(self.backoff)
        except ValueError:
            valid = ", ".join(b.value for b in Backoff)
            raise ValidationError(
                f"unknown backoff {self.backoff!r}; expected one of {valid}"
            ) from None
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise ValidationError(f"max_retries must be an int >= 0, got {self.max_retries!r}")
        if self.max_retries < 0:
            raise ValidationError(f"max_retries must be >= 0, got {self.max_retries}")
        base = _number("base_delay", self.base_delay)
        cap = _number("max_delay", self.max_delay)
        multiplier = _number("multiplier", self.multiplier, minimum=1.0)
        jitter = _number("jitter", self.jitter)
        if jitter > 1.0:
            raise ValidationError(f"jitter must be a fraction in [0, 1], got {self.jitter!r}")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int)
        ):
            raise ValidationError(f"seed must be an int or None, got {self.seed!r}")
        set_ = object.__setattr__
        set_(self, "backoff", backoff)
        set_(self, "base_delay", base)
        set_(self, "max_delay", cap)
        set_(self, "multiplier", multiplier)
        set_(self, "jitter", jitter)
        set_(self, "_rng", random.Random(self.seed))

    # -- constructors --------------------------------------------------------------------
    @classmethod
    def exponential(
        cls,
        max_retries: int = 3,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        *,
        multiplier: float = 2.0,
        jitter: float = 0.1,
        seed: int | None = None,
    ) -> RetryStrategy:
        """``base_delay * multiplier ** (n - 1)`` capped at ``max_delay``, with jitter.

        Example:
            >>> RetryStrategy.exponential(5, 0.5, 3.0, jitter=0).delays()
            [0.5, 1.0, 2.0, 3.0, 3.0]
        """
        return cls(
            Backoff.EXPONENTIAL, max_retries, base_delay, max_delay, multiplier, jitter, seed
        )

    @classmethod
    def linear(
        cls,
        max_retries: int = 3,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        *,
        jitter: float = 0.0,
        seed: int | None = None,
    ) -> RetryStrategy:
        """``base_delay * n`` capped at ``max_delay``.

        Example:
            >>> RetryStrategy.linear(3, 2.0).delays()
            [2.0, 4.0, 6.0]
        """
        return cls(Backoff.LINEAR, max_retries, base_delay, max_delay, 1.0, jitter, seed)

    @classmethod
    def constant(
        cls,
        max_retries: int = 3,
        delay: float = 1.0,
        *,
        jitter: float = 0.0,
        seed: int | None = None,
    ) -> RetryStrategy:
        """The same ``delay`` before every retry.

        Example:
            >>> RetryStrategy.constant(2, 5.0).delays()
            [5.0, 5.0]
        """
        return cls(Backoff.CONSTANT, max_retries, delay, max(delay, 0.0), 1.0, jitter, seed)

    @classmethod
    def none(cls) -> RetryStrategy:
        """Never retry: the first failure is final.

        Example:
            >>> RetryStrategy.none().max_attempts
            1
        """
        return cls(Backoff.NONE, 0, 0.0, 0.0, 1.0, 0.0, None)

    # -- questions -----------------------------------------------------------------------
    @property
    def max_attempts(self) -> int:
        """Runs allowed in total: the first attempt plus ``max_retries``."""
        return self.max_retries + 1

    def decide(self, error: BaseException, attempt: int) -> RetryDecision:
        """Whether and when to run again after attempt ``attempt`` failed with ``error``.

        Retries when the error is retryable per the taxonomy and the budget allows
        (``attempt <= max_retries``). ``KeyboardInterrupt``, ``SystemExit`` and other
        non-``Exception`` errors are never retried.

        Raises:
            ValidationError: ``attempt`` is not an int ``>= 1``.
        """
        _check_attempt(attempt)
        name = type(error).__name__
        if self.backoff is Backoff.NONE:
            return RetryDecision(False, 0.0, attempt, "retry policy is 'none'")
        if not isinstance(error, Exception) or not is_retryable(error):
            return RetryDecision(False, 0.0, attempt, f"not retryable: {name}")
        if attempt > self.max_retries:
            return RetryDecision(
                False,
                0.0,
                attempt,
                f"retries exhausted: {self.max_retries} retries after the first attempt",
            )
        return RetryDecision(True, self.delay(attempt, error), attempt, f"retryable {name}")

    def should_retry(self, error: BaseException, attempt: int) -> bool:
        """Shorthand for ``decide(error, attempt).retry``."""
        return self.decide(error, attempt).retry

    def delay(self, attempt: int, error: BaseException | None = None) -> float:
        """Seconds to wait after attempt ``attempt`` failed, before attempt ``attempt + 1``.

        The backoff delay is capped at ``max_delay`` and jittered; an ``error`` carrying
        ``retry_after`` (itself or in its explicit cause chain) raises the delay to at least
        that. Does not check the retry budget (see :meth:`decide`).
        """
        _check_attempt(attempt)
        if self.backoff is Backoff.NONE:
            base = 0.0
        elif self.backoff is Backoff.CONSTANT:
            base = self.base_delay
        elif self.backoff is Backoff.LINEAR:
            base = self.base_delay * attempt
        else:
            try:
                base = self.base_delay * self.multiplier ** (attempt - 1)
            except OverflowError:
                base = math.inf
        delay = min(base, self.max_delay)
        if self.jitter and delay > 0:
            delay *= 1.0 - self.jitter * self._rng.random()
        if error is not None:
            floor = retry_after_of(error)
            if floor is not None and floor > delay:
                delay = floor
        return delay

    def delays(self) -> list[float]:
        """The delay before each retry of the budget, in order (jitter applied).

        Example:
            >>> RetryStrategy.exponential(3, 1.0, jitter=0).delays()
            [1.0, 2.0, 4.0]
        """
        return [self.delay(n) for n in range(1, self.max_retries + 1)]

    def next_run_at(
        self, attempt: int, error: BaseException | None = None, *, now: datetime | None = None
    ) -> datetime:
        """When attempt ``attempt + 1`` may start: ``now + delay(attempt, error)``, in UTC.

        This is a queued job's new ``run_after``.

        Example:
            >>> from datetime import datetime, timezone
            >>> t0 = datetime(2025, 12, 26, 18, 0, tzinfo=timezone.utc)
            >>> RetryStrategy.constant(3, 90.0).next_run_at(1, now=t0).isoformat()
            '2025-12-26T18:01:30+00:00'
        """
        base = utc_now() if now is None else to_utc(now)
        return base + timedelta(seconds=self.delay(attempt, error))

    # -- storage -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings (without ``seed``), e.g. to store with a queued job.

        Example:
            >>> policy = RetryStrategy.linear(2)
            >>> RetryStrategy.from_dict(policy.to_dict()) == policy
            True
        """
        return {
            "backoff": self.backoff.value,
            "max_retries": self.max_retries,
            "base_delay": self.base_delay,
            "max_delay": self.max_delay,
            "multiplier": self.multiplier,
            "jitter": self.jitter,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetryStrategy:
        """Rebuild a strategy from :meth:`to_dict` output.

        Raises:
            ValidationError: unknown keys or invalid values.
        """
        if not isinstance(data, dict):
            raise ValidationError(f"retry strategy must be a dict, got {type(data).__name__}")
        allowed = {"backoff", "max_retries", "base_delay", "max_delay", "multiplier", "jitter"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValidationError(f"unknown retry strategy settings: {', '.join(unknown)}")
        return cls(**data)


def _check_attempt(attempt: object) -> None:
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ValidationError(f"attempt must be an int >= 1 (1 = the first run), got {attempt!r}")
