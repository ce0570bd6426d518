"""@with_retry (sync and async) and deadlines (with_deadline, with_deadline_async)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from spine.execution import TimeoutExpired, with_deadline, with_deadline_async, with_retry
from spine.types import (
    NetworkError,
    RateLimitError,
    RetryStrategy,
    SpineTimeoutError,
    ValidationError,
    is_retryable,
)


class Flaky:
    """Fails with ``errors`` in turn, then returns ``"ok"``."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_with_retry_retries_retryable_errors_with_the_policy_delays() -> None:
    delays: list[float] = []
    seen: list[tuple[int, str, float]] = []
    flaky = Flaky(NetworkError("a"), NetworkError("b"))
    wrapped = with_retry(
        RetryStrategy.exponential(3, base_delay=0.5, jitter=0),
        sleep=delays.append,
        on_retry=lambda n, e, d: seen.append((n, str(e), d)),
    )(flaky)
    assert wrapped() == "ok"
    assert flaky.calls == 3
    assert delays == [0.5, 1.0]
    assert seen == [(1, "a", 0.5), (2, "b", 1.0)]


def test_with_retry_gives_up_after_max_retries_with_the_last_error() -> None:
    flaky = Flaky(*(NetworkError(str(i)) for i in range(10)))
    wrapped = with_retry(RetryStrategy.constant(2, 0), sleep=lambda s: None)(flaky)
    with pytest.raises(NetworkError, match=r"^2$"):
        wrapped()
    assert flaky.calls == 3


def test_with_retry_does_not_retry_a_non_retryable_error() -> None:
    flaky = Flaky(ValueError("bad"))
    wrapped = with_retry(RetryStrategy.constant(5, 0), sleep=lambda s: None)(flaky)
    with pytest.raises(ValueError, match="bad"):
        wrapped()
    assert flaky.calls == 1


def test_with_retry_honours_retry_after() -> None:
    delays: list[float] = []
    flaky = Flaky(RateLimitError("429", retry_after=9))
    with_retry(RetryStrategy.constant(1, 0.1), sleep=delays.append)(flaky)()
    assert delays == [9.0]


def test_bare_with_retry_uses_the_default_exponential_policy() -> None:
    @with_retry
    def fine(x: int) -> int:
        return x + 1

    assert fine(1) == 2
    assert fine.__name__ == "fine"


def test_with_retry_works_on_async_functions() -> None:
    delays: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    calls: list[int] = []

    @with_retry(RetryStrategy.linear(3, 1.0), async_sleep=fake_sleep)
    async def fetch() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionResetError("reset")
        return "page"

    assert asyncio.run(fetch()) == "page"
    assert delays == [1.0, 2.0]


def test_with_deadline_interrupts_a_blocking_call_in_the_main_thread() -> None:
    start = time.monotonic()
    with pytest.raises(TimeoutExpired) as info, with_deadline(0.1):
        time.sleep(5)
    assert time.monotonic() - start < 2
    assert info.value.seconds == 0.1
    assert isinstance(info.value, SpineTimeoutError)
    assert is_retryable(info.value)


def test_with_deadline_is_not_swallowed_by_except_exception() -> None:
    swallowed: list[BaseException] = []

    def greedy() -> None:
        try:
            time.sleep(5)
        except Exception as exc:  # user code that catches too much
            swallowed.append(exc)

    with pytest.raises(TimeoutExpired), with_deadline(0.05):
        greedy()
    assert swallowed == []


def test_with_deadline_interrupts_python_code_in_a_worker_thread() -> None:
    outcome: list[Any] = []

    def spin() -> None:
        try:
            with with_deadline(0.1):
                while True:
                    sum(range(1000))
        except TimeoutExpired as exc:
            outcome.append(exc)

    thread = threading.Thread(target=spin)
    thread.start()
    thread.join(5)
    assert not thread.is_alive()
    assert isinstance(outcome[0], TimeoutExpired)


def test_a_block_that_finishes_in_time_is_untouched_in_a_thread() -> None:
    outcome: list[Any] = []

    def quick() -> None:
        with with_deadline(0.2) as deadline:
            outcome.append(deadline.remaining() > 0)
        time.sleep(0.4)  # past the deadline: nothing may surface after the block
        outcome.append("done")

    thread = threading.Thread(target=quick)
    thread.start()
    thread.join(5)
    assert outcome == [True, "done"]


def test_nested_deadlines_each_raise_for_themselves() -> None:
    with pytest.raises(TimeoutExpired) as info, with_deadline(5), with_deadline(0.05):
        time.sleep(2)
    assert info.value.seconds == 0.05
    with with_deadline(0.3):
        with pytest.raises(TimeoutExpired) as inner, with_deadline(0.05):
            time.sleep(1)
        assert inner.value.seconds == 0.05
        time.sleep(0.01)  # the outer deadline still runs and has not fired


def test_an_outer_deadline_fires_through_a_longer_inner_one() -> None:
    with pytest.raises(TimeoutExpired) as info, with_deadline(0.05), with_deadline(10):
        time.sleep(2)
    assert info.value.seconds == 0.05


def test_deadline_check_and_remaining_support_cooperative_code() -> None:
    with with_deadline(10) as deadline:
        assert 9 < deadline.remaining() <= 10
        deadline.check()
        assert not deadline.expired


@pytest.mark.parametrize("seconds", [0, -1, float("inf"), float("nan"), "5", True])
def test_a_bad_deadline_is_a_typed_error(seconds: object) -> None:
    with pytest.raises(ValidationError, match="deadline must be"), with_deadline(seconds):  # type: ignore[arg-type]
        pass


def test_with_deadline_async_cancels_the_awaiting_task() -> None:
    async def main() -> str:
        try:
            async with with_deadline_async(0.05):
                await asyncio.sleep(5)
        except TimeoutExpired as exc:
            return f"expired after {exc.seconds}"
        return "finished"

    assert asyncio.run(main()) == "expired after 0.05"


def test_with_deadline_async_lets_an_unrelated_timeout_error_through() -> None:
    async def main() -> None:
        async with with_deadline_async(5):
            raise TimeoutError("the server's own timeout")

    with pytest.raises(TimeoutError, match="server's own"):
        asyncio.run(main())


def test_with_deadline_async_refuses_a_bad_timeout() -> None:
    async def main() -> None:
        async with with_deadline_async(-1):
            pass

    with pytest.raises(ValidationError):
        asyncio.run(main())
