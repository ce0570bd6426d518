"""``SpineCursor``: a driver cursor whose fetches return tuples and raise typed errors."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NoReturn, Self

from spine.db.drivers.base import Driver
from spine.db.errors import translate_error

__all__ = ["Params", "SpineCursor"]

Params = Sequence[Any] | Mapping[str, Any]
"""Bound parameters: a sequence for positional placeholders, a mapping for named ones."""

ExecuteHook = Callable[["SpineCursor", str, bool], None]
"""``hook(cursor, sql, many)`` called after each successful ``execute`` / ``executemany``
(the owning connection remembers the last result and tracks uncommitted work)."""


class SpineCursor:
    """A driver cursor whose fetches return tuples and raise translated errors.

    Attributes ``description``, ``rowcount`` and ``lastrowid`` come from the driver cursor,
    which is available as :attr:`raw`. Cursors are made by
    :meth:`SpineConnection.cursor <spine.db.SpineConnection.cursor>` and
    :meth:`~spine.db.SpineConnection.execute`; a cursor knows its driver (to translate
    errors) and reports what it executes through ``on_execute``, never its connection.
    """

    __slots__ = ("_driver", "_error_types", "_on_execute", "_sql", "_tuples", "raw")

    def __init__(
        self,
        raw: Any,
        driver: Driver,
        error_types: tuple[type[BaseException], ...],
        sql: str | None = None,
        on_execute: ExecuteHook | None = None,
    ) -> None:
        self.raw = raw
        self._driver = driver
        self._error_types = error_types
        self._sql = sql
        self._tuples = driver.rows_are_tuples
        self._on_execute = on_execute

    def _fail(self, exc: BaseException, action: str) -> NoReturn:
        raise translate_error(exc, self._driver, self._sql, action=action) from exc

    @property
    def description(self) -> Any:
        """DB-API column descriptions of the last result (``None`` without a result)."""
        return self.raw.description

    @property
    def rowcount(self) -> int:
        """Rows affected by the last statement (``-1`` when unknown)."""
        count = self.raw.rowcount
        return int(count) if count is not None else -1

    @property
    def lastrowid(self) -> Any:
        """The driver's ``lastrowid`` (SQLite, MySQL), else ``None``."""
        return getattr(self.raw, "lastrowid", None)

    @property
    def column_names(self) -> list[str]:
        """Lower-cased column names of the current result."""
        desc = self.raw.description
        return [d[0].lower() for d in desc] if desc else []

    def execute(self, sql: str, params: Params = ()) -> Self:
        """Execute ``sql`` on this cursor."""
        self._sql = sql
        try:
            if params:
                self.raw.execute(sql, params)
            else:
                self.raw.execute(sql)
        except self._error_types as exc:
            self._fail(exc, "execute")
        if self._on_execute is not None:
            self._on_execute(self, sql, False)
        return self

    def executemany(self, sql: str, seq_of_params: Iterable[Params]) -> Self:
        """Execute ``sql`` once per parameter set."""
        self._sql = sql
        try:
            self.raw.executemany(sql, seq_of_params)
        except self._error_types as exc:
            self._fail(exc, "executemany")
        if self._on_execute is not None:
            self._on_execute(self, sql, True)
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        """The next row as a tuple, or ``None``."""
        try:
            row = self.raw.fetchone()
        except self._error_types as exc:
            self._fail(exc, "fetch")
        if row is None or self._tuples:
            return row  # type: ignore[no-any-return]
        return tuple(row)

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        """Up to ``size`` rows (default ``arraysize``)."""
        try:
            rows = self.raw.fetchmany(size) if size is not None else self.raw.fetchmany()
        except self._error_types as exc:
            self._fail(exc, "fetch")
        return rows if self._tuples else [tuple(r) for r in rows]

    def fetchall(self) -> list[tuple[Any, ...]]:
        """All remaining rows as tuples."""
        try:
            rows = self.raw.fetchall()
        except self._error_types as exc:
            self._fail(exc, "fetch")
        if self._tuples:
            return rows if isinstance(rows, list) else list(rows)
        return [tuple(r) for r in rows]

    def close(self) -> None:
        """Close the driver cursor (errors while closing are ignored)."""
        with contextlib.suppress(Exception):
            self.raw.close()

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        while (row := self.fetchone()) is not None:
            yield row

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
