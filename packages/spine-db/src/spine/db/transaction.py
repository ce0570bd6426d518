"""Transactions: ``transaction(conn)`` commits on success and rolls back on error.

Nested ``transaction`` blocks use savepoints, so an inner failure can be caught without
losing the outer work (on PostgreSQL this is also how a statement error is recovered from
inside a transaction).

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
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from spine.db.connection import Params, SpineConnection, as_spine_connection

__all__ = ["claim_rows", "claim_transaction", "transaction"]


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
