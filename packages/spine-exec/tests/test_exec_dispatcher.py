"""Dispatcher over the inline MemoryExecutor: submit, idempotency, retries, DLQ, bad input."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

import pytest

from spine.execution import (
    DeadLetterStateError,
    Dispatcher,
    EventType,
    ExecutionNotFoundError,
    ExecutionStatus,
    HandlerNotFoundError,
    InvalidResultError,
    InvalidSpecError,
    MemoryExecutor,
    TimeoutExpired,
    TriggerSource,
    UnserializableParamsError,
    WorkSpec,
    current_execution,
)
from spine.execution.testing import InMemoryDeadLetterQueue, InMemoryLedger
from spine.types import NetworkError, RateLimitError, RetryStrategy, ValidationError

S = ExecutionStatus


class Sleeps:
    """A fake sleep that records the delays asked for."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def dlq() -> InMemoryDeadLetterQueue:
    return InMemoryDeadLetterQueue()


@pytest.fixture
def dispatcher(sleeps: Sleeps, dlq: InMemoryDeadLetterQueue) -> Dispatcher:
    return Dispatcher(MemoryExecutor(sleep=sleeps), ledger=InMemoryLedger(), dlq=dlq)


def kinds(dispatcher: Dispatcher, execution_id: str) -> list[str]:
    return [e.event_type.value for e in dispatcher.ledger.get_events(execution_id)]


# -- the happy path ---------------------------------------------------------------------------


def test_submit_runs_inline_and_records_the_whole_lifecycle(dispatcher: Dispatcher) -> None:
    dispatcher.registry.register("double", lambda p: {"value": p["x"] * 2})
    execution_id = dispatcher.submit("double", {"x": 21}, lane="cpu")
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert execution.status is S.COMPLETED
    assert execution.result == {"value": 42}
    assert (execution.lane, execution.workflow) == ("cpu", "double")
    assert execution.started_at is not None
    assert execution.completed_at is not None
    assert kinds(dispatcher, execution_id) == ["created", "started", "completed"]
    assert dispatcher.status(execution_id) is S.COMPLETED
    assert dispatcher.get_status(execution_id) is S.COMPLETED
    assert dispatcher.result(execution_id) == {"value": 42}


def test_submit_accepts_a_work_spec(dispatcher: Dispatcher) -> None:
    dispatcher.registry.register("echo", lambda p: p)
    spec = WorkSpec("echo", {"a": [1, 2]}, trigger_source="schedule", batch_id="b1")
    execution = dispatcher.get_execution(dispatcher.submit(spec))
    assert execution is not None
    assert execution.trigger_source is TriggerSource.SCHEDULE
    assert execution.batch_id == "b1"
    assert execution.result == {"a": [1, 2]}


def test_the_handler_gets_a_json_copy_of_the_params(dispatcher: Dispatcher) -> None:
    seen: list[dict[str, Any]] = []
    dispatcher.registry.register("keep", lambda p: seen.append(p))
    params = {"cols": ("a", "b"), "nested": {"n": 1}}
    dispatcher.submit("keep", params)
    assert seen == [{"cols": ["a", "b"], "nested": {"n": 1}}]
    assert seen[0] is not params
    seen[0]["nested"]["n"] = 2
    assert params["nested"] == {"n": 1}


def test_a_handler_mutating_its_params_or_result_never_changes_the_ledger(
    dispatcher: Dispatcher,
) -> None:
    """The ledger keeps its own copies: the handler's params and the result it returned
    are not the stored ones (the in-memory ledger is written without re-copying)."""
    kept: list[Any] = []

    def mutate(params: dict[str, Any]) -> dict[str, Any]:
        params["nested"]["n"] = 99
        params["extra"] = True
        result = {"rows": [1]}
        kept.append(result)
        return result

    dispatcher.registry.register("mutate", mutate)
    execution_id = dispatcher.submit("mutate", {"nested": {"n": 1}})
    kept[0]["rows"].append(2)
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert execution.params == {"nested": {"n": 1}}
    assert execution.result == {"rows": [1]}
    execution.params["nested"]["n"] = 5  # a snapshot: mutating it changes nothing stored
    again = dispatcher.get_execution(execution_id)
    assert again is not None
    assert again.params == {"nested": {"n": 1}}


def test_a_retry_of_a_finished_execution_gets_its_own_params_copy(dispatcher: Dispatcher) -> None:
    runs: list[dict[str, Any]] = []

    def flaky(params: dict[str, Any]) -> None:
        runs.append(params)
        params["rows"].append(len(runs))
        if len(runs) == 1:
            raise ValueError("first")

    dispatcher.registry.register("flaky", flaky)
    first = dispatcher.submit("flaky", {"rows": [0]})
    second = dispatcher.retry(first)
    assert [r["rows"] for r in runs] == [[0, 1], [0, 2]]
    for execution_id in (first, second):
        execution = dispatcher.get_execution(execution_id)
        assert execution is not None
        assert execution.params == {"rows": [0]}


def test_the_in_memory_lifecycle_keeps_the_state_machine(dispatcher: Dispatcher) -> None:
    """A job reported twice (a late outcome) does not move a finished execution."""
    from spine.execution import Job
    from spine.execution.outcome import Outcome

    dispatcher.registry.register("ok", lambda p: {"n": 1})
    execution_id = dispatcher.submit("ok", {})
    info = dispatcher.registry.get("ok")
    late = Job(execution_id, info, {}, dispatcher)
    late.report(Outcome(result={"n": 2}))
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert (execution.status, execution.result) == (S.COMPLETED, {"n": 1})
    assert kinds(dispatcher, execution_id) == ["created", "started", "completed"]


def test_a_reported_result_that_is_not_json_fails_with_a_typed_error() -> None:
    """Job.report checks a result that ran elsewhere as run_handler checks one run here."""
    from spine.execution import Job
    from spine.execution.outcome import Outcome

    dispatcher = Dispatcher(_Parked(), ledger=InMemoryLedger())
    dispatcher.registry.register("remote", lambda p: None)
    info = dispatcher.registry.get("remote")
    execution_id = dispatcher.submit("remote", {})
    job = Job(execution_id, info, {}, dispatcher)
    job.report(Outcome(result={"when": datetime(2025, 1, 1)}))
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert execution.status is S.FAILED
    assert execution.error_type == "InvalidResultError"
    with pytest.raises(InvalidResultError, match="isoformat"):
        dispatcher.result(execution_id)


class _Parked:
    """An executor that accepts jobs and never runs them (the test reports for it)."""

    name = "parked"
    inline = False

    def submit(self, job: Any, delay: float = 0.0) -> str:
        return "parked:" + job.execution_id

    def cancel(self, ref: str) -> bool:
        return False

    def poll(self, ref: str) -> None:
        return None

    def shutdown(self, wait: bool = True) -> None:
        return None


def test_async_handlers_run_inline(dispatcher: Dispatcher) -> None:
    async def fetch(params: dict[str, Any]) -> dict[str, Any]:
        return {"got": params["url"]}

    dispatcher.registry.register("fetch", fetch)
    assert dispatcher.result(dispatcher.submit("fetch", {"url": "u"})) == {"got": "u"}


def test_the_handler_sees_its_execution_as_current(dispatcher: Dispatcher) -> None:
    seen: list[Any] = []
    dispatcher.registry.register("who", lambda p: seen.append(current_execution()))
    execution_id = dispatcher.submit("who")
    assert seen[0].execution_id == execution_id
    assert (seen[0].workflow, seen[0].attempt) == ("who", 1)
    assert current_execution() is None


# -- idempotency ----------------------------------------------------------------------------


def test_a_repeated_idempotency_key_returns_the_existing_execution_without_running(
    dispatcher: Dispatcher,
) -> None:
    runs: list[int] = []
    dispatcher.registry.register("ingest", lambda p: runs.append(1))
    first = dispatcher.submit("ingest", {"week": 52}, idempotency_key="otc:w52")
    again = dispatcher.submit(WorkSpec("ingest", {"week": 52}, idempotency_key="otc:w52"))
    assert again == first
    assert runs == [1]
    assert len(dispatcher.ledger.list_executions()) == 1


def test_concurrent_submits_with_one_key_create_one_execution() -> None:
    dispatcher = Dispatcher()
    dispatcher.registry.register("slow", lambda p: time.sleep(0.01))
    barrier = threading.Barrier(6)
    ids: list[str] = []

    def go() -> None:
        barrier.wait()
        ids.append(dispatcher.submit("slow", idempotency_key="once"))

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1
    assert len(dispatcher.ledger.list_executions()) == 1


# -- retry policy, dead letters and replay ---------------------------------------------------


def test_a_non_retryable_error_goes_to_the_dlq_after_the_first_attempt(
    dispatcher: Dispatcher, dlq: InMemoryDeadLetterQueue, sleeps: Sleeps
) -> None:
    calls: list[int] = []

    def bad(params: dict[str, Any]) -> None:
        calls.append(1)
        raise ValueError("row 17: quantity is not a number")

    dispatcher.registry.register("parse", bad, retry=RetryStrategy.exponential(5, jitter=0))
    execution_id = dispatcher.submit("parse", {"file": "w52.csv"})
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert execution.status is S.FAILED
    assert execution.error == "row 17: quantity is not a number"
    assert execution.error_type == "ValueError"
    assert calls == [1]
    assert sleeps.delays == []
    [entry] = dlq.list_unresolved()
    assert (entry.execution_id, entry.workflow, entry.params) == (
        execution_id,
        "parse",
        {"file": "w52.csv"},
    )
    assert entry.metadata["attempts"] == 1
    assert kinds(dispatcher, execution_id) == ["created", "started", "failed", "dead_lettered"]
    failed_event = dispatcher.ledger.get_events(execution_id)[2]
    assert failed_event.data["category"] == "VALIDATION"
    assert failed_event.data["retryable"] is False
    assert "Traceback" in failed_event.data["traceback"]
    with pytest.raises(ValueError, match="row 17"):
        dispatcher.result(execution_id)


def test_a_retryable_error_is_retried_with_backoff_then_dead_lettered(
    dispatcher: Dispatcher, dlq: InMemoryDeadLetterQueue, sleeps: Sleeps
) -> None:
    calls: list[int] = []

    def flaky(params: dict[str, Any]) -> None:
        calls.append(1)
        raise NetworkError("connection reset by peer")

    policy = RetryStrategy.exponential(max_retries=3, base_delay=2.0, jitter=0)
    dispatcher.registry.register("flaky", flaky)
    execution_id = dispatcher.submit(WorkSpec("flaky", retry=policy))
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert calls == [1, 1, 1, 1]
    assert sleeps.delays == [2.0, 4.0, 8.0]
    assert execution.status is S.FAILED
    assert execution.retry_count == 3
    events = dispatcher.ledger.get_events(execution_id)
    assert [e.event_type.value for e in events] == [
        "created",
        *["started", "retried", "queued"] * 3,
        "started",
        "failed",
        "dead_lettered",
    ]
    retried = [e for e in events if e.event_type is EventType.RETRIED]
    assert [e.data["delay"] for e in retried] == [2.0, 4.0, 8.0]
    assert events[-2].data["reason"].startswith("retries exhausted")
    assert dlq.count() == 1


def test_a_retry_that_succeeds_completes_the_same_execution(
    dispatcher: Dispatcher, sleeps: Sleeps
) -> None:
    calls: list[int] = []

    def flaky(params: dict[str, Any]) -> str:
        calls.append(1)
        if len(calls) < 3:
            raise RateLimitError("429", retry_after=7)
        return "ok"

    dispatcher.registry.register("api", flaky, retry=RetryStrategy.constant(5, 1.0))
    execution = dispatcher.get_execution(dispatcher.submit("api"))
    assert execution is not None
    assert (execution.status, execution.result, execution.retry_count) == (S.COMPLETED, "ok", 2)
    assert execution.error is None
    assert sleeps.delays == [7.0, 7.0]  # retry_after honoured


def test_the_spec_retry_overrides_the_handler_and_the_dispatcher_default() -> None:
    sleeps = Sleeps()
    dispatcher = Dispatcher(MemoryExecutor(sleep=sleeps), retry=RetryStrategy.constant(1, 100.0))
    dispatcher.registry.register("a", lambda p: (_ for _ in ()).throw(NetworkError("x")))
    dispatcher.submit("a")
    assert sleeps.delays == [100.0]
    dispatcher.submit("a", retry=RetryStrategy.constant(2, 1.0))
    assert sleeps.delays == [100.0, 1.0, 1.0]


def test_replay_from_the_dlq_runs_again_and_links_the_new_execution(
    dispatcher: Dispatcher, dlq: InMemoryDeadLetterQueue
) -> None:
    calls: list[int] = []

    def once_broken(params: dict[str, Any]) -> dict[str, int]:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("bad file")
        return {"rows": 960}

    dispatcher.registry.register("ingest", once_broken)
    failed = dispatcher.submit("ingest", {"week": 52}, idempotency_key="w52")
    [entry] = dlq.list_unresolved()
    replayed = dlq.replay(entry.id, dispatcher)
    new = dispatcher.get_execution(replayed)
    assert new is not None
    assert new.status is S.COMPLETED
    assert (new.retry_of, new.attempt, new.trigger_source) == (failed, 2, TriggerSource.RETRY)
    assert new.metadata["dead_letter_id"] == entry.id
    assert dispatcher.submit("ingest", {"week": 52}, idempotency_key="w52") == replayed
    resolved = dlq.get(entry.id)
    assert resolved is not None
    assert resolved.is_resolved
    assert resolved.resolved_by == f"replay {replayed}"
    assert resolved.retry_count == 1
    assert "retried" in kinds(dispatcher, failed)
    with pytest.raises(DeadLetterStateError, match="resolved"):
        dlq.replay(entry.id, dispatcher)


def test_a_failed_replay_updates_its_entry_instead_of_adding_one(
    dispatcher: Dispatcher, dlq: InMemoryDeadLetterQueue
) -> None:
    dispatcher.registry.register("broken", lambda p: (_ for _ in ()).throw(KeyError("col")))
    dispatcher.submit("broken")
    [entry] = dlq.list_unresolved()
    replayed = dlq.replay(entry.id, dispatcher)
    [after] = dlq.list_unresolved()
    assert after.id == entry.id
    assert after.execution_id == replayed
    assert after.retry_count == 1
    assert dlq.count(unresolved_only=False) == 1


def test_replays_stop_at_the_entry_budget_unless_forced() -> None:
    dlq = InMemoryDeadLetterQueue(max_retries=1)
    dispatcher = Dispatcher(dlq=dlq)
    dispatcher.registry.register("broken", lambda p: (_ for _ in ()).throw(KeyError("col")))
    dispatcher.submit("broken")
    [entry] = dlq.list_unresolved()
    dlq.replay(entry.id, dispatcher)
    assert not dlq.can_retry(entry.id)
    with pytest.raises(DeadLetterStateError, match="used 1 of 1 replays"):
        dlq.replay(entry.id, dispatcher)
    dlq.replay(entry.id, dispatcher, force=True)
    got = dlq.get(entry.id)
    assert got is not None
    assert got.retry_count == 2


# -- manual retry, cancel, wait ---------------------------------------------------------------


def test_retry_creates_a_new_execution_linked_to_the_old_with_attempt_plus_one(
    dispatcher: Dispatcher,
) -> None:
    outcomes = iter([ValueError("first"), None])

    def maybe(params: dict[str, Any]) -> str:
        error = next(outcomes)
        if error is not None:
            raise error
        return "second time lucky"

    dispatcher.registry.register("maybe", maybe)
    first = dispatcher.submit("maybe", {"p": 1}, timeout=30, priority=3)
    second = dispatcher.retry(first)
    new = dispatcher.get_execution(second)
    assert new is not None
    assert (new.retry_of, new.attempt, new.params, new.status) == (
        first,
        2,
        {"p": 1},
        S.COMPLETED,
    )
    assert new.metadata["spec"] == {"priority": 3, "timeout": 30.0}
    retried = dispatcher.ledger.get_events(first)[-1]
    assert retried.event_type is EventType.RETRIED
    assert retried.data == {"new_execution_id": second}


def test_retry_refuses_active_unknown_and_completed_unless_forced(dispatcher: Dispatcher) -> None:
    dispatcher.registry.register("ok", lambda p: None)
    done = dispatcher.submit("ok")
    with pytest.raises(ValidationError, match="completed; pass force=True"):
        dispatcher.retry(done)
    assert dispatcher.status(dispatcher.retry(done, force=True)) is S.COMPLETED
    with pytest.raises(ExecutionNotFoundError):
        dispatcher.retry("01NOPE")


def test_cancel_of_a_finished_or_unknown_execution_is_false(dispatcher: Dispatcher) -> None:
    dispatcher.registry.register("ok", lambda p: None)
    done = dispatcher.submit("ok")
    assert dispatcher.cancel(done) is False
    assert dispatcher.cancel("01NOPE") is False
    assert dispatcher.status(done) is S.COMPLETED


def test_wait_and_result_of_an_unknown_execution_raise_not_found(dispatcher: Dispatcher) -> None:
    with pytest.raises(ExecutionNotFoundError):
        dispatcher.wait("01NOPE")
    assert dispatcher.status("01NOPE") is None


# -- bad input: typed error, recorded in the ledger -------------------------------------------


def rejected(dispatcher: Dispatcher, error: BaseException) -> Any:
    assert isinstance(error, Exception)
    execution_id = error.context.execution_id  # type: ignore[attr-defined]
    execution = dispatcher.ledger.get_execution(execution_id)
    assert execution is not None
    assert execution.status is S.FAILED
    assert execution.error_type == type(error).__name__
    assert execution.metadata["rejected"] is True
    assert kinds(dispatcher, execution_id) == ["created", "failed"]
    return execution


def test_an_unknown_handler_is_a_typed_error_recorded_in_the_ledger(
    dispatcher: Dispatcher,
) -> None:
    with pytest.raises(HandlerNotFoundError, match="no handler registered as 'nope'") as info:
        dispatcher.submit("nope", {"a": 1}, idempotency_key="k1")
    execution = rejected(dispatcher, info.value)
    assert execution.workflow == "nope"
    assert execution.params == {"a": 1}
    assert execution.idempotency_key is None  # a fixed resubmission with the key runs
    assert execution.metadata["idempotency_key"] == "k1"
    dispatcher.registry.register("nope", lambda p: "now it exists")
    fixed = dispatcher.submit("nope", {"a": 1}, idempotency_key="k1")
    assert dispatcher.result(fixed) == "now it exists"


def test_unserialisable_params_are_a_typed_error_recorded_with_a_readable_copy(
    dispatcher: Dispatcher,
) -> None:
    dispatcher.registry.register("echo", lambda p: p)
    when = datetime(2025, 12, 26)
    with pytest.raises(UnserializableParamsError, match=r"params\['when'\] is a datetime") as info:
        dispatcher.submit("echo", {"when": when, "ok": 1})
    assert "isoformat" in str(info.value)
    execution = rejected(dispatcher, info.value)
    assert execution.params == {"when": repr(when), "ok": 1}


@pytest.mark.parametrize("timeout", [-1, 0, float("nan")])
def test_a_negative_or_zero_timeout_is_a_typed_error_recorded_in_the_ledger(
    dispatcher: Dispatcher, timeout: float
) -> None:
    dispatcher.registry.register("echo", lambda p: p)
    with pytest.raises(InvalidSpecError, match="timeout must be a finite number") as info:
        dispatcher.submit("echo", {}, timeout=timeout)
    rejected(dispatcher, info.value)


def test_an_unknown_option_or_a_bad_name_is_recorded_too(dispatcher: Dispatcher) -> None:
    with pytest.raises(InvalidSpecError, match="tiemout") as info:
        dispatcher.submit("echo", {}, tiemout=3)
    rejected(dispatcher, info.value)
    with pytest.raises(InvalidSpecError, match="name must be a str") as info:
        dispatcher.submit(WorkSpec(""))
    assert rejected(dispatcher, info.value).workflow == "<invalid name>"
    with pytest.raises(InvalidSpecError, match="inside the WorkSpec") as info:
        dispatcher.submit(WorkSpec("echo"), {"a": 1})
    rejected(dispatcher, info.value)


def test_a_handler_returning_garbage_fails_with_a_typed_error_in_the_ledger(
    dispatcher: Dispatcher, dlq: InMemoryDeadLetterQueue
) -> None:
    dispatcher.registry.register("garbage", lambda p: {"conn": object()})
    execution_id = dispatcher.submit("garbage")
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert (execution.status, execution.error_type) == (S.FAILED, "InvalidResultError")
    assert "result['conn'] is a object" in (execution.error or "")
    with pytest.raises(InvalidResultError):
        dispatcher.result(execution_id)
    assert dlq.count() == 1


def test_a_handler_over_its_timeout_is_timed_out(dispatcher: Dispatcher) -> None:
    dispatcher.registry.register("slow", lambda p: time.sleep(5), timeout=0.05)
    execution_id = dispatcher.submit("slow")
    execution = dispatcher.get_execution(execution_id)
    assert execution is not None
    assert (execution.status, execution.error_type) == (S.TIMED_OUT, "TimeoutExpired")
    assert kinds(dispatcher, execution_id)[-2:] == ["timed_out", "dead_lettered"]
    with pytest.raises(TimeoutExpired):
        dispatcher.result(execution_id)


def test_keyboard_interrupt_in_a_handler_is_recorded_cancelled_then_propagates(
    dispatcher: Dispatcher,
) -> None:
    def interrupted(params: dict[str, Any]) -> None:
        raise KeyboardInterrupt

    dispatcher.registry.register("ctrl-c", interrupted, retry=RetryStrategy.constant(3, 0))
    with pytest.raises(KeyboardInterrupt):
        dispatcher.submit("ctrl-c")
    [execution] = dispatcher.ledger.list_executions()
    assert (execution.status, execution.error_type) == (S.CANCELLED, "KeyboardInterrupt")
    assert dispatcher.dlq is not None
    assert dispatcher.dlq.count() == 0


def test_a_large_in_memory_ledger_leaves_nothing_for_the_garbage_collector() -> None:
    """Rows and events hold plain values only (enum values, marshal bytes), so the collector
    stops tracking them: full collections do not walk a large ledger (issue 11: dispatch
    slowed as the ledger grew while every row and event was a tracked object)."""
    import gc

    dispatcher = Dispatcher()
    dispatcher.registry.register("noop", lambda p: {"rows": [0]})
    for _ in range(10):  # first calls fill caches
        dispatcher.submit("noop", {"week": "2025-12-26", "tiers": ["T1", "T2"]})
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(500):
        dispatcher.submit("noop", {"week": "2025-12-26", "tiers": ["T1", "T2"]})
    gc.collect()
    assert len(gc.get_objects()) - before < 100  # was 9 objects per execution, now none
    [last] = dispatcher.ledger.list_executions(limit=1)
    assert last.params == {"week": "2025-12-26", "tiers": ["T1", "T2"]}
    assert last.result == {"rows": [0]}
