"""Golden tests: the cross-process lock statements of every dialect (``named_lock``, used by
the migration runner), pinned in ``golden/named_locks.<dialect>.sql``. Oracle (``DBMS_LOCK``)
and Db2 (a lock row) have no server here: these files pin their SQL. Regenerate after an
intended change with ``SPINE_UPDATE_GOLDEN=1`` and review the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spine.db import get_dialect
from spine.db.dialects import DIALECT_NAMES
from spine.db.locks import lock_sql

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_named_lock_sql_matches_golden_file(dialect_name: str) -> None:
    rendered = "\n\n".join(
        f"-- {label}\n{sql}" for label, sql in lock_sql(get_dialect(dialect_name))
    )
    path = GOLDEN / f"named_locks.{dialect_name}.sql"
    if os.environ.get("SPINE_UPDATE_GOLDEN") == "1":
        path.write_text(rendered + "\n", encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rendered + "\n"


def test_every_backend_takes_a_cross_process_lock() -> None:
    kinds = {name: get_dialect(name).named_lock_kind for name in DIALECT_NAMES}
    assert kinds == {
        "sqlite": "transaction",
        "postgresql": "session",
        "mysql": "session",
        "oracle": "session",
        "db2": "row",
    }


def test_oracle_lock_is_held_across_commits_and_raises_when_not_obtained() -> None:
    sql, params = get_dialect("oracle").named_lock_sql("spine_migrations", 7)
    assert "DBMS_LOCK.REQUEST(h, DBMS_LOCK.X_MODE, :2, FALSE)" in sql
    assert "RAISE_APPLICATION_ERROR" in sql
    assert params == ("spine_migrations", 7)
