"""What the ``spine`` command runs work with: the SQL stores of the database, a dispatcher
over them, the operations of every installed application, and the tracked runner.

Operations come from two places:

* modules named by ``--import`` / ``SPINE_IMPORTS`` that register handlers on spine-orch's
  default dispatcher registry (``default_dispatcher().registry``);
* the ``spine.operations`` entry-point group: each entry point is a callable
  ``register(registry, connect)`` that registers an application's handlers; ``connect()``
  returns the database connection the handlers use (opened on first use), so
  ``spine runs resume`` or ``spine dlq replay`` can run an application's steps in any
  process::

      [project.entry-points."spine.operations"]
      finra-otc = "finra_otc.pipeline:register_operations"

:class:`Operations` registers them before the database is opened, so a workflow naming an
unknown operation is rejected with nothing written. The handlers' connection is not the
stores' connection: the ledger's and run store's commits never land inside a step's
transaction.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from spine.db import SpineConnection, create_connection
from spine.execution import (
    Dispatcher,
    ExecutionStores,
    HandlerRegistry,
    MemoryExecutor,
    ThreadExecutor,
    sql_stores,
)
from spine.orchestration.cli._output import err_console
from spine.orchestration.dispatcher_runnable import DispatcherRunnable, default_dispatcher
from spine.orchestration.run_store import WorkflowRunStore
from spine.orchestration.sql_store import open_run_store
from spine.orchestration.tracked import TrackedWorkflowRunner

__all__ = [
    "OPERATIONS_GROUP",
    "CliRuntime",
    "LazyConnection",
    "Operations",
    "open_runtime",
    "register_installed_operations",
    "run_store",
    "stores",
    "warn_line",
]

OPERATIONS_GROUP = "spine.operations"
"""Entry points ``register(registry, connect)`` adding an application's operations."""

LEASE_SECONDS = 3600.0
"""The runner's lease on a run it drives (longer than a step)."""


def warn_line(line: str) -> None:
    """Print a warning line on stderr."""
    err_console.print(line, markup=False, highlight=False)


def stores(conn: SpineConnection) -> ExecutionStores:
    """The SQL execution ledger, lock guard and dead-letter queue on ``conn``."""
    return sql_stores(conn)


def run_store(conn: SpineConnection) -> WorkflowRunStore:
    """The SQL workflow run store on ``conn``."""
    return open_run_store(conn)


class LazyConnection:
    """``connect()``: a connection to ``url`` for the calling thread, opened on its first
    call there (handlers on a worker's threads never share one); :meth:`close` closes them
    all."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._opened: list[SpineConnection] = []
        self._lock = threading.Lock()

    def __call__(self) -> SpineConnection:
        conn: SpineConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn, _info = create_connection(self.url)
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection opened."""
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            with contextlib.suppress(Exception):
                conn.close()
        self._local = threading.local()


def register_installed_operations(
    registry: HandlerRegistry,
    connect: Callable[[], SpineConnection],
    *,
    warn: Callable[[str], None],
    eps: Iterable[EntryPoint] | None = None,
) -> list[str]:
    """Call every ``spine.operations`` entry point with ``(registry, connect)``; one that
    fails is skipped with a warning. Returns the names of those that registered."""
    done = []
    found = eps if eps is not None else entry_points(group=OPERATIONS_GROUP)
    for ep in sorted(found, key=lambda e: e.name):
        try:
            ep.load()(registry, connect)
        except Exception as exc:
            warn(
                f"warning: operations {ep.name!r} ({ep.value}) skipped: "
                f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            )
            continue
        done.append(ep.name)
    return done


class Operations:
    """The operations a command can run: the default registry, with every installed
    ``spine.operations`` entry point registered on it (their connection opens lazily).

    Args:
        url: The database the operations' handlers use.
        warn: Called with one line per entry point that fails to register.
    """

    def __init__(self, url: str, *, warn: Callable[[str], None] = warn_line) -> None:
        self.connect = LazyConnection(url)
        self.registry = default_dispatcher().registry
        self.names = register_installed_operations(self.registry, self.connect, warn=warn)

    def checker(self) -> DispatcherRunnable:
        """A runnable that only answers which operations exist (for pre-run checks)."""
        return DispatcherRunnable(Dispatcher(registry=self.registry))

    def close(self) -> None:
        """Close the handlers' connection."""
        self.connect.close()


@dataclass
class CliRuntime:
    """A dispatcher over the database's stores, and a tracked runner over its run store.

    Attributes:
        conn: The stores' connection.
        dispatcher: Runs operations (inline, or on ``workers`` threads), recording them in the
            SQL ledger and parking what fails for good in the SQL dead-letter queue.
        runner: The tracked runner over the SQL run store.
        operations: What the dispatcher can run.
    """

    conn: SpineConnection
    dispatcher: Dispatcher
    runner: TrackedWorkflowRunner
    operations: Operations

    @property
    def runnable(self) -> DispatcherRunnable:
        """Operation steps through :attr:`dispatcher`."""
        return DispatcherRunnable(self.dispatcher)


@contextlib.contextmanager
def open_runtime(
    operations: Operations, conn: SpineConnection, *, workers: int = 1
) -> Iterator[CliRuntime]:
    """A :class:`CliRuntime` whose stores are on ``conn``; on exit the worker threads stop
    and the operations' connection closes."""
    bundle = stores(conn)
    executor = ThreadExecutor(max_workers=workers) if workers > 1 else MemoryExecutor()
    dispatcher = Dispatcher(
        executor, registry=operations.registry, ledger=bundle.ledger, dlq=bundle.dlq
    )
    runner = TrackedWorkflowRunner(
        run_store(conn), runnable=DispatcherRunnable(dispatcher), lease_seconds=LEASE_SECONDS
    )
    try:
        yield CliRuntime(conn, dispatcher, runner, operations)
    finally:
        dispatcher.shutdown(wait=True)
        operations.close()
