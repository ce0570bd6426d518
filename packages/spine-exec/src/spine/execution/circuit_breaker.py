"""``CircuitBreaker``: stop calling a dependency that keeps failing, probe it, recover.

::

    CLOSED ──(failure_threshold consecutive failures)──► OPEN
    OPEN ──(recovery_timeout elapsed: next call is a probe)──► HALF_OPEN
    HALF_OPEN ──(success_threshold successful probes)──► CLOSED
    HALF_OPEN ──(any failure)──► OPEN (the timeout starts again)

While OPEN, calls fail fast with :class:`~spine.execution.errors.CircuitOpenError`
(retryable, ``retry_after`` = seconds until the next probe). What counts as a failure comes
from the taxonomy: errors of the caller's own making (``VALIDATION``, ``CONFIG`` categories:
bad params, a missing setting) say nothing about the dependency and count as successes;
pass ``is_failure=`` to decide otherwise.

The breaker's state lives in a :class:`BreakerStateStore`. The default keeps it in this
process (thread-safe); a shared store (:class:`spine.execution.SqlBreakerStore` over the
database) lets every worker see one breaker per dependency. The store applies each change
atomically, so the logic here is a set of pure functions over :class:`BreakerState`.

Example:
    >>> from spine.types import NetworkError
    >>> store = InMemoryBreakerStore(clock=lambda: 0.0)
    >>> breaker = CircuitBreaker("finra-api", failure_threshold=2, recovery_timeout=30, store=store)
    >>> for _ in range(2):
    ...     try:
    ...         breaker.call(lambda: (_ for _ in ()).throw(NetworkError("503")))
    ...     except NetworkError:
    ...         pass
    >>> breaker.state
    <CircuitState.OPEN: 'open'>
    >>> breaker.call(lambda: "never called")
    Traceback (most recent call last):
    ...
    spine.execution.errors.CircuitOpenError: circuit 'finra-api' is open; next probe in 30.0s
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from types import TracebackType
from typing import Any, ParamSpec, Protocol, TypeVar, cast, runtime_checkable

from spine.execution.errors import CircuitOpenError
from spine.types import ErrorCategory, ValidationError, categorize_error

__all__ = [
    "BreakerState",
    "BreakerStateStore",
    "CircuitBreaker",
    "CircuitState",
    "InMemoryBreakerStore",
    "counts_as_failure",
]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class CircuitState(StrEnum):
    """Where a breaker is in its cycle."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerState:
    """A breaker's stored state (times are the store's clock, in seconds).

    Attributes:
        state: CLOSED, OPEN or HALF_OPEN.
        failures: Consecutive failures while CLOSED.
        successes: Successful probes while HALF_OPEN.
        probes: Probes admitted and not yet reported while HALF_OPEN.
        opened_at: When it last opened.
        half_open_at: When it last went HALF_OPEN.
    """

    state: CircuitState = CircuitState.CLOSED
    failures: int = 0
    successes: int = 0
    probes: int = 0
    opened_at: float | None = None
    half_open_at: float | None = None


_CLOSED = BreakerState()


@runtime_checkable
class BreakerStateStore(Protocol):
    """Where breaker states live; each ``update`` is atomic across every user of the store."""

    def now(self) -> float:
        """The store's clock in seconds (monotonic in process; shared for a shared store)."""
        ...

    def get(self, name: str) -> BreakerState:
        """The breaker's state (a new CLOSED state when unknown)."""
        ...

    def update(
        self, name: str, change: Callable[[BreakerState, float], tuple[BreakerState, T]]
    ) -> T:
        """Atomically replace the state by ``change(state, now)[0]``; return its ``[1]``."""
        ...


class InMemoryBreakerStore:
    """Breaker states in this process (thread-safe).

    Args:
        clock: Seconds (default ``time.monotonic``); inject a fake in tests.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, BreakerState] = {}

    def now(self) -> float:
        """See :meth:`BreakerStateStore.now`."""
        return self._clock()

    def get(self, name: str) -> BreakerState:
        """See :meth:`BreakerStateStore.get`."""
        return self._states.get(name, _CLOSED)

    def update(
        self, name: str, change: Callable[[BreakerState, float], tuple[BreakerState, T]]
    ) -> T:
        """See :meth:`BreakerStateStore.update`."""
        with self._lock:
            new, answer = change(self._states.get(name, _CLOSED), self._clock())
            self._states[name] = new
        return answer


_CALLERS_OWN = frozenset({ErrorCategory.VALIDATION, ErrorCategory.CONFIG})


def counts_as_failure(error: BaseException) -> bool:
    """The default failure test: any exception except those of the caller's own making
    (VALIDATION and CONFIG categories) and ``CircuitOpenError`` itself."""
    if isinstance(error, CircuitOpenError) or not isinstance(error, Exception):
        return False
    return categorize_error(error) not in _CALLERS_OWN


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"{name} must be an int >= 1, got {value!r}")
    return value


class CircuitBreaker:
    """A circuit breaker for one dependency. Thread-safe.

    Args:
        name: The dependency (the key in a shared store).
        failure_threshold: Consecutive failures that open the circuit.
        recovery_timeout: Seconds the circuit stays open before a probe is let through.
        success_threshold: Successful probes that close it again.
        half_open_max_calls: Probes allowed in flight at once (default ``success_threshold``).
        is_failure: Which errors count (default :func:`counts_as_failure`).
        store: Where the state lives (default: this process).

    Raises:
        ValidationError: thresholds below 1, a timeout that is not a number > 0.
    """

    def __init__(
        self,
        name: str = "default",
        failure_threshold: int = 5,
        recovery_timeout: float = 30.0,
        success_threshold: int = 2,
        *,
        half_open_max_calls: int | None = None,
        is_failure: Callable[[BaseException], bool] = counts_as_failure,
        store: BreakerStateStore | None = None,
    ) -> None:
        from spine.execution.timeout import check_timeout

        if not isinstance(name, str) or not name or len(name) > 255:
            raise ValidationError(f"name must be a str of 1..255 chars, got {name!r}")
        self.name = name
        self.failure_threshold = _positive_int("failure_threshold", failure_threshold)
        self.recovery_timeout = check_timeout(recovery_timeout, "recovery_timeout")
        self.success_threshold = _positive_int("success_threshold", success_threshold)
        self.half_open_max_calls = _positive_int(
            "half_open_max_calls",
            success_threshold if half_open_max_calls is None else half_open_max_calls,
        )
        self.is_failure = is_failure
        self.store: BreakerStateStore = store if store is not None else InMemoryBreakerStore()

    # -- the state machine (pure functions of the stored state) ---------------------------
    def _admit(self, s: BreakerState, now: float) -> tuple[BreakerState, float | None]:
        """Admit a call: ``None`` when allowed, else the seconds until the next probe."""
        if s.state is CircuitState.CLOSED:
            return s, None
        if s.state is CircuitState.OPEN:
            wait = (s.opened_at or now) + self.recovery_timeout - now
            if wait > 0:
                return s, wait
            return BreakerState(CircuitState.HALF_OPEN, probes=1, half_open_at=now), None
        # HALF_OPEN: a bounded number of probes; probes that never reported expire.
        stale = s.half_open_at is not None and now - s.half_open_at >= self.recovery_timeout
        if s.probes < self.half_open_max_calls or stale:
            probes = 1 if stale else s.probes + 1
            return replace(s, probes=probes, half_open_at=now if stale else s.half_open_at), None
        return s, min(self.recovery_timeout, 1.0)

    def _success(self, s: BreakerState, now: float) -> tuple[BreakerState, None]:
        if s.state is CircuitState.CLOSED:
            return (s if s.failures == 0 else replace(s, failures=0)), None
        if s.state is CircuitState.HALF_OPEN:
            successes = s.successes + 1
            if successes >= self.success_threshold:
                return _CLOSED, None
            return replace(s, successes=successes, probes=max(s.probes - 1, 0)), None
        return s, None  # a call admitted before the circuit opened: no news

    def _failure(self, s: BreakerState, now: float) -> tuple[BreakerState, None]:
        if s.state is CircuitState.CLOSED:
            failures = s.failures + 1
            if failures >= self.failure_threshold:
                return BreakerState(CircuitState.OPEN, failures, opened_at=now), None
            return replace(s, failures=failures), None
        if s.state is CircuitState.HALF_OPEN:
            return BreakerState(CircuitState.OPEN, s.failures, opened_at=now), None
        return s, None

    # -- manual protocol -----------------------------------------------------------------
    def allow_request(self) -> bool:
        """Admit one call (``True``) or refuse it; an admitted call must be reported with
        :meth:`record_success` or :meth:`record_failure`."""
        return self.store.update(self.name, self._admit) is None

    def _check(self) -> None:
        wait = self.store.update(self.name, self._admit)
        if wait is not None:
            raise CircuitOpenError(self.name, retry_after=wait)

    def record_success(self) -> None:
        """Report a successful call."""
        self.store.update(self.name, self._success)

    def record_failure(self, error: BaseException | None = None) -> None:
        """Report a failed call (``error`` is checked with ``is_failure`` when given)."""
        if error is not None and not self.is_failure(error):
            self.record_success()
        else:
            self.store.update(self.name, self._failure)

    # -- calling through the breaker ------------------------------------------------------
    def call(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call ``fn`` through the breaker.

        Raises:
            CircuitOpenError: the circuit is open (``fn`` is not called).
            whatever ``fn`` raises (after counting it).
        """
        self._check()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            self.record_failure(exc)
            raise
        self.record_success()
        return result

    async def call_async(
        self, fn: Callable[P, Awaitable[R]], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Await ``fn(*args, **kwargs)`` through the breaker (see :meth:`call`)."""
        self._check()
        try:
            result = await fn(*args, **kwargs)
        except BaseException as exc:
            self.record_failure(exc)
            raise
        self.record_success()
        return result

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Decorate a function (or ``async def``) so every call goes through the breaker."""
        if inspect.iscoroutinefunction(fn):
            afn = cast(Callable[P, Awaitable[Any]], fn)

            @functools.wraps(fn)
            async def run_async(*args: P.args, **kwargs: P.kwargs) -> Any:
                return await self.call_async(afn, *args, **kwargs)

            return cast(Callable[P, R], run_async)

        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            return self.call(fn, *args, **kwargs)

        return run

    def __enter__(self) -> CircuitBreaker:
        self._check()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.record_success()
        else:
            self.record_failure(exc)

    # -- inspection ----------------------------------------------------------------------
    @property
    def state(self) -> CircuitState:
        """The state a call would find now (OPEN turns HALF_OPEN once the timeout passed)."""
        s = self.store.get(self.name)
        if (
            s.state is CircuitState.OPEN
            and s.opened_at is not None
            and self.store.now() - s.opened_at >= self.recovery_timeout
        ):
            return CircuitState.HALF_OPEN
        return s.state

    def snapshot(self) -> BreakerState:
        """The stored state (counters included)."""
        return self.store.get(self.name)

    def reset(self) -> None:
        """Close the circuit and clear its counters."""
        self.store.update(self.name, lambda s, now: (BreakerState(), None))

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r}, state={self.state.value})"
