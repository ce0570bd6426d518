"""The worker's rate gate: a token for each rate-limited job before it runs, never a wait.

A handler registered with ``rate_limit=`` runs only with a token of its limiter. The worker
asks without waiting (:meth:`~spine.execution.RateLimiter.take`); a job refused is
**deferred**: its row goes back to ``pending`` with a later ``run_after`` and its attempt is
given back (:meth:`~spine.execution.queue.WorkQueue.defer`), so a busy limit never uses up
attempts, never dead-letters a job and never blocks a worker thread.

Two things keep deferrals few when many jobs wait for one limit:

* this worker spreads its refused jobs of one limiter one :attr:`~spine.execution.
  RateLimiter.interval` apart (``1 / rate``), so they come back one by one at the rate the
  limit can serve, not all at once (which would make every worker claim and defer the same
  due jobs in a hot loop);
* while a limiter refused lately (until its tokens can be there), this worker refuses its
  jobs without asking the store again (a shared store costs a round trip).

Both only ever refuse more, never grant more: the limit itself is the store's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from spine.execution.rate_limit import RateLimiter, RateLimitExceeded

__all__ = ["Deferred", "RateGate"]

_MIN_DELAY = 0.001


class Deferred(RateLimitExceeded):
    """A job refused by its handler's rate limit before it ran: the worker defers it by
    ``delay`` seconds (never raised out of the worker)."""

    def __init__(self, limiter: RateLimiter, delay: float) -> None:
        super().__init__(
            f"{limiter!r} had no token; deferred by {delay:.3f}s",
            retry_after=max(1, int(delay + 0.999)),
        )
        self.limiter = repr(limiter)
        self.delay = delay


@dataclass
class _State:
    limiter: RateLimiter  # held, so its id stays its own
    blocked_until: float = 0.0  # no token before this (monotonic seconds)
    next_slot: float = 0.0  # the next refused job of this worker comes back then


class RateGate:
    """Takes a token for each rate-limited job of one worker, or says how long to defer it.

    Thread-safe: the worker's pool threads share it. ``clock``: monotonic seconds.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[int, _State] = {}

    def admit(self, limiter: RateLimiter) -> Deferred | None:
        """``None`` when a token was taken (run the job now), else the deferral.

        Raises:
            Exception: whatever the limiter's store raises (the attempt then fails and the
                retry policy decides: a store that is down holds jobs back).
        """
        now = self._clock()
        with self._lock:
            state = self._states.get(id(limiter))
            if state is not None and now < state.blocked_until:
                return self._defer(state, now)
        grant = limiter.take()
        if grant.granted:
            return None
        with self._lock:
            state = self._states.setdefault(id(limiter), _State(limiter))
            state.blocked_until = max(state.blocked_until, now + grant.wait)
            return self._defer(state, now)

    @staticmethod
    def _defer(state: _State, now: float) -> Deferred:
        slot = max(state.next_slot, state.blocked_until, now)
        state.next_slot = slot + state.limiter.interval
        return Deferred(state.limiter, max(slot - now, _MIN_DELAY))
