"""The work-queue store interface: a small protocol with a SQL and an in-memory implementation.

:class:`WorkQueue` is implemented by :class:`~spine.execution.queue.SqlWorkQueue` (the
``core_work_items`` table through spine-db's dialects) and by
:class:`spine.execution.testing.InMemoryWorkQueue`; one contract suite
(``tests-integration/execution/test_exec_queue_contract.py``) runs against both.

Guarantees of every implementation:

* ``claim`` hands each due item to exactly one owner: ``pending`` items whose ``run_after``
  has come, highest ``priority`` first, then oldest ``run_after``; the item becomes
  ``running`` with ``attempts + 1`` and a lease of ``lease_seconds``.
* Only the owner of a live lease changes a running item (``heartbeat``, ``complete``,
  ``fail``, ``reschedule``, ``defer``): a worker whose lease expired and was reclaimed
  cannot complete the item afterwards (at-least-once, never "completed twice").
* ``defer`` returns a held item to ``pending`` until a later ``run_after`` and gives its
  attempt back (a job that did not run because its rate limit had no token).
* ``reclaim_expired`` returns running items whose lease expired to ``pending`` (or
  ``failed`` when no attempt is left): work whose worker died is never stuck ``running``.
* Bad input raises a typed error (``ValidationError``, ``UnserializableParamsError``) and
  writes nothing; ``enqueue_many`` writes all items or none.
* On a SQL connection, every method joins the caller's open transaction (so a worker writes
  queue and ledger changes in one commit) and otherwise commits its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from spine.execution.queue.models import NewWork, WorkItem, WorkStatus

__all__ = ["WorkQueue"]


@runtime_checkable
class WorkQueue(Protocol):
    """Store of work items (the ``core_work_items`` queue)."""

    def enqueue(self, work: NewWork) -> WorkItem:
        """Store ``work`` as a pending item; with an ``idempotency_key`` already used,
        return the existing item instead (nothing new is stored)."""
        ...

    def enqueue_many(self, works: Iterable[NewWork]) -> list[str]:
        """Store many items in one transaction (all or none); return their ids.

        Raises:
            IntegrityError: an id or idempotency key exists already (nothing stored).
        """
        ...

    def get(self, item_id: str) -> WorkItem | None:
        """The item, or ``None``."""
        ...

    def claim(
        self,
        owner: str,
        *,
        limit: int = 1,
        lanes: Sequence[str] | None = None,
        lease_seconds: float = 30.0,
    ) -> list[WorkItem]:
        """Claim up to ``limit`` due items (of ``lanes``, default every lane) for ``owner``.

        Raises:
            ValidationError: a bad owner, limit, lane list or lease.
        """
        ...

    def heartbeat(
        self, owner: str, item_ids: Sequence[str], *, lease_seconds: float = 30.0
    ) -> list[str]:
        """Extend the leases ``owner`` still holds among ``item_ids``; return those ids."""
        ...

    def complete(self, owner: str, item_ids: Sequence[str]) -> list[str]:
        """Mark the items ``owner`` still holds as completed; return their ids."""
        ...

    def fail(self, owner: str, item_id: str, error: str) -> bool:
        """Mark the held item failed for good (no retry); ``False`` if not held."""
        ...

    def reschedule(self, owner: str, item_id: str, run_after: datetime, error: str) -> bool:
        """Put the held item back to pending until ``run_after`` (a retry after a failed
        attempt); ``False`` if not held."""
        ...

    def defer(
        self, owner: str, item_id: str, run_after: datetime, reason: str = "deferred"
    ) -> bool:
        """Put the held item back to pending until ``run_after`` **without counting its
        attempt** (it did not run: its rate limit had no token); ``False`` if not held.

        ``attempts`` goes back by one, so deferrals never use up the item's attempts nor
        send it to the dead-letter queue. ``last_error`` keeps the latest failure; an item
        that has none gets ``reason`` (so an item claimed before always has attempts or a
        ``last_error``: see :attr:`WorkItem.first_claim`).

        Raises:
            ValidationError: a bad owner, or a ``run_after`` that is not an aware datetime.
        """
        ...

    def reclaim_expired(self, *, limit: int = 100) -> list[WorkItem]:
        """Release up to ``limit`` running items whose lease expired: back to ``pending``
        (due now), or ``failed`` when their attempts are used up. Return them as stored."""
        ...

    def cancel(self, item_id: str) -> bool:
        """Cancel a pending item; ``False`` if it is not pending (running, finished,
        unknown)."""
        ...

    def counts(self, *, lane: str | None = None) -> dict[WorkStatus, int]:
        """How many items per status (every status present, zeros included)."""
        ...
