"""In-memory lock guard: the :class:`~spine.execution.locks.LockGuard` twin."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from spine.execution.locks import DEFAULT_TTL, LockInfo, check_lock_args
from spine.types.timestamps import utc_now

__all__ = ["InMemoryLockGuard"]


class InMemoryLockGuard:
    """Expiring, re-entrant locks held in process memory (threads of one process).

    Args:
        clock: Source of "now" (UTC): a fake clock lets tests expire locks.
    """

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._locks: dict[str, LockInfo] = {}

    def acquire(
        self,
        lock_key: str,
        owner: str,
        *,
        ttl: float = DEFAULT_TTL,
        execution_id: str | None = None,
    ) -> bool:
        """See :meth:`spine.execution.locks.LockGuard.acquire`."""
        seconds = check_lock_args(lock_key, owner, ttl)
        now = self._clock()
        expires = now + timedelta(seconds=seconds)
        with self._lock:
            held = self._locks.get(lock_key)
            if held is not None and held.expires_at > now:
                if held.owner != owner:
                    return False
                self._locks[lock_key] = replace(
                    held, depth=held.depth + 1, expires_at=max(held.expires_at, expires)
                )
                return True
            self._locks[lock_key] = LockInfo(lock_key, owner, execution_id, now, expires)
        return True

    def release(self, lock_key: str, owner: str) -> bool:
        """See :meth:`spine.execution.locks.LockGuard.release`."""
        check_lock_args(lock_key, owner)
        with self._lock:
            held = self._locks.get(lock_key)
            if held is None or held.owner != owner:
                return False
            if held.depth > 1:
                self._locks[lock_key] = replace(held, depth=held.depth - 1)
            else:
                del self._locks[lock_key]
        return True

    def refresh(self, lock_key: str, owner: str, *, ttl: float = DEFAULT_TTL) -> bool:
        """See :meth:`spine.execution.locks.LockGuard.refresh`."""
        seconds = check_lock_args(lock_key, owner, ttl)
        now = self._clock()
        with self._lock:
            held = self._locks.get(lock_key)
            if held is None or held.owner != owner or held.expires_at <= now:
                return False
            self._locks[lock_key] = replace(held, expires_at=now + timedelta(seconds=seconds))
        return True

    def get(self, lock_key: str) -> LockInfo | None:
        """See :meth:`spine.execution.locks.LockGuard.get`."""
        held = self._locks.get(lock_key)
        if held is None or held.expires_at <= self._clock():
            return None
        return held

    def list_locks(self) -> list[LockInfo]:
        """See :meth:`spine.execution.locks.LockGuard.list_locks`."""
        now = self._clock()
        with self._lock:
            return sorted(
                (h for h in self._locks.values() if h.expires_at > now), key=lambda h: h.lock_key
            )

    def cleanup_expired(self) -> int:
        """See :meth:`spine.execution.locks.LockGuard.cleanup_expired`."""
        now = self._clock()
        with self._lock:
            expired = [k for k, h in self._locks.items() if h.expires_at <= now]
            for key in expired:
                del self._locks[key]
        return len(expired)

    def __repr__(self) -> str:
        return f"InMemoryLockGuard({len(self.list_locks())} held)"
