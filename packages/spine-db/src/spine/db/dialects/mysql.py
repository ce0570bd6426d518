"""MySQL / MariaDB dialect (mysql-connector-python).

* ``%s`` placeholders, backtick quoting for reserved words.
* Tables are InnoDB, ``utf8mb4`` with the binary collation ``utf8mb4_bin`` so that string
  comparison and unique keys are case- and accent-sensitive, as on the other backends.
* Timestamps are ``DATETIME(6)`` holding UTC (connections run with ``time_zone = '+00:00'``);
  :meth:`MySQLDialect.now` is ``UTC_TIMESTAMP(6)``.
* Upserts use ``ON DUPLICATE KEY UPDATE col = VALUES(col)`` (understood by MySQL 8 and
  MariaDB). Note that MySQL reacts to a duplicate on *any* unique key of the table, not only
  the conflict columns. Insert-if-absent renders ``ON DUPLICATE KEY UPDATE k = k`` rather
  than ``INSERT IGNORE``, which would also swallow unrelated errors.
* ``FOR UPDATE SKIP LOCKED`` needs MySQL 8.0+ or MariaDB 10.6+.
* Indexes are declared inside ``CREATE TABLE`` (MySQL has no ``CREATE INDEX IF NOT
  EXISTS``); string columns of a non-unique index get prefix lengths when the key would
  exceed InnoDB's 3072-byte limit.
* DDL commits implicitly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from spine.db.dialects.base import Dialect, _update_parts, reserved_words_from
from spine.db.tabledef import ID_LENGTH, ColumnType, Index, Table, TypeKind
from spine.types import ValidationError

__all__ = ["MYSQL_RESERVED_WORDS", "MySQLDialect"]

MYSQL_RESERVED_WORDS: frozenset[str] = reserved_words_from(
    """
    ACCESSIBLE ADD ALL ALTER ANALYZE AND AS ASC ASENSITIVE BEFORE BETWEEN BIGINT BINARY BLOB
    BOTH BY CALL CASCADE CASE CHANGE CHAR CHARACTER CHECK COLLATE COLUMN CONDITION CONSTRAINT
    CONTINUE CONVERT CREATE CROSS CUBE CUME_DIST CURRENT_DATE CURRENT_ROLE CURRENT_TIME
    CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE DATABASES DAY_HOUR DAY_MICROSECOND DAY_MINUTE
    DAY_SECOND DEC DECIMAL DECLARE DEFAULT DELAYED DELETE DELETE_DOMAIN_ID DENSE_RANK DESC
    DESCRIBE DETERMINISTIC DISTINCT DISTINCTROW DIV DO_DOMAIN_IDS DOUBLE DROP DUAL EACH ELSE
    ELSEIF EMPTY ENCLOSED ESCAPED EXCEPT EXISTS EXIT EXPLAIN FALSE FETCH FIRST_VALUE FLOAT
    FLOAT4 FLOAT8 FOR FORCE FOREIGN FROM FULLTEXT FUNCTION GENERAL GENERATED GET GRANT GROUP
    GROUPING GROUPS HAVING HIGH_PRIORITY HOUR_MICROSECOND HOUR_MINUTE HOUR_SECOND IF IGNORE
    IGNORE_DOMAIN_IDS IGNORE_SERVER_IDS IN INDEX INFILE INNER INOUT INSENSITIVE INSERT INT INT1
    INT2 INT3 INT4 INT8 INTEGER INTERSECT INTERVAL INTO IO_AFTER_GTIDS IO_BEFORE_GTIDS IS
    ITERATE JOIN JSON_TABLE KEY KEYS KILL LAG LAST_VALUE LATERAL LEAD LEADING LEAVE LEFT LIKE
    LIMIT LINEAR LINES LOAD LOCALTIME LOCALTIMESTAMP LOCK LONG LONGBLOB LONGTEXT LOOP
    LOW_PRIORITY MASTER_BIND MASTER_HEARTBEAT_PERIOD MASTER_SSL_VERIFY_SERVER_CERT MATCH
    MAXVALUE MEDIUMBLOB MEDIUMINT MEDIUMTEXT MIDDLEINT MINUTE_MICROSECOND MINUTE_SECOND MOD
    MODIFIES NATURAL NOT NO_WRITE_TO_BINLOG NTH_VALUE NTILE NULL NUMERIC OF OFFSET
    ON OPTIMIZE OPTIMIZER_COSTS OPTION OPTIONALLY OR ORDER OUT OUTER OUTFILE OVER PAGE_CHECKSUM
    PARSE_VCOL_EXPR PARTITION PERCENT_RANK PRECISION PRIMARY PROCEDURE PURGE RANGE
    RANK READ READS READ_WRITE REAL RECURSIVE REF_SYSTEM_ID REFERENCES REGEXP RELEASE RENAME
    REPEAT REPLACE REQUIRE RESIGNAL RESTRICT RETURN RETURNING REVOKE RIGHT RLIKE ROW ROWS
    ROW_NUMBER SCHEMA SCHEMAS SECOND_MICROSECOND SELECT SENSITIVE SEPARATOR SET SHOW SIGNAL
    SLOW SMALLINT SPATIAL SPECIFIC SQL SQLEXCEPTION SQLSTATE SQLWARNING SQL_BIG_RESULT
    SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL STARTING STATS_AUTO_RECALC STATS_PERSISTENT
    STATS_SAMPLE_PAGES STORED STRAIGHT_JOIN SYSTEM TABLE TERMINATED THEN TINYBLOB TINYINT
    TINYTEXT TO TRAILING TRIGGER TRUE UNDO UNION UNIQUE UNLOCK UNSIGNED UPDATE USAGE USE USING
    UTC_DATE UTC_TIME UTC_TIMESTAMP VALUES VARBINARY VARCHAR VARCHARACTER VARYING VIRTUAL WHEN
    WHERE WHILE WINDOW WITH WRITE XOR YEAR_MONTH ZEROFILL
    """
)
"""Reserved words of MySQL 8.0 and MariaDB 10.x/11.x (union)."""

INNODB_MAX_KEY_BYTES = 3072
"""InnoDB index key limit (DYNAMIC row format)."""

_BYTES_PER_CHAR = 4  # utf8mb4
_FIXED_KEY_BYTES = {
    TypeKind.INT: 4,
    TypeKind.BIGINT: 8,
    TypeKind.FLOAT: 8,
    TypeKind.BOOL: 1,
    TypeKind.TS: 8,
    TypeKind.IDENTITY: 8,
}
_LOB_PREFIX_CHARS = 191


class MySQLDialect(Dialect):
    """MySQL / MariaDB: ``%s`` placeholders, backticks, ``ON DUPLICATE KEY UPDATE``.

    Example:
        >>> MySQLDialect().upsert("t", ["k", "v"], ["k"])
        'INSERT INTO t (k, v) VALUES (%s, %s) ON DUPLICATE KEY UPDATE v = VALUES(v)'
        >>> MySQLDialect().upsert("t", ["k", "v"], ["k"], update_columns=[])
        'INSERT INTO t (k, v) VALUES (%s, %s) ON DUPLICATE KEY UPDATE k = k'
    """

    name: ClassVar[str] = "mysql"
    aliases: ClassVar[tuple[str, ...]] = ("mariadb",)
    driver_modules: ClassVar[tuple[str, ...]] = ("mysql", "MySQLdb", "pymysql")
    paramstyle: ClassVar[str] = "format"
    quote_char: ClassVar[str] = "`"
    reserved_words: ClassVar[frozenset[str]] = MYSQL_RESERVED_WORDS
    table_suffix: ClassVar[str] = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    supports_index_if_not_exists: ClassVar[bool] = False
    direct_insert_if_absent: ClassVar[bool] = True
    type_map: ClassVar[dict[TypeKind, str]] = {
        TypeKind.ID: "VARCHAR(64)",
        TypeKind.STR: "VARCHAR({n})",
        TypeKind.TEXT: "LONGTEXT",
        TypeKind.INT: "INT",
        TypeKind.BIGINT: "BIGINT",
        TypeKind.FLOAT: "DOUBLE",
        TypeKind.BOOL: "BOOLEAN",
        TypeKind.JSON: "LONGTEXT",
        TypeKind.TS: "DATETIME(6)",
    }

    def placeholder(self, index: int = 0) -> str:
        return "%s"

    def _quote_part(self, part: str) -> str:
        if not self.needs_quoting(part):
            return part
        return f"`{part}`"

    def now(self) -> str:
        """``UTC_TIMESTAMP(6)``: independent of the session time zone."""
        return "UTC_TIMESTAMP(6)"

    def limit_offset(self, limit: int | None, offset: int = 0) -> str:
        if limit is None:
            offset = self._check_count(offset, "offset")
            return f"LIMIT 18446744073709551615 OFFSET {offset}" if offset else ""
        return super().limit_offset(limit, offset)

    def _upsert_sql(
        self,
        table: str,
        cols: list[str],
        conflict: list[str],
        update: list[str],
        column_types: Mapping[str, ColumnType | str] | None,
    ) -> str:
        head = self.insert_sql(table, cols)
        if not update:
            first = self.quote(conflict[0])
            return f"{head} ON DUPLICATE KEY UPDATE {first} = {first}"
        sets = ", ".join(f"{self.quote(c)} = VALUES({self.quote(c)})" for c in update)
        return f"{head} ON DUPLICATE KEY UPDATE {sets}"

    def update_rows_sql(
        self, table: Table, set_columns: Sequence[str], where_columns: Sequence[str], rows: int
    ) -> str | None:
        """``UPDATE t JOIN (SELECT ... UNION ALL SELECT ...) v ON ... SET ...``: one
        statement for ``rows`` rows (``executemany`` sends an UPDATE per row)."""
        sets, wheres = _update_parts(table, set_columns, where_columns, rows)
        n = len(sets) + len(wheres)
        first = "SELECT " + ", ".join(f"%s AS c{i}" for i in range(n))
        rest = " UNION ALL SELECT " + ", ".join(["%s"] * n)
        t = self.quote(table.name)
        on_sql = " AND ".join(
            f"{t}.{self.quote(c.name)} = v.c{len(sets) + i}" for i, c in enumerate(wheres)
        )
        set_sql = ", ".join(f"{t}.{self.quote(c.name)} = v.c{i}" for i, c in enumerate(sets))
        derived = first + rest * (rows - 1)
        return f"UPDATE {t} JOIN ({derived}) AS v ON {on_sql} SET {set_sql}"  # noqa: S608

    def identity_column_sql(self, name: str) -> str:
        return f"{self.quote(name)} BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"

    # ----------------------------------------------------------------- index key lengths
    def _sparse_clause(self, index: Index) -> str:
        return ""  # no partial indexes: all-NULL keys are indexed

    def drop_index_sql(self, table: str, name: str) -> str:
        super().drop_index_sql(table, name)
        return f"DROP INDEX {self.quote(name)} ON {self.quote(table)}"

    def _key_parts(
        self,
        table: Table,
        columns: Sequence[str],
        unique: bool,
        what: str,
        descending: Sequence[str] = (),
    ) -> str:
        """Render index columns, adding prefix lengths to fit InnoDB's key limit."""
        types: list[ColumnType] = [table.column(c).type for c in columns]
        budget = INNODB_MAX_KEY_BYTES - sum(_FIXED_KEY_BYTES.get(t.kind, 0) for t in types)
        string_cols = [i for i, t in enumerate(types) if t.kind not in _FIXED_KEY_BYTES]
        wanted = {i: self._chars(types[i]) for i in string_cols}
        given: dict[int, int] = {}
        chars_left = max(budget, 0) // _BYTES_PER_CHAR
        for pos, i in enumerate(sorted(string_cols, key=lambda j: wanted[j])):
            share = chars_left // (len(string_cols) - pos)
            given[i] = min(wanted[i], share)
            chars_left -= given[i]
        parts = []
        for i, col in enumerate(columns):
            rendered = self.quote(col)
            lob = types[i].is_lob
            if i in given and (given[i] < wanted[i] or lob):
                if unique:
                    raise ValidationError(
                        f"{what}: key over {columns} exceeds MySQL's {INNODB_MAX_KEY_BYTES}"
                        "-byte index limit (utf8mb4); shorten the columns or hash them"
                    )
                rendered += f"({min(given[i], _LOB_PREFIX_CHARS) if lob else given[i]})"
            if col in descending:
                rendered += " DESC"
            parts.append(rendered)
        return ", ".join(parts)

    @staticmethod
    def _chars(ctype: ColumnType) -> int:
        if ctype.kind is TypeKind.STR:
            return ctype.length or 0
        if ctype.kind is TypeKind.ID:
            return ID_LENGTH
        return 1 << 30  # LOB: unbounded

    def _index_clause(self, table: Table, index: Index) -> str:
        unique = "UNIQUE " if index.unique else ""
        cols = self._key_parts(
            table, index.columns, index.unique, f"index {index.name}", index.descending
        )
        return f"{unique}INDEX {self.quote(index.name)} ({cols})"

    def _table_body(self, table: Table) -> list[str]:
        lines = [self.column_sql(c) for c in table.columns]
        if table.primary_key and table.identity_column is None:
            cols = self._key_parts(table, table.primary_key, True, f"primary key of {table.name}")
            lines.append(f"PRIMARY KEY ({cols})")
        lines.extend(self._index_clause(table, ix) for ix in table.indexes)
        return lines

    def create_index_sql(self, table: Table | str, index: Index, if_not_exists: bool = True) -> str:
        """Standalone ``CREATE INDEX``. ``IF NOT EXISTS`` is MariaDB syntax; on MySQL use
        :func:`spine.db.schema.ensure_index`, which checks the catalog first."""
        if not isinstance(table, Table):
            return self._create_index_plain(table, index, if_not_exists)
        unique = "UNIQUE " if index.unique else ""
        ine = "IF NOT EXISTS " if if_not_exists else ""
        cols = self._key_parts(
            table, index.columns, index.unique, f"index {index.name}", index.descending
        )
        name, table_sql = self.quote(index.name), self.quote(table.name)
        return f"CREATE {unique}INDEX {ine}{name} ON {table_sql} ({cols})"

    def create_table_statements(self, table: Table, if_not_exists: bool = True) -> list[str]:
        """One statement: indexes are declared inside ``CREATE TABLE`` on MySQL."""
        return [self.create_table_sql(table, if_not_exists)]

    def table_exists_sql(self, name: str) -> tuple[str, tuple[Any, ...]]:
        schema, table = self._split_name(name)
        if schema is None:
            return (
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = DATABASE() AND table_name = %s",
                (table,),
            )
        return (
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (schema, table),
        )

    def create_temp_table_sql(self, table: Table) -> str:
        body = ",\n    ".join(self._table_body(table))
        return (
            f"CREATE TEMPORARY TABLE {self.quote(table.name)} (\n    {body}\n){self.table_suffix}"
        )

    def drop_temp_table_sql(self, name: str) -> str:
        """``DROP TEMPORARY TABLE``: never drops a permanent table of the same name."""
        return f"DROP TEMPORARY TABLE IF EXISTS {self.temp_table_name(name)}"

    def delete_batch_sql(
        self, table: str, where: str, order_by: str, limit: int, id_column: str = "id"
    ) -> str:
        """``DELETE ... ORDER BY ... LIMIT n``: MySQL/MariaDB cannot ``LIMIT`` inside ``IN``.

        Example:
            >>> MySQLDialect().delete_batch_sql("t", "ts < %s", "ts", 500)
            'DELETE FROM t WHERE ts < %s ORDER BY ts LIMIT 500'
        """
        limit = self._check_count(limit, "limit")
        self.quote(id_column)
        return f"DELETE FROM {self.quote(table)} WHERE {where} ORDER BY {order_by} LIMIT {limit}"  # noqa: S608

    def insert_missing_sql(
        self,
        target: str,
        source: str,
        columns: Sequence[str],
        key: str,
        *,
        ignore_conflicts: bool = False,
    ) -> str:
        """An anti-join ``INSERT ... SELECT`` in ``key`` order (concurrent writers lock
        index entries in the same order); conflicts are ignored with ``ON DUPLICATE KEY
        UPDATE key = key`` (a no-op update, not ``INSERT IGNORE``, which would also swallow
        unrelated errors)."""
        col_list, select, k = self._insert_select_parts(columns, key)
        src, tgt = self.temp_table_name(source), self.quote(target)
        sql = (
            f"INSERT INTO {tgt} ({col_list}) SELECT {select} FROM {src} s "  # noqa: S608
            f"LEFT JOIN {tgt} t ON t.{k} = s.{k} WHERE t.{k} IS NULL ORDER BY s.{k}"
        )
        if ignore_conflicts:
            sql += f" ON DUPLICATE KEY UPDATE {tgt}.{k} = {tgt}.{k}"
        return sql

    def insert_ignoring_sql(
        self, target: str, source: str, columns: Sequence[str], conflict_columns: Sequence[str]
    ) -> str:
        """``INSERT ... SELECT ... ON DUPLICATE KEY UPDATE k = k`` (a no-op update, not
        ``INSERT IGNORE``, which would also swallow unrelated errors such as truncation)."""
        col_list, select, _ = self._insert_select_parts(columns, conflict_columns)
        src, tgt = self.temp_table_name(source), self.quote(target)
        k = self.quote(conflict_columns[0])
        return (
            f"INSERT INTO {tgt} ({col_list}) SELECT {select} FROM {src} s "  # noqa: S608
            f"ON DUPLICATE KEY UPDATE {tgt}.{k} = {tgt}.{k}"
        )

    def indexes_sql(self, table: str) -> tuple[str, tuple[Any, ...]]:
        schema, name = self._split_name(table)
        return (
            "SELECT index_name, column_name, seq_in_index, non_unique = 0, 0 "
            "FROM information_schema.statistics "
            "WHERE table_schema = COALESCE(%s, DATABASE()) AND table_name = %s "
            "ORDER BY index_name, seq_in_index",
            (schema, name),
        )

    def create_schema_statements(self, name: str) -> list[str]:
        """A database (MySQL's schemas), with the collation spine's tables use."""
        return [f"CREATE DATABASE {self.quote(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"]

    def drop_schema_statements(self, name: str, tables: Sequence[str] = ()) -> list[str]:
        return [f"DROP DATABASE IF EXISTS {self.quote(name)}"]

    def list_tables_sql(self, schema: str | None = None) -> tuple[str, tuple[Any, ...]]:
        return (
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = COALESCE(%s, DATABASE()) AND table_type = 'BASE TABLE'",
            (schema,),
        )

    # ------------------------------------------------------------------ cross-process locks
    named_lock_kind: ClassVar[str] = "session"

    def named_lock_sql(self, name: str, wait_seconds: int) -> tuple[str, tuple[Any, ...]]:
        """``GET_LOCK`` (1 when taken, 0 after ``wait_seconds``) on a digest of the name and
        the current database (lock names are server-wide and at most 64 characters)."""
        return (
            "SELECT GET_LOCK(SHA1(CONCAT(%s, '.', COALESCE(DATABASE(), ''))), %s)",
            (name, max(0, int(wait_seconds))),
        )

    def named_unlock_sql(self, name: str) -> tuple[str, tuple[Any, ...]]:
        return ("SELECT RELEASE_LOCK(SHA1(CONCAT(%s, '.', COALESCE(DATABASE(), ''))))", (name,))
