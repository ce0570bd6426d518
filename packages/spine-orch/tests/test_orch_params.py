"""Declared workflow params: defaults, conversion, unknown names."""

from __future__ import annotations

from datetime import date

import pytest

from spine.orchestration import ParamSpec, WorkflowDefinitionError, WorkflowParamsError
from spine.orchestration.params import normalize_schema, validate_params
from spine.types import WeekEnding


def test_values_are_converted_to_the_declared_types() -> None:
    schema = normalize_schema(
        {"day": "date", "n": int, "ratio": "float", "flag": "bool", "week": "week_ending"}
    )
    out = validate_params(
        schema,
        {"day": "2025-12-26", "n": "5", "ratio": 1, "flag": "true", "week": "2025-12-26"},
        workflow="w",
    )
    assert out == {
        "day": date(2025, 12, 26),
        "n": 5,
        "ratio": 1.0,
        "flag": True,
        "week": WeekEnding("2025-12-26"),
    }


def test_every_problem_is_reported_at_once() -> None:
    schema = normalize_schema({"n": "int", "week": "week_ending", "need": "str"})
    with pytest.raises(WorkflowParamsError) as info:
        validate_params(schema, {"n": "five", "week": "2025-12-25", "typo": 1}, workflow="w")
    text = str(info.value)
    assert "n: Input should be a valid integer" in text
    assert "week: 2025-12-25 is a Thursday" in text
    assert "need: required (str) but not given" in text
    assert "unknown param(s) typo" in text


def test_defaults_fill_missing_params_and_optional_params_may_be_absent() -> None:
    schema = normalize_schema(
        {"tier": ParamSpec("str", default="OTC"), "note": {"type": "str", "required": False}}
    )
    assert validate_params(schema, {}, workflow="w") == {"tier": "OTC"}


def test_without_a_schema_params_pass_unchanged() -> None:
    assert validate_params({}, {"anything": [1]}, workflow="w") == {"anything": [1]}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"x": "colour"}, "unknown param type 'colour'"),
        ({"x": {"type": "int", "default": "abc"}}, "does not fit type int"),
        ({"x": {"type": "int", "colour": 1}}, "unknown field"),
        ({"not valid": "int"}, "must be an identifier"),
        ({"x": {"type": "int", "default": 1, "required": True}}, "cannot have a default"),
    ],
)
def test_bad_schemas_are_definition_errors(spec: dict[str, object], message: str) -> None:
    with pytest.raises(WorkflowDefinitionError, match=message):
        normalize_schema(spec)


def test_param_spec_serialises_to_the_file_form() -> None:
    assert ParamSpec("date", default="2025-12-26").to_dict() == {
        "type": "date",
        "default": "2025-12-26",
    }
    assert ParamSpec("str", required=False, description="d").to_dict() == {
        "type": "str",
        "required": False,
        "description": "d",
    }
