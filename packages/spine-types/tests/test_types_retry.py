"""RetryStrategy: whether and when to retry, decided from the error taxonomy."""

from __future__ import annotations

import builtins
import pickle
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.types import (
    Backoff,
    DatabaseConnectionError,
    NetworkError,
    RateLimitError,
    RetryStrategy,
    SourceUnavailableError,
    SpineTimeoutError,
    TransientError,
    ValidationError,
    retry_after_of,
)


class FlakyFeedError(TransientError):
    """A user-defined retryable error: a subclass of the taxonomy's TransientError."""


def test_exponential_doubles_from_base_and_stops_at_the_cap() -> None:
    policy = RetryStrategy.exponential(6, base_delay=0.5, max_delay=5.0, jitter=0)
    assert policy.delays() == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_exponential_multiplier_is_configurable() -> None:
    policy = RetryStrategy.exponential(3, base_delay=1.0, multiplier=3.0, jitter=0)
    assert policy.delays() == [1.0, 3.0, 9.0]


def test_linear_grows_by_base_each_retry_up_to_the_cap() -> None:
    assert RetryStrategy.linear(4, base_delay=2.0, max_delay=7.0).delays() == [2.0, 4.0, 6.0, 7.0]


def test_constant_waits_the_same_each_time() -> None:
    assert RetryStrategy.constant(3, delay=1.5).delays() == [1.5, 1.5, 1.5]


def test_none_never_retries_even_a_retryable_error() -> None:
    decision = RetryStrategy.none().decide(NetworkError("reset"), attempt=1)
    assert not decision
    assert decision.reason == "retry policy is 'none'"
    assert RetryStrategy.none().max_attempts == 1


def test_max_retries_counts_retries_after_the_first_attempt() -> None:
    policy = RetryStrategy.constant(max_retries=2, delay=0)
    err = NetworkError("reset")
    assert [policy.should_retry(err, n) for n in (1, 2, 3)] == [True, True, False]
    assert policy.max_attempts == 3
    assert policy.decide(err, 3).reason.startswith("retries exhausted")


def test_zero_max_retries_means_one_attempt() -> None:
    assert not RetryStrategy.exponential(max_retries=0).should_retry(NetworkError("x"), 1)


@pytest.mark.parametrize(
    "error",
    [
        NetworkError("reset"),
        SpineTimeoutError("slow"),
        RateLimitError("429"),
        SourceUnavailableError("down"),
        DatabaseConnectionError("gone"),
        FlakyFeedError("subclass of TransientError"),
        builtins.TimeoutError("builtin"),
        ConnectionResetError("builtin connection error"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_retryable_errors_including_subclasses_are_retried(error: Exception) -> None:
    decision = RetryStrategy.exponential(jitter=0).decide(error, attempt=1)
    assert decision.retry
    assert decision.delay == 1.0 or error.__class__ is RateLimitError


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad row"),
        ValidationError("bad param"),
        KeyError("missing"),
        NetworkError("forbidden retry", retryable=False),
        KeyboardInterrupt(),
        SystemExit(1),
    ],
    ids=lambda e: type(e).__name__,
)
def test_non_retryable_errors_are_final_on_the_first_attempt(error: BaseException) -> None:
    decision = RetryStrategy.exponential(max_retries=10).decide(error, attempt=1)
    assert not decision.retry
    assert decision.delay == 0.0
    assert decision.reason.startswith("not retryable")


def test_a_plain_error_caused_by_a_retryable_one_is_retried() -> None:
    outer = RuntimeError("download failed")
    outer.__cause__ = ConnectionResetError("peer reset")
    assert RetryStrategy.constant(1, 0).should_retry(outer, 1)


def test_retry_after_is_a_floor_for_the_delay_even_above_the_cap() -> None:
    policy = RetryStrategy.exponential(3, base_delay=1.0, max_delay=10.0, jitter=0)
    assert policy.delay(1, RateLimitError("429", retry_after=30)) == 30.0
    assert policy.decide(RateLimitError("429", retry_after=30), 1).delay == 30.0
    # a retry_after shorter than the backoff does not shorten it
    assert policy.delay(3, RateLimitError("429", retry_after=1)) == 4.0


def test_retry_after_is_found_in_the_explicit_cause_chain() -> None:
    cause = RateLimitError("429", retry_after=12)
    outer = RuntimeError("wrapped")
    outer.__cause__ = cause
    assert retry_after_of(outer) == 12.0
    assert retry_after_of(ValueError("none")) is None


def test_jitter_only_shortens_delays_within_its_fraction() -> None:
    policy = RetryStrategy.exponential(8, base_delay=1.0, max_delay=16.0, jitter=0.25, seed=7)
    plain = RetryStrategy.exponential(8, base_delay=1.0, max_delay=16.0, jitter=0).delays()
    for jittered, full in zip(policy.delays(), plain, strict=True):
        assert 0.75 * full <= jittered <= full


def test_seeded_jitter_is_reproducible_and_differs_across_seeds() -> None:
    def make(seed: int) -> RetryStrategy:
        return RetryStrategy.exponential(5, jitter=1.0, seed=seed)

    assert make(1).delays() == make(1).delays()
    assert make(1).delays() != make(2).delays()


def test_full_jitter_spreads_delays_down_to_zero() -> None:
    policy = RetryStrategy.constant(1, delay=10.0, jitter=1.0, seed=3)
    samples = [policy.delay(1) for _ in range(500)]
    assert min(samples) < 1.0
    assert max(samples) <= 10.0


def test_huge_attempt_numbers_do_not_overflow() -> None:
    policy = RetryStrategy.exponential(10_000, base_delay=1.0, max_delay=300.0, jitter=0)
    assert policy.delay(5000) == 300.0


def test_next_run_at_is_now_plus_delay_in_utc() -> None:
    eastern = timezone(timedelta(hours=-5))
    now = datetime(2025, 12, 26, 13, 0, tzinfo=eastern)
    at = RetryStrategy.constant(3, 45.0).next_run_at(2, now=now)
    assert at == datetime(2025, 12, 26, 18, 0, 45, tzinfo=UTC)
    assert at.utcoffset() == timedelta(0)


def test_next_run_at_honours_retry_after() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    at = RetryStrategy.constant(3, 1.0).next_run_at(1, RateLimitError("x", retry_after=60), now=now)
    assert at == now + timedelta(seconds=60)


def test_next_run_at_defaults_to_the_current_time() -> None:
    before = datetime.now(UTC)
    at = RetryStrategy.constant(1, 5.0).next_run_at(1)
    assert before + timedelta(seconds=5) <= at <= datetime.now(UTC) + timedelta(seconds=5)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValidationError, match="naive"):
        RetryStrategy.constant().next_run_at(1, now=datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_retries": -1}, "max_retries must be >= 0"),
        ({"max_retries": 1.5}, "max_retries must be an int"),
        ({"max_retries": True}, "max_retries must be an int"),
        ({"base_delay": -1}, "base_delay must be a finite number >= 0"),
        ({"max_delay": float("inf")}, "max_delay must be a finite number"),
        ({"base_delay": float("nan")}, "base_delay must be a finite number"),
        ({"base_delay": "1"}, "base_delay must be a number"),
        ({"multiplier": 0.5}, "multiplier must be a finite number >= 1"),
        ({"jitter": 1.5}, "jitter must be a fraction"),
        ({"jitter": -0.1}, "jitter must be a finite number >= 0"),
        ({"backoff": "fibonacci"}, "unknown backoff 'fibonacci'"),
        ({"seed": "x"}, "seed must be an int"),
    ],
)
def test_invalid_settings_raise_a_validation_error_naming_the_setting(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        RetryStrategy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("attempt", [0, -1, 1.0, True, "1"])
def test_attempt_numbers_start_at_one(attempt: object) -> None:
    policy = RetryStrategy.constant()
    with pytest.raises(ValidationError, match="attempt must be an int >= 1"):
        policy.delay(attempt)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="attempt must be an int >= 1"):
        policy.decide(NetworkError("x"), attempt)  # type: ignore[arg-type]


def test_backoff_accepts_its_string_value() -> None:
    assert RetryStrategy("linear", max_retries=1).backoff is Backoff.LINEAR  # type: ignore[arg-type]


def test_dict_round_trip_keeps_every_setting() -> None:
    policy = RetryStrategy.exponential(4, 0.25, 9.0, multiplier=3.0, jitter=0.2)
    data = policy.to_dict()
    assert data == {
        "backoff": "exponential",
        "max_retries": 4,
        "base_delay": 0.25,
        "max_delay": 9.0,
        "multiplier": 3.0,
        "jitter": 0.2,
    }
    assert RetryStrategy.from_dict(data) == policy


def test_from_dict_refuses_unknown_keys_and_non_dicts() -> None:
    with pytest.raises(ValidationError, match="unknown retry strategy settings: speed"):
        RetryStrategy.from_dict({"speed": 1})
    with pytest.raises(ValidationError, match="must be a dict"):
        RetryStrategy.from_dict([])  # type: ignore[arg-type]


def test_strategies_are_immutable_hashable_free_and_picklable() -> None:
    policy = RetryStrategy.exponential(2, seed=5)
    with pytest.raises(AttributeError):
        policy.max_retries = 9  # type: ignore[misc]
    clone = pickle.loads(pickle.dumps(policy))
    assert clone == policy
    assert clone.delays() == RetryStrategy.exponential(2, seed=5).delays()


@given(
    attempt=st.integers(min_value=1, max_value=200),
    base=st.floats(min_value=0, max_value=100),
    cap=st.floats(min_value=0, max_value=1000),
    jitter=st.floats(min_value=0, max_value=1),
    backoff=st.sampled_from([Backoff.EXPONENTIAL, Backoff.LINEAR, Backoff.CONSTANT]),
)
def test_delay_is_never_negative_and_never_above_the_cap(
    attempt: int, base: float, cap: float, jitter: float, backoff: Backoff
) -> None:
    policy = RetryStrategy(backoff, 3, base, cap, 2.0, jitter, 0)
    assert 0.0 <= policy.delay(attempt) <= cap
