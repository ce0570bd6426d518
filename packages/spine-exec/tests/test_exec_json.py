"""The JSON checks at the execution boundary: one pass that validates and copies."""

from __future__ import annotations

import math
from enum import IntEnum, StrEnum
from typing import Any

import pytest

from spine.execution._json import json_params, json_result
from spine.execution.errors import InvalidResultError, UnserializableParamsError


class Tier(StrEnum):
    ONE = "NMS_TIER_1"


class Level(IntEnum):
    HIGH = 3


@pytest.mark.parametrize("check", [json_params, lambda v: json_result(v, "h")])
def test_a_flat_dict_is_copied_not_shared(check: Any) -> None:
    value = {"week": "2025-12-26", "rows": 3, "ok": True, "none": None}
    copy = check(value)
    assert copy == value
    assert copy is not value
    copy["week"] = "changed"
    assert value["week"] == "2025-12-26"


@pytest.mark.parametrize("check", [json_params, lambda v: json_result(v, "h")])
def test_enum_values_travel_as_plain_scalars(check: Any) -> None:
    copy = check({"tier": Tier.ONE, "level": Level.HIGH})
    assert copy == {"tier": "NMS_TIER_1", "level": 3}
    assert type(copy["tier"]) is str
    assert type(copy["level"]) is int


def test_floats_are_checked_in_flat_dicts_too() -> None:
    assert json_params({"x": 1.5}) == {"x": 1.5}
    with pytest.raises(UnserializableParamsError, match="NaN"):
        json_params({"x": math.nan})
    with pytest.raises(InvalidResultError, match="handler 'h'"):
        json_result({"x": math.inf}, "h")


def test_non_str_keys_and_nested_values_are_refused_with_their_path() -> None:
    with pytest.raises(UnserializableParamsError, match="int key 1"):
        json_params({1: "a"})
    with pytest.raises(UnserializableParamsError, match=r"params\['a'\]\[0\] is a set"):
        json_params({"a": [{1, 2}]})
    nested = {"a": {"b": [1, (2, 3)]}}
    copy = json_params(nested)
    assert copy == {"a": {"b": [1, [2, 3]]}}
    assert copy["a"] is not nested["a"]
