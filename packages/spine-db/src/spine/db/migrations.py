"""Versioned, checksummed schema migrations recorded in a ``_migrations`` table.

A :class:`Migration` is a version number, a name and either SQL text (optionally with
per-dialect variants) or a callable taking the connection. :class:`MigrationRunner` applies
the pending ones in version order, each in its own transaction, and records
``(component, version, name, checksum, applied_at)`` after it succeeded. Re-running is a
no-op. If the SQL of an already applied migration changed, the runner refuses to continue
(:class:`MigrationChecksumError` names the version).

Versions are per **component**: each package that owns tables (``spine-ops``, later
``spine-exec`` and ``spine-orch``, your application) numbers its migrations from 1 and is
recorded under its own name, so their histories never collide. A runner made without a
component records under ``"app"``. :func:`spine.db.schema.install_schema` runs every
registered component's migrations (see :mod:`spine.db.schema.component`).

Concurrency: two processes migrating the same database at once never both apply a migration.
:meth:`MigrationRunner.apply` and :meth:`~MigrationRunner.stamp` hold the cross-process lock
:data:`MIGRATION_LOCK` (:func:`spine.db.locks.named_lock`: an advisory lock on PostgreSQL,
``GET_LOCK`` on MySQL/MariaDB, ``DBMS_LOCK`` on Oracle, a lock row on Db2) for the whole run,
across the implicit commits of DDL, and re-read what is applied under it; on SQLite each
migration runs in a ``BEGIN IMMEDIATE`` transaction (the database write lock) that re-checks
it. A runner that waits longer than ``lock_timeout`` raises
:class:`~spine.db.locks.LockTimeoutError`.

Transactions: on PostgreSQL and SQLite a migration is atomic (DDL is transactional). MySQL/
MariaDB, Oracle and Db2 commit around each DDL statement: a migration that fails half-way
leaves its earlier statements applied and is *not* recorded; fix it and re-run (write such
migrations so that re-running them is safe, or one statement each).

Directory layout (``MigrationRunner.from_directory``)::

    migrations/
        0001_create_trades.sql              all backends
        0002_add_index.sql                  all backends ...
        0002_add_index.oracle.sql           ... except Oracle, which runs this variant

Statements in a file are separated by ``;``. For PL/SQL blocks or Db2 compound statements,
separate statements with a line holding only ``/`` instead.

Example:
    >>> from spine.db import create_connection
    >>> conn, _ = create_connection("memory")
    >>> runner = MigrationRunner(conn, [
    ...     Migration(1, "create_t", "CREATE TABLE t (id INTEGER)"),
    ...     Migration(2, "add_u", "CREATE TABLE u (id INTEGER); CREATE TABLE v (id INTEGER)"),
    ... ])
    >>> [m.version for m in runner.apply()]
    [1, 2]
    >>> runner.apply(), runner.pending()
    ([], [])
    >>> MigrationRunner(conn, [Migration(1, "other", "SELECT 1")], component="billing").pending()
    [Migration(version=1, name='other', ...)]
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from spine.db.connection import SpineConnection, as_spine_connection
from spine.db.dialects import DIALECT_NAMES, dialect_name_for
from spine.db.locks import DEFAULT_LOCK_TIMEOUT, named_lock
from spine.db.sqlscript import split_statements
from spine.db.tabledef import BIGINT, STR, TS, Column, Table
from spine.db.transaction import reading, transaction
from spine.types import DatabaseError, InvalidConfigError, ValidationError

__all__ = [
    "DEFAULT_COMPONENT",
    "MIGRATIONS_TABLE",
    "MIGRATION_LOCK",
    "AppliedMigration",
    "Migration",
    "MigrationChecksumError",
    "MigrationError",
    "MigrationRunner",
    "MigrationStatus",
    "load_migrations",
    "run_migrations",
    "split_statements",
]

MigrationFn = Callable[[SpineConnection], None]


class MigrationError(DatabaseError):
    """A migration could not be applied (the cause holds the database error)."""


class MigrationChecksumError(MigrationError):
    """An applied migration's SQL changed since it was applied."""


MIGRATIONS_TABLE = Table(
    "_migrations",
    columns=(
        Column("component", STR(100)),
        Column("version", BIGINT),
        Column("name", STR(200)),
        Column("checksum", STR(64)),
        Column("applied_at", TS),
    ),
    primary_key=("component", "version"),
    description="Applied schema migrations, per component.",
)
"""The ``_migrations`` table (quoted as ``"_MIGRATIONS"`` on Oracle/Db2)."""

MIGRATION_LOCK = "spine_migrations"
"""Name of the cross-process lock (:func:`spine.db.locks.named_lock`) every migration runner
and :func:`spine.db.schema.install_schema` hold while they change the schema."""

DEFAULT_COMPONENT = "app"
"""The component a :class:`MigrationRunner` records under when none is named."""

_COLUMNS = ("component", "version", "name", "checksum", "applied_at")


def _normalise(sql: str) -> str:
    return sql.replace("\r\n", "\n").strip()


@dataclass(frozen=True)
class Migration:
    """One schema change.

    Args:
        version: Positive, unique version; migrations apply in ascending order.
        name: Short description (``create_trades``).
        sql_or_callable: SQL text (statements separated by ``;``, or by ``/`` lines), or a
            callable ``fn(conn)``. ``None`` when only ``variants`` are given.
        variants: SQL per dialect name, used instead of the default SQL on that backend.
        checksum: Explicit checksum for a callable (default: its qualified name); change it
            when the callable's behaviour changes.
    """

    version: int
    name: str
    sql_or_callable: str | MigrationFn | None = None
    variants: Mapping[str, str] = field(default_factory=dict)
    checksum: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise InvalidConfigError(f"migration version must be a positive int: {self.version!r}")
        if self.sql_or_callable is None and not self.variants:
            raise InvalidConfigError(f"migration {self.version} has no SQL")
        normalised = {dialect_name_for(k): v for k, v in self.variants.items()}
        object.__setattr__(self, "variants", normalised)

    def sql_for(self, dialect: str) -> str | None:
        """The SQL applied on ``dialect`` (``None`` for a callable migration)."""
        name = dialect_name_for(dialect)
        if name in self.variants:
            return self.variants[name]
        if isinstance(self.sql_or_callable, str):
            return self.sql_or_callable
        if self.sql_or_callable is None:
            raise MigrationError(
                f"migration {self.version} ({self.name}) has no SQL for {name}; "
                f"variants exist for {', '.join(sorted(self.variants))}"
            ).with_context(version=self.version)
        return None

    def checksum_for(self, dialect: str) -> str:
        """sha256 of what is applied on ``dialect`` (normalised SQL, or the callable's
        explicit checksum / qualified name)."""
        sql = self.sql_for(dialect)
        if sql is not None:
            return hashlib.sha256(_normalise(sql).encode("utf-8")).hexdigest()
        if self.checksum is not None:
            return self.checksum
        fn = self.sql_or_callable
        ident = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}"
        return hashlib.sha256(ident.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AppliedMigration:
    """A row of ``_migrations``."""

    version: int
    name: str
    checksum: str
    applied_at: datetime | None


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """One migration's state: ``applied``, ``pending``, ``changed`` (checksum differs) or
    ``missing`` (recorded as applied but no longer in the migration list)."""

    version: int
    name: str
    state: str
    applied_at: datetime | None = None


_FILE = re.compile(
    r"^(?P<version>\d+)_(?P<name>[A-Za-z0-9_\-]+?)(?:\.(?P<dialect>[a-z0-9_]+))?\.sql$"
)


def load_migrations(directory: str | Path) -> list[Migration]:
    """Read ``NNNN_name.sql`` (and ``NNNN_name.<dialect>.sql`` variants) from a directory.

    Raises:
        InvalidConfigError: two different names for one version, an unknown dialect suffix,
            or a file name that does not match the pattern.
    """
    base: dict[int, tuple[str, str | None, dict[str, str]]] = {}
    root = Path(directory)
    if not root.is_dir():
        raise InvalidConfigError(f"migrations directory {str(root)!r} does not exist")
    for path in sorted(root.glob("*.sql")):
        m = _FILE.match(path.name)
        if m is None:
            raise InvalidConfigError(
                f"migration file {path.name!r} does not match NNNN_name[.dialect].sql"
            )
        version, name, dialect = int(m["version"]), m["name"], m["dialect"]
        sql = path.read_text(encoding="utf-8")
        prev_name, prev_sql, variants = base.get(version, (name, None, {}))
        if prev_name != name:
            raise InvalidConfigError(
                f"migration version {version} has two names: {prev_name!r} and {name!r}"
            )
        if dialect is None:
            prev_sql = sql
        else:
            if dialect_name_for(dialect) not in DIALECT_NAMES:  # pragma: no cover - guarded
                raise InvalidConfigError(f"unknown dialect suffix in {path.name!r}")
            variants[dialect_name_for(dialect)] = sql
        base[version] = (name, prev_sql, variants)
    return [
        Migration(version, name, sql, variants)
        for version, (name, sql, variants) in sorted(base.items())
    ]


class MigrationRunner:
    """Apply :class:`Migration` objects to a connection and track them in ``_migrations``.

    Args:
        conn: A :class:`~spine.db.SpineConnection` (or raw DB-API connection).
        migrations: The migrations (any order; versions must be unique).
        component: Whose migrations these are (``"spine-ops"``, your application's name);
            versions are recorded per component.
        table: The tracking table (default ``_migrations``).
        lock_timeout: Seconds to wait for another process's migration lock.
    """

    def __init__(
        self,
        conn: Any,
        migrations: Iterable[Migration] = (),
        *,
        component: str = DEFAULT_COMPONENT,
        table: Table = MIGRATIONS_TABLE,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        if not isinstance(component, str) or not 0 < len(component) <= 100:
            raise ValidationError(f"component must be a str of 1..100 chars, got {component!r}")
        self.conn = as_spine_connection(conn)
        self.component = component
        self.table = table
        self.lock_timeout = lock_timeout
        ordered = sorted(migrations, key=lambda m: m.version)
        for a, b in pairwise(ordered):
            if a.version == b.version:
                raise InvalidConfigError(f"duplicate migration version {a.version}")
        self.migrations: tuple[Migration, ...] = tuple(ordered)

    @classmethod
    def from_directory(
        cls, conn: Any, directory: str | Path, *, component: str = DEFAULT_COMPONENT
    ) -> MigrationRunner:
        """A runner for the ``.sql`` files of ``directory`` (see :func:`load_migrations`)."""
        return cls(conn, load_migrations(directory), component=component)

    @property
    def _dialect(self) -> str:
        return self.conn.dialect.name

    def ensure_table(self) -> None:
        """Create the tracking table if it is missing.

        Raises:
            MigrationError: the table exists without a ``component`` column (made by an
                earlier spine release); the message says how to upgrade it.
        """
        # imported here: spine.db.schema imports this module (install_schema runs migrations)
        from spine.db.schema.catalog import table_columns
        from spine.db.schema.ops import create_table

        if create_table(self.conn, self.table):
            return
        columns = table_columns(self.conn, self.table.name)
        if columns and "component" not in columns:
            name = self.table.name
            raise MigrationError(
                f"{name} was created by an earlier spine release (no component column). "
                f"Upgrade it once: ALTER TABLE {name} ADD component VARCHAR(100) DEFAULT "
                f"'{DEFAULT_COMPONENT}' NOT NULL, then make (component, version) its primary "
                "key; or rename it and let spine create a new one"
            ).with_context(table=name)

    def applied(self) -> dict[int, AppliedMigration]:
        """The recorded migrations of this runner's component, by version."""
        self.ensure_table()
        d = self.conn.dialect
        cols = d.quote_list(["version", "name", "checksum", "applied_at"])
        sql = (
            f"SELECT {cols} FROM {d.quote(self.table.name)} "  # noqa: S608
            f"WHERE {d.quote('component')} = {d.placeholder(0)}"
        )
        with reading(self.conn):
            cur = self.conn.execute(sql, (self.component,))
            rows = cur.fetchall()
            cur.close()
        return {
            int(v): AppliedMigration(int(v), str(n), str(c), d.decode_timestamp(at))
            for v, n, c, at in rows
        }

    def _check(self, applied: Mapping[int, AppliedMigration]) -> None:
        for mig in self.migrations:
            record = applied.get(mig.version)
            if record is not None and record.checksum != mig.checksum_for(self._dialect):
                raise MigrationChecksumError(
                    f"migration {mig.version} ({mig.name}) of {self.component!r} was changed "
                    "after it was applied "
                    f"(recorded checksum {record.checksum[:12]}…, now "
                    f"{mig.checksum_for(self._dialect)[:12]}…); add a new migration instead"
                ).with_context(component=self.component, version=mig.version, migration=mig.name)

    def pending(self) -> list[Migration]:
        """Migrations not yet applied, in order (raises if an applied one changed)."""
        applied = self.applied()
        self._check(applied)
        return [m for m in self.migrations if m.version not in applied]

    def status(self) -> list[MigrationStatus]:
        """Every known or recorded migration with its state, by version."""
        applied = self.applied()
        out: dict[int, MigrationStatus] = {}
        for mig in self.migrations:
            record = applied.get(mig.version)
            if record is None:
                out[mig.version] = MigrationStatus(mig.version, mig.name, "pending")
            else:
                same = record.checksum == mig.checksum_for(self._dialect)
                state = "applied" if same else "changed"
                out[mig.version] = MigrationStatus(mig.version, mig.name, state, record.applied_at)
        for version, record in applied.items():
            if version not in out:
                out[version] = MigrationStatus(version, record.name, "missing", record.applied_at)
        return [out[v] for v in sorted(out)]

    def stamp(self) -> list[Migration]:
        """Record every migration as applied without running it; returns those recorded.

        For a component whose tables were just created at their current (declared) shape:
        its migrations describe how older databases reach that shape and must not run on it.
        """
        with named_lock(self.conn, MIGRATION_LOCK, timeout=self.lock_timeout):
            return self._stamp()

    def _stamp(self) -> list[Migration]:
        pending = self.pending()
        if not pending:
            return []
        sc, d = self.conn, self.conn.dialect
        sql = d.upsert(
            self.table.name,
            list(_COLUMNS),
            ["component", "version"],
            update_columns=[],
            column_types={c.name: c.type for c in self.table.columns},
        )
        now = d.encode_timestamp(datetime.now(UTC))
        with transaction(sc, immediate=self._immediate()):
            for mig in pending:
                sc.execute(
                    sql, (self.component, mig.version, mig.name, mig.checksum_for(d.name), now)
                )
        return pending

    def apply(self, target: int | None = None) -> list[Migration]:
        """Apply pending migrations up to ``target`` (all by default); returns those applied.

        Raises:
            MigrationChecksumError: an applied migration changed (nothing is applied).
            MigrationError: a migration failed (earlier ones stay applied).
            LockTimeoutError: another process kept the migration lock past ``lock_timeout``.
        """
        done: list[Migration] = []
        with named_lock(self.conn, MIGRATION_LOCK, timeout=self.lock_timeout):
            for mig in self.pending():
                if target is not None and mig.version > target:
                    break
                if self._apply_one(mig):
                    done.append(mig)
        return done

    def _immediate(self) -> bool:
        """Whether a migration's transaction starts with ``BEGIN IMMEDIATE`` (SQLite: the
        database write lock serialises runners in several processes)."""
        sc = self.conn
        return sc.dialect.named_lock_kind == "transaction" and not sc.in_transaction

    def _apply_one(self, mig: Migration) -> bool:
        sc, d = self.conn, self.conn.dialect
        table = d.quote(self.table.name)
        try:
            with transaction(sc, immediate=self._immediate()):
                lock = d.migration_lock_sql()
                if lock is not None:  # serialise concurrent runners
                    sc.execute(lock)
                cur = sc.execute(
                    f"SELECT 1 FROM {table} WHERE {d.quote('component')} = {d.placeholder(0)} "  # noqa: S608
                    f"AND {d.quote('version')} = {d.placeholder(1)}",
                    (self.component, mig.version),
                )
                if cur.fetchone() is not None:
                    return False  # applied meanwhile by another runner
                self._run(mig)
                sc.execute(
                    d.insert_sql(self.table.name, _COLUMNS),
                    (
                        self.component,
                        mig.version,
                        mig.name,
                        mig.checksum_for(d.name),
                        d.encode_timestamp(datetime.now(UTC)),
                    ),
                )
        except MigrationError:
            raise
        except Exception as exc:
            note = ""
            if not d.transactional_ddl:
                note = f"; {d.name} commits DDL implicitly: earlier statements stay applied"
            raise MigrationError(
                f"migration {mig.version} ({mig.name}) of {self.component!r} failed: {exc}{note}",
                cause=exc,
            ).with_context(
                component=self.component, version=mig.version, migration=mig.name, backend=d.name
            ) from exc
        return True

    def _run(self, mig: Migration) -> None:
        sql = mig.sql_for(self._dialect)
        if sql is None:
            fn = mig.sql_or_callable
            assert callable(fn)
            fn(self.conn)
            return
        for statement in split_statements(sql):
            self.conn.execute(statement)


def run_migrations(
    conn: Any,
    migrations: Sequence[Migration] | str | Path,
    *,
    component: str = DEFAULT_COMPONENT,
) -> list[Migration]:
    """Apply ``migrations`` (a list, or a directory path) of ``component`` to ``conn``;
    returns those applied."""
    if isinstance(migrations, str | Path):
        migrations = load_migrations(migrations)
    return MigrationRunner(conn, migrations, component=component).apply()
