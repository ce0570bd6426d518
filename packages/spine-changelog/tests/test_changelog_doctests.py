"""The examples in spine.changelog's docstrings run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import spine.changelog

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(spine.changelog.__path__, "spine.changelog.")
    if not info.name.endswith(("__main__", ".cli"))
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} failing example(s) in {name}"
