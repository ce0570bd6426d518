"""The :class:`Dialect` base class: everything that differs between SQL backends.

A dialect is stateless and renders SQL text; it never talks to a database. Concrete
dialects (one module per backend) override the class attributes and the few methods whose
SQL differs. Get one with :func:`spine.db.get_dialect`.

Identifier policy (consistent on every backend):
    Identifiers are validated (:func:`~spine.db.validate_identifier`) and emitted *unquoted*,
    so each backend folds them its usual way (PostgreSQL to lower case, Oracle/DB2 to upper
    case, SQLite/MySQL keep them). Only names that cannot be used bare — reserved words, and
    on Oracle/DB2 names starting with ``_`` — are quoted, and they are quoted *already folded*
    (``"KEY"`` on Oracle, ``"key"`` on PostgreSQL) so that quoted and unquoted references to
    the same name always agree. Use lower-case snake_case names.

Example:
    >>> from spine.db import get_dialect
    >>> d = get_dialect("postgresql")
    >>> f"INSERT INTO t (a, b) VALUES ({d.placeholders(2)})"
    'INSERT INTO t (a, b) VALUES (%s, %s)'
    >>> get_dialect("oracle").limit_offset(10, 20)
    'OFFSET 20 ROWS FETCH NEXT 10 ROWS ONLY'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar

from spine.db.encoding import (
    canonical_json,
    decode_json_value,
    parse_bool,
    parse_timestamp,
    require_aware,
)
from spine.db.identifiers import validate_identifier
from spine.db.tabledef import Column, ColumnType, DefaultValue, Index, Table, TypeKind
from spine.types import ConfigError, ValidationError

__all__ = ["Dialect", "reserved_words_from"]


def _name(value: Any) -> str:
    """``value`` if it is a string; a ``ValidationError`` naming it otherwise (a column
    name of ``None`` or ``5`` from a row mapping)."""
    if not isinstance(value, str):
        raise ValidationError(
            f"SQL identifier must be a string, got {value!r} ({type(value).__name__}): "
            "use text column names (check the keys of your row mappings)"
        ).with_context(identifier=repr(value))
    return value


def reserved_words_from(text: str) -> frozenset[str]:
    """A reserved-word set from whitespace-separated upper-case words."""
    return frozenset(text.split())


class Dialect:
    """SQL rendering for one backend. Subclasses set the class attributes below.

    Attributes:
        name: Canonical backend name (``"sqlite"``, ``"postgresql"``, ``"mysql"``,
            ``"oracle"``, ``"db2"``).
        paramstyle: DB-API paramstyle of the backend's driver.
        quote_leading_underscore: Whether identifiers starting with ``_`` must be quoted
            (Oracle, Db2).
        offset_fetch_paging: Whether paging is ``OFFSET n ROWS FETCH NEXT m ROWS ONLY``
            (Oracle, Db2) rather than ``LIMIT m OFFSET n``.
        supports_skip_locked: Whether ``SELECT ... FOR UPDATE SKIP LOCKED`` exists. When
            false (SQLite), claim rows inside :func:`spine.db.claim_transaction`.
        transactional_ddl: Whether DDL can be rolled back (PostgreSQL, SQLite); MySQL,
            Oracle and DB2 commit implicitly around DDL.
        reserved_words: Words that cannot be used as bare identifiers on this backend
            (upper case). :meth:`quote` quotes them.
        supports_notify: Whether the backend has asynchronous notifications
            (``LISTEN``/``NOTIFY`` on PostgreSQL): see :meth:`notify_sql` and
            :meth:`spine.db.SpineConnection.wait_notifications`.
        ping_sql: The cheapest statement that proves the connection works (health checks).
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    """Other names of the backend (URL schemes, ``DatabaseType.parse`` input): the one alias
    table is built from these."""
    driver_modules: ClassVar[tuple[str, ...]] = ()
    """Module prefixes of DB-API libraries whose connections belong to this backend (used to
    infer the dialect of a raw connection without importing the library)."""
    paramstyle: ClassVar[str] = "qmark"
    quote_char: ClassVar[str] = '"'
    identifier_case: ClassVar[str] = "preserve"
    reserved_words: ClassVar[frozenset[str]] = frozenset()
    quote_words: ClassVar[frozenset[str]] = frozenset()
    quote_leading_underscore: ClassVar[bool] = False
    offset_fetch_paging: ClassVar[bool] = False
    supports_skip_locked: ClassVar[bool] = True
    supports_returning: ClassVar[bool] = False
    supports_notify: ClassVar[bool] = False
    ping_sql: ClassVar[str] = "SELECT 1"
    transactional_ddl: ClassVar[bool] = False
    upsert_needs_types: ClassVar[bool] = False
    """Whether :meth:`upsert` renders better SQL given ``column_types`` (Oracle, Db2);
    :class:`~spine.db.BaseRepository` then reads them from the catalog."""
    type_map: ClassVar[Mapping[TypeKind, str]] = {}
    table_suffix: ClassVar[str] = ""
    in_process: ClassVar[bool] = False
    """Whether the database runs inside this process (SQLite): a statement costs a function
    call, not a round trip, so row-at-a-time ``executemany`` beats staging tables."""
    direct_insert_if_absent: ClassVar[bool] = False
    """Whether ``executemany`` of an insert-if-absent (:meth:`upsert` without update columns)
    straight into the target beats staging rows and one set-based insert: True where the
    database runs in process (SQLite) or the driver rewrites ``executemany`` into multi-row
    statements (mysql-connector: ``INSERT ... VALUES (...), (...) ON DUPLICATE KEY ...``)."""
    supports_index_if_not_exists: ClassVar[bool] = True
    """Whether :meth:`create_index_sql` can render an idempotent ``CREATE INDEX`` (MySQL 8
    cannot: :func:`spine.db.schema.ensure_index` checks the catalog first there)."""
    isolation: ClassVar[str] = "schema"
    """How :class:`spine.db.testing.IsolatedDatabase` isolates a test: ``"file"`` (a new
    database file), ``"schema"`` (a new schema, or database on MySQL, selected with the
    ``schema=`` connection option) or ``"tables"`` (the URL's own schema; tables created by
    the test are dropped afterwards)."""

    # ------------------------------------------------------------------ identity
    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dialect) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    # ------------------------------------------------------------------ placeholders
    def placeholder(self, index: int = 0) -> str:
        """The bind placeholder for the parameter at 0-based ``index``.

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("oracle").placeholder(0), get_dialect("sqlite").placeholder(3)
            (':1', '?')
        """
        return "?"

    def placeholders(self, n: int, start: int = 0) -> str:
        """``n`` comma-separated placeholders, numbered from ``start`` where numbering exists.

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("sqlite").placeholders(3)
            '?, ?, ?'
            >>> get_dialect("oracle").placeholders(2, start=1)
            ':2, :3'
        """
        if n < 0:
            raise ValidationError(f"placeholders() needs n >= 0, got {n}")
        return ", ".join(self.placeholder(start + i) for i in range(n))

    # ------------------------------------------------------------------ identifiers
    def is_reserved(self, word: str) -> bool:
        """Whether ``word`` is a reserved word on this backend (case-insensitive)."""
        return _name(word).upper() in self.reserved_words

    def fold(self, identifier: str) -> str:
        """How the backend stores an unquoted identifier (upper/lower/as written)."""
        _name(identifier)
        if self.identifier_case == "upper":
            return identifier.upper()
        if self.identifier_case == "lower":
            return identifier.lower()
        return identifier

    def needs_quoting(self, part: str) -> bool:
        """Whether the single identifier ``part`` must be quoted on this backend."""
        _name(part)
        if self.quote_leading_underscore and part.startswith("_"):
            return True
        upper = part.upper()
        return upper in self.reserved_words or upper in self.quote_words

    def quote(self, identifier: str) -> str:
        """Validate ``identifier`` and render it for SQL (quoted only when it must be).

        See the module docstring for the policy.

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("postgresql").quote("user"), get_dialect("mysql").quote("key")
            ('"user"', '`key`')
            >>> get_dialect("oracle").quote("level"), get_dialect("oracle").quote("domain")
            ('"LEVEL"', 'domain')
        """
        validate_identifier(identifier)
        if "." not in identifier:
            return self._quote_part(identifier)
        return ".".join(self._quote_part(p) for p in identifier.split("."))

    def _quote_part(self, part: str) -> str:
        if not self.needs_quoting(part):
            return part
        q = self.quote_char
        return f"{q}{self.fold(part)}{q}"

    def quote_list(self, identifiers: Sequence[str]) -> str:
        """Quote several identifiers and join them with ``", "``."""
        return ", ".join(self.quote(i) for i in identifiers)

    # ------------------------------------------------------------------ time
    def now(self) -> str:
        """SQL expression for the current UTC time, comparable with stored ``TS`` values."""
        return "CURRENT_TIMESTAMP"

    def encode_timestamp(self, dt: datetime | None) -> Any:
        """Convert an aware datetime into the value this backend's driver should bind.

        ``None`` passes through. A naive datetime raises ``ValidationError``.
        """
        if dt is None:
            return None
        return self._encode_utc(require_aware(dt))

    def _encode_utc(self, dt: datetime) -> Any:
        return dt.replace(tzinfo=None)

    def decode_timestamp(self, value: Any) -> datetime | None:
        """Read a ``TS`` column value from this backend's driver as an aware UTC datetime."""
        return parse_timestamp(value)

    # ------------------------------------------------------------------ booleans / JSON
    def bool_literal(self, value: bool) -> str:
        """SQL literal for a boolean (``TRUE``/``FALSE`` on PostgreSQL, ``1``/``0`` elsewhere)."""
        return "1" if value else "0"

    def encode_bool(self, value: bool | None) -> Any:
        """The bound value for a boolean (``bool`` on PostgreSQL, ``1``/``0`` elsewhere)."""
        if value is None:
            return None
        return 1 if value else 0

    def decode_bool(self, value: Any) -> bool | None:
        """Read a ``BOOL`` column value from this backend's driver."""
        return parse_bool(value)

    def encode_json(self, obj: Any) -> str:
        """Canonical JSON text (sorted keys, compact) for a ``JSON`` column."""
        return canonical_json(obj)

    def decode_json(self, value: Any) -> Any:
        """Parse a ``JSON`` column value (``str``, ``bytes`` or an Oracle LOB)."""
        return decode_json_value(value)

    def encode_value(self, value: Any) -> Any:
        """Encode one Python value for binding: datetimes, booleans, dicts/lists, enums.

        Other values pass through unchanged.

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("sqlite").encode_value({"b": 1, "a": True})
            '{"a":true,"b":1}'
        """
        if isinstance(value, bool):
            return self.encode_bool(value)
        if isinstance(value, datetime):
            return self.encode_timestamp(value)
        if isinstance(value, dict | list | tuple):
            return self.encode_json(value)
        if isinstance(value, Enum):
            return value.value
        return value

    def encode_row(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """:meth:`encode_value` applied to every value of a mapping."""
        return {k: self.encode_value(v) for k, v in row.items()}

    # ------------------------------------------------------------------ paging / locking
    @staticmethod
    def _check_count(value: int, what: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"{what} must be a non-negative int, got {value!r}")
        return value

    def limit_offset(self, limit: int | None, offset: int = 0) -> str:
        """Paging clause to append after ``ORDER BY``.

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("postgresql").limit_offset(10, 20)
            'LIMIT 10 OFFSET 20'
        """
        offset = self._check_count(offset, "offset")
        if self.offset_fetch_paging:
            if limit is None:
                return f"OFFSET {offset} ROWS" if offset else ""
            limit = self._check_count(limit, "limit")
            return f"OFFSET {offset} ROWS FETCH NEXT {limit} ROWS ONLY"
        if limit is None:
            return f"OFFSET {offset}" if offset else ""
        limit = self._check_count(limit, "limit")
        return f"LIMIT {limit} OFFSET {offset}" if offset else f"LIMIT {limit}"

    def for_update_skip_locked(self) -> str:
        """Row-locking clause of a claim query (``""`` where unsupported, i.e. SQLite)."""
        return "FOR UPDATE SKIP LOCKED"

    def select_for_claim(
        self,
        table: str,
        columns: Sequence[str],
        where: str,
        order_by: str,
        limit: int,
    ) -> str:
        """Render the claim query of a work queue: the first ``limit`` rows matching
        ``where`` in ``order_by`` order, locked so concurrent claimers skip them.

        ``where`` and ``order_by`` are SQL fragments written by the caller (use
        placeholders for values). Run it inside a transaction and update the returned rows
        before committing. On SQLite run it inside :func:`spine.db.claim_transaction`
        (``BEGIN IMMEDIATE``). On Oracle the row limit cannot be combined with
        ``FOR UPDATE``: fetch at most ``limit`` rows with ``cursor.fetchmany(limit)``
        (rows are locked as they are fetched).

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("postgresql").select_for_claim(
            ...     "core_work_items", ["id"], "status = %s", "priority DESC", 5)
            'SELECT id FROM core_work_items WHERE status = %s ORDER BY priority DESC LIMIT 5 FOR UPDATE SKIP LOCKED'
        """  # noqa: E501
        cols = self.quote_list(columns)
        limit = self._check_count(limit, "limit")
        table_sql = self.quote(table)
        parts = [f"SELECT {cols} FROM {table_sql} WHERE {where} ORDER BY {order_by}"]  # noqa: S608
        parts.append(self._claim_limit(limit))
        parts.append(self.for_update_skip_locked())
        return " ".join(p for p in parts if p)

    def update_picked_sql(
        self, table: str, set_sql: str, key: str, pick_sql: str, returning: Sequence[str]
    ) -> str | None:
        """``UPDATE table SET <set_sql> WHERE key IN (<pick_sql>) RETURNING <returning>``:
        a claim in one statement (``pick_sql`` is typically :meth:`select_for_claim` of
        ``key``), or ``None`` where the backend cannot return updated rows (then select,
        then update, in one transaction). Placeholders bind ``set_sql``'s, then
        ``pick_sql``'s. Rows come back in no particular order.

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("sqlite").update_picked_sql(
            ...     "q", "owner = ?", "id", "SELECT id FROM q WHERE owner IS NULL LIMIT 5", ["id"])
            'UPDATE q SET owner = ? WHERE id IN (SELECT id FROM q WHERE owner IS NULL LIMIT 5) RETURNING id'
        """  # noqa: E501
        if not self.supports_returning:
            return None
        validate_identifier(key, allow_dotted=False)
        return (
            f"UPDATE {self.quote(table)} SET {set_sql} "  # noqa: S608
            f"WHERE {self.quote(key)} IN ({pick_sql}) RETURNING {self.quote_list(returning)}"
        )

    def _claim_limit(self, limit: int) -> str:
        """The row-limit clause of :meth:`select_for_claim` (before the lock clause)."""
        return self.limit_offset(limit)

    # ------------------------------------------------------------------ DML helpers
    def insert_sql(self, table: str, columns: Sequence[str], *, temporary: bool = False) -> str:
        """``INSERT INTO table (cols) VALUES (placeholders)``; ``temporary`` names a table
        created by :meth:`create_temp_table_as_sql` (through :meth:`temp_table_name`).

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("mysql").insert_sql("t", ["a", "b"])
            'INSERT INTO t (a, b) VALUES (%s, %s)'
        """
        if not columns:
            raise ValidationError(f"insert into {table!r} needs at least one column")
        cols, values = self.quote_list(columns), self.placeholders(len(columns))
        name = self.temp_table_name(table) if temporary else self.quote(table)
        return f"INSERT INTO {name} ({cols}) VALUES ({values})"  # noqa: S608

    update_rows_columnar: ClassVar[bool] = False
    """:meth:`update_rows_sql` binds one array per column instead of the rows' values."""

    def update_row_sql(
        self, table: str, set_columns: Sequence[str], where_columns: Sequence[str]
    ) -> str:
        """``UPDATE table SET a = ?, ... WHERE k = ? AND ...``: one row's update.

        Bind the values of ``set_columns``, then those of ``where_columns`` (``=``: a NULL
        never matches).

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("sqlite").update_row_sql("t", ["v", "n"], ["k"])
            'UPDATE t SET v = ?, n = ? WHERE k = ?'
        """
        sets, wheres = _update_names(set_columns, where_columns)
        ph = self.placeholder
        set_sql = ", ".join(f"{self.quote(c)} = {ph(i)}" for i, c in enumerate(sets))
        where_sql = " AND ".join(
            f"{self.quote(c)} = {ph(len(sets) + i)}" for i, c in enumerate(wheres)
        )
        return f"UPDATE {self.quote(table)} SET {set_sql} WHERE {where_sql}"  # noqa: S608

    def update_rows_sql(
        self, table: Table, set_columns: Sequence[str], where_columns: Sequence[str], rows: int
    ) -> str | None:
        """One statement applying ``rows`` updates of :meth:`update_row_sql`'s shape, or
        ``None`` where ``executemany`` of that single-row statement is as fast (an
        in-process database, array binding).

        Bind, row after row, each row's ``set_columns`` values then its ``where_columns``
        values: the flattened rows of :meth:`update_row_sql`; or, where
        :attr:`update_rows_columnar` is set, one list per column (the statement does not
        depend on ``rows`` then). Each target row should be
        matched by one source row only (the rows are applied as a set, not in order).
        :meth:`spine.db.SpineConnection.update_rows` picks this or ``executemany``.

        Example:
            >>> from spine.db import get_dialect
            >>> from spine.db.tabledef import ID, INT, Column, Table
            >>> t = Table("t", (Column("k", ID), Column("n", INT)), primary_key=("k",))
            >>> get_dialect("sqlite").update_rows_sql(t, ["n"], ["k"], 2) is None
            True
        """
        _update_parts(table, set_columns, where_columns, rows)
        return None

    def _upsert_parts(
        self,
        columns: Sequence[str],
        conflict_columns: Sequence[str],
        update_columns: Sequence[str] | None,
    ) -> tuple[list[str], list[str], list[str]]:
        cols = [_name(c) for c in columns]
        if not cols:
            raise ValidationError("upsert needs at least one column")
        conflict = [_name(c) for c in conflict_columns]
        if not conflict:
            raise ValidationError("upsert needs at least one conflict column")
        lowered = {c.lower() for c in cols}
        missing = [c for c in conflict if c.lower() not in lowered]
        if missing:
            raise ValidationError(f"upsert conflict columns {missing} are not inserted columns")
        if update_columns is not None:
            update_columns = [_name(c) for c in update_columns]
        if update_columns is None:
            conflict_lower = {c.lower() for c in conflict}
            update = [c for c in cols if c.lower() not in conflict_lower]
        else:
            update = list(update_columns)
            bad = [c for c in update if c.lower() not in lowered]
            if bad:
                raise ValidationError(f"upsert update columns {bad} are not inserted columns")
        for name in [*cols, *conflict, *update]:
            validate_identifier(name, allow_dotted=False)
        return cols, conflict, update

    def upsert(
        self,
        table: str,
        columns: Sequence[str],
        conflict_columns: Sequence[str],
        update_columns: Sequence[str] | None = None,
        column_types: Mapping[str, ColumnType | str] | None = None,
    ) -> str:
        """Insert a row, or update it when a row with the same ``conflict_columns`` exists.

        Bind the values of ``columns`` in order. ``update_columns=None`` updates every
        non-conflict column; an empty sequence inserts only if absent (does nothing
        otherwise). ``column_types`` (name -> abstract type, or a SQL type string read from
        the catalog) lets dialects that need typed parameter markers (Db2) cast them; others
        ignore it.

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("sqlite").upsert("t", ["k", "v"], ["k"])
            'INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v'
            >>> get_dialect("sqlite").upsert("t", ["k", "v"], ["k"], update_columns=[])
            'INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT (k) DO NOTHING'
        """
        cols, conflict, update = self._upsert_parts(columns, conflict_columns, update_columns)
        return self._upsert_sql(table, cols, conflict, update, column_types)

    def _upsert_sql(
        self,
        table: str,
        cols: list[str],
        conflict: list[str],
        update: list[str],
        column_types: Mapping[str, ColumnType | str] | None,
    ) -> str:
        """Render :meth:`upsert` from validated parts (``ON CONFLICT``; overridden per
        dialect)."""
        head = self.insert_sql(table, cols)
        target = self.quote_list(conflict)
        if not update:
            return f"{head} ON CONFLICT ({target}) DO NOTHING"
        sets = ", ".join(f"{self.quote(c)} = excluded.{self.quote(c)}" for c in update)
        return f"{head} ON CONFLICT ({target}) DO UPDATE SET {sets}"

    def _merge_actions(self, cols: Sequence[str], update: Sequence[str], target: str) -> str:
        """The ``WHEN MATCHED`` / ``WHEN NOT MATCHED`` clauses of a ``MERGE`` upsert whose
        source is aliased ``src``; updated columns are prefixed with ``target``."""
        q = self.quote
        sql = ""
        if update:
            sets = ", ".join(f"{target}{q(c)} = src.{q(c)}" for c in update)
            sql += f" WHEN MATCHED THEN UPDATE SET {sets}"
        values = ", ".join(f"src.{q(c)}" for c in cols)
        col_list = self.quote_list(cols)
        return f"{sql} WHEN NOT MATCHED THEN INSERT ({col_list}) VALUES ({values})"  # noqa: S608

    # ------------------------------------------------------------------ DDL
    def type_sql(self, ctype: ColumnType) -> str:
        """Render an abstract column type (``STR(n)`` fills in the length)."""
        if ctype.kind is TypeKind.IDENTITY:
            raise ValidationError("IDENTITY renders through identity_column_sql()")
        template = self.type_map[ctype.kind]
        return template.format(n=ctype.length)

    def identity_column_sql(self, name: str) -> str:
        """Full column definition of an auto-increment 64-bit primary key column."""
        return f"{self.quote(name)} BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

    def default_sql(self, value: DefaultValue) -> str:
        """SQL literal for a column default (strings quoted with ``'`` doubled)."""
        if isinstance(value, bool):
            return self.bool_literal(value)
        if isinstance(value, int | float):
            return repr(value)
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        raise ValidationError(f"unsupported default literal {value!r}")

    def column_sql(self, column: Column) -> str:
        """One column definition: ``name TYPE [DEFAULT x] [NOT NULL]``."""
        if column.type.kind is TypeKind.IDENTITY:
            return self.identity_column_sql(column.name)
        parts = [self.quote(column.name), self.type_sql(column.type)]
        if column.default is not None:
            parts.append(f"DEFAULT {self.default_sql(column.default)}")
        if not column.nullable:
            parts.append("NOT NULL")
        return " ".join(parts)

    add_columns_in_one_statement: ClassVar[bool] = True
    """Whether one ``ALTER TABLE`` adds several columns (not on SQLite)."""

    def add_columns_statements(self, table: str, columns: Sequence[Column]) -> list[str]:
        """``ALTER TABLE`` adding ``columns`` to an existing ``table`` (a migration's step):
        one statement where the backend adds several columns at once, so a server without
        transactional DDL never keeps half of them.

        Raises:
            ValidationError: no columns, an identity column, or a NOT NULL column without a
                default (existing rows would have no value).

        Example:
            >>> from spine.db import get_dialect
            >>> from spine.db.schema import INT, TS, Column
            >>> get_dialect("postgresql").add_columns_statements(
            ...     "jobs", [Column("tries", INT, nullable=False, default=0),
            ...              Column("lease_until", TS, nullable=True)])
            ['ALTER TABLE jobs ADD COLUMN tries INTEGER DEFAULT 0 NOT NULL, ADD COLUMN lease_until TIMESTAMPTZ']
        """  # noqa: E501
        if not columns:
            raise ValidationError("add_columns_statements needs at least one column")
        for c in columns:
            if c.type.kind is TypeKind.IDENTITY:
                raise ValidationError(f"cannot add identity column {c.name!r} to a table")
            if not c.nullable and c.default is None:
                raise ValidationError(
                    f"column {c.name!r} added to existing table {table!r} must be nullable "
                    "or have a default"
                )
        t = self.quote(table)
        clauses = [f"ADD COLUMN {self.column_sql(c)}" for c in columns]
        if not self.add_columns_in_one_statement:
            return [f"ALTER TABLE {t} {c}" for c in clauses]
        return [f"ALTER TABLE {t} {self._join_add_clauses(clauses)}"]

    def _join_add_clauses(self, clauses: Sequence[str]) -> str:
        """How several ``ADD COLUMN`` clauses of one ``ALTER TABLE`` are joined."""
        return ", ".join(clauses)

    def _table_body(self, table: Table) -> list[str]:
        lines = [self.column_sql(c) for c in table.columns]
        if table.primary_key and table.identity_column is None:
            lines.append(f"PRIMARY KEY ({self.quote_list(table.primary_key)})")
        return lines

    def _create_table_plain(self, table: Table, if_not_exists: bool) -> str:
        body = ",\n    ".join(self._table_body(table))
        ine = "IF NOT EXISTS " if if_not_exists else ""
        return f"CREATE TABLE {ine}{self.quote(table.name)} (\n    {body}\n){self.table_suffix}"

    def create_table_sql(self, table: Table, if_not_exists: bool = True) -> str:
        """``CREATE TABLE`` for a declared table (one statement; indexes are separate).

        With ``if_not_exists`` the statement is a no-op when the table exists.
        """
        return self._create_table_plain(table, if_not_exists)

    def _create_index_plain(self, table: Table | str, index: Index, if_not_exists: bool) -> str:
        unique = "UNIQUE " if index.unique else ""
        ine = "IF NOT EXISTS " if if_not_exists else ""
        name = table.name if isinstance(table, Table) else table
        return (
            f"CREATE {unique}INDEX {ine}{self.quote(index.name)} "
            f"ON {self.quote(name)} ({self._index_columns(index)}){self._sparse_clause(index)}"
        )

    def _sparse_clause(self, index: Index) -> str:
        """What leaves all-NULL keys out of a :attr:`Index.sparse` index (a partial index
        predicate here; ``""`` where the backend cannot, or never indexes them)."""
        if not index.sparse:
            return ""
        keys = " OR ".join(f"{self.quote(c)} IS NOT NULL" for c in index.columns)
        return f" WHERE {keys}"

    def _index_columns(self, index: Index) -> str:
        """The quoted key columns of ``index``, ``DESC`` where declared."""
        desc = set(index.descending)
        return ", ".join(self.quote(c) + (" DESC" if c in desc else "") for c in index.columns)

    def drop_index_sql(self, table: str, name: str) -> str:
        """``DROP INDEX`` of the index ``name`` on ``table`` (for migrations).

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("postgresql").drop_index_sql("core_work_items", "ix_old")
            'DROP INDEX ix_old'
            >>> get_dialect("mysql").drop_index_sql("core_work_items", "ix_old")
            'DROP INDEX ix_old ON core_work_items'
        """
        validate_identifier(table)
        validate_identifier(name, allow_dotted=False)
        return f"DROP INDEX {self.quote(name)}"

    def create_index_sql(self, table: Table | str, index: Index, if_not_exists: bool = True) -> str:
        """``CREATE INDEX`` of ``index`` on ``table`` (a no-op when it exists, where
        :attr:`supports_index_if_not_exists`).

        ``table`` is a declared :class:`Table` or, for a table declared elsewhere, its name
        (then column types are unknown: MySQL adds no prefix lengths, Db2 excludes NULL keys
        from every unique index).
        """
        return self._create_index_plain(table, index, if_not_exists)

    def create_table_statements(self, table: Table, if_not_exists: bool = True) -> list[str]:
        """Every statement needed to create ``table`` and its indexes, in order."""
        return [
            self.create_table_sql(table, if_not_exists),
            *(self.create_index_sql(table, ix, if_not_exists) for ix in table.indexes),
        ]

    def drop_table_sql(self, name: str, if_exists: bool = True) -> str:
        """``DROP TABLE`` (a no-op when absent if ``if_exists``)."""
        return f"DROP TABLE {'IF EXISTS ' if if_exists else ''}{self.quote(name)}"

    def table_exists_sql(self, name: str) -> tuple[str, tuple[Any, ...]]:
        """A query returning a row iff table ``name`` exists, with its parameters."""
        raise NotImplementedError

    def column_types_sql(self, table: str) -> tuple[str, tuple[Any, ...]]:
        """Catalog query returning ``(name, type, length, scale)`` per column of ``table``
        (implemented where :attr:`upsert_needs_types`)."""
        raise NotImplementedError(f"{self.name} does not read column types from its catalog")

    @staticmethod
    def catalog_type_sql(typename: str, length: int, scale: int) -> str:
        """Render a catalog column type as SQL (overridden where the details matter)."""
        return typename.strip().upper()

    def _split_name(self, name: str) -> tuple[str | None, str]:
        validate_identifier(name)
        if "." in name:
            schema, table = name.split(".", 1)
            return schema, table
        return None, name

    # ------------------------------------------------------------------ notifications
    def _no_notify(self) -> ConfigError:
        return ConfigError(
            f"{self.name} has no asynchronous notifications (LISTEN/NOTIFY); use PostgreSQL, "
            "or another event bus / wake-up mechanism"
        )

    def notify_sql(self) -> str:
        """Statement sending a notification; binds ``(channel, payload)``.

        Raises:
            ConfigError: the backend has no notifications (``supports_notify`` is false).
        """
        raise self._no_notify()

    def listen_sql(self, channel: str) -> str:
        """Statement subscribing the session to ``channel`` (a validated identifier).

        Raises:
            ConfigError: the backend has no notifications.
        """
        raise self._no_notify()

    def unlisten_sql(self, channel: str) -> str:
        """Statement ending the session's subscription to ``channel``.

        Raises:
            ConfigError: the backend has no notifications.
        """
        raise self._no_notify()

    # ------------------------------------------------------------------ savepoints / temp
    def savepoint_sql(self, name: str) -> str:
        """Statement creating savepoint ``name``."""
        return f"SAVEPOINT {self.quote(name)}"

    def rollback_to_savepoint_sql(self, name: str) -> str:
        """Statement rolling back to savepoint ``name``."""
        return f"ROLLBACK TO SAVEPOINT {self.quote(name)}"

    def release_savepoint_sql(self, name: str) -> str | None:
        """Statement releasing savepoint ``name`` (``None`` where not supported: Oracle)."""
        return f"RELEASE SAVEPOINT {self.quote(name)}"

    temp_table_keyword: ClassVar[str] = "TEMPORARY"
    """``CREATE <keyword> TABLE`` of a session-private temporary table."""
    temp_table_options: ClassVar[str] = ""
    """Clause after a temporary table's definition (what happens on commit)."""

    def temp_table_name(self, name: str) -> str:
        """How to refer to the temporary table created by :meth:`create_temp_table_sql` or
        :meth:`create_temp_table_as_sql` (Oracle and DB2 rename it)."""
        return self.quote(name)

    def create_temp_table_sql(self, table: Table) -> str:
        """A session-private temporary table with ``table``'s columns (rows kept on commit).

        Refer to it as :meth:`temp_table_name`; drop it with :meth:`drop_temp_table_sql`.
        """
        body = ",\n    ".join(self._table_body(table))
        head = f"CREATE {self.temp_table_keyword} TABLE {self.temp_table_name(table.name)}"
        return f"{head} (\n    {body}\n){self.temp_table_options}"

    staging_dropped_at_commit: ClassVar[bool] = False
    """Whether a table made by :meth:`create_temp_table_as_sql` disappears when the
    transaction ends (Oracle), so it must not be dropped explicitly."""

    def create_temp_table_as_sql(self, name: str, source: str, columns: Sequence[str]) -> str:
        """An empty session-private temporary table ``name`` with the types of ``columns`` of
        table ``source``, for staging rows before a set-based insert inside a transaction
        (creating it never commits the transaction). Refer to it as :meth:`temp_table_name`;
        drop it with :meth:`drop_temp_table_sql` unless :attr:`staging_dropped_at_commit`.

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("postgresql").create_temp_table_as_sql("stage", "trades", ["a"])
            'CREATE TEMPORARY TABLE stage AS SELECT a FROM trades WHERE 1 = 0'
        """
        cols = self.quote_list(columns)
        head = f"CREATE {self.temp_table_keyword} TABLE {self.temp_table_name(name)}"
        options = f"{self.temp_table_options} " if self.temp_table_options else " "
        return f"{head}{options}AS SELECT {cols} FROM {self.quote(source)} WHERE 1 = 0"  # noqa: S608

    def drop_temp_table_sql(self, name: str) -> str:
        """Drop the temporary table ``name`` if it exists."""
        return f"DROP TABLE IF EXISTS {self.temp_table_name(name)}"

    # ------------------------------------------------------------------ set-based DML
    def delete_batch_sql(
        self, table: str, where: str, order_by: str, limit: int, id_column: str = "id"
    ) -> str:
        """Delete at most ``limit`` rows of ``table`` matching ``where``, first in
        ``order_by`` order (bounded deletes: purges in short transactions).

        ``where`` and ``order_by`` are SQL fragments written by the caller (placeholders for
        values); ``id_column`` must be unique (the rows are picked by id).

        Example:
            >>> from spine.db import get_dialect
            >>> get_dialect("sqlite").delete_batch_sql("t", "ts < ?", "ts", 500)
            'DELETE FROM t WHERE id IN (SELECT id FROM t WHERE ts < ? ORDER BY ts LIMIT 500)'
        """
        limit = self._check_count(limit, "limit")
        t, idc = self.quote(table), self.quote(id_column)
        return (
            f"DELETE FROM {t} WHERE {idc} IN (SELECT {idc} FROM {t} WHERE {where} "  # noqa: S608
            f"ORDER BY {order_by} {self.limit_offset(limit)})"
        )

    def insert_missing_sql(
        self,
        target: str,
        source: str,
        columns: Sequence[str],
        key: str,
        *,
        ignore_conflicts: bool = False,
    ) -> str:
        """Insert the rows of table ``source`` whose ``key`` value is not in ``target`` yet
        (one set-based statement; ``source`` is usually a temporary staging table, named as
        given to :meth:`create_temp_table_as_sql`).

        With ``ignore_conflicts`` a row that a concurrent writer inserted meanwhile (a
        unique-index violation on ``key``) is skipped instead of failing the statement; this
        needs a unique index on ``key``.

        Example:
            >>> from spine.db import get_dialect
            >>> print(get_dialect("postgresql").insert_missing_sql("t", "s", ["k", "v"], "k"))
            INSERT INTO t (k, v) SELECT s.k, s.v FROM s s WHERE NOT EXISTS (SELECT 1 FROM t t WHERE t.k = s.k)
        """  # noqa: E501
        col_list, select, k = self._insert_select_parts(columns, key)
        src, tgt = self.temp_table_name(source), self.quote(target)
        sql = (
            f"INSERT INTO {tgt} ({col_list}) SELECT {select} FROM {src} s "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT 1 FROM {tgt} t WHERE t.{k} = s.{k})"
        )
        if ignore_conflicts:  # the WHERE keeps SQLite's INSERT ... SELECT ... ON CONFLICT clear
            sql += f" ON CONFLICT ({k}) DO NOTHING"
        return sql

    def insert_ignoring_sql(
        self, target: str, source: str, columns: Sequence[str], conflict_columns: Sequence[str]
    ) -> str:
        """Insert every row of table ``source`` into ``target``, skipping a row whose
        ``conflict_columns`` value is already stored (by an earlier row of ``source``, an
        earlier statement or a concurrent writer). ``target`` needs a unique index or
        constraint over exactly ``conflict_columns``: the database is the arbiter, no
        anti-join is needed. ``source`` is a staging table as for :meth:`insert_missing_sql`.

        ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` here (PostgreSQL, SQLite: the
        ``WHERE 1 = 1`` keeps SQLite's parser from reading ``ON`` as a join);
        ``ON DUPLICATE KEY UPDATE k = k`` on MySQL; ``MERGE ... WHEN NOT MATCHED`` on Oracle
        and Db2.

        Example:
            >>> from spine.db import get_dialect
            >>> print(get_dialect("postgresql").insert_ignoring_sql("t", "s", ["k", "v"], ["k"]))
            INSERT INTO t (k, v) SELECT s.k, s.v FROM s s WHERE 1 = 1 ON CONFLICT (k) DO NOTHING
        """
        col_list, select, _ = self._insert_select_parts(columns, conflict_columns)
        src, tgt = self.temp_table_name(source), self.quote(target)
        target_cols = self.quote_list(conflict_columns)
        return (
            f"INSERT INTO {tgt} ({col_list}) SELECT {select} FROM {src} s "  # noqa: S608
            f"WHERE 1 = 1 ON CONFLICT ({target_cols}) DO NOTHING"
        )

    def _merge_missing_sql(
        self,
        target: str,
        source: str,
        columns: Sequence[str],
        conflict_columns: Sequence[str],
        alias: str,
    ) -> str:
        """``MERGE INTO target USING (SELECT ... FROM source) ON (keys equal) WHEN NOT
        MATCHED THEN INSERT`` (Oracle, Db2); ``alias`` is ``" "`` or ``" AS "``."""
        col_list, _, _ = self._insert_select_parts(columns, conflict_columns)
        q = self.quote
        src, tgt = self.temp_table_name(source), q(target)
        on = " AND ".join(f"t.{q(c)} = s.{q(c)}" for c in conflict_columns)
        values = ", ".join(f"s.{q(c)}" for c in columns)
        return (
            f"MERGE INTO {tgt}{alias}t USING (SELECT {col_list} FROM {src}){alias}s "  # noqa: S608
            f"ON ({on}) WHEN NOT MATCHED THEN INSERT ({col_list}) VALUES ({values})"
        )

    def _insert_select_parts(
        self, columns: Sequence[str], key: str | Sequence[str]
    ) -> tuple[str, str, str]:
        if not columns:
            raise ValidationError("insert_missing_sql needs at least one column")
        if not isinstance(key, str):
            if not key:
                raise ValidationError("a conflict key needs at least one column")
            key = ",".join(self.quote(c) for c in key)
        else:
            key = self.quote(key)
        col_list = self.quote_list(columns)
        select = ", ".join(f"s.{self.quote(c)}" for c in columns)
        return col_list, select, key

    # ------------------------------------------------------------------ locks
    def migration_lock_sql(self) -> str | None:
        """Statement taking a transaction-scoped lock that serialises migration runners
        (``None`` where the backend offers none here)."""
        return None

    # ------------------------------------------------------------------ catalog
    def indexes_sql(self, table: str) -> tuple[str, tuple[Any, ...]]:
        """Catalog query over ``table``'s indexes, one row per indexed column:
        ``(index_name, column_name, position, is_unique, is_partial)`` (``position`` counts
        from 1; ``column_name`` is NULL for an expression). Read it with
        :func:`spine.db.schema.table_indexes`."""
        raise NotImplementedError(f"{self.name} does not reflect indexes")

    # ------------------------------------------------------------------ schemas (tests)
    def create_schema_statements(self, name: str) -> list[str]:
        """Statements creating schema ``name`` (``isolation == "schema"``)."""
        return [f"CREATE SCHEMA {self.quote(name)}"]

    def drop_schema_statements(self, name: str, tables: Sequence[str] = ()) -> list[str]:
        """Statements dropping schema ``name`` and everything in it; ``tables`` are its
        tables as listed by :meth:`list_tables_sql` (needed where ``DROP SCHEMA`` cannot
        cascade)."""
        return [f"DROP SCHEMA IF EXISTS {self.quote(name)} CASCADE"]

    def list_tables_sql(self, schema: str | None = None) -> tuple[str, tuple[Any, ...]]:
        """Catalog query returning the name of every table of ``schema`` (default: the
        current one), as the catalog spells it."""
        raise NotImplementedError(f"{self.name} does not list tables")

    def drop_catalog_table_sql(self, table: str, schema: str | None = None) -> str:
        """``DROP TABLE`` of a table named exactly as the catalog spells it (quoted
        verbatim: for clean-up of names read from :meth:`list_tables_sql`)."""
        q = self.quote_char
        name = q + _name(table).replace(q, q * 2) + q
        if schema is not None:
            name = q + _name(schema).replace(q, q * 2) + q + "." + name
        return f"DROP TABLE {name}"

    # ------------------------------------------------------------------ cross-process locks
    # (used by spine.db.locks.named_lock; kept apart from the rest of the dialect)
    named_lock_kind: ClassVar[str] = "row"
    """How :func:`spine.db.locks.named_lock` takes a cross-process lock on this backend:

    * ``"session"`` - the server's own named lock, held by the session until released (or the
      session ends), across commits: :meth:`named_lock_sql` / :meth:`named_unlock_sql`;
    * ``"row"`` - a row of the ``_spine_locks`` table claimed with a lease (owner + expiry)
      by a committed ``UPDATE``: portable, survives implicit DDL commits; a crashed holder's
      lease expires;
    * ``"transaction"`` - the backend's database write lock taken by the transaction itself
      (SQLite ``BEGIN IMMEDIATE``): callers run each step in such a transaction.
    """
    named_lock_reports: ClassVar[str] = "row"
    """How :meth:`named_lock_sql` reports the outcome: ``"row"`` (one row whose first value
    is true when the lock was taken) or ``"raises"`` (taken unless the statement raised)."""

    def named_lock_sql(self, name: str, wait_seconds: int) -> tuple[str, tuple[Any, ...]]:
        """Statement taking the session lock ``name`` (scoped to the current schema or
        database), waiting at most ``wait_seconds`` where the server can wait (see
        :attr:`named_lock_reports` for how it answers). Only for ``named_lock_kind ==
        "session"``."""
        raise ConfigError(
            f"{self.name} takes no session locks (named_lock_kind is {self.named_lock_kind!r})"
        )

    def named_unlock_sql(self, name: str) -> tuple[str, tuple[Any, ...]]:
        """Statement releasing the session lock ``name`` taken by :meth:`named_lock_sql`."""
        raise ConfigError(
            f"{self.name} takes no session locks (named_lock_kind is {self.named_lock_kind!r})"
        )


def _update_names(
    set_columns: Sequence[str], where_columns: Sequence[str]
) -> tuple[list[str], list[str]]:
    sets = [_name(c) for c in set_columns]
    wheres = [_name(c) for c in where_columns]
    if not sets or not wheres:
        raise ValidationError("an update needs at least one SET column and one WHERE column")
    for name in [*sets, *wheres]:
        validate_identifier(name, allow_dotted=False)
    return sets, wheres


def _update_parts(
    table: Table, set_columns: Sequence[str], where_columns: Sequence[str], rows: int
) -> tuple[list[Column], list[Column]]:
    """Validated columns of a set-based update of ``table`` (they must be its columns)."""
    sets, wheres = _update_names(set_columns, where_columns)
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= 10_000:
        raise ValidationError(f"rows must be an int in 1..10000, got {rows!r}")
    unknown = [c for c in [*sets, *wheres] if not table.has_column(c)]
    if unknown:
        raise ValidationError(f"table {table.name!r} has no column(s) {unknown}")
    return [table.column(c) for c in sets], [table.column(c) for c in wheres]
