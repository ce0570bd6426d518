"""Migrations of component ``spine-exec``, live on every backend: a database whose tables
an earlier release created reaches the declared shape, and its data survives."""

from __future__ import annotations

from spine.db import SpineConnection
from spine.execution import Execution, SqlLedger


def test_a_ledger_of_an_earlier_release_gets_its_key_indexes_made_sparse(
    db: SpineConnection,
) -> None:
    """Migration 1 of ``spine-exec`` (sparse idempotency / parent indexes) on a database
    whose tables an earlier release created: applied once, executions survive and are still
    found by idempotency key."""
    from dataclasses import replace

    from spine.db.schema import index_exists, install_schema
    from spine.execution.schema import CORE_EXECUTIONS, TABLES

    old = [replace(t, indexes=tuple(replace(ix, sparse=False) for ix in t.indexes)) for t in TABLES]
    for table in old:  # as the earlier release made them
        for stmt in db.dialect.create_table_statements(table):
            db.execute(stmt)
    db.commit()
    ledger = SqlLedger(db)
    keyed = ledger.create_execution(Execution.create("wf", idempotency_key="week-1"))
    ledger.create_execution(Execution.create("wf"))
    report = install_schema(db, ["spine-exec"])
    assert ("spine-exec", 1) in report.applied
    for name in ("ix_exec_idempotency", "ix_exec_parent"):
        assert index_exists(db, CORE_EXECUTIONS.name, name)
    found = SqlLedger(db).get_by_idempotency_key("week-1")
    assert found is not None
    assert found.id == keyed.id
    assert install_schema(db, ["spine-exec"]).applied == ()
