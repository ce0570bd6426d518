"""HandlerRegistry and WorkSpec: names, defaults and validation."""

from __future__ import annotations

import time
from typing import Any

import pytest

from spine.execution import HandlerNotFoundError, HandlerRegistry, InvalidSpecError, WorkSpec
from spine.types import OperationNotFoundError, RetryStrategy, ValidationError


def noop(params: dict[str, Any]) -> None:
    """Do nothing."""


async def anoop(params: dict[str, Any]) -> None:
    return None


def test_register_and_get_returns_the_handler_with_its_defaults() -> None:
    registry = HandlerRegistry()
    policy = RetryStrategy.constant(2, 1.0)
    info = registry.register("a.b", noop, kind="operation", timeout=30, retry=policy)
    assert registry.get("a.b") is info
    assert (info.fn, info.kind, info.timeout, info.retry) == (noop, "operation", 30.0, policy)
    assert info.description == "Do nothing."
    assert "a.b" in registry
    assert len(registry) == 1


def test_decorator_registers_under_the_given_or_qualified_name() -> None:
    registry = HandlerRegistry()

    @registry.handler("named")
    def one(params: dict[str, Any]) -> None:
        return None

    @registry.handler()
    def two(params: dict[str, Any]) -> None:
        return None

    assert registry.get("named").fn is one
    assert registry.names() == sorted(["named", f"{__name__}.{two.__qualname__}"])


def test_async_handlers_are_detected() -> None:
    registry = HandlerRegistry()
    assert registry.register("a", anoop).is_async
    assert not registry.register("s", noop).is_async


def test_unknown_handler_is_a_typed_error_with_suggestions() -> None:
    registry = HandlerRegistry()
    registry.register("finra.otc.ingest", noop)
    with pytest.raises(HandlerNotFoundError, match=r"did you mean 'finra\.otc\.ingest'") as info:
        registry.get("finra.otc.ingset")
    assert isinstance(info.value, OperationNotFoundError)
    assert info.value.context.workflow == "finra.otc.ingset"
    assert not info.value.retryable


def test_a_taken_name_is_not_silently_replaced() -> None:
    registry = HandlerRegistry()
    registry.register("x", noop)
    registry.register("x", noop)  # same function again: fine
    with pytest.raises(ValidationError, match="taken"):
        registry.register("x", lambda p: None)
    registry.register("x", anoop, replace=True)
    assert registry.get("x").fn is anoop
    assert registry.unregister("x")
    assert not registry.unregister("x")


@pytest.mark.parametrize(
    ("name", "fn", "kwargs", "message"),
    [
        ("", noop, {}, "handler name must be a str"),
        ("x", 42, {}, "must be callable"),
        ("x", noop, {"kind": "job"}, "handler kind must be one of"),
        ("x", noop, {"timeout": -1}, "timeout of handler 'x' must be a finite number"),
        ("x", noop, {"timeout": 0}, "must be a finite number of seconds > 0"),
        ("x", noop, {"retry": 3}, "retry must be a RetryStrategy"),
        ("x", lambda: None, {}, "must accept exactly one positional argument"),
        ("x", lambda a, b: None, {}, "must accept exactly one positional argument"),
    ],
)
def test_bad_registrations_are_refused(
    name: str, fn: object, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        HandlerRegistry().register(name, fn, **kwargs)  # type: ignore[arg-type]


def test_a_valid_spec_validates_to_itself() -> None:
    spec = WorkSpec("w", {"a": 1}, timeout=1.5, retry=RetryStrategy.none(), priority=5)
    assert spec.validate() is spec
    assert spec.problem() is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, "name must be a str"),
        ({"name": 7}, "name must be a str"),
        ({"name": "w", "params": [1]}, "params must be a mapping"),
        ({"name": "w", "kind": "job"}, "kind must be one of"),
        ({"name": "w", "lane": ""}, "lane must be a str"),
        ({"name": "w", "idempotency_key": ""}, "idempotency_key must be a str"),
        ({"name": "w", "priority": 1.5}, "priority must be an int"),
        ({"name": "w", "trigger_source": "cron"}, "trigger_source must be one of"),
        ({"name": "w", "timeout": -1}, "timeout must be a finite number of seconds > 0"),
        ({"name": "w", "timeout": 0}, "timeout must be a finite number of seconds > 0"),
        ({"name": "w", "timeout": float("inf")}, "timeout must be a finite number"),
        ({"name": "w", "timeout": "10"}, "timeout must be a finite number"),
        ({"name": "w", "retry": "exponential"}, "retry must be a RetryStrategy"),
        ({"name": "w", "metadata": 3}, "metadata must be a mapping"),
        ({"name": "w", "batch_id": ""}, "batch_id must be a str of 1..64"),
    ],
)
def test_spec_validation_names_the_field(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidSpecError, match=message):
        WorkSpec(**kwargs).validate()


def test_build_refuses_unknown_options_naming_them() -> None:
    with pytest.raises(InvalidSpecError, match=r"unknown work spec option.*tiemout"):
        WorkSpec.build("w", {}, tiemout=5)


def test_a_handler_carries_its_rate_limit() -> None:
    from spine.execution import TokenBucketLimiter

    registry = HandlerRegistry()
    limiter = TokenBucketLimiter(rate=10, capacity=2, key="finra-api")
    assert registry.register("fetch", noop, rate_limit=limiter).rate_limit is limiter

    @registry.handler("decorated", rate_limit=limiter)
    def decorated(params: dict[str, Any]) -> None:
        return None

    assert registry.get("decorated").rate_limit is limiter
    assert registry.register("free", noop).rate_limit is None


@pytest.mark.parametrize("bad", ["10/s", 10, object()])
def test_a_rate_limit_that_is_not_a_limiter_is_refused(bad: object) -> None:
    with pytest.raises(ValidationError, match="rate_limit must be a RateLimiter"):
        HandlerRegistry().register("fetch", noop, rate_limit=bad)  # type: ignore[arg-type]


def test_a_rate_limit_that_can_never_grant_a_run_is_refused() -> None:
    from spine.execution import TokenBucketLimiter

    with pytest.raises(ValidationError, match="fewer than the 1 token"):
        HandlerRegistry().register("fetch", noop, rate_limit=TokenBucketLimiter(5, 0.5))


def test_in_process_runs_of_a_rate_limited_handler_wait_for_their_token() -> None:
    from spine.execution import Dispatcher, TokenBucketLimiter

    dispatcher = Dispatcher()
    starts: list[float] = []
    limiter = TokenBucketLimiter(rate=20, capacity=1)
    dispatcher.registry.register("fetch", lambda p: starts.append(time.monotonic()),
                                 rate_limit=limiter)  # fmt: skip
    for n in range(4):
        dispatcher.submit("fetch", {"n": n})
    assert len(starts) == 4
    assert starts[-1] - starts[0] >= 3 / 20 * 0.9  # one token every 50 ms after the first
