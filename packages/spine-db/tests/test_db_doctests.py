"""Run the docstring examples of every spine.db module."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import spine.db
from spine.db import get_dialect
from spine.db.testing import closing_connections

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(spine.db.__path__, "spine.db.")
    if not m.name.endswith(("pytest_plugin", "postgresql_pool"))
)


@pytest.mark.parametrize("module_name", ["spine.db", *MODULES])
def test_docstring_examples(module_name: str) -> None:
    module = importlib.import_module(module_name)
    with closing_connections(on_leak="close"):  # examples may leave their connections open
        result = doctest.testmod(
            module,
            extraglobs={"get_dialect": get_dialect},
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
            verbose=False,
        )
    assert result.failed == 0
