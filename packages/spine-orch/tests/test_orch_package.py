"""The spine.orchestration root: a namespace portion whose public names load lazily."""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import spine.orchestration


def test_orchestration_imports_as_namespace_portion() -> None:
    spine = importlib.import_module("spine")
    # PEP 420: the namespace has no __init__ and spans several distributions.
    assert getattr(spine, "__file__", None) is None
    assert any(Path(p).name == "spine" for p in spine.__path__)


def test_orchestration_ships_py_typed_marker() -> None:
    assert spine.orchestration.__file__ is not None
    assert (Path(spine.orchestration.__file__).parent / "py.typed").is_file()


def test_every_public_name_is_importable_from_the_root() -> None:
    for name in spine.orchestration.__all__:
        assert getattr(spine.orchestration, name) is not None, name
    assert sorted(spine.orchestration.__all__) == sorted(set(spine.orchestration.__all__))
    assert set(spine.orchestration.__all__) <= set(dir(spine.orchestration))
    with pytest.raises(AttributeError):
        _ = spine.orchestration.no_such_name


def test_type_checking_imports_match_the_lazy_table() -> None:
    """The TYPE_CHECKING block (for type checkers) and _LAZY (at run time) name the same
    objects from the same modules."""
    assert spine.orchestration.__file__ is not None
    tree = ast.parse(Path(spine.orchestration.__file__).read_text())
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                assert stmt.module is not None
                for alias in stmt.names:
                    typed[alias.name] = stmt.module
    assert typed == spine.orchestration._LAZY


def test_importing_the_root_stays_cheap() -> None:
    code = (
        "import sys, spine.orchestration\n"
        "heavy = [m for m in ('pydantic', 'yaml', 'spine.execution', 'spine.ops', "
        "'spine.orchestration.workflow', 'concurrent.futures') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


MODULES = sorted(
    m.name for m in pkgutil.walk_packages(spine.orchestration.__path__, "spine.orchestration.")
)


@pytest.mark.parametrize("module_name", ["spine.orchestration", *MODULES])
def test_docstring_examples(module_name: str) -> None:
    module = importlib.import_module(module_name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0
