"""SQL text helpers: splitting scripts into statements (for migrations and ``.sql`` files)
and telling reads from changes (for transaction tracking).

Example:
    >>> split_statements("CREATE TABLE a (x TEXT DEFAULT ';'); DROP TABLE b;")
    ["CREATE TABLE a (x TEXT DEFAULT ';')", 'DROP TABLE b']
    >>> is_read_statement("  select * from t"), is_read_statement("SELECT 1 FROM t FOR UPDATE")
    (True, False)
"""

from __future__ import annotations

import re

__all__ = ["is_read_statement", "split_statements"]

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<line>--[^\n]*)
    | (?P<block>/\*.*?\*/)
    | (?P<dollar>\$(?P<tag>[A-Za-z_]*)\$.*?\$(?P=tag)\$)
    | (?P<str>'(?:[^']|'')*')
    | (?P<ident>"(?:[^"]|"")*")
    | (?P<tick>`(?:[^`]|``)*`)
    | (?P<semi>;)
    | (?P<other>[^\s;'"`$/-]+|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_SLASH_LINE = re.compile(r"^[ \t]*/[ \t]*$", re.MULTILINE)
_PLSQL_START = re.compile(
    r"^\s*(BEGIN|DECLARE|CREATE\s+(OR\s+REPLACE\s+)?(PROCEDURE|FUNCTION|TRIGGER|PACKAGE|TYPE))\b",
    re.IGNORECASE,
)


def _meaningful(statement: str) -> bool:
    return any(m.lastgroup not in ("ws", "line", "block") for m in _TOKEN.finditer(statement))


def split_statements(sql: str) -> list[str]:
    """Split SQL text into statements.

    Splits on ``;`` outside strings, quoted identifiers, comments and PostgreSQL
    dollar-quoted bodies. If the text has lines holding only ``/`` (Oracle/Db2 style), it
    is split on those lines instead, keeping ``;`` inside PL/SQL and compound blocks.

    Example:
        >>> split_statements("CREATE TABLE a (x TEXT DEFAULT ';'); -- done;\\nDROP TABLE b;")
        ["CREATE TABLE a (x TEXT DEFAULT ';')", '-- done;\\nDROP TABLE b']
    """
    text = sql.replace("\r\n", "\n")
    if _SLASH_LINE.search(text):
        out = []
        for chunk in _SLASH_LINE.split(text):
            stmt = chunk.strip()
            if not _meaningful(stmt):
                continue
            if not _PLSQL_START.match(stmt):
                stmt = stmt.rstrip().removesuffix(";").rstrip()
            out.append(stmt)
        return out
    statements: list[str] = []
    start = 0
    for m in _TOKEN.finditer(text):
        if m.lastgroup == "semi":
            statements.append(text[start : m.start()])
            start = m.end()
    statements.append(text[start:])
    return [s.strip() for s in statements if _meaningful(s)]


_LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)
_READ_KEYWORDS = frozenset(
    {"SELECT", "SHOW", "EXPLAIN", "DESCRIBE", "DESC", "VALUES", "PRAGMA", "SET", "WITH"}
)
_TX_KEYWORDS = frozenset({"SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK", "START"})
_BEGIN = re.compile(r"BEGIN(?:\s+\w+)?\s*;?\s*", re.IGNORECASE)  # not a PL/SQL block
_LOCKING = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b|\bFOR\s+(?:KEY\s+)?SHARE\b|\bLOCK\s+IN\s+SHARE\b",
    re.IGNORECASE,
)
_DML = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def is_read_statement(sql: str) -> bool:
    """Whether ``sql`` changes nothing and takes no row locks: a plain ``SELECT`` (or
    ``WITH`` without DML), ``SHOW``, ``EXPLAIN``, ``VALUES``, ``PRAGMA``, a session ``SET``,
    or transaction control. Anything else (DML, DDL, ``SELECT ... FOR UPDATE``, unknown
    text) counts as a change: it is the caller's uncommitted work.
    """
    start = _LEADING.match(sql)
    text = sql[start.end() if start else 0 :]
    head = text[:12].split(None, 1)
    if not head:
        return True
    word = head[0].strip("(;").upper()
    if word in _TX_KEYWORDS or (word == "BEGIN" and _BEGIN.fullmatch(text)):
        return True
    if word not in _READ_KEYWORDS:
        return False
    if word in ("SELECT", "WITH") and _LOCKING.search(sql):
        return False
    return not (word == "WITH" and _DML.search(sql))
