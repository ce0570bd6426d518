"""Every name a package root exports lazily is also imported under ``TYPE_CHECKING``.

A root built with :func:`spine.types.lazy.lazy_exports` serves names through ``__getattr__``;
type checkers only see the ``if TYPE_CHECKING:`` imports. A lazy name missing there silently
becomes ``Any`` for users' type checkers, so each one must be imported there from the very
module the lazy table names (and nothing else may be).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROOTS = sorted(
    p
    for p in ROOT.glob("packages/*/src/spine/*/__init__.py")
    if "lazy_exports(" in p.read_text(encoding="utf-8")
)


def _dict_items(value: ast.expr | None) -> dict[str, str]:
    assert isinstance(value, ast.Dict)
    return {
        ast.literal_eval(k): ast.literal_eval(v)
        for k, v in zip(value.keys, value.values, strict=True)
        if k is not None
    }


def _lazy_table(tree: ast.Module) -> dict[str, str]:
    """``_LAZY = {...}`` plus every later ``_LAZY.update({...})`` of the module."""
    table: dict[str, str] | None = None
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(target, ast.Name):
            if target.id == "_LAZY":
                table = _dict_items(node.value)
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) == "_LAZY.update"
        ):
            assert table is not None
            table.update(_dict_items(node.value.args[0]))
    assert table is not None, "no _LAZY table"
    return table


def _type_checking_imports(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in ast.walk(node):
                if isinstance(stmt, ast.ImportFrom) and stmt.module:
                    for alias in stmt.names:
                        found[alias.asname or alias.name] = stmt.module
    return found


def test_every_lazy_root_is_checked() -> None:
    names = {p.parent.name for p in ROOTS}
    assert {"types", "db", "ops"} <= names


@pytest.mark.parametrize("path", ROOTS, ids=lambda p: p.parent.name)
def test_every_lazy_name_has_a_matching_type_checking_import(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lazy = _lazy_table(tree)
    typed = _type_checking_imports(tree)
    assert {n: m for n, m in lazy.items() if typed.get(n) != m} == {}
    assert sorted(set(typed) - set(lazy)) == []


@pytest.mark.parametrize("path", ROOTS, ids=lambda p: p.parent.name)
def test_every_lazy_name_resolves_and_is_in_all(path: Path) -> None:
    package = f"spine.{path.parent.name}"
    module = importlib.import_module(package)
    lazy = _lazy_table(ast.parse(path.read_text(encoding="utf-8")))
    exported = set(module.__all__)
    for name, source in lazy.items():
        assert getattr(module, name) is getattr(importlib.import_module(source), name)
        assert name in exported or name == "TimeoutError", name
