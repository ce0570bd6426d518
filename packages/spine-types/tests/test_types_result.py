"""Behaviour of Result (Ok / Err) and its helpers, including functor and monad laws."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.types import (
    Err,
    Ok,
    Result,
    SpineError,
    UnwrapError,
    ValidationError,
    collect_results,
    from_optional,
    partition_results,
    try_result,
)

BOOM = ValueError("boom")
OTHER = KeyError("other")


def describe(r: Result[int]) -> str:
    match r:
        case Ok(value):
            return f"ok:{value}"
        case Err(error):
            return f"err:{type(error).__name__}"
    raise AssertionError("unreachable")  # pragma: no cover


def test_results_support_pattern_matching() -> None:
    assert describe(Ok(3)) == "ok:3"
    assert describe(Err(BOOM)) == "err:ValueError"


def test_ok_and_err_report_their_kind() -> None:
    assert Ok(1).is_ok()
    assert not Ok(1).is_err()
    assert Err(BOOM).is_err()
    assert not Err(BOOM).is_ok()
    assert Ok(1).ok() == 1
    assert Ok(1).err() is None
    assert Err(BOOM).ok() is None
    assert Err(BOOM).err() is BOOM


def test_results_are_frozen() -> None:
    r = Ok(1)
    with pytest.raises(AttributeError):
        r.value = 2  # type: ignore[misc]


def test_ok_unwrap_returns_value_and_err_unwrap_raises_contained_exception() -> None:
    assert Ok("x").unwrap() == "x"
    with pytest.raises(ValueError, match="boom"):
        Err(BOOM).unwrap()


def test_expect_raises_unwrap_error_with_message_and_cause() -> None:
    with pytest.raises(UnwrapError, match="loading config: boom") as info:
        Err(BOOM).expect("loading config")
    assert info.value.__cause__ is BOOM
    assert Ok(5).expect("unused") == 5


def test_unwrap_err_on_ok_raises_unwrap_error() -> None:
    with pytest.raises(UnwrapError, match="unwrap_err"):
        Ok(1).unwrap_err()
    assert Err(BOOM).unwrap_err() is BOOM
    assert issubclass(UnwrapError, SpineError)


def test_unwrap_or_and_unwrap_or_else() -> None:
    assert Ok(1).unwrap_or(0) == 1
    assert Err[int](BOOM).unwrap_or(0) == 0
    assert Ok(1).unwrap_or_else(lambda e: 0) == 1
    assert Err[int](BOOM).unwrap_or_else(lambda e: len(str(e))) == 4


def test_map_transforms_ok_and_skips_err() -> None:
    assert Ok(2).map(lambda v: v * 10) == Ok(20)
    err: Result[int] = Err(BOOM)
    assert err.map(lambda v: v * 10) is err


def test_flat_map_and_and_then_chain_results() -> None:
    def half(v: int) -> Result[int]:
        return Ok(v // 2) if v % 2 == 0 else Err(ValueError(f"{v} is odd"))

    assert Ok(8).flat_map(half).and_then(half) == Ok(2)
    odd = Ok(6).flat_map(half).and_then(half)
    assert odd.is_err()
    assert "3 is odd" in str(odd.err())


def test_map_err_translates_only_errors() -> None:
    translated = Err[int](BOOM).map_err(lambda e: SpineError(f"wrapped: {e}"))
    assert isinstance(translated.err(), SpineError)
    assert Ok(1).map_err(lambda e: SpineError("x")) == Ok(1)


def test_or_else_recovers_from_errors() -> None:
    assert Err[int](BOOM).or_else(lambda e: Ok(0)) == Ok(0)
    assert Ok(1).or_else(lambda e: Ok(0)) == Ok(1)


def test_inspect_and_inspect_err_run_side_effects_and_return_self() -> None:
    seen: list[object] = []
    ok = Ok(1)
    err: Result[int] = Err(BOOM)
    assert ok.inspect(seen.append) is ok
    assert ok.inspect_err(seen.append) is ok
    assert err.inspect(seen.append) is err
    assert err.inspect_err(seen.append) is err
    assert seen == [1, BOOM]


def test_err_requires_an_exception_instance() -> None:
    with pytest.raises(ValidationError, match="must be an Exception"):
        Err("not an exception")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Err(ValueError)  # type: ignore[arg-type]


def test_try_result_captures_exceptions() -> None:
    assert try_result(int, "42") == Ok(42)
    bad = try_result(int, "x")
    assert isinstance(bad.err(), ValueError)
    assert try_result(dict, a=1) == Ok({"a": 1})


def test_try_result_does_not_swallow_keyboard_interrupt() -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        try_result(interrupt)


def test_collect_results_returns_all_values_or_first_error() -> None:
    assert collect_results([Ok(1), Ok(2)]) == Ok([1, 2])
    assert collect_results([]) == Ok([])
    mixed: list[Result[int]] = [Ok(1), Err(BOOM), Err(OTHER)]
    first = collect_results(mixed)
    assert first.err() is BOOM


def test_collect_results_stops_consuming_at_first_error() -> None:
    consumed: list[int] = []

    def gen() -> Iterator[Result[int]]:
        for i in range(5):
            consumed.append(i)
            yield Err(BOOM) if i == 1 else Ok(i)

    assert collect_results(gen()).is_err()
    assert consumed == [0, 1]


def test_partition_results_splits_values_and_errors_in_order() -> None:
    items: list[Result[int]] = [Ok(1), Err(BOOM), Ok(3), Err(OTHER)]
    oks, errs = partition_results(items)
    assert oks == [1, 3]
    assert errs == [BOOM, OTHER]


def test_from_optional() -> None:
    assert from_optional(0, BOOM) == Ok(0)
    assert from_optional(None, BOOM).err() is BOOM
    calls: list[int] = []

    def factory() -> Exception:
        calls.append(1)
        return KeyError("k")

    assert from_optional("x", factory) == Ok("x")
    assert calls == []
    assert isinstance(from_optional(None, factory).err(), KeyError)


# --- laws -----------------------------------------------------------------------------------

ERRORS = [ValueError("a"), KeyError("b"), SpineError("c")]
results: st.SearchStrategy[Result[int]] = st.one_of(
    st.integers().map(Ok), st.sampled_from(ERRORS).map(Err)
)
plain_fns: list[Callable[[int], int]] = [lambda x: x + 1, lambda x: x * 2, lambda x: -x, abs]
plain_functions = st.sampled_from(plain_fns)
ERR_FN_ERROR = ValueError("from fn")
monadic_fns: list[Callable[[int], Result[int]]] = [
    lambda x: Ok(x + 1),
    lambda x: Ok(x * 3),
    lambda x: Err(ERR_FN_ERROR),
    lambda x: Ok(x) if x % 2 == 0 else Err(ERR_FN_ERROR),
]
monadic_functions = st.sampled_from(monadic_fns)


@given(results)
def test_functor_identity(r: Result[int]) -> None:
    assert r.map(lambda x: x) == r


@given(results, plain_functions, plain_functions)
def test_functor_composition(
    r: Result[int], f: Callable[[int], int], g: Callable[[int], int]
) -> None:
    assert r.map(f).map(g) == r.map(lambda x: g(f(x)))


@given(st.integers(), monadic_functions)
def test_monad_left_identity(a: int, f: Callable[[int], Result[int]]) -> None:
    assert Ok(a).flat_map(f) == f(a)


@given(results)
def test_monad_right_identity(m: Result[int]) -> None:
    assert m.flat_map(Ok) == m


@given(results, monadic_functions, monadic_functions)
def test_monad_associativity(
    m: Result[int], f: Callable[[int], Result[int]], g: Callable[[int], Result[int]]
) -> None:
    assert m.flat_map(f).flat_map(g) == m.flat_map(lambda x: f(x).flat_map(g))
