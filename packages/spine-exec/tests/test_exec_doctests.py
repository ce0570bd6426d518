"""The examples in spine.execution's public docstrings run and show what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "spine.execution",
    "spine.execution.errors",
    "spine.execution.models",
    "spine.execution.ledger",
    "spine.execution._memory_ledger",
    "spine.execution.spec",
    "spine.execution.registry",
    "spine.execution.dispatcher",
    "spine.execution.dlq",
    "spine.execution.retry",
    "spine.execution.timeout",
    "spine.execution.outcome",
    "spine.execution.testing",
    "spine.execution.locks",
    "spine.execution.stores",
    "spine.execution.context",
    "spine.execution.circuit_breaker",
    "spine.execution.rate_limit",
    "spine.execution.executors.memory",
    "spine.execution.executors.threads",
    "spine.execution.executors.processes",
    "spine.execution.schema",
    "spine.execution._sql_ledger",
    "spine.execution._sql_dlq",
    "spine.execution._sql_locks",
    "spine.execution._sql_stores",
    "spine.execution._sql_limits",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0
    assert result.attempted > 0
