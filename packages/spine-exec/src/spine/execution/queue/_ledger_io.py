"""How the worker writes a batch of transitions to the ledger: the ledger's batch methods
(``create_executions`` / ``update_statuses``: one round of statements per batch) where it
has them, one call per execution otherwise."""

from __future__ import annotations

from collections.abc import Sequence

from spine.execution.ledger import Ledger, StatusChange
from spine.execution.models import Execution

__all__ = ["create_all", "create_and_update", "update_all"]


def create_all(ledger: Ledger, executions: Sequence[Execution]) -> None:
    """Create ``executions`` (all or none where the ledger batches)."""
    if not executions:
        return
    batch = getattr(ledger, "create_executions", None)
    if batch is not None:
        batch(list(executions))
        return
    for execution in executions:
        ledger.create_execution(execution)


def update_all(ledger: Ledger, changes: Sequence[StatusChange]) -> None:
    """Apply ``changes`` in order, each with its event."""
    if not changes:
        return
    batch = getattr(ledger, "update_statuses", None)
    if batch is not None:
        batch(list(changes))
        return
    for c in changes:
        ledger.update_status(
            c.execution_id,
            c.status,
            result=c.result,
            error=c.error,
            error_type=c.error_type,
            data=c.data,
            at=c.at,
        )


def create_and_update(
    ledger: Ledger, executions: Sequence[Execution], changes: Sequence[StatusChange]
) -> None:
    """Create ``executions`` and apply ``changes`` to them: in one write where the ledger
    can (rows stored in their final state), else :func:`create_all` then
    :func:`update_all`."""
    batch = getattr(ledger, "create_and_update", None)
    if batch is None or not executions:
        create_all(ledger, executions)
        update_all(ledger, changes)
        return
    batch(list(executions), list(changes))
