"""Migrations never race (issue 7, item 11): two *processes* migrating one database at once
apply each migration exactly once, on every backend, through the backend's own cross-process
lock (:func:`spine.db.named_lock`). Before, only PostgreSQL took a lock: on MySQL/MariaDB
both processes ran a migration (the second failing on "table exists" or applying it twice),
and on SQLite the loser of the read-to-write lock upgrade failed with "database is locked".
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from spine.db import (
    LockTimeoutError,
    Migration,
    MigrationRunner,
    SpineConnection,
    named_lock,
)
from spine.db.locks import LOCKS_TABLE
from spine.db.migrations import MIGRATION_LOCK
from spine.db.schema import INT, STR, Column, Table, create_table, table_exists
from spine.db.testing import IsolatedDatabase
from spine.types import QueryError

_LOG = Table("mig_race_log", columns=(Column("who", STR(40)), Column("version", INT)))

_WORKER = textwrap.dedent(
    """
    import json, os, sys, time
    from spine.db import Migration, MigrationRunner, connect

    url, schema, start_at = sys.argv[1], sys.argv[2] or None, float(sys.argv[3])
    conn = connect(url, schema=schema) if schema else connect(url)
    d = conn.dialect
    me = str(os.getpid())

    def logged(version):
        def run(c):
            c.execute(
                f"INSERT INTO mig_race_log (who, {d.quote('version')}) "
                f"VALUES ({d.placeholder(0)}, {d.placeholder(1)})",
                (me, version),
            )
            time.sleep(0.4)  # keep the other process waiting inside the race window
        run.__qualname__ = f"logged_{version}"
        return run

    migrations = [
        Migration(1, "create_a", "CREATE TABLE mig_race_a (id INTEGER)"),
        Migration(2, "log_two", logged(2), checksum="log-2"),
        Migration(3, "create_b", "CREATE TABLE mig_race_b (id INTEGER)"),
        Migration(4, "log_four", logged(4), checksum="log-4"),
    ]
    time.sleep(max(0.0, start_at - time.time()))
    try:
        applied = [m.version for m in MigrationRunner(conn, migrations, component="race").apply()]
        print(json.dumps({"ok": True, "applied": applied}))
    except Exception as exc:
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}))
    """
)


def _count(conn: SpineConnection, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    conn.rollback()
    assert row is not None
    return int(row[0])


def test_two_processes_migrating_at_once_apply_each_migration_once(
    isolated_db: IsolatedDatabase, db: SpineConnection, tmp_path: Path
) -> None:
    create_table(db, _LOG)
    script = tmp_path / "migrate_worker.py"
    script.write_text(_WORKER, encoding="utf-8")
    start_at = time.time() + 4.0  # both interpreters are up and importing by then
    args = [
        sys.executable,
        str(script),
        isolated_db.url or "",
        isolated_db.schema or "",
        str(start_at),
    ]
    procs = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r["ok"] for r in results), results
    applied = sorted(v for r in results for v in r["applied"])
    assert applied == [1, 2, 3, 4], results  # every migration applied once, by one of them
    d = db.dialect
    assert _count(db, f"SELECT COUNT(*) FROM {d.quote(_LOG.name)}") == 2
    recorded = _count(
        db,
        f"SELECT COUNT(*) FROM {d.quote('_migrations')} WHERE {d.quote('component')} = 'race'",
    )
    assert recorded == 4
    assert table_exists(db, "mig_race_a")
    assert table_exists(db, "mig_race_b")


@pytest.mark.parametrize("kind", ["native", "row"])
def test_a_named_lock_excludes_other_connections_until_released(
    db: SpineConnection, db_factory: Callable[[], SpineConnection], kind: str
) -> None:
    chosen = None if kind == "native" else "row"
    if (chosen or db.dialect.named_lock_kind) == "transaction":
        pytest.skip("SQLite serialises with BEGIN IMMEDIATE transactions, not a held lock")
    other = db_factory()
    with named_lock(db, "spine_test_lock", kind=chosen):
        with named_lock(db, "spine_test_lock", kind=chosen):  # re-entrant on one connection
            pass
        assert not db.in_transaction  # each lock statement was committed on the idle connection
        start = time.monotonic()
        with (
            pytest.raises(LockTimeoutError, match=r"spine_test_lock.*another process holds it"),
            named_lock(other, "spine_test_lock", timeout=0.6, kind=chosen),
        ):
            pass  # pragma: no cover - never entered
        assert 0.5 <= time.monotonic() - start < 8
        with named_lock(other, "another_name", kind=chosen):  # other names are independent
            pass
    with named_lock(other, "spine_test_lock", timeout=5, kind=chosen):  # released: free now
        pass
    if chosen == "row":
        assert table_exists(db, LOCKS_TABLE.name)


@pytest.mark.parametrize("kind", ["native", "row"])
def test_a_waiting_runner_proceeds_when_the_lock_is_released(
    db: SpineConnection, db_factory: Callable[[], SpineConnection], kind: str
) -> None:
    chosen = None if kind == "native" else "row"
    if (chosen or db.dialect.named_lock_kind) == "transaction":
        pytest.skip("SQLite serialises with BEGIN IMMEDIATE transactions, not a held lock")
    holder = db_factory()
    got: list[float] = []

    def waiter() -> None:
        with named_lock(db, "spine_wait_lock", timeout=20, kind=chosen):
            got.append(time.monotonic())

    with named_lock(holder, "spine_wait_lock", kind=chosen):
        thread = threading.Thread(target=waiter)
        thread.start()
        time.sleep(0.5)
        released = time.monotonic()
        assert not got
    thread.join(30)
    assert got
    assert got[0] >= released


def test_a_runner_blocked_by_another_process_times_out_with_advice(
    db: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    if db.dialect.named_lock_kind == "transaction":
        pytest.skip("SQLite waits busy_timeout for the write lock instead")
    holder = db_factory()
    runner = MigrationRunner(db, [Migration(1, "t", "CREATE TABLE mig_never (id INTEGER)")],
                             component="blocked", lock_timeout=0.5)  # fmt: skip
    with named_lock(holder, MIGRATION_LOCK), pytest.raises(LockTimeoutError, match="README"):
        runner.apply()
    assert not table_exists(db, "mig_never")
    assert [m.version for m in runner.apply()] == [1]  # free again: applies


def test_a_server_lock_that_cannot_be_used_falls_back_to_a_lock_row(
    db: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    """An Oracle user without ``EXECUTE ON DBMS_LOCK`` still serialises migrations: the
    session lock statement fails, and a lock row is used instead (here: a dialect whose lock
    statement calls a function the server does not have)."""
    if db.dialect.named_lock_kind != "session":
        pytest.skip("the backend takes no server session lock")
    base = type(db.dialect)

    class NoServerLock(base):  # type: ignore[misc, valid-type]
        def named_lock_sql(self, name: str, wait_seconds: int) -> tuple[str, tuple[object, ...]]:
            return "SELECT spine_no_such_lock_function(1)", ()

    conn = SpineConnection(
        db.raw, db._driver, dataclasses.replace(db.info, dialect=NoServerLock()), owns_raw=False
    )
    other = db_factory()
    with (
        named_lock(conn, "spine_fallback_lock"),
        pytest.raises(LockTimeoutError),
        named_lock(other, "spine_fallback_lock", timeout=0.3, kind="row"),
    ):
        pass  # pragma: no cover - never entered
    with named_lock(other, "spine_fallback_lock", timeout=5, kind="row"):
        pass


def test_the_lock_is_released_even_when_the_block_left_a_failed_transaction(
    db: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    if db.dialect.named_lock_kind == "transaction":
        pytest.skip("SQLite serialises with BEGIN IMMEDIATE transactions, not a held lock")
    other = db_factory()
    with (
        named_lock(db, "spine_abort_lock"),
        contextlib.suppress(QueryError),  # PostgreSQL: the transaction is now aborted
    ):
        db.execute("SELECT spine_no_such_column FROM spine_no_such_table")
    with named_lock(other, "spine_abort_lock", timeout=3):
        pass
    db.rollback()
