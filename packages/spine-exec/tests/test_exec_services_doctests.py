"""The examples in the docstrings of the scheduling, events, cache, health and config
modules run and show what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "spine.execution.scheduling.aio",
    "spine.execution.scheduling.arrivals",
    "spine.execution.scheduling.database",
    "spine.execution.scheduling.leases",
    "spine.execution.scheduling.schema",
    "spine.execution.scheduling.scheduler",
    "spine.execution.scheduling.sql_arrivals",
    "spine.execution.scheduling.sql_store",
    "spine.execution.scheduling.calendars",
    "spine.execution.scheduling.clock",
    "spine.execution.scheduling.errors",
    "spine.execution.scheduling.planning",
    "spine.execution.scheduling.schedule",
    "spine.execution.scheduling.store",
    "spine.execution.scheduling.template",
    "spine.execution.scheduling.threaded",
    "spine.execution.scheduling.timezones",
    "spine.execution.scheduling.triggers",
    "spine.execution.events.memory",
    "spine.execution.events.models",
    "spine.execution.cache",
    "spine.execution.health",
    "spine.execution.health_checks",
    "spine.execution.settings",
    "spine.execution.config.components",
    "spine.execution.config.container",
    "spine.execution.config.loader",
    "spine.execution.config.settings",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0
    assert result.attempted > 0
