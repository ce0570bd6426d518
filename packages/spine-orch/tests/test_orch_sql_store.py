"""spine-orch's tables (schema component) and the SQL run store on SQLite.

The cross-backend contract suites are in ``tests-integration/orch``; here: the component is
published, its tables render on every dialect, the statements of the per-step path are pinned
for the backends that cannot run here (Oracle, Db2), and the store works end to end on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points

import pytest

from spine.db import SpineConnection, connect, get_dialect
from spine.db.schema import install_schema
from spine.orchestration import (
    SqlRunStore,
    Step,
    StepResult,
    TrackedWorkflowRunner,
    Workflow,
    open_run_store,
)
from spine.orchestration.schema import SCHEMA, TABLES
from spine.orchestration.sql_store import active_key, upsert_step_sql
from spine.orchestration.testing import InMemoryRunStore
from spine.types import RunStatus


@pytest.fixture
def conn() -> Iterator[SpineConnection]:
    c = connect("memory")
    install_schema(c)
    yield c
    c.close()


def test_the_schema_component_is_published_under_its_distribution_name() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="spine.schema")}
    assert found["spine-orch"] == "spine.orchestration.schema:SCHEMA"
    assert SCHEMA.name == "spine-orch"
    assert [t.name for t in TABLES] == [
        "core_workflow_runs",
        "core_workflow_steps",
        "core_workflow_events",
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql", "oracle", "db2"])
def test_every_table_renders_on_every_dialect(backend: str) -> None:
    d = get_dialect(backend)
    for table in TABLES:
        statements = d.create_table_statements(table)
        assert table.name in statements[0]
        assert all(index.name in "\n".join(statements) for index in table.indexes)


def test_the_checkpoint_upsert_is_pinned_for_oracle_and_db2() -> None:
    oracle = upsert_step_sql(get_dialect("oracle"))
    assert oracle.startswith(
        "MERGE INTO core_workflow_steps tgt USING (SELECT :1 AS run_id, :2 AS step_name, "
    )
    assert "ON (tgt.run_id = src.run_id AND tgt.step_name = src.step_name)" in oracle
    assert "FROM dual" in oracle
    db2 = upsert_step_sql(get_dialect("db2"))
    assert db2.startswith(
        "MERGE INTO core_workflow_steps AS tgt USING (VALUES (CAST(? AS VARCHAR(64)), "
        "CAST(? AS VARCHAR(100)), "
    )
    assert "CAST(? AS CLOB(1G))" in db2  # typed markers: Db2 cannot infer them in VALUES
    assert "ON tgt.run_id = src.run_id AND tgt.step_name = src.step_name" in db2


def test_active_key_is_one_digest_per_workflow_and_partition() -> None:
    assert active_key("w", "p") == active_key("w", "p")
    assert active_key("w", "p") != active_key("w2", "p")
    assert len(active_key("w", "p")) == 64


def test_open_run_store_takes_a_store_or_a_connection(conn: SpineConnection) -> None:
    memory = InMemoryRunStore()
    assert open_run_store(memory) is memory
    assert isinstance(open_run_store(conn), SqlRunStore)
    with pytest.raises(TypeError, match="WorkflowRunStore or a database connection"):
        open_run_store("sqlite://")
    with pytest.raises(TypeError, match="WorkflowRunStore or a database connection"):
        TrackedWorkflowRunner(42)  # type: ignore[arg-type]


def test_a_tracked_run_on_sqlite_commits_every_checkpoint_and_resumes(
    conn: SpineConnection, tmp_path: object
) -> None:
    broken = {"load"}

    def step(name: str) -> object:
        def fn(ctx: object, cfg: object) -> StepResult:
            return StepResult.fail("down") if name in broken else StepResult.ok({"s": name})

        return fn

    wf = Workflow("w", [Step.lambda_(n, step(n)) for n in ("extract", "load")])  # type: ignore[arg-type]
    runner = TrackedWorkflowRunner(conn)
    failed = runner.execute(wf, {"week": "2025-12-26"})
    assert failed.status is RunStatus.FAILED
    assert not conn.in_transaction  # everything committed
    broken.clear()
    resumed = runner.resume(failed.run_id)
    assert resumed.status is RunStatus.COMPLETED
    assert resumed.steps["extract"].restored
    rows = conn.execute("SELECT status FROM core_workflow_runs").fetchall()
    assert rows == [("completed",)]
    conn.rollback()
