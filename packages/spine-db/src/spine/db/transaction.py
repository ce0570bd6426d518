"""Transactions and how persistent code scopes its work.

* :func:`transaction` — the caller's block: commits on success, rolls back on error. Nested
  blocks use savepoints, so an inner failure can be caught without losing the outer work (on
  PostgreSQL this is also how a statement error is recovered from inside a transaction).
* :func:`write` — the scope of one persistent primitive (a manifest advance, an L3 replace,
  a reject batch). **The rule:** on an idle connection the primitive owns its transaction
  (commit on success, roll back on error); inside the caller's open transaction - a
  :func:`transaction` block, or changes the caller made and has not committed
  (:attr:`SpineConnection.has_pending_writes <spine.db.SpineConnection.has_pending_writes>`)
  - it joins through a savepoint and never commits or rolls back the caller's work: a
  failure rolls back to the savepoint only, success leaves the commit to the caller.
* :func:`write_retrying` — :func:`write`, retried on deadlocks and serialization failures
  when it owns the transaction.
* :func:`reading` — the scope of reads: ends the implicit transaction they opened on an idle
  connection (no connection sits "idle in transaction", no poller keeps an old snapshot).
* :func:`schema_change` — the scope of DDL (creating tables, indexes): :func:`write` where
  DDL is transactional (PostgreSQL, SQLite); where the server commits DDL implicitly (MySQL,
  Oracle, Db2) it refuses to run inside the caller's open transaction, which it would commit.

What is atomic where: PostgreSQL and SQLite run DDL inside the transaction (a failed
migration leaves nothing behind). MySQL/MariaDB, Oracle and Db2 commit implicitly before and
after each DDL statement: only the data changes of a block are atomic there.

Example:
    >>> from spine.db import create_connection, transaction
    >>> conn, _ = create_connection("memory")
    >>> with transaction(conn):
    ...     _ = conn.execute("CREATE TABLE t (id INTEGER)")
    ...     _ = conn.execute("INSERT INTO t VALUES (1)")
    >>> try:
    ...     with transaction(conn):
    ...         _ = conn.execute("INSERT INTO t VALUES (2)")
    ...         raise RuntimeError("boom")
    ... except RuntimeError:
    ...     pass
    >>> conn.execute("SELECT COUNT(*) FROM t").fetchone()
    (1,)

    The rule, seen from the caller:

    >>> _ = conn.execute("INSERT INTO t VALUES (3)")      # the caller's uncommitted work
    >>> with write(conn):                                  # a primitive joins it ...
    ...     _ = conn.execute("INSERT INTO t VALUES (4)")
    >>> conn.has_pending_writes                            # ... and commits nothing
    True
    >>> conn.rollback()
    >>> conn.execute("SELECT COUNT(*) FROM t").fetchone()
    (1,)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar, runtime_checkable

from spine.db.connection import Params, SpineConnection, as_spine_connection
from spine.types import DatabaseConnectionError, DatabaseError, RetryStrategy, ValidationError

__all__ = [
    "OpenTransactionError",
    "RetryPolicy",
    "claim_rows",
    "claim_transaction",
    "reading",
    "schema_change",
    "transaction",
    "write",
    "write_retry_policy",
    "write_retrying",
]

T = TypeVar("T")


class _Decision(Protocol):
    @property
    def delay(self) -> float: ...

    def __bool__(self) -> bool: ...


@runtime_checkable
class RetryPolicy(Protocol):
    """What :func:`write_retrying` asks before running a failed write again: a
    ``decide(error, attempt)`` answering a truthy decision with a ``delay`` (seconds) to run
    attempt ``attempt + 1``, falsy to give up. ``spine.types.RetryStrategy`` is one (the
    policy spine-exec uses for jobs), so a deadlock retry and a job retry share one policy."""

    def decide(self, error: BaseException, attempt: int) -> _Decision:
        """Whether and when to run again after attempt ``attempt`` failed with ``error``."""
        ...


def write_retry_policy(attempts: int = 4, base_delay: float = 0.005) -> RetryStrategy:
    """The default policy of :func:`write_retrying`: ``attempts`` runs in all, exponential
    pauses from ``base_delay`` seconds capped at 0.5 s, each shortened by up to half at
    random (full spread, so writers that deadlocked together do not retry together).

    Example:
        >>> policy = write_retry_policy(attempts=3)
        >>> policy.max_attempts, policy.max_delay, policy.jitter
        (3, 0.5, 0.5)
    """
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValidationError(f"attempts must be an int >= 1, got {attempts!r}")
    return RetryStrategy.exponential(attempts - 1, base_delay, 0.5, jitter=0.5)


class OpenTransactionError(DatabaseError):
    """A schema change was asked for inside the caller's open transaction on a backend that
    commits DDL implicitly (it would commit the caller's work): commit or roll back first."""


@contextmanager
def transaction(conn: Any, *, immediate: bool = False) -> Iterator[SpineConnection]:
    """Run a block in a transaction on ``conn`` (a :class:`SpineConnection` or raw DB-API
    connection); yields the :class:`SpineConnection`.

    Commits when the block succeeds; rolls back and re-raises when it raises, so nothing is
    half-written. Inside an active block, a nested ``transaction`` becomes a savepoint.

    Args:
        conn: The connection. Do not call ``commit()``/``rollback()`` inside the block.
        immediate: On SQLite, start with ``BEGIN IMMEDIATE`` (take the write lock now);
            ignored elsewhere. See :func:`claim_transaction`.
    """
    sc = as_spine_connection(conn)
    if sc._tx_depth > 0:
        with _savepoint(sc):
            yield sc
        return
    yield from _own(sc, immediate)


def _own(sc: SpineConnection, immediate: bool) -> Iterator[SpineConnection]:
    """Run the caller's ``yield`` as the outermost transaction of ``sc``."""
    sc.begin(immediate=immediate)
    sc._tx_depth = 1
    try:
        yield sc
    except BaseException:
        sc._tx_depth = 0
        with contextlib.suppress(Exception):  # the block's error is the one that matters
            sc.rollback()
        raise
    sc._tx_depth = 0
    try:
        sc.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            sc.rollback()
        raise


@contextmanager
def _savepoint(sc: SpineConnection) -> Iterator[None]:
    name = f"spine_sp_{sc._tx_depth}"
    d = sc.dialect
    sc.execute(d.savepoint_sql(name))
    sc._tx_depth += 1
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            sc.execute(d.rollback_to_savepoint_sql(name))
        raise
    else:
        release = d.release_savepoint_sql(name)
        if release:
            sc.execute(release)
    finally:
        sc._tx_depth -= 1


@contextmanager
def write(conn: Any) -> Iterator[SpineConnection]:
    """The scope of a persistent primitive's writes (see the module docstring for the rule).

    On an idle connection: a transaction of its own (on SQLite ``BEGIN IMMEDIATE``: the
    write lock is taken up front, so a concurrent writer waits ``busy_timeout`` instead of
    failing on a read-to-write lock upgrade), committed on success, rolled back on error.
    Inside the caller's open transaction: a savepoint, released on success (nothing is
    committed) and rolled back to on error (the caller's earlier work stays, uncommitted).

    Example:
        >>> from spine.db import connect
        >>> conn = connect("memory")
        >>> with write(conn):
        ...     _ = conn.execute("CREATE TABLE t (id INTEGER)")
        >>> conn.has_pending_writes
        False
    """
    sc = as_spine_connection(conn)
    if sc.has_pending_writes:
        with _savepoint(sc):
            yield sc
        return
    yield from _own(sc, immediate=not sc.in_transaction)


def write_retrying(
    conn: Any,
    fn: Callable[[], T],
    *,
    attempts: int = 4,
    base_delay: float = 0.005,
    policy: RetryPolicy | None = None,
    max_elapsed: float | None = None,
) -> T:
    """Run ``fn()`` in :func:`write`; when it fails with a retryable database error
    (deadlock, serialization failure, lock timeout) and the scope owned its transaction,
    roll back and run it again while the retry policy allows (``fn`` must be safe to
    re-run). Inside the caller's transaction the error propagates at once: MySQL has
    already rolled back the caller's whole transaction, and only the caller can re-run it.

    Args:
        conn: The connection.
        fn: The write; its result is returned.
        attempts: Runs in all, for the default policy (:func:`write_retry_policy`).
        base_delay: First pause of the default policy, seconds.
        policy: A :class:`RetryPolicy` instead (e.g. the ``spine.types.RetryStrategy`` a
            job runs under): its ``decide(error, attempt)`` says whether and how long to
            wait; pauses are bounded by ``max_elapsed``.
        max_elapsed: Seconds after which no further attempt starts (``None``: no bound
            besides the policy's).

    Example:
        >>> from spine.db import connect
        >>> conn = connect("memory")
        >>> write_retrying(conn, lambda: conn.execute("CREATE TABLE t (id INTEGER)").rowcount)
        -1
    """
    if policy is None:
        policy = write_retry_policy(attempts, base_delay)
    elif not isinstance(policy, RetryPolicy):
        raise ValidationError(
            f"policy must have decide(error, attempt) (a RetryStrategy), got {policy!r}"
        )
    sc = as_spine_connection(conn)
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        owned = not sc.has_pending_writes
        try:
            with write(sc):
                return fn()
        except DatabaseConnectionError:
            raise
        except DatabaseError as exc:
            if not (exc.retryable and owned):
                raise
            decision = policy.decide(exc, attempt)
            if not decision:
                raise
            pause = max(0.0, float(decision.delay))
            if max_elapsed is not None:
                left = max_elapsed - (time.monotonic() - started)
                if left <= pause:
                    raise
            time.sleep(pause)


@contextmanager
def reading(conn: Any) -> Iterator[SpineConnection]:
    """The scope of reads: on a connection with no open transaction, the implicit
    transaction the reads open (PostgreSQL opens one for a ``SELECT``) is ended when the
    block exits, so the connection never sits "idle in transaction" and the next read sees
    what others committed since. Inside an open transaction it does nothing, and a block
    that changed something or took row locks (``SELECT ... FOR UPDATE``) is left open for
    the caller to commit.

    Example:
        >>> from spine.db import connect
        >>> conn = connect("memory")
        >>> with reading(conn):
        ...     conn.execute("SELECT 1").fetchone()
        (1,)
        >>> conn.in_transaction
        False
    """
    sc = as_spine_connection(conn)
    idle = not sc.in_transaction
    try:
        yield sc
    except BaseException:
        if idle and not sc.closed:
            with contextlib.suppress(Exception):  # the block's error is the one that matters
                sc.rollback()
        raise
    if idle and sc.in_transaction and not sc.has_pending_writes:
        sc.commit()


@contextmanager
def schema_change(conn: Any) -> Iterator[SpineConnection]:
    """The scope of DDL run by a helper (:func:`spine.db.schema.ensure_index`,
    :func:`spine.db.schema.install_schema`, ``ensure_hash_index``).

    Where DDL is transactional (PostgreSQL, SQLite) this is :func:`write`. Where the server
    commits implicitly around DDL (MySQL/MariaDB, Oracle, Db2), running it inside the
    caller's open transaction would commit the caller's work: that raises
    :class:`OpenTransactionError` before anything runs.
    """
    sc = as_spine_connection(conn)
    d = sc.dialect
    if not d.transactional_ddl and sc.has_pending_writes:
        raise OpenTransactionError(
            f"{d.name} commits schema changes implicitly: running one now would commit the "
            "open transaction's uncommitted work; commit or roll back first"
        ).with_context(backend=d.name)
    with write(sc):
        yield sc


@contextmanager
def claim_transaction(conn: Any) -> Iterator[SpineConnection]:
    """A transaction for claiming work rows (``SELECT ... FOR UPDATE SKIP LOCKED`` + update).

    On SQLite, which has no row locks, it starts with ``BEGIN IMMEDIATE``: the database
    write lock is taken before the claim query runs, so two claimers are serialised and never
    get the same row (the second waits up to ``busy_timeout``). Elsewhere it is a plain
    :func:`transaction`; render the claim query with ``dialect.select_for_claim(...)``.

    Example:
        >>> from spine.db import create_connection
        >>> conn, _ = create_connection("memory")
        >>> with claim_transaction(conn) as c:
        ...     c.execute("SELECT 1").fetchone()
        (1,)
    """
    with transaction(conn, immediate=True) as sc:
        yield sc


def claim_rows(
    conn: SpineConnection,
    table: str,
    columns: Sequence[str],
    where: str,
    order_by: str,
    limit: int,
    params: Params = (),
) -> list[tuple[Any, ...]]:
    """Select and lock up to ``limit`` claimable rows; call inside :func:`claim_transaction`.

    Renders ``dialect.select_for_claim(...)`` and fetches at most ``limit`` rows with a cursor
    sized to ``limit`` (on Oracle, where ``FOR UPDATE SKIP LOCKED`` locks rows as they are
    fetched, this keeps the driver from prefetching - and locking - more rows than claimed).
    Update the returned rows before the transaction commits.

    Example:
        >>> from spine.db import create_connection
        >>> conn, _ = create_connection()
        >>> _ = conn.execute("CREATE TABLE q (id INTEGER, owner TEXT)")
        >>> _ = conn.executemany("INSERT INTO q VALUES (?, NULL)", [(1,), (2,), (3,)])
        >>> conn.commit()
        >>> with claim_transaction(conn) as c:
        ...     rows = claim_rows(c, "q", ["id"], "owner IS NULL", "id", 2)
        ...     _ = c.executemany("UPDATE q SET owner = 'me' WHERE id = ?", rows)
        >>> rows
        [(1,), (2,)]
    """
    sql = conn.dialect.select_for_claim(table, columns, where, order_by, limit)
    cur = conn.cursor()
    raw = cur.raw
    raw.arraysize = max(1, limit)
    if hasattr(raw, "prefetchrows"):  # python-oracledb
        raw.prefetchrows = max(1, limit)
    try:
        return cur.execute(sql, params).fetchmany(limit)
    finally:
        cur.close()
