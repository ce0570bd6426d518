"""Canonical structural protocols shared across spine packages.

These are :class:`typing.Protocol` classes: implementations do not inherit from them, they
just provide the methods. All are ``runtime_checkable`` so ``isinstance`` checks the method
*names* (not signatures).

* :class:`Connection` - the one sync, DB-API 2 shaped connection every persistent primitive
  takes. ``spine.db`` wraps each driver to provide it (``sqlite3.Connection`` itself lacks
  ``fetchone``/``fetchall``).
* :class:`AsyncConnection` - the async counterpart.
* :class:`StorageBackend` - hands out connections and transactions.
* :class:`DispatcherProtocol`, :class:`OperationProtocol`, :class:`ExecutorProtocol` - the
  execution contracts implemented in ``spine.execution``.

Example:
    >>> class Recorder:
    ...     def __init__(self) -> None:
    ...         self.sql: list[str] = []
    ...     def execute(self, sql, params=()): self.sql.append(sql); return self
    ...     def executemany(self, sql, seq_of_params): return self
    ...     def fetchone(self): return None
    ...     def fetchall(self): return []
    ...     def commit(self): pass
    ...     def rollback(self): pass
    >>> isinstance(Recorder(), Connection)
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

__all__ = [
    "AsyncConnection",
    "Connection",
    "DispatcherProtocol",
    "ExecutorProtocol",
    "OperationProtocol",
    "Params",
    "StorageBackend",
]

Params: TypeAlias = Sequence[Any] | Mapping[str, Any]
"""Statement parameters: positional (``?``/``%s``/``:1``) or named (``:name``/``%(name)s``)."""


@runtime_checkable
class Connection(Protocol):
    """Synchronous database connection (DB-API 2 shaped).

    ``execute`` runs one statement; the rows of the last query are then read with
    ``fetchone``/``fetchall``. Nothing is committed until ``commit()``.
    """

    def execute(self, sql: str, params: Params = ..., /) -> Any:
        """Execute one statement with optional parameters."""
        ...

    def executemany(self, sql: str, seq_of_params: Iterable[Params], /) -> Any:
        """Execute one statement once per parameter set."""
        ...

    def fetchone(self) -> Any:
        """Next row of the last query, or ``None``."""
        ...

    def fetchall(self) -> list[Any]:
        """All remaining rows of the last query."""
        ...

    def commit(self) -> None:
        """Commit the current transaction."""
        ...

    def rollback(self) -> None:
        """Roll back the current transaction."""
        ...


@runtime_checkable
class AsyncConnection(Protocol):
    """Asynchronous database connection with the same shape as :class:`Connection`."""

    async def execute(self, sql: str, params: Params = ..., /) -> Any:
        """Execute one statement."""
        ...

    async def executemany(self, sql: str, seq_of_params: Iterable[Params], /) -> Any:
        """Execute one statement once per parameter set."""
        ...

    async def fetchone(self) -> Any:
        """Next row of the last query, or ``None``."""
        ...

    async def fetchall(self) -> list[Any]:
        """All remaining rows of the last query."""
        ...

    async def commit(self) -> None:
        """Commit the current transaction."""
        ...

    async def rollback(self) -> None:
        """Roll back the current transaction."""
        ...


@runtime_checkable
class StorageBackend(Protocol):
    """Source of connections.

    ``transaction()`` yields a :class:`Connection`, commits when the block exits normally and
    rolls back when it raises::

        with backend.transaction() as conn:
            conn.execute("UPDATE ...")
            conn.execute("INSERT ...")

    ``get_connection()`` returns a raw connection the caller manages.
    """

    def transaction(self) -> AbstractContextManager[Connection]:
        """Context manager: one transaction on one connection."""
        ...

    def get_connection(self) -> Connection:
        """A connection the caller commits and closes."""
        ...


@runtime_checkable
class OperationProtocol(Protocol):
    """A named unit of data work (ingest, normalise, aggregate ...).

    ``run`` receives validated parameters and returns a JSON-serialisable result.
    """

    name: str

    def run(self, params: Mapping[str, Any]) -> Any:
        """Do the work."""
        ...


@runtime_checkable
class DispatcherProtocol(Protocol):
    """Routes work to registered handlers and tracks it by execution id."""

    def submit(self, name: str, params: Mapping[str, Any] | None = None, **options: Any) -> str:
        """Submit work for the handler registered as ``name``; returns the execution id."""
        ...

    def get_status(self, execution_id: str) -> Any:
        """Current status of an execution (``None`` if unknown)."""
        ...

    def cancel(self, execution_id: str) -> bool:
        """Request cancellation; ``True`` if the execution was cancellable."""
        ...


@runtime_checkable
class ExecutorProtocol(Protocol):
    """Runs submitted work in-process, in threads, in containers or on a queue (async)."""

    async def submit(self, spec: Any) -> str:
        """Start work described by ``spec``; returns an executor reference."""
        ...

    async def get_status(self, ref: str) -> Any:
        """Status of the work behind ``ref`` (``None`` if unknown)."""
        ...

    async def cancel(self, ref: str) -> bool:
        """Request cancellation; ``True`` if it was cancelled."""
        ...
