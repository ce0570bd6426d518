"""The safe expression language of choice conditions and map items."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.orchestration import Expression, ExpressionError, ExpressionEvaluationError

PARAMS = {"tier": "NMS_TIER_1", "weeks": ["2025-12-19", "2025-12-26"], "n": 5, "flag": False}
OUTPUTS = {"ingest": {"rows": 12, "venues": ["A", "B"]}, "my-step": {"ok": True}}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("outputs.ingest.rows > 10", True),
        ("params.tier == 'NMS_TIER_1' and not params.flag", True),
        ("params.n * 2 + 1", 11),
        ("params.n / 2", 2.5),
        ("params.n // 2", 2),
        ("params.n % 2", 1),
        ("-params.n", -5),
        ("len(params.weeks)", 2),
        ("params.weeks[-1]", "2025-12-26"),
        ("'A' in outputs.ingest.venues", True),
        ("'C' not in outputs.ingest.venues", True),
        ("outputs['my-step'].ok", True),
        ("get(outputs.ingest, 'missing', 0)", 0),
        ("get(params.weeks, 5, 'none')", "none"),
        ("params.n if params.flag else 0", 0),
        ("1 < params.n <= 5", True),
        ("params.missing_key is None", None),  # evaluated below as an error case
        ("true and not false", True),
        ("null is None", True),
        ("[1, 2] + [3]", [1, 2, 3]),
        ("'a' + 'b'", "ab"),
        ("lower(params.tier)", "nms_tier_1"),
        ("startswith(params.tier, 'NMS')", True),
        ("max(params.n, 7)", 7),
        ("sorted(outputs.ingest.venues)", ["A", "B"]),
        ("sum([1, 2, 3])", 6),
    ],
)
def test_allowed_expressions_evaluate(source: str, expected: Any) -> None:
    expr = Expression(source)
    if "missing_key" in source:
        with pytest.raises(ExpressionEvaluationError, match="params has no key 'missing_key'"):
            expr.evaluate(PARAMS, OUTPUTS)
        return
    assert expr.evaluate(PARAMS, OUTPUTS) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("__import__('os').system('echo hi')", "only the listed functions can be called"),
        ("open('/etc/passwd')", "function 'open' is not allowed"),
        ("eval('1')", "function 'eval' is not allowed"),
        ("params.__class__.__bases__[0].__subclasses__()", "no methods"),
        ("(lambda: 1)()", "only the listed functions"),
        ("[x for x in params.weeks]", "a comprehension is not allowed"),
        ("2 ** 100000", "operator Pow is not allowed"),
        ("x", "unknown name 'x'"),
        ("params.weeks[0:1]", "slices are not allowed"),
        ("{'a': 1}", "a dict literal is not allowed"),
        ("f'{params.n}'", "an f-string is not allowed"),
        ("a = 1", "syntax error"),
        ("", "non-empty"),
        ("len(*params.weeks)", "plain positional arguments"),
        ("b'bytes'", "literal b'bytes' is not allowed"),
    ],
)
def test_unsafe_or_malformed_expressions_are_rejected_when_compiled(
    source: str, message: str
) -> None:
    with pytest.raises(ExpressionError, match=message):
        Expression(source)


def test_attribute_syntax_only_reads_mapping_keys_never_python_attributes() -> None:
    expr = Expression("params.__class__")
    with pytest.raises(ExpressionEvaluationError, match="params has no key '__class__'"):
        expr.evaluate({}, {})
    assert expr.evaluate({"__class__": "just a key"}, {}) == "just a key"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("outputs.ingest.nope", "outputs.ingest has no key 'nope'"),
        (
            "outputs.ingest.rows.deeper",
            "cannot read 'deeper' from outputs.ingest.rows: it is a int",
        ),
        ("params.weeks[9]", "index 9 is out of range"),
        ("params.tier + 1", "unsupported operand types str and int"),
        ("params.n / 0", "division by zero"),
        ("params.tier < 3", "cannot compare"),
        ("-params.tier", "needs a number"),
        ("int(params.tier)", "int\\(\\) failed"),
    ],
)
def test_evaluation_errors_are_typed_and_say_what_was_wrong(source: str, message: str) -> None:
    with pytest.raises(ExpressionEvaluationError, match=message):
        Expression(source).evaluate(PARAMS, OUTPUTS)


def test_references_are_collected_for_static_checks() -> None:
    expr = Expression("outputs.ingest.rows > params.min and outputs['my-step'].ok")
    assert expr.output_refs == {"ingest", "my-step"}
    assert expr.param_refs == {"min"}
    assert not expr.is_constant
    assert Expression("1 + 1 == 2").is_constant


def test_evaluate_sequence_requires_a_list() -> None:
    assert Expression("params.weeks").evaluate_sequence(PARAMS, OUTPUTS) == PARAMS["weeks"]
    with pytest.raises(ExpressionEvaluationError, match="expected a list of items, got int"):
        Expression("params.n").evaluate_sequence(PARAMS, OUTPUTS)


def test_expressions_compare_by_source() -> None:
    assert Expression("params.a") == Expression("params.a")
    assert len({Expression("params.a"), Expression("params.a")}) == 1


@given(st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_arithmetic_agrees_with_python(a: int, b: int) -> None:
    params = {"a": a, "b": b}
    assert Expression("params.a + params.b * 2 - 1").evaluate(params, {}) == a + b * 2 - 1
    assert Expression("params.a < params.b").evaluate(params, {}) == (a < b)


@given(st.text(max_size=40))
def test_arbitrary_text_either_compiles_or_raises_expression_error(text: str) -> None:
    try:
        expr = Expression(text)
    except ExpressionError:
        return
    with contextlib.suppress(ExpressionEvaluationError):
        expr.evaluate({}, {})
