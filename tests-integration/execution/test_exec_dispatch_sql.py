"""The dispatcher over the SQL ledger and dead-letter queue, on every backend: failures
dead-lettered per the error taxonomy, retries, replay from the dead-letter queue, and
refused submissions recorded as typed errors."""

from __future__ import annotations

from typing import Any

import pytest

from spine.execution import (
    Dispatcher,
    DLQManager,
    ExecutionLedger,
    ExecutionStatus,
    HandlerNotFoundError,
    RetryStrategy,
    UnserializableParamsError,
)
from spine.types import NetworkError

S = ExecutionStatus


def make(space: Any) -> tuple[Dispatcher, Any, Any]:
    conn = space.conn
    ledger, dlq = ExecutionLedger(conn), DLQManager(conn)
    return Dispatcher(ledger=ledger, dlq=dlq), ledger, dlq


def test_a_non_retryable_error_is_dead_lettered_after_one_attempt_and_replay_links_it(
    exec_space: Any,
) -> None:
    dispatcher, ledger, dlq = make(exec_space)
    calls: list[int] = []

    @dispatcher.registry.handler("ingest", retry=RetryStrategy.constant(3, delay=0))
    def ingest(params: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("bad input file")
        return {"rows": 960}

    failed = dispatcher.submit("ingest", {"week": "w52"})
    assert len(calls) == 1  # not retryable: no retry
    found = ledger.get_execution(failed)
    assert (found.status, found.error_type) == (S.FAILED, "ValueError")
    [entry] = dlq.list_unresolved()
    assert entry.execution_id == failed
    replayed = dlq.replay(entry.id, dispatcher)
    again = ledger.get_execution(replayed)
    assert (again.status, again.retry_of, again.attempt) == (S.COMPLETED, failed, 2)
    resolved = dlq.get(entry.id)
    assert resolved.is_resolved
    assert resolved.resolved_by == f"replay {replayed}"


def test_a_retryable_error_is_retried_then_dead_lettered(exec_space: Any) -> None:
    dispatcher, ledger, dlq = make(exec_space)

    @dispatcher.registry.handler("fetch", retry=RetryStrategy.constant(2, delay=0))
    def fetch(params: dict[str, Any]) -> None:
        raise NetworkError("503 from finra")

    execution_id = dispatcher.submit("fetch", {})
    found = ledger.get_execution(execution_id)
    assert found.status is S.FAILED
    assert found.retry_count == 2
    kinds = [e.event_type.value for e in ledger.get_events(execution_id)]
    assert kinds.count("retried") == 2
    assert kinds[-1] == "dead_lettered"
    assert dlq.count() == 1


def test_refused_submissions_are_recorded_as_typed_errors(exec_space: Any) -> None:
    dispatcher, ledger, _ = make(exec_space)
    dispatcher.registry.register("echo", lambda params: params)
    with pytest.raises(HandlerNotFoundError) as unknown:
        dispatcher.submit("nope", {})
    with pytest.raises(UnserializableParamsError) as bad:
        dispatcher.submit("echo", {"when": object()})
    for err in (unknown.value, bad.value):
        found = ledger.get_execution(err.context.execution_id)
        assert found.status is S.FAILED
        assert found.error_type == type(err).__name__


def test_a_repeated_idempotency_key_returns_the_existing_execution(exec_space: Any) -> None:
    dispatcher, ledger, _ = make(exec_space)
    dispatcher.registry.register("echo", lambda params: params)
    first = dispatcher.submit("echo", {"a": 1}, idempotency_key="k")
    assert dispatcher.submit("echo", {"a": 1}, idempotency_key="k") == first
    assert len(ledger.list_executions()) == 1
