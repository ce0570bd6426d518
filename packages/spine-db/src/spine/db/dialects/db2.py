"""IBM Db2 (LUW) dialect (ibm_db_dbi).

* ``?`` placeholders; identifiers fold to upper case and are quoted (upper case) only when
  reserved or starting with ``_``. Result column names come back upper case;
  :class:`~spine.db.BaseRepository` lower-cases them.
* Timestamps are ``TIMESTAMP(6)`` holding UTC; :meth:`DB2Dialect.now` is
  ``CURRENT TIMESTAMP - CURRENT TIMEZONE`` (UTC whatever the server's zone).
* Booleans are ``SMALLINT`` 0/1; JSON and TEXT are ``CLOB(1G)``.
* ``VARCHAR(n)`` lengths count *bytes* on Db2 (UTF-8): non-ASCII text uses more of them.
* Index keys are limited by the page size (1/4 of a page): create the database with
  ``PAGESIZE 32768`` so that every core table and index fits.
* Idempotent DDL is a compound statement with a ``CONTINUE HANDLER`` for SQLSTATE 42710
  (object exists); ``DROP ... IF EXISTS`` handles 42704 (undefined object).
* Upserts are ``MERGE INTO ... USING (VALUES (CAST(? AS type), ...)) AS src (...)``. Db2 needs
  typed parameter markers there: pass ``column_types``; :meth:`BaseRepository.upsert` does it
  for you (core tables from ``CORE_TABLES``, other tables from ``SYSCAT.COLUMNS``).
* Unique indexes on nullable columns use ``EXCLUDE NULL KEYS`` (several NULLs allowed, as on
  the other backends).
* Claims use ``FOR UPDATE SKIP LOCKED DATA``. DDL commits implicitly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from spine.db.dialects.base import Dialect, reserved_words_from
from spine.db.tabledef import ColumnType, Index, Table, TypeKind
from spine.types import ValidationError

__all__ = ["DB2_RESERVED_WORDS", "DB2Dialect", "db2_ignoring"]

_SQL_TYPE = re.compile(r"^[A-Z][A-Z ]{1,30}(\(\d+(, ?\d+)?\))?$")

DB2_ADVISORY_WORDS: frozenset[str] = frozenset({"SOURCE", "POSITION", "VERSION", "NAME"})
"""On IBM's compatibility list but ordinary identifiers on Db2 LUW; spine quotes them anyway
(upper case, so the quoted and bare spellings name the same column)."""

DB2_RESERVED_WORDS: frozenset[str] = reserved_words_from(
    """
    ACTIVATE ADD AFTER ALIAS ALL ALLOCATE ALLOW ALTER AND ANY AS ASENSITIVE ASSOCIATE ASUTIME
    AT ATTRIBUTES AUDIT AUTHORIZATION AUX AUXILIARY BEFORE BEGIN BETWEEN BINARY BUFFERPOOL BY
    CACHE CALL CALLED CAPTURE CARDINALITY CASCADED CASE CAST CCSID CHAR CHARACTER CHECK CLONE
    CLOSE CLUSTER COLLECTION COLLID COLUMN COMMENT COMMIT CONCAT CONDITION CONNECT CONNECTION
    CONSTRAINT CONTAINS CONTINUE COUNT COUNT_BIG CREATE CROSS CURRENT CURRENT_DATE
    CURRENT_LC_CTYPE CURRENT_PATH CURRENT_SCHEMA CURRENT_SERVER CURRENT_TIME CURRENT_TIMESTAMP
    CURRENT_TIMEZONE CURRENT_USER CURSOR CYCLE DATA DATABASE DATAPARTITIONNAME DATAPARTITIONNUM
    DATE DAY DAYS DB2GENERAL DB2GENRL DB2SQL DBINFO DBPARTITIONNAME DBPARTITIONNUM DEALLOCATE
    DECLARE DEFAULT DEFAULTS DEFINITION DELETE DENSERANK DENSE_RANK DESCRIBE DESCRIPTOR
    DETERMINISTIC DIAGNOSTICS DISABLE DISALLOW DISCONNECT DISTINCT DO DOCUMENT DOUBLE DROP
    DSSIZE DYNAMIC EACH EDITPROC ELSE ELSEIF ENABLE ENCODING ENCRYPTION END ENDING ERASE ESCAPE
    EVERY EXCEPT EXCEPTION EXCLUDING EXCLUSIVE EXECUTE EXISTS EXIT EXPLAIN EXTENDED EXTERNAL
    EXTRACT FENCED FETCH FIELDPROC FILE FINAL FOR FOREIGN FREE FROM FULL FUNCTION GENERAL
    GENERATED GET GLOBAL GO GOTO GRANT GRAPHIC GROUP HANDLER HASH HASHED_VALUE HAVING HINT HOLD
    HOUR HOURS IDENTITY IF IMMEDIATE IN INCLUDING INCLUSIVE INCREMENT INDEX INDICATOR INF
    INFINITY INHERIT INNER INOUT INSENSITIVE INSERT INTEGRITY INTERSECT INTO IS ISOBID ISOLATION
    ITERATE JAR JAVA JOIN KEEP KEY LABEL LANGUAGE LATERAL LC_CTYPE LEAVE LEFT LIKE LINKTYPE
    LOCAL LOCALDATE LOCALE LOCALTIME LOCALTIMESTAMP LOCATOR LOCATORS LOCK LOCKMAX LOCKSIZE LONG
    LOOP MAINTAINED MATERIALIZED MAXVALUE MICROSECOND MICROSECONDS MINUTE MINUTES MINVALUE MODE
    MODIFIES MONTH MONTHS NAN NEW NEW_TABLE NEXTVAL NO NOCACHE NOCYCLE NODENAME NODENUMBER
    NOMAXVALUE NOMINVALUE NONE NOORDER NORMALIZED NOT NULL NULLS NUMPARTS OBID OF OLD OLD_TABLE
    ON OPEN OPTIMIZATION OPTIMIZE OPTION OR ORDER OUT OUTER OVER OVERRIDING PACKAGE PADDED
    PAGESIZE PARAMETER PART PARTITION PARTITIONED PARTITIONING PARTITIONS PASSWORD PATH
    PIECESIZE PLAN PRECISION PREPARE PREVVAL PRIMARY PRIQTY PRIVILEGES PROCEDURE PROGRAM PSID
    PUBLIC QUERY QUERYNO RANGE RANK READ READS RECOVERY REFERENCES REFERENCING REFRESH RELEASE
    RENAME REPEAT RESET RESIGNAL RESTART RESTRICT RESULT RESULT_SET_LOCATOR RETURN RETURNS
    REVOKE RIGHT ROLE ROLLBACK ROUND_CEILING ROUND_DOWN ROUND_FLOOR ROUND_HALF_DOWN
    ROUND_HALF_EVEN ROUND_HALF_UP ROUND_UP ROUTINE ROW ROWNUMBER ROWS ROWSET ROW_NUMBER RRN RUN
    SAVEPOINT SCHEMA SCRATCHPAD SCROLL SEARCH SECOND SECONDS SECQTY SECURITY SELECT SENSITIVE
    SEQUENCE SESSION SESSION_USER SET SIGNAL SIMPLE SNAN SOME SPECIFIC SQL SQLID STACKED
    STANDARD START STARTING STATEMENT STATIC STATMENT STAY STOGROUP STORES STYLE SUBSTRING
    SUMMARY SYNONYM SYSFUN SYSIBM SYSPROC SYSTEM SYSTEM_USER TABLE TABLESPACE THEN TIME
    TIMESTAMP TO TRANSACTION TRIGGER TRIM TRUNCATE TYPE UNDO UNION UNIQUE UNTIL UPDATE USAGE
    USER USING VALIDPROC VALUE VALUES VARIABLE VARIANT VCAT VIEW VOLATILE VOLUMES WHEN WHENEVER
    WHERE WHILE WITH WITHOUT WLM WRITE XMLELEMENT XMLEXISTS XMLNAMESPACES YEAR YEARS
    """
)
"""Db2 reserved words (IBM's list, minus :data:`DB2_ADVISORY_WORDS`)."""


def db2_ignoring(statement: str, sqlstates: Sequence[str]) -> str:
    """Wrap a statement in a compound statement that continues on the given SQLSTATEs.

    Example:
        >>> print(db2_ignoring("DROP TABLE t", ["42704"]))
        BEGIN
            DECLARE CONTINUE HANDLER FOR SQLSTATE '42704' BEGIN END;
            EXECUTE IMMEDIATE 'DROP TABLE t';
        END
    """
    escaped = statement.replace("'", "''")
    states = ", ".join(f"SQLSTATE '{s}'" for s in sqlstates)
    return (
        "BEGIN\n"
        f"    DECLARE CONTINUE HANDLER FOR {states} BEGIN END;\n"
        f"    EXECUTE IMMEDIATE '{escaped}';\n"
        "END"
    )


class DB2Dialect(Dialect):
    """Db2: ``?`` binds, ``MERGE`` upserts, compound-statement-guarded idempotent DDL.

    Example:
        >>> DB2Dialect().for_update_skip_locked()
        'FOR UPDATE SKIP LOCKED DATA'
        >>> DB2Dialect().limit_offset(10)
        'OFFSET 0 ROWS FETCH NEXT 10 ROWS ONLY'
    """

    name: ClassVar[str] = "db2"
    aliases: ClassVar[tuple[str, ...]] = ("ibm_db", "ibmdb", "ibm_db_dbi")
    driver_modules: ClassVar[tuple[str, ...]] = ("ibm_db",)
    paramstyle: ClassVar[str] = "qmark"
    identifier_case: ClassVar[str] = "upper"
    reserved_words: ClassVar[frozenset[str]] = DB2_RESERVED_WORDS
    quote_words: ClassVar[frozenset[str]] = DB2_ADVISORY_WORDS
    upsert_needs_types: ClassVar[bool] = True
    quote_leading_underscore: ClassVar[bool] = True
    offset_fetch_paging: ClassVar[bool] = True
    ping_sql: ClassVar[str] = "SELECT 1 FROM SYSIBM.SYSDUMMY1"
    temp_table_options: ClassVar[str] = " ON COMMIT PRESERVE ROWS NOT LOGGED"
    type_map: ClassVar[dict[TypeKind, str]] = {
        TypeKind.ID: "VARCHAR(64)",
        TypeKind.STR: "VARCHAR({n})",
        TypeKind.TEXT: "CLOB(1G)",
        TypeKind.INT: "INTEGER",
        TypeKind.BIGINT: "BIGINT",
        TypeKind.FLOAT: "DOUBLE",
        TypeKind.BOOL: "SMALLINT",
        TypeKind.JSON: "CLOB(1G)",
        TypeKind.TS: "TIMESTAMP(6)",
    }

    def now(self) -> str:
        return "(CURRENT TIMESTAMP - CURRENT TIMEZONE)"

    def _join_add_clauses(self, clauses: Sequence[str]) -> str:
        """Db2 repeats ``ADD COLUMN`` without commas."""
        return " ".join(clauses)

    def for_update_skip_locked(self) -> str:
        return "FOR UPDATE SKIP LOCKED DATA"

    def _claim_limit(self, limit: int) -> str:
        return f"FETCH FIRST {limit} ROWS ONLY"

    def _marker(self, ctype: ColumnType | str | None) -> str:
        if ctype is None:
            return "?"
        if isinstance(ctype, str):
            if not _SQL_TYPE.match(ctype):
                raise ValidationError(f"not a Db2 column type: {ctype!r}")
            return f"CAST(? AS {ctype})"
        if ctype.kind is TypeKind.IDENTITY:
            return "CAST(? AS BIGINT)"
        return f"CAST(? AS {self.type_sql(ctype)})"

    def column_types_sql(self, table: str) -> tuple[str, tuple[Any, ...]]:
        """Catalog query returning ``(name, type, length, scale)`` of ``table``'s columns."""
        schema, name = self._split_name(table)
        where = "TABSCHEMA = ?" if schema else "TABSCHEMA = CURRENT SCHEMA"
        params = (schema.upper(), name.upper()) if schema else (name.upper(),)
        sql = (
            "SELECT COLNAME, TYPENAME, LENGTH, SCALE FROM SYSCAT.COLUMNS "  # noqa: S608
            f"WHERE {where} AND TABNAME = ?"
        )
        return sql, params

    @staticmethod
    def catalog_type_sql(typename: str, length: int, scale: int) -> str:
        """Render a ``SYSCAT.COLUMNS`` type as SQL (``VARCHAR(100)``, ``TIMESTAMP(6)``...).

        Example:
            >>> DB2Dialect.catalog_type_sql("VARCHAR", 100, 0)
            'VARCHAR(100)'
            >>> DB2Dialect.catalog_type_sql("DECIMAL", 12, 2)
            'DECIMAL(12, 2)'
        """
        name = typename.strip().upper()
        if name in ("VARCHAR", "CHARACTER", "CHAR", "CLOB", "BLOB", "VARBINARY", "BINARY",
                    "GRAPHIC", "VARGRAPHIC", "DBCLOB"):  # fmt: skip
            return f"{'CHAR' if name == 'CHARACTER' else name}({length})"
        if name == "TIMESTAMP":
            return f"TIMESTAMP({scale})"
        if name in ("DECIMAL", "NUMERIC"):
            return f"{name}({length}, {scale})"
        return name

    def _upsert_sql(
        self,
        table: str,
        cols: list[str],
        conflict: list[str],
        update: list[str],
        column_types: Mapping[str, ColumnType | str] | None,
    ) -> str:
        """``MERGE INTO t AS tgt USING (VALUES (...)) AS src (cols) ON ...``.

        ``column_types`` maps column names to abstract types so parameter markers are typed
        (``CAST(? AS VARCHAR(64))``), which Db2 requires in a ``VALUES`` row.

        Example:
            >>> print(DB2Dialect().upsert("t", ["k", "v"], ["k"]))
            MERGE INTO t AS tgt USING (VALUES (?, ?)) AS src (k, v) ON tgt.k = src.k WHEN MATCHED THEN UPDATE SET v = src.v WHEN NOT MATCHED THEN INSERT (k, v) VALUES (src.k, src.v)
        """  # noqa: E501
        q = self.quote
        types = {k.lower(): v for k, v in (column_types or {}).items()}
        markers = ", ".join(self._marker(types.get(c.lower())) for c in cols)
        col_list = self.quote_list(cols)
        on = " AND ".join(f"tgt.{q(c)} = src.{q(c)}" for c in conflict)
        sql = f"MERGE INTO {q(table)} AS tgt USING (VALUES ({markers})) AS src ({col_list}) ON {on}"
        return sql + self._merge_actions(cols, update, "")

    def identity_column_sql(self, name: str) -> str:
        return f"{self.quote(name)} BIGINT NOT NULL GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

    def create_table_sql(self, table: Table, if_not_exists: bool = True) -> str:
        plain = self._create_table_plain(table, if_not_exists=False)
        return db2_ignoring(plain, ["42710"]) if if_not_exists else plain

    def _create_index_plain(self, table: Table | str, index: Index, if_not_exists: bool) -> str:
        sql = super()._create_index_plain(table, index, if_not_exists=False)
        if index.sparse or (
            index.unique
            and (
                not isinstance(table, Table) or any(table.column(c).nullable for c in index.columns)
            )
        ):
            sql += " EXCLUDE NULL KEYS"
        return sql

    def _sparse_clause(self, index: Index) -> str:
        return ""  # EXCLUDE NULL KEYS, added by _create_index_plain

    def create_index_sql(self, table: Table | str, index: Index, if_not_exists: bool = True) -> str:
        plain = self._create_index_plain(table, index, if_not_exists=False)
        return db2_ignoring(plain, ["42710"]) if if_not_exists else plain

    def drop_table_sql(self, name: str, if_exists: bool = True) -> str:
        plain = f"DROP TABLE {self.quote(name)}"
        return db2_ignoring(plain, ["42704"]) if if_exists else plain

    def table_exists_sql(self, name: str) -> tuple[str, tuple[Any, ...]]:
        schema, table = self._split_name(name)
        if schema is None:
            return (
                "SELECT 1 FROM SYSCAT.TABLES WHERE TABSCHEMA = CURRENT SCHEMA AND TABNAME = ?",
                (table.upper(),),
            )
        return (
            "SELECT 1 FROM SYSCAT.TABLES WHERE TABSCHEMA = ? AND TABNAME = ?",
            (schema.upper(), table.upper()),
        )

    def savepoint_sql(self, name: str) -> str:
        return f"SAVEPOINT {self.quote(name)} ON ROLLBACK RETAIN CURSORS"

    def temp_table_name(self, name: str) -> str:
        """Declared temporary tables live in the ``SESSION`` schema."""
        return f"SESSION.{self.quote(self._split_name(name)[1])}"

    def create_temp_table_sql(self, table: Table) -> str:
        """``DECLARE GLOBAL TEMPORARY TABLE`` (needs a user temporary tablespace)."""
        body = ",\n    ".join(self._table_body(table))
        return (
            f"DECLARE GLOBAL TEMPORARY TABLE {self.temp_table_name(table.name)} (\n    {body}\n)"
            f"{self.temp_table_options}"
        )

    def create_temp_table_as_sql(self, name: str, source: str, columns: Sequence[str]) -> str:
        """``DECLARE GLOBAL TEMPORARY TABLE ... AS (SELECT ...) WITH NO DATA``."""
        cols = self.quote_list(columns)
        return (
            f"DECLARE GLOBAL TEMPORARY TABLE {self.temp_table_name(name)} "  # noqa: S608
            f"AS (SELECT {cols} FROM {self.quote(source)}) WITH NO DATA{self.temp_table_options}"
        )

    def drop_temp_table_sql(self, name: str) -> str:
        """``DROP TABLE SESSION....`` ignoring SQLSTATE 42704 (undefined object)."""
        return db2_ignoring(f"DROP TABLE {self.temp_table_name(name)}", ["42704"])

    def insert_missing_sql(
        self,
        target: str,
        source: str,
        columns: Sequence[str],
        key: str,
        *,
        ignore_conflicts: bool = False,
    ) -> str:
        """The anti-join ``INSERT ... SELECT``; with ``ignore_conflicts`` a ``MERGE ... WHEN
        NOT MATCHED THEN INSERT`` (Db2 has no insert-ignore: a writer that commits the same
        key between the merge's probe and its insert still raises SQLSTATE 23505)."""
        if not ignore_conflicts:
            return super().insert_missing_sql(target, source, columns, key)
        col_list, values, k = self._insert_select_parts(columns, key)
        src, tgt = self.temp_table_name(source), self.quote(target)
        return (
            f"MERGE INTO {tgt} AS t USING (SELECT {col_list} FROM {src}) AS s "  # noqa: S608
            f"ON t.{k} = s.{k} WHEN NOT MATCHED THEN INSERT ({col_list}) VALUES ({values})"
        )

    def insert_ignoring_sql(
        self, target: str, source: str, columns: Sequence[str], conflict_columns: Sequence[str]
    ) -> str:
        """``MERGE ... WHEN NOT MATCHED THEN INSERT`` keyed on ``conflict_columns`` (rows of
        ``source`` must be distinct on them; a writer that commits the same key between the
        merge's probe and its insert still raises a unique-constraint error)."""
        return self._merge_missing_sql(target, source, columns, conflict_columns, " AS ")

    def indexes_sql(self, table: str) -> tuple[str, tuple[Any, ...]]:
        schema, name = self._split_name(table)
        where = "i.TABSCHEMA = ?" if schema else "i.TABSCHEMA = CURRENT SCHEMA"
        params = (schema.upper(), name.upper()) if schema else (name.upper(),)
        sql = (
            "SELECT i.INDNAME, c.COLNAME, c.COLSEQ, "  # noqa: S608
            "CASE WHEN i.UNIQUERULE IN ('U', 'P') THEN 1 ELSE 0 END, 0 "
            "FROM SYSCAT.INDEXES i JOIN SYSCAT.INDEXCOLUSE c "
            "ON c.INDSCHEMA = i.INDSCHEMA AND c.INDNAME = i.INDNAME "
            f"WHERE {where} AND i.TABNAME = ? ORDER BY i.INDNAME, c.COLSEQ"
        )
        return sql, params

    def create_schema_statements(self, name: str) -> list[str]:
        """None: Db2 creates a schema implicitly with its first table."""
        return []

    def drop_schema_statements(self, name: str, tables: Sequence[str] = ()) -> list[str]:
        """Drop the schema's tables one by one, then the schema (``RESTRICT``: no cascade)."""
        schema = self.fold(name)
        drops = [self.drop_catalog_table_sql(t, schema) for t in tables]
        return [*drops, f'DROP SCHEMA "{schema}" RESTRICT']

    def list_tables_sql(self, schema: str | None = None) -> tuple[str, tuple[Any, ...]]:
        if schema is None:
            return (
                "SELECT TABNAME FROM SYSCAT.TABLES WHERE TABSCHEMA = CURRENT SCHEMA AND TYPE = 'T'",
                (),
            )
        return (
            "SELECT TABNAME FROM SYSCAT.TABLES WHERE TABSCHEMA = ? AND TYPE = 'T'",
            (schema.upper(),),
        )

    # ------------------------------------------------------------------ cross-process locks
    named_lock_kind: ClassVar[str] = "row"
    """A leased row of ``_spine_locks`` (Db2's own locks end at commit)."""
