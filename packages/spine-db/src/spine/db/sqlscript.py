"""Splitting SQL scripts into statements (for migrations and ``.sql`` files).

Example:
    >>> split_statements("CREATE TABLE a (x TEXT DEFAULT ';'); DROP TABLE b;")
    ["CREATE TABLE a (x TEXT DEFAULT ';')", 'DROP TABLE b']
"""

from __future__ import annotations

import re

__all__ = ["split_statements"]

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
