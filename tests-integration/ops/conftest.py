"""Fixtures of the spine-ops contract suite (run on every reachable backend).

Builds on ``db`` / ``db_factory`` / ``backend_name`` from ``tests-integration/conftest.py``:
``ops_db`` is ``db`` with the core tables created, ``make_table`` creates a domain table from a
spine-db ``Table`` declaration (rendered for the backend) and drops it after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from spine.db import create_core_tables, get_dialect
from spine.db.schema import Table


@pytest.fixture
def ops_db(db: Any) -> Any:
    create_core_tables(db)
    db.commit()
    return db


@pytest.fixture
def make_table(ops_db: Any) -> Iterator[Callable[[Table], str]]:
    created: list[str] = []
    dialect = get_dialect(ops_db)

    def make(table: Table) -> str:
        ops_db.execute(dialect.drop_table_sql(table.name))
        for stmt in dialect.create_table_statements(table):
            ops_db.execute(stmt)
        ops_db.commit()
        created.append(table.name)
        return table.name

    yield make
    try:
        ops_db.rollback()
    finally:
        for name in reversed(created):
            try:
                ops_db.execute(dialect.drop_table_sql(name))
                ops_db.commit()
            except Exception:
                ops_db.rollback()
