"""Oracle dialect (python-oracledb, thin mode).

* Numbered binds ``:1, :2, ...`` (:meth:`OracleDialect.placeholder` numbers from
  ``index + 1``).
* Identifiers are emitted unquoted and fold to upper case; reserved words and names that
  start with ``_`` (e.g. ``_migrations``) are quoted *in upper case* (``"_MIGRATIONS"``) so
  quoted and unquoted references agree. Result column names come back upper case;
  :class:`~spine.db.BaseRepository` lower-cases them.
* Timestamps are ``TIMESTAMP(6) WITH TIME ZONE``. Connections run with session time zone
  UTC; values are bound as naive UTC datetimes and read back as such (python-oracledb drops
  the zone), which :meth:`~OracleDialect.decode_timestamp` marks as UTC.
  :meth:`~OracleDialect.now` is ``SYS_EXTRACT_UTC(SYSTIMESTAMP)``.
* Booleans are ``NUMBER(1)``; JSON and TEXT are ``CLOB`` (read as ``str`` on spine
  connections; :meth:`~OracleDialect.decode_json` also reads LOB objects).
* The empty string is ``NULL`` on Oracle: do not rely on storing ``''``.
* There is no ``CREATE ... IF NOT EXISTS`` before 23ai: idempotent DDL is rendered as a
  PL/SQL block that ignores ORA-00955 (name already used) and ORA-01408 (column list
  already indexed); ``DROP ... IF EXISTS`` ignores ORA-00942.
* Upserts are ``MERGE ... USING (SELECT :1 AS c1, ... FROM dual)``.
* Paging is ``OFFSET n ROWS FETCH NEXT m ROWS ONLY`` (12c+). ``FOR UPDATE SKIP LOCKED``
  cannot be combined with a row limit (ORA-02014): claim queries fetch ``limit`` rows with
  ``cursor.fetchmany`` instead (rows are locked as they are fetched).
* DDL commits implicitly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from spine.db.dialects.base import Dialect, reserved_words_from
from spine.db.tabledef import ColumnType, Index, Table, TypeKind

__all__ = ["ORACLE_RESERVED_WORDS", "OracleDialect", "plsql_ignoring"]

ORACLE_RESERVED_WORDS: frozenset[str] = reserved_words_from(
    """
    ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN COMMENT
    COMPRESS CONNECT CREATE CURRENT DATE DECIMAL DEFAULT DELETE DESC DISTINCT DROP ELSE
    EXCLUSIVE EXISTS FILE FLOAT FOR FROM GRANT GROUP HAVING IDENTIFIED IMMEDIATE IN INCREMENT
    INDEX INITIAL INSERT INTEGER INTERSECT INTO IS LEVEL LIKE LOCK LONG MAXEXTENTS MINUS
    MLSLABEL MODE MODIFY NOAUDIT NOCOMPRESS NOT NOWAIT NULL NUMBER OF OFFLINE ON ONLINE OPTION
    OR ORDER PCTFREE PRIOR PUBLIC RAW RENAME RESOURCE REVOKE ROW ROWID ROWNUM ROWS SELECT
    SESSION SET SHARE SIZE SMALLINT START SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO TRIGGER UID
    UNION UNIQUE UPDATE USER VALIDATE VALUES VARCHAR VARCHAR2 VIEW WHENEVER WHERE WITH
    """
)
"""Oracle reserved words (``V$RESERVED_WORDS`` with ``RESERVED = 'Y'``)."""


def plsql_ignoring(statement: str, sqlcodes: Sequence[int]) -> str:
    """Wrap a DDL statement in a PL/SQL block that ignores the given (negative) SQLCODEs.

    Example:
        >>> print(plsql_ignoring("DROP TABLE t", [-942]))
        BEGIN
            EXECUTE IMMEDIATE 'DROP TABLE t';
        EXCEPTION
            WHEN OTHERS THEN
                IF SQLCODE NOT IN (-942) THEN
                    RAISE;
                END IF;
        END;
    """
    escaped = statement.replace("'", "''")
    codes = ", ".join(str(c) for c in sqlcodes)
    return (
        "BEGIN\n"
        f"    EXECUTE IMMEDIATE '{escaped}';\n"
        "EXCEPTION\n"
        "    WHEN OTHERS THEN\n"
        f"        IF SQLCODE NOT IN ({codes}) THEN\n"
        "            RAISE;\n"
        "        END IF;\n"
        "END;"
    )


class OracleDialect(Dialect):
    """Oracle: ``:n`` binds, ``MERGE`` upserts, PL/SQL-guarded idempotent DDL.

    Example:
        >>> OracleDialect().placeholders(3)
        ':1, :2, :3'
        >>> OracleDialect().quote("_migrations")
        '"_MIGRATIONS"'
    """

    name: ClassVar[str] = "oracle"
    aliases: ClassVar[tuple[str, ...]] = ("oracledb",)
    driver_modules: ClassVar[tuple[str, ...]] = ("oracledb", "cx_Oracle")
    paramstyle: ClassVar[str] = "numeric"
    identifier_case: ClassVar[str] = "upper"
    reserved_words: ClassVar[frozenset[str]] = ORACLE_RESERVED_WORDS
    upsert_needs_types: ClassVar[bool] = True
    quote_leading_underscore: ClassVar[bool] = True
    offset_fetch_paging: ClassVar[bool] = True
    ping_sql: ClassVar[str] = "SELECT 1 FROM DUAL"
    isolation: ClassVar[str] = "tables"
    temp_table_keyword: ClassVar[str] = "PRIVATE TEMPORARY"
    temp_table_options: ClassVar[str] = " ON COMMIT PRESERVE DEFINITION"
    staging_dropped_at_commit: ClassVar[bool] = True
    type_map: ClassVar[dict[TypeKind, str]] = {
        TypeKind.ID: "VARCHAR2(64 CHAR)",
        TypeKind.STR: "VARCHAR2({n} CHAR)",
        TypeKind.TEXT: "CLOB",
        TypeKind.INT: "NUMBER(10)",
        TypeKind.BIGINT: "NUMBER(19)",
        TypeKind.FLOAT: "BINARY_DOUBLE",
        TypeKind.BOOL: "NUMBER(1)",
        TypeKind.JSON: "CLOB",
        TypeKind.TS: "TIMESTAMP(6) WITH TIME ZONE",
    }

    def placeholder(self, index: int = 0) -> str:
        return f":{index + 1}"

    def now(self) -> str:
        return "SYS_EXTRACT_UTC(SYSTIMESTAMP)"

    def _join_add_clauses(self, clauses: Sequence[str]) -> str:
        """Oracle adds columns as ``ADD (c1 ..., c2 ...)`` (no ``COLUMN`` keyword)."""
        return "ADD (" + ", ".join(c.removeprefix("ADD COLUMN ") for c in clauses) + ")"

    def _claim_limit(self, limit: int) -> str:
        """No row limit (ORA-02014): fetch ``limit`` rows with ``cursor.fetchmany(limit)``."""
        return ""

    def _upsert_sql(
        self,
        table: str,
        cols: list[str],
        conflict: list[str],
        update: list[str],
        column_types: Mapping[str, ColumnType | str] | None,
    ) -> str:
        """``MERGE INTO ... USING (SELECT :1 AS a, ... FROM dual) src ON (...)``.

        With ``column_types``, binds of ``TEXT``/``JSON`` (CLOB) columns are wrapped in
        ``TO_CLOB(...)`` so values longer than a ``VARCHAR2`` survive the ``dual`` select.

        Example:
            >>> print(OracleDialect().upsert("t", ["k", "v"], ["k"]))
            MERGE INTO t tgt USING (SELECT :1 AS k, :2 AS v FROM dual) src ON (tgt.k = src.k) WHEN MATCHED THEN UPDATE SET tgt.v = src.v WHEN NOT MATCHED THEN INSERT (k, v) VALUES (src.k, src.v)
        """  # noqa: E501
        q = self.quote
        types = {k.lower(): v for k, v in (column_types or {}).items()}

        def bind(i: int, col: str) -> str:
            ctype = types.get(col.lower())
            marker = self.placeholder(i)
            is_lob = isinstance(ctype, ColumnType) and ctype.is_lob
            return f"TO_CLOB({marker})" if is_lob or ctype in ("CLOB", "NCLOB") else marker

        select = ", ".join(f"{bind(i, c)} AS {q(c)}" for i, c in enumerate(cols))
        on = " AND ".join(f"tgt.{q(c)} = src.{q(c)}" for c in conflict)
        sql = f"MERGE INTO {q(table)} tgt USING (SELECT {select} FROM dual) src ON ({on})"  # noqa: S608
        return sql + self._merge_actions(cols, update, "tgt.")

    def column_types_sql(self, table: str) -> tuple[str, tuple[Any, ...]]:
        schema, name = self._split_name(table)
        owner = ":2" if schema else "SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')"
        params: tuple[Any, ...] = (name.upper(), schema.upper()) if schema else (name.upper(),)
        sql = (
            "SELECT column_name, data_type, data_length, NVL(data_scale, 0) "  # noqa: S608
            f"FROM all_tab_columns WHERE table_name = :1 AND owner = {owner}"
        )
        return sql, params

    def identity_column_sql(self, name: str) -> str:
        return f"{self.quote(name)} NUMBER(19) GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

    def create_table_sql(self, table: Table, if_not_exists: bool = True) -> str:
        plain = self._create_table_plain(table, if_not_exists=False)
        return plsql_ignoring(plain, [-955]) if if_not_exists else plain

    def _sparse_clause(self, index: Index) -> str:
        return ""  # B-tree indexes never hold all-NULL keys

    def create_index_sql(self, table: Table | str, index: Index, if_not_exists: bool = True) -> str:
        plain = self._create_index_plain(table, index, if_not_exists=False)
        return plsql_ignoring(plain, [-955, -1408]) if if_not_exists else plain

    def drop_table_sql(self, name: str, if_exists: bool = True) -> str:
        plain = f"DROP TABLE {self.quote(name)} CASCADE CONSTRAINTS PURGE"
        return plsql_ignoring(plain, [-942]) if if_exists else plain

    def table_exists_sql(self, name: str) -> tuple[str, tuple[Any, ...]]:
        schema, table = self._split_name(name)
        owner = ":2" if schema else "SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')"
        params: tuple[Any, ...] = (table.upper(), schema.upper()) if schema else (table.upper(),)
        sql = f"SELECT 1 FROM all_tables WHERE table_name = :1 AND owner = {owner}"  # noqa: S608
        return sql, params

    def release_savepoint_sql(self, name: str) -> str | None:
        """Oracle has no ``RELEASE SAVEPOINT`` (savepoints end with the transaction)."""
        return None

    def temp_table_name(self, name: str) -> str:
        """Private temporary tables must be named ``ORA$PTT_...`` (Oracle 18c+)."""
        return f"ORA$PTT_{self._split_name(name)[1].upper()}"

    def create_temp_table_as_sql(self, name: str, source: str, columns: Sequence[str]) -> str:
        """A transaction-scoped private temporary table (``ON COMMIT DROP DEFINITION``):
        creating one with ``PRESERVE DEFINITION`` commits the open transaction (My Oracle
        Support note 3045954.1), this one does not, and it is gone at commit."""
        cols = self.quote_list(columns)
        return (
            f"CREATE PRIVATE TEMPORARY TABLE {self.temp_table_name(name)} "  # noqa: S608
            f"ON COMMIT DROP DEFINITION AS SELECT {cols} FROM {self.quote(source)} WHERE 1 = 0"
        )

    def drop_temp_table_sql(self, name: str) -> str:
        """``DROP TABLE ORA$PTT_...`` ignoring ORA-00942 (no ``IF EXISTS`` before 23ai)."""
        return plsql_ignoring(f"DROP TABLE {self.temp_table_name(name)}", [-942])

    def insert_missing_sql(
        self,
        target: str,
        source: str,
        columns: Sequence[str],
        key: str,
        *,
        ignore_conflicts: bool = False,
    ) -> str:
        """The anti-join ``INSERT ... SELECT``; with ``ignore_conflicts`` the
        ``IGNORE_ROW_ON_DUPKEY_INDEX`` hint skips rows a concurrent writer inserted meanwhile
        (it names the unique index by its column, so the index must exist)."""
        sql = super().insert_missing_sql(target, source, columns, key)
        if not ignore_conflicts:
            return sql
        table = self.quote(self._split_name(target)[1])
        hint = f"/*+ IGNORE_ROW_ON_DUPKEY_INDEX({table} ({self.quote(key)})) */"
        return sql.replace("INSERT INTO", f"INSERT {hint} INTO", 1)

    def insert_ignoring_sql(
        self, target: str, source: str, columns: Sequence[str], conflict_columns: Sequence[str]
    ) -> str:
        """``MERGE ... WHEN NOT MATCHED THEN INSERT`` keyed on ``conflict_columns`` (rows of
        ``source`` must be distinct on them; a writer that commits the same key between the
        merge's probe and its insert still raises a unique-constraint error)."""
        return self._merge_missing_sql(target, source, columns, conflict_columns, " ")

    def indexes_sql(self, table: str) -> tuple[str, tuple[Any, ...]]:
        schema, name = self._split_name(table)
        owner = ":2" if schema else "SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')"
        params: tuple[Any, ...] = (name.upper(), schema.upper()) if schema else (name.upper(),)
        sql = (
            "SELECT i.index_name, c.column_name, c.column_position, "  # noqa: S608
            "CASE i.uniqueness WHEN 'UNIQUE' THEN 1 ELSE 0 END, 0 "
            "FROM all_indexes i JOIN all_ind_columns c "
            "ON c.index_owner = i.owner AND c.index_name = i.index_name "
            f"WHERE i.table_name = :1 AND i.table_owner = {owner} "
            "ORDER BY i.index_name, c.column_position"
        )
        return sql, params

    def list_tables_sql(self, schema: str | None = None) -> tuple[str, tuple[Any, ...]]:
        if schema is None:
            return "SELECT table_name FROM user_tables", ()
        return "SELECT table_name FROM all_tables WHERE owner = :1", (schema.upper(),)

    def drop_catalog_table_sql(self, table: str, schema: str | None = None) -> str:
        return super().drop_catalog_table_sql(table, schema) + " CASCADE CONSTRAINTS PURGE"

    # ------------------------------------------------------------------ cross-process locks
    named_lock_kind: ClassVar[str] = "session"
    named_lock_reports: ClassVar[str] = "raises"

    def named_lock_sql(self, name: str, wait_seconds: int) -> tuple[str, tuple[Any, ...]]:
        """``DBMS_LOCK.REQUEST`` in exclusive mode, held across commits
        (``release_on_commit => FALSE``), on the name qualified by the current schema;
        raises ORA-20001 when not obtained within ``wait_seconds``. Needs ``EXECUTE ON
        DBMS_LOCK`` (Oracle 12.2+: ``ALLOCATE_UNIQUE_AUTONOMOUS`` does not commit the
        caller's transaction)."""
        return (
            "DECLARE\n"
            "  n VARCHAR2(128) := SUBSTR(:1 || '.' || SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'), "
            "1, 128);\n"
            "  h VARCHAR2(128);\n"
            "  r INTEGER;\n"
            "BEGIN\n"
            "  DBMS_LOCK.ALLOCATE_UNIQUE_AUTONOMOUS(n, h);\n"
            "  r := DBMS_LOCK.REQUEST(h, DBMS_LOCK.X_MODE, :2, FALSE);\n"
            "  IF r NOT IN (0, 4) THEN\n"
            "    RAISE_APPLICATION_ERROR(-20001, 'spine: lock ' || n || "
            "' not obtained (DBMS_LOCK.REQUEST returned ' || r || ')');\n"
            "  END IF;\n"
            "END;",
            (name, max(0, int(wait_seconds))),
        )

    def named_unlock_sql(self, name: str) -> tuple[str, tuple[Any, ...]]:
        return (
            "DECLARE\n"
            "  n VARCHAR2(128) := SUBSTR(:1 || '.' || SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'), "
            "1, 128);\n"
            "  h VARCHAR2(128);\n"
            "  r INTEGER;\n"
            "BEGIN\n"
            "  DBMS_LOCK.ALLOCATE_UNIQUE_AUTONOMOUS(n, h);\n"
            "  r := DBMS_LOCK.RELEASE(h);\n"
            "END;",
            (name,),
        )
