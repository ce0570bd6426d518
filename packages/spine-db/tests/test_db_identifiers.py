from __future__ import annotations

import pytest

from spine.db import get_dialect, validate_identifier
from spine.db.dialects import DIALECT_NAMES
from spine.types import ValidationError


@pytest.mark.parametrize("name", ["t", "core_manifest", "_migrations", "A1", "x" * 63, "s.t"])
def test_valid_identifiers_are_returned_unchanged(name: str) -> None:
    assert validate_identifier(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "t; DROP TABLE x",
        "",
        "1abc",
        "a-b",
        'a"b',
        "a b",
        "x" * 64,
        "a.b.c",
        "a.",
        ".a",
        "t--",
        "tbl/*x*/",
    ],
)
def test_invalid_identifiers_are_rejected_with_the_name_in_the_message(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_identifier(name)
    assert repr(name) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_dotted_names_can_be_refused() -> None:
    with pytest.raises(ValidationError):
        validate_identifier("s.t", allow_dotted=False)
    validate_identifier("s.t")  # cached dotted names never leak into the undotted cache
    with pytest.raises(ValidationError):
        validate_identifier("s.t", allow_dotted=False)


def test_non_string_identifier_is_rejected() -> None:
    with pytest.raises(ValidationError):
        validate_identifier(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("dialect_name", DIALECT_NAMES)
def test_every_dialect_rejects_injection_in_quote_insert_and_upsert(dialect_name: str) -> None:
    d = get_dialect(dialect_name)
    bad = "t; DROP TABLE x"
    with pytest.raises(ValidationError):
        d.quote(bad)
    with pytest.raises(ValidationError):
        d.insert_sql(bad, ["a"])
    with pytest.raises(ValidationError):
        d.insert_sql("t", [bad])
    with pytest.raises(ValidationError):
        d.upsert("t", ["a", bad], ["a"])
    with pytest.raises(ValidationError):
        d.select_for_claim(bad, ["id"], "1 = 1", "id", 1)
