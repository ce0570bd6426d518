"""The examples in the public docstrings run and produce what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "errors",
    "result",
    "enums",
    "timestamps",
    "ulid",
    "temporal",
    "temporal_envelope",
    "execution",
    "hashing",
    "protocols",
    "logging",
    "feature_flags",
    "secrets",
    "retry",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "hunter2")
    module = importlib.import_module(f"spine.types.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0
    assert result.attempted > 0
