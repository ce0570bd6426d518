"""Thin internal facade over spine-db used by every persistent primitive.

One place that knows how spine-ops talks to a connection: dialect look-up, placeholders,
timestamp/JSON encoding, identifier validation, ``query -> list[dict]`` and bulk inserts. All
values are bound as parameters; every caller-supplied identifier passes through
:func:`ident` (spine-db's ``validate_identifier``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from spine.db import BaseRepository, Dialect, get_dialect, transaction, validate_identifier
from spine.types import Connection

__all__ = ["OpsDb", "ident", "read_text"]


def ident(name: str) -> str:
    """Validate a caller-supplied identifier (table or column) and return it unchanged.

    Raises:
        ValidationError: not a plain identifier (``"t; DROP TABLE x"``, quotes, spaces...).
    """
    validate_identifier(name)
    return name


def read_text(value: Any) -> str | None:
    """Read a TEXT/CLOB column value as ``str`` (LOB objects have ``read()``)."""
    if value is None:
        return None
    reader = getattr(value, "read", None)
    if callable(reader):
        value = reader()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8")
    return str(value)


class OpsDb:
    """Connection + dialect + repository bundle (internal)."""

    __slots__ = ("conn", "dialect", "name", "repo")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect: Dialect = get_dialect(conn)
        self.name: str = self.dialect.name
        self.repo = BaseRepository(conn, self.dialect)

    # -- SQL rendering -------------------------------------------------------------------
    def ph(self, index: int = 0) -> str:
        return self.dialect.placeholder(index)

    def phs(self, n: int, start: int = 0) -> str:
        return self.dialect.placeholders(n, start)

    # -- execution -----------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql, tuple(params))

    def rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = self.conn.execute(sql, tuple(params))
        n = getattr(cur, "rowcount", -1)
        return int(n) if n is not None and n >= 0 else 0

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self.repo.query(sql, tuple(params))

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        return self.repo.query_one(sql, tuple(params))

    def insert_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
        if not rows:
            return 0
        return self.repo.insert_many(table, list(rows))

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with transaction(self.conn):
            yield

    # -- encoding ------------------------------------------------------------------------
    def encode_ts(self, value: _dt.datetime) -> Any:
        return self.dialect.encode_timestamp(value)

    def decode_ts(self, value: Any) -> _dt.datetime | None:
        if value is None:
            return None
        return self.dialect.decode_timestamp(value)
