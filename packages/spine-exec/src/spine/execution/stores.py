"""``ExecutionStores``: a ledger, a lock guard and a dead-letter queue that work as one.

Tracked executions touch all three stores; grouping them lets a caller run several calls as
**one unit of work** through :meth:`ExecutionStores.atomic` (on SQL: one transaction on the
shared connection, so "create + lock + RUNNING" and "COMPLETED + release" cost one commit
each). The unit of work is the ledger's: stores bundled together must join it (the SQL
stores share one connection; the in-memory ones share the process).

Example:
    >>> from spine.execution.testing import in_memory_stores
    >>> stores = in_memory_stores()
    >>> with stores.atomic():
    ...     pass
    >>> stores.guard is not None and stores.dlq is not None
    True
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from spine.execution.dlq import DeadLetterQueue
from spine.execution.ledger import Ledger
from spine.execution.locks import LockGuard
from spine.types import ValidationError

__all__ = ["ExecutionStores", "Stores", "resolve_stores"]


@runtime_checkable
class ExecutionStores(Protocol):
    """A ledger, an optional lock guard and an optional dead-letter queue sharing one unit
    of work."""

    @property
    def ledger(self) -> Ledger:
        """Where executions and events are recorded."""
        ...

    @property
    def guard(self) -> LockGuard | None:
        """Concurrency locks (``None``: no locking)."""
        ...

    @property
    def dlq(self) -> DeadLetterQueue | None:
        """Dead letters (``None``: failures are not parked)."""
        ...

    def atomic(self) -> AbstractContextManager[Any]:
        """One unit of work across the stores."""
        ...


@dataclass(frozen=True, slots=True)
class Stores:
    """A plain :class:`ExecutionStores` bundle of any implementations.

    ``atomic()`` is the ledger's unit of work; pass stores that join it (same connection).
    """

    ledger: Ledger
    guard: LockGuard | None = None
    dlq: DeadLetterQueue | None = None

    def atomic(self) -> AbstractContextManager[Any]:
        """The ledger's unit of work."""
        return self.ledger.atomic()


def resolve_stores(
    source: object = None,
    *,
    ledger: Ledger | None = None,
    guard: LockGuard | None = None,
    dlq: DeadLetterQueue | None = None,
) -> ExecutionStores:
    """The stores to use from a bundle, a database connection (the SQL stores on it, see
    :func:`spine.execution.sql_stores`), or from ``ledger=`` / ``guard=`` / ``dlq=``.

    Raises:
        ValidationError: neither a bundle nor a ledger, or both.
    """
    if source is not None:
        if ledger is not None or guard is not None or dlq is not None:
            raise ValidationError("pass either a stores bundle or ledger=/guard=/dlq=, not both")
        if isinstance(source, ExecutionStores):
            return source
        if callable(getattr(source, "cursor", None)) and callable(getattr(source, "commit", None)):
            from spine.execution._sql_stores import sql_stores

            return sql_stores(source)
        raise ValidationError(
            f"expected an ExecutionStores bundle (ledger, guard, dlq, atomic()) or a database "
            f"connection, got "
            f"{type(source).__name__}"
        )
    if ledger is None:
        raise ValidationError("a tracked execution needs a ledger: pass stores or ledger=")
    return Stores(ledger, guard, dlq)
