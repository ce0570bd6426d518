"""The storage contract: every test runs against every reachable backend.

SQLite always runs; PostgreSQL and MySQL/MariaDB run when reachable (defaults point at local
services); Oracle and Db2 run when ``SPINE_TEST_ORACLE_URL`` / ``SPINE_TEST_DB2_URL`` are set
(the CI matrix). See ``tests-integration/conftest.py`` for the fixtures.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spine.db import (
    BaseRepository,
    Migration,
    MigrationChecksumError,
    MigrationRunner,
    SpineConnection,
    claim_rows,
    claim_transaction,
    create_connection,
    create_core_tables,
    drop_core_tables,
    table_exists,
    transaction,
)
from spine.db.schema import (
    BIGINT,
    BOOL,
    CORE_TABLES,
    FLOAT,
    ID,
    INT,
    JSON,
    STR,
    TEXT,
    TS,
    Column,
    Index,
    SchemaComponent,
    Table,
    create_table,
    drop_schema,
    index_exists,
    install_schema,
    register_schema,
    unregister_schema,
)
from spine.db.testing import backend_url
from spine.types import (
    DatabaseConnectionError,
    IntegrityError,
    InvalidConfigError,
    QueryError,
    ValidationError,
)

Factory = Callable[[], SpineConnection]

ITEMS = Table(
    "spine_t_items",
    columns=(
        Column("id", INT),
        Column("name", STR(100)),
        Column("qty", BIGINT, nullable=True),
        Column("price", FLOAT, nullable=True),
        Column("active", BOOL, nullable=True),
        Column("doc", JSON, nullable=True),
        Column("note", TEXT, nullable=True),
        Column("seen_at", TS, nullable=True),
    ),
    primary_key=("id",),
    indexes=(Index("ix_spine_t_items_name", ("name",)),),
)

QUEUE = Table(
    "spine_t_queue",
    columns=(Column("id", INT), Column("owner", STR(50), nullable=True)),
    primary_key=("id",),
)


def make(conn: SpineConnection, table: Table = ITEMS) -> BaseRepository:
    create_table(conn, table)
    return BaseRepository(conn)


def ph(conn: SpineConnection, i: int = 0) -> str:
    return conn.dialect.placeholder(i)


def count(conn: SpineConnection, table: str = "spine_t_items") -> int:
    value = BaseRepository(conn).query_value(f"SELECT COUNT(*) FROM {table}")
    conn.commit()  # end the read transaction (MySQL REPEATABLE READ snapshots)
    return int(value)


def fill_queue(conn: SpineConnection, n: int) -> None:
    repo = make(conn, QUEUE)
    repo.insert_many("spine_t_queue", [{"id": i, "owner": None} for i in range(n)])
    conn.commit()


def claim(conn: SpineConnection, owner: str, n: int = 1) -> list[int]:
    """Claim up to ``n`` unowned queue rows for ``owner`` (committed)."""
    with claim_transaction(conn) as c:
        rows = claim_rows(c, "spine_t_queue", ["id"], "owner IS NULL", "id", n)
        ids = [int(r[0]) for r in rows]
        for id_ in ids:
            c.execute(
                f"UPDATE spine_t_queue SET owner = {ph(c, 0)} WHERE id = {ph(c, 1)}", (owner, id_)
            )
    return ids


class TestStorageContract:
    # ------------------------------------------------------------------ execute / fetch
    def test_execute_and_fetch_return_tuples(self, db: SpineConnection) -> None:
        make(db)
        d = db.dialect
        sql = f"INSERT INTO spine_t_items (id, name, qty) VALUES ({d.placeholders(3)})"
        cur = db.executemany(sql, [(1, "a", 10), (2, "b", 20), (3, "c", None)])
        db.commit()
        cur = db.execute("SELECT id, name, qty FROM spine_t_items ORDER BY id")
        assert cur.fetchone() == (1, "a", 10)
        assert db.fetchall() == [(2, "b", 20), (3, "c", None)]
        assert cur.column_names == ["id", "name", "qty"]
        upd = db.execute(f"UPDATE spine_t_items SET qty = qty + 1 WHERE id < {ph(db)}", (3,))
        assert upd.rowcount == 2
        db.commit()

    def test_query_keys_are_lower_case_on_every_backend(self, db: SpineConnection) -> None:
        repo = make(db)
        repo.insert("spine_t_items", {"id": 1, "name": "x"})
        assert repo.query("SELECT ID, Name FROM spine_t_items") == [{"id": 1, "name": "x"}]
        assert repo.query_one("SELECT name AS Alias FROM spine_t_items") == {"alias": "x"}

    # ------------------------------------------------------------------ transactions
    def test_transaction_commits_for_other_connections(
        self, db: SpineConnection, db_factory: Factory
    ) -> None:
        make(db)
        other = db_factory()
        with transaction(db):
            BaseRepository(db).insert("spine_t_items", {"id": 1, "name": "a"})
        assert count(other) == 1

    def test_an_open_transaction_reads_what_others_committed_since(
        self, db: SpineConnection, db_factory: Factory
    ) -> None:
        """READ COMMITTED everywhere: a polling worker sees other workers' progress without
        ending its own transaction (MySQL's default REPEATABLE READ would not)."""
        make(db)
        db.commit()
        reader = db_factory()
        sql = "SELECT COUNT(*) FROM spine_t_items"
        assert reader.execute(sql).fetchone() == (0,)  # opens the reader's transaction
        BaseRepository(db).insert("spine_t_items", {"id": 1, "name": "a"})
        db.commit()
        assert reader.execute(sql).fetchone() == (1,)  # same transaction, fresh data
        reader.rollback()

    def test_failed_transaction_leaves_nothing_half_written(
        self, db: SpineConnection, db_factory: Factory
    ) -> None:
        repo = make(db)

        def block() -> None:
            with transaction(db):
                repo.insert("spine_t_items", {"id": 1, "name": "a"})
                repo.insert("spine_t_items", {"id": 2, "name": "b"})
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            block()
        assert count(db) == 0
        assert count(db_factory()) == 0

    def test_database_error_in_a_transaction_rolls_everything_back(
        self, db: SpineConnection
    ) -> None:
        repo = make(db)

        def block() -> None:
            with transaction(db):
                repo.insert("spine_t_items", {"id": 1, "name": "a"})
                repo.insert("spine_t_items", {"id": 1, "name": "dup"})

        with pytest.raises(IntegrityError):
            block()
        assert count(db) == 0

    def test_nested_transaction_is_a_savepoint_and_the_outer_block_survives(
        self, db: SpineConnection
    ) -> None:
        repo = make(db)

        def inner() -> None:
            with transaction(db):
                repo.insert("spine_t_items", {"id": 2, "name": "b"})
                repo.insert("spine_t_items", {"id": 1, "name": "dup"})

        with transaction(db):
            repo.insert("spine_t_items", {"id": 1, "name": "a"})
            with pytest.raises(IntegrityError):
                inner()
            repo.insert("spine_t_items", {"id": 3, "name": "c"})
        rows = repo.query("SELECT id FROM spine_t_items ORDER BY id")
        assert [r["id"] for r in rows] == [1, 3]

    # ------------------------------------------------------------------ upsert
    def test_upsert_inserts_updates_and_does_nothing(self, db: SpineConnection) -> None:
        create_core_tables(db)
        repo = BaseRepository(db)
        d = db.dialect
        now = d.encode_timestamp(datetime.now(UTC))
        key = ["domain", "source", "partition_key"]
        row = {"domain": "otc", "source": "finra", "partition_key": "W1", "high_water": "1",
               "updated_at": now}  # fmt: skip
        with transaction(db):
            repo.upsert("core_watermarks", row, key)
            repo.upsert("core_watermarks", {**row, "partition_key": "W2"}, key)
        with transaction(db):
            repo.upsert("core_watermarks", {**row, "high_water": "2"}, key)
        with transaction(db):
            repo.upsert("core_watermarks", {**row, "high_water": "3"}, key, update_columns=[])
            repo.upsert(
                "core_watermarks",
                {**row, "partition_key": "W3", "high_water": "9"},
                key,
                update_columns=[],
            )
        rows = repo.query(
            "SELECT partition_key, high_water FROM core_watermarks ORDER BY partition_key"
        )
        assert rows == [
            {"partition_key": "W1", "high_water": "2"},
            {"partition_key": "W2", "high_water": "1"},
            {"partition_key": "W3", "high_water": "9"},
        ]

    def test_upsert_on_a_user_table_with_json_and_timestamps(self, db: SpineConnection) -> None:
        repo = make(db)
        d = db.dialect
        at = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
        row = {
            "id": 1,
            "name": "a",
            "doc": d.encode_json({"v": 1}),
            "seen_at": d.encode_timestamp(at),
        }
        with transaction(db):
            repo.upsert("spine_t_items", row, ["id"])
        with transaction(db):
            repo.upsert("spine_t_items", {**row, "doc": d.encode_json({"v": 2})}, ["id"])
        got = repo.query_one("SELECT doc, seen_at FROM spine_t_items WHERE id = 1")
        assert got is not None
        assert d.decode_json(got["doc"]) == {"v": 2}
        assert d.decode_timestamp(got["seen_at"]) == at

    # ------------------------------------------------------------------ paging
    def test_paging_with_limit_offset(self, db: SpineConnection) -> None:
        repo = make(db)
        repo.insert_many("spine_t_items", [{"id": i, "name": f"n{i:02d}"} for i in range(25)])
        db.commit()
        d = db.dialect
        pages = []
        for offset in range(0, 30, 10):
            sql = f"SELECT id FROM spine_t_items ORDER BY id {d.limit_offset(10, offset)}"
            pages.append([r[0] for r in db.execute(sql).fetchall()])
        assert pages == [list(range(10)), list(range(10, 20)), list(range(20, 25))]
        rest = db.execute(f"SELECT id FROM spine_t_items ORDER BY id {d.limit_offset(None, 22)}")
        assert [r[0] for r in rest.fetchall()] == [22, 23, 24]

    # ------------------------------------------------------------------ claims
    def test_a_locked_row_is_skipped_by_a_second_claimer(
        self, db: SpineConnection, db_factory: Factory, backend_name: str
    ) -> None:
        if not db.dialect.supports_skip_locked:
            pytest.skip("SQLite serialises writers (claim_transaction); covered below")
        fill_queue(db, 5)
        a, b = db_factory(), db_factory()
        args = ("spine_t_queue", ["id"], "owner IS NULL", "id", 1)
        a.begin()
        assert claim_rows(a, *args) == [(0,)]
        start = time.monotonic()
        assert claim_rows(b, *args) == [(1,)]
        assert time.monotonic() - start < 5  # skipped, not waited for
        a.rollback()
        b.rollback()

    def test_concurrent_claimers_never_get_the_same_row(
        self, db: SpineConnection, db_factory: Factory
    ) -> None:
        fill_queue(db, 60)
        claimed: dict[str, list[int]] = {"a": [], "b": [], "c": []}
        conns = {name: db_factory() for name in claimed}
        errors: list[BaseException] = []

        def worker(name: str) -> None:
            try:
                while ids := claim(conns[name], name, n=2):
                    claimed[name].extend(ids)
            except BaseException as exc:  # surfaced in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in claimed]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        everything = [i for ids in claimed.values() for i in ids]
        assert sorted(everything) == list(range(60))
        assert len(everything) == len(set(everything))
        owners = BaseRepository(db).query("SELECT id, owner FROM spine_t_queue ORDER BY id")
        assert all(r["id"] in claimed[r["owner"]] for r in owners)

    # ------------------------------------------------------------------ values
    def test_timestamps_round_trip_as_aware_utc(self, db: SpineConnection) -> None:
        repo = make(db)
        d = db.dialect
        values = [
            datetime(2025, 12, 26, 13, 45, 30, 123456, tzinfo=UTC),
            datetime(2025, 3, 30, 2, 30, tzinfo=timezone(timedelta(hours=-5))),
            datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=9))),
        ]
        repo.insert_many(
            "spine_t_items",
            [
                {"id": i, "name": "t", "seen_at": d.encode_timestamp(v)}
                for i, v in enumerate(values)
            ],
        )
        db.execute(f"INSERT INTO spine_t_items (id, name, seen_at) VALUES (99, 'now', {d.now()})")
        db.commit()
        rows = repo.query("SELECT id, seen_at FROM spine_t_items ORDER BY id")
        decoded = [d.decode_timestamp(r["seen_at"]) for r in rows]
        assert decoded[:3] == values
        assert all(v is not None and v.utcoffset() == timedelta(0) for v in decoded)
        server_now = decoded[3]
        assert server_now is not None
        assert abs(server_now - datetime.now(UTC)) < timedelta(minutes=5)
        cutoff = d.encode_timestamp(datetime(2020, 1, 1, tzinfo=UTC))
        older = repo.query(
            f"SELECT id FROM spine_t_items WHERE seen_at < {ph(db)} ORDER BY id", (cutoff,)
        )
        assert older == [{"id": 2}]
        newer = repo.query(f"SELECT id FROM spine_t_items WHERE seen_at <= {d.now()} ORDER BY id")
        assert [r["id"] for r in newer] == [0, 1, 2, 99]

    def test_json_round_trip_including_large_documents(self, db: SpineConnection) -> None:
        repo = make(db)
        d = db.dialect
        doc = {"é": "ünïcødé ✓", "nested": {"list": [1, 2.5, None, True]}, "n": -3}
        big = {"rows": ["x" * 100] * 1000}  # ~100 KB: CLOB / LONGTEXT territory
        repo.insert("spine_t_items", {"id": 1, "name": "j", "doc": d.encode_json(doc)})
        repo.insert("spine_t_items", {"id": 2, "name": "k", "doc": d.encode_json(big),
                                      "note": "n" * 50_000})  # fmt: skip
        db.commit()
        rows = repo.query("SELECT doc, note FROM spine_t_items ORDER BY id")
        assert d.decode_json(rows[0]["doc"]) == doc
        assert d.decode_json(rows[1]["doc"]) == big
        assert rows[1]["note"] == "n" * 50_000

    def test_booleans_round_trip_and_filter(self, db: SpineConnection) -> None:
        repo = make(db)
        d = db.dialect
        repo.insert_many(
            "spine_t_items",
            [{"id": i, "name": "b", "active": d.encode_bool(v)}
             for i, v in enumerate([True, False, None])],
        )  # fmt: skip
        db.commit()
        got = [d.decode_bool(r["active"]) for r in repo.query(
            "SELECT active FROM spine_t_items ORDER BY id")]  # fmt: skip
        assert got == [True, False, None]
        on = repo.query(f"SELECT id FROM spine_t_items WHERE active = {d.bool_literal(True)}")
        assert on == [{"id": 0}]
        off = repo.query(f"SELECT id FROM spine_t_items WHERE active = {ph(db)}",
                         (d.encode_bool(False),))  # fmt: skip
        assert off == [{"id": 1}]

    def test_numbers_round_trip(self, db: SpineConnection) -> None:
        repo = make(db)
        repo.insert("spine_t_items", {"id": 1, "name": "n", "qty": 2**40, "price": 12.5})
        got = repo.query_one("SELECT qty, price FROM spine_t_items")
        assert got == {"qty": 2**40, "price": 12.5}

    # ------------------------------------------------------------------ bulk insert
    def test_insert_many_loads_every_row(self, db: SpineConnection, db_factory: Factory) -> None:
        repo = make(db)
        d = db.dialect
        at = datetime(2025, 1, 1, tzinfo=UTC)
        rows = [
            {"id": i, "name": f"row {i}", "qty": i * 3, "price": i / 4,
             "active": d.encode_bool(i % 2 == 0), "seen_at": d.encode_timestamp(at),
             "note": None if i % 7 else "seven"}
            for i in range(5000)
        ]  # fmt: skip
        with transaction(db):
            assert repo.insert_many("spine_t_items", rows) == 5000
        other = BaseRepository(db_factory())
        assert other.query_value("SELECT COUNT(*) FROM spine_t_items") == 5000
        assert other.query_value("SELECT SUM(qty) FROM spine_t_items") == 3 * sum(range(5000))
        check = other.query_one("SELECT * FROM spine_t_items WHERE id = 4996")
        assert check is not None
        assert check["name"] == "row 4996"
        assert d.decode_bool(check["active"]) is True
        assert d.decode_timestamp(check["seen_at"]) == at
        assert check["note"] is None

    def test_failed_bulk_load_in_a_transaction_inserts_nothing(self, db: SpineConnection) -> None:
        repo = make(db)
        rows = [{"id": i, "name": "x"} for i in range(100)] + [{"id": 5, "name": "dup"}]

        def load() -> None:
            with transaction(db):
                repo.insert_many("spine_t_items", rows)

        with pytest.raises(IntegrityError):
            load()
        assert count(db) == 0

    def test_a_started_statement_gives_its_row_count_when_collected(
        self, db: SpineConnection, db_factory: Factory
    ) -> None:
        repo = make(db)
        with transaction(db):
            repo.insert_many("spine_t_items", [{"id": i, "name": "x"} for i in range(10)])
            running = db.start_rowcount("UPDATE spine_t_items SET qty = 7 WHERE id < 4")
            assert running() == 4  # on PostgreSQL sent in pipeline mode, collected here
            assert db.has_pending_writes
            assert repo.query_value("SELECT SUM(qty) FROM spine_t_items") == 28
        other = BaseRepository(db_factory())
        assert other.query_value("SELECT SUM(qty) FROM spine_t_items") == 28

    def test_a_started_statement_that_fails_raises_when_collected_and_rolls_back(
        self, db: SpineConnection
    ) -> None:
        repo = make(db)
        repo.insert("spine_t_items", {"id": 1, "name": "a"})
        db.commit()

        def failing() -> None:
            with transaction(db):
                repo.insert("spine_t_items", {"id": 2, "name": "b"})
                running = db.start_rowcount(
                    "INSERT INTO spine_t_items (id, name) SELECT id, name FROM spine_t_items"
                )
                running()

        with pytest.raises(IntegrityError):
            failing()
        assert count(db) == 1  # the block's earlier insert was rolled back too
        repo.insert("spine_t_items", {"id": 3, "name": "usable afterwards"})
        db.commit()
        assert count(db) == 2

    # ------------------------------------------------------------------ errors
    def test_unique_violation_is_an_integrity_error(self, db: SpineConnection) -> None:
        repo = make(db)
        repo.insert("spine_t_items", {"id": 1, "name": "a"})
        with pytest.raises(IntegrityError) as info:
            repo.insert("spine_t_items", {"id": 1, "name": "b"})
        assert info.value.context.metadata["sql"].startswith("INSERT INTO spine_t_items")
        db.rollback()
        repo.insert("spine_t_items", {"id": 1, "name": "usable after rollback"})
        db.commit()

    @pytest.mark.parametrize(
        "sql", ["SELEC 1", "SELECT * FROM spine_t_missing", "SELECT nope FROM spine_t_items"]
    )
    def test_bad_sql_is_a_query_error(self, db: SpineConnection, sql: str) -> None:
        make(db)
        with pytest.raises(QueryError):
            db.execute(sql)
        db.rollback()

    def test_identifier_injection_is_rejected_before_reaching_the_database(
        self, db: SpineConnection
    ) -> None:
        repo = make(db)
        with pytest.raises(ValidationError):
            repo.insert("spine_t_items; DROP TABLE spine_t_items", {"id": 1})
        with pytest.raises(ValidationError):
            repo.insert("spine_t_items", {"name) VALUES ('x'); --": 1})
        with pytest.raises(ValidationError):
            repo.insert_many("spine_t_items", [{"id = 1 OR 1": 1}])
        assert table_exists(db, "spine_t_items")
        evil = "x'); DROP TABLE spine_t_items; --"
        repo.insert("spine_t_items", {"id": 1, "name": evil})
        assert repo.query_value("SELECT name FROM spine_t_items") == evil

    def test_reserved_words_work_through_quote(self, db: SpineConnection) -> None:
        columns = (
            Column("id", ID),
            Column("key", STR(20)),
            Column("level", INT),
            Column("value", TEXT, nullable=True),
        )
        table = Table("spine_t_reserved", columns, ("id",))
        create_table(db, table)
        repo = BaseRepository(db)
        repo.insert("spine_t_reserved", {"id": "a", "key": "k", "level": 3, "value": "v"})
        q = db.dialect.quote
        rows = repo.query(f"SELECT {q('key')}, {q('level')}, {q('value')} FROM spine_t_reserved")
        assert rows == [{"key": "k", "level": 3, "value": "v"}]

    # ------------------------------------------------------------------ schema / migrations
    def test_create_core_tables_is_idempotent(self, db: SpineConnection) -> None:
        assert create_core_tables(db) == list(CORE_TABLES.table_names)
        assert create_core_tables(db) == []
        for table in CORE_TABLES.tables:
            assert table_exists(db, table.name)
            for index in table.indexes:
                assert index_exists(db, table, index), index.name
        drop_core_tables(db)
        assert not table_exists(db, "core_manifest")

    def test_a_component_table_with_defaults_and_a_unique_index_accepts_rows(
        self, db: SpineConnection
    ) -> None:
        queue = Table(
            "spine_t_queue",
            (
                Column("id", ID),
                Column("status", STR(20), default="pending"),
                Column("priority", INT, default=0),
                Column("enabled", BOOL, default=True),
                Column("lane", STR(100), default="default"),
                Column("schedule_name", STR(200), nullable=True),
                Column("run_after", TS),
            ),
            ("id",),
            indexes=(
                Index("ix_spine_t_queue_claim", ("status", "run_after", "priority")),
                Index("ux_spine_t_queue_name", ("schedule_name",), unique=True),
            ),
        )
        component = register_schema(SchemaComponent("spine-test-queue", tables=(queue,)))
        try:
            assert install_schema(db, ["spine-test-queue"]).created == ("spine_t_queue",)
            repo = BaseRepository(db)
            d = db.dialect
            now = d.encode_timestamp(datetime.now(UTC))
            with transaction(db):
                repo.insert("spine_t_queue", {"id": "a", "run_after": now, "schedule_name": "n"})
                repo.insert("spine_t_queue", {"id": "b", "run_after": now})
                repo.insert("spine_t_queue", {"id": "c", "run_after": now})  # NULLs never clash
            row = repo.query_one(
                "SELECT status, priority, enabled, lane FROM spine_t_queue WHERE id = 'a'"
            )
            assert row is not None
            assert (row["status"], row["priority"], row["lane"]) == ("pending", 0, "default")
            assert d.decode_bool(row["enabled"]) is True
            with pytest.raises(IntegrityError):
                repo.insert("spine_t_queue", {"id": "d", "run_after": now, "schedule_name": "n"})
            db.rollback()
            drop_schema(db, [component])
            assert not table_exists(db, "spine_t_queue")
        finally:
            unregister_schema(component.name)

    def test_migrations_apply_rerun_and_refuse_changes(self, db: SpineConnection) -> None:
        migrations = [
            Migration(1, "create", "CREATE TABLE spine_t_mig (id INTEGER PRIMARY KEY)"),
            Migration(2, "seed", "INSERT INTO spine_t_mig (id) VALUES (1);\n"
                                 "INSERT INTO spine_t_mig (id) VALUES (2)"),
        ]  # fmt: skip
        runner = MigrationRunner(db, migrations)
        assert [m.version for m in runner.apply()] == [1, 2]
        assert MigrationRunner(db, migrations).apply() == []
        assert count(db, "spine_t_mig") == 2
        assert [s.state for s in runner.status()] == ["applied", "applied"]
        changed = [migrations[0], Migration(2, "seed", "INSERT INTO spine_t_mig (id) VALUES (3)")]
        with pytest.raises(MigrationChecksumError) as info:
            MigrationRunner(db, changed).apply()
        assert "migration 2" in str(info.value)
        assert count(db, "spine_t_mig") == 2


# ---------------------------------------------------------------------- down servers

DOWN_URLS = {
    "postgres": "postgresql://postgres:pw@127.0.0.1:1/test",
    "mysql": "mysql://root:pw@127.0.0.1:1/test",
    "oracle": "oracle://u:pw@127.0.0.1:1/FREEPDB1",
    "db2": "db2://u:pw@127.0.0.1:1/testdb",
}


@pytest.mark.backend("mysql")
def test_mysql_isolation_level_is_configurable_and_validated(backend_name: str) -> None:
    url = backend_url(backend_name)
    assert url is not None
    conn, _ = create_connection(url, isolation_level="repeatable read")
    try:
        # MySQL 8 / MariaDB 11.1+ name it transaction_isolation; older MariaDB tx_isolation.
        variable = "tx_isolation"
        if conn.execute("SHOW VARIABLES LIKE 'transaction_isolation'").fetchall():
            variable = "transaction_isolation"
        assert conn.execute(f"SELECT @@SESSION.{variable}").fetchone() == ("REPEATABLE-READ",)
    finally:
        conn.close()
    with pytest.raises(InvalidConfigError, match="isolation_level"):
        create_connection(url, isolation_level="whenever")


@pytest.mark.parametrize("name", sorted(DOWN_URLS))
def test_down_server_raises_a_retryable_connection_error_fast(name: str) -> None:
    start = time.monotonic()
    with pytest.raises(DatabaseConnectionError) as info:
        create_connection(DOWN_URLS[name], connect_timeout=3)
    elapsed = time.monotonic() - start
    assert elapsed < 8, f"{name} took {elapsed:.1f}s"
    assert info.value.retryable
    assert "pw@" not in str(info.value)


def test_fixture_connections_can_be_opened_repeatedly(db_factory: Factory) -> None:
    conns = [db_factory() for _ in range(3)]
    for c in conns:
        assert c.execute(_select_one(c)).fetchone() == (1,)


def _select_one(conn: SpineConnection) -> str:
    return {
        "oracle": "SELECT 1 FROM dual",
        "db2": "SELECT 1 FROM SYSIBM.SYSDUMMY1",
    }.get(conn.dialect.name, "SELECT 1")
