"""The examples in spine.execution.runtimes' docstrings run and show what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "spine.execution.runtimes",
    "spine.execution.runtimes._types",
    "spine.execution.runtimes._base",
    "spine.execution.runtimes.validator",
    "spine.execution.runtimes.router",
    "spine.execution.runtimes.engine",
    "spine.execution.runtimes.reconciler",
    "spine.execution.runtimes.entrypoint",
    "spine.execution.runtimes.local_process",
    "spine.execution.runtimes.mock_adapters",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0
    assert result.attempted > 0
