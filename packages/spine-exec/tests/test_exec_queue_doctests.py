"""The examples in spine.execution.queue's docstrings run and show what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "spine.execution.queue",
    "spine.execution.queue.models",
    "spine.execution.queue.schema",
    "spine.execution.queue.sql",
    "spine.execution.queue._memory",
]


@pytest.mark.parametrize("name", MODULES)
def test_queue_docstring_examples_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0
    assert result.attempted > 0
