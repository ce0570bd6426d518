"""Concurrency locks with a time to live: one runner per operation and partition.

A lock is keyed (``lock_key("finra.otc.ingest", {"week_ending": "2025-12-26"})``), held by
an owner until it is released or its TTL passes; an expired lock is taken over by the next
acquirer, so a crashed holder never blocks the work for longer than the TTL. Locks are
re-entrant for the same owner (each acquire needs a release; re-acquiring extends the TTL).

:class:`LockGuard` is the store protocol: the in-memory twin
(:class:`spine.execution.testing.InMemoryLockGuard`) and the SQL ``ConcurrencyGuard`` over
``core_concurrency_locks`` implement it, checked by one contract suite.

Example:
    >>> from spine.execution.testing import InMemoryLockGuard
    >>> guard = InMemoryLockGuard()
    >>> key = lock_key("finra.otc.ingest", {"week_ending": "2025-12-26", "tier": "NMS"})
    >>> key
    'finra.otc.ingest|{"tier":"NMS","week_ending":"2025-12-26"}'
    >>> guard.acquire(key, "worker-1", ttl=60), guard.acquire(key, "worker-2", ttl=60)
    (True, False)
    >>> with hold_lock(guard, "other.key", "worker-2", ttl=60):
    ...     guard.get("other.key").owner
    'worker-2'
    >>> guard.get("other.key") is None
    True
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from spine.execution.errors import LockNotAcquiredError
from spine.types import ValidationError

__all__ = [
    "MAX_LOCK_KEY",
    "LockGuard",
    "LockInfo",
    "check_lock_args",
    "default_owner",
    "hold_lock",
    "lock_key",
]

MAX_LOCK_KEY = 255
DEFAULT_TTL = 3600.0


@dataclass(frozen=True, slots=True)
class LockInfo:
    """A held lock.

    Attributes:
        lock_key: The key.
        owner: Who holds it.
        execution_id: The execution it protects, if any.
        acquired_at: When the owner first took it.
        expires_at: When it may be taken over (UTC).
        depth: Re-entrant holds by the owner (each needs a release).
    """

    lock_key: str
    owner: str
    execution_id: str | None
    acquired_at: datetime
    expires_at: datetime
    depth: int = 1


@runtime_checkable
class LockGuard(Protocol):
    """Store of expiring, re-entrant locks."""

    def acquire(
        self,
        lock_key: str,
        owner: str,
        *,
        ttl: float = DEFAULT_TTL,
        execution_id: str | None = None,
    ) -> bool:
        """Take the lock for ``ttl`` seconds. ``True`` when ``owner`` now holds it: it was
        free, expired (taken over), or already held by ``owner`` (re-entrant: depth + 1,
        expiry extended). ``False`` when another owner holds it. Never blocks.

        Raises:
            ValidationError: a bad key, owner or TTL.
        """
        ...

    def release(self, lock_key: str, owner: str) -> bool:
        """Drop one hold of ``owner``; the lock is free when the last hold is dropped.
        ``False`` (and no change) when ``owner`` does not hold it."""
        ...

    def refresh(self, lock_key: str, owner: str, *, ttl: float = DEFAULT_TTL) -> bool:
        """Extend ``owner``'s lock to ``now + ttl`` (a heartbeat); ``False`` if not held."""
        ...

    def get(self, lock_key: str) -> LockInfo | None:
        """The current holder, or ``None`` when the lock is free or expired."""
        ...

    def list_locks(self) -> list[LockInfo]:
        """Every held, unexpired lock, by key."""
        ...

    def cleanup_expired(self) -> int:
        """Delete expired locks; return how many."""
        ...


def check_lock_args(lock_key: object, owner: object, ttl: object | None = None) -> float:
    """Validate lock arguments; return the TTL as a float (``0.0`` when not given).

    Raises:
        ValidationError: naming the bad argument.
    """
    for name, value in (("lock_key", lock_key), ("owner", owner)):
        if not isinstance(value, str) or not value or len(value) > MAX_LOCK_KEY:
            raise ValidationError(f"{name} must be a str of 1..{MAX_LOCK_KEY} chars, got {value!r}")
    if ttl is None:
        return 0.0
    from spine.execution.timeout import check_timeout

    return check_timeout(ttl, "lock ttl")


def lock_key(operation: str, partition: Mapping[str, Any] | None = None) -> str:
    """The lock key of an operation on a partition: ``operation|<canonical partition JSON>``.

    Key order of the partition never matters. When the key would exceed 255 characters the
    partition part is its SHA-256 instead (still one key per partition).

    Raises:
        ValidationError: an empty operation, or a partition that is not a valid partition key.
    """
    if not isinstance(operation, str) or not operation or len(operation) > 180:
        raise ValidationError(f"operation must be a str of 1..180 chars, got {operation!r}")
    if not partition:
        return operation
    from spine.db.encoding import canonical_partition_key

    text = canonical_partition_key(partition)
    key = f"{operation}|{text}"
    if len(key) <= MAX_LOCK_KEY:
        return key
    return f"{operation}#{hashlib.sha256(text.encode()).hexdigest()}"


def default_owner() -> str:
    """An owner naming this host, process and thread: ``host:pid:thread``."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{threading.get_ident()}"


@contextmanager
def hold_lock(
    guard: LockGuard,
    lock_key: str,
    owner: str | None = None,
    *,
    ttl: float = DEFAULT_TTL,
    execution_id: str | None = None,
) -> Iterator[str]:
    """Hold a lock for the block (released even when the block raises); yields the owner.

    Raises:
        LockNotAcquiredError: another owner holds it (retryable).
    """
    who = owner if owner is not None else default_owner()
    if not guard.acquire(lock_key, who, ttl=ttl, execution_id=execution_id):
        holder = guard.get(lock_key)
        detail = f" by {holder.owner} until {holder.expires_at.isoformat()}" if holder else ""
        raise LockNotAcquiredError(f"lock {lock_key!r} is held{detail}")
    try:
        yield who
    finally:
        guard.release(lock_key, who)
