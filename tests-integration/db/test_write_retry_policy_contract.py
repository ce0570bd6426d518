"""``write_retrying`` runs under a retry policy object (issue 7, item 11's "the same policy"):
``spine.types.RetryStrategy`` - the policy spine-exec runs jobs under - or anything with
``decide(error, attempt)``. Retries are bounded (by the policy and ``max_elapsed``) and
jittered; every failed attempt is rolled back, so exactly one attempt's rows are kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from spine.db import (
    RetryPolicy,
    SpineConnection,
    write_retry_policy,
    write_retrying,
)
from spine.db.schema import INT, Column, Table, create_table
from spine.types import DatabaseError, QueryError, RetryDecision, RetryStrategy, ValidationError

_T = Table("retry_policy_rows", columns=(Column("attempt", INT),))


def _rows(conn: SpineConnection) -> list[int]:
    rows = conn.execute(f"SELECT attempt FROM {_T.name} ORDER BY attempt").fetchall()
    conn.rollback()
    return [int(r[0]) for r in rows]


@dataclass
class _Recorder:
    """A policy that records what it was asked (and retries up to ``limit`` attempts)."""

    limit: int
    asked: list[tuple[str, int]]

    def decide(self, error: BaseException, attempt: int) -> RetryDecision:
        self.asked.append((type(error).__name__, attempt))
        return RetryStrategy.constant(self.limit - 1, 0.01).decide(error, attempt)


def _flaky(conn: SpineConnection, fail_times: int, calls: list[int]) -> Callable[[], int]:
    d = conn.dialect

    def fn() -> int:
        calls.append(len(calls) + 1)
        conn.execute(d.insert_sql(_T.name, ["attempt"]), (len(calls),))
        if len(calls) <= fail_times:  # written, then a deadlock-like failure: rolled back
            raise DatabaseError("deadlock detected (test)", retryable=True)
        return len(calls)

    return fn


def test_a_retry_strategy_drives_the_retries_and_only_the_last_attempt_is_kept(
    db: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    create_table(db, _T)
    calls: list[int] = []
    recorder = _Recorder(limit=5, asked=[])
    assert isinstance(recorder, RetryPolicy)
    assert write_retrying(db, _flaky(db, 2, calls), policy=recorder) == 3
    assert recorder.asked == [("DatabaseError", 1), ("DatabaseError", 2)]
    assert _rows(db_factory()) == [3]


def test_the_policy_budget_bounds_the_attempts(
    db: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    create_table(db, _T)
    calls: list[int] = []
    policy = RetryStrategy.exponential(max_retries=2, base_delay=0.01, max_delay=0.05, jitter=1.0)
    with pytest.raises(DatabaseError, match="deadlock"):
        write_retrying(db, _flaky(db, 10, calls), policy=policy)
    assert calls == [1, 2, 3]
    assert _rows(db_factory()) == []


def test_max_elapsed_bounds_the_time_spent(
    db: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    create_table(db, _T)
    calls: list[int] = []
    policy = RetryStrategy.constant(1000, 0.2)
    start = time.monotonic()
    with pytest.raises(DatabaseError):
        write_retrying(db, _flaky(db, 10_000, calls), policy=policy, max_elapsed=0.7)
    assert time.monotonic() - start < 5
    assert 2 <= len(calls) <= 5
    assert _rows(db_factory()) == []


def test_errors_that_are_not_retryable_are_never_retried(db: SpineConnection) -> None:
    create_table(db, _T)
    recorder = _Recorder(limit=5, asked=[])
    calls: list[int] = []

    def bad() -> None:
        calls.append(1)
        db.execute("SELECT no_such_column FROM retry_policy_rows")

    with pytest.raises(QueryError):
        write_retrying(db, bad, policy=recorder)
    assert calls == [1]
    assert recorder.asked == []


def test_the_default_policy_is_bounded_and_jittered() -> None:
    policy = write_retry_policy()
    assert policy.max_attempts == 4
    assert policy.max_delay == 0.5
    assert policy.jitter > 0
    with pytest.raises(ValidationError):
        write_retry_policy(0)
    with pytest.raises(ValidationError, match="decide"):
        write_retrying(None, lambda: None, policy=object())  # type: ignore[arg-type]


def test_concurrent_writers_sharing_one_policy_all_succeed(
    db: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    create_table(db, _T)
    policy = RetryStrategy.exponential(max_retries=8, base_delay=0.01, max_delay=0.2, jitter=1.0)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        conn = db_factory()
        calls: list[int] = []
        try:
            write_retrying(conn, _flaky(conn, 2, calls), policy=policy)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert _rows(db_factory()) == [3, 3, 3]
