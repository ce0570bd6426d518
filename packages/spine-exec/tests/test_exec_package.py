"""Package-level guarantees of spine.execution: public surface, lazy root, typed marker."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import spine.execution as se

ROOT = Path(se.__file__).parent


def test_execution_imports_as_namespace_portion() -> None:
    spine = importlib.import_module("spine")
    # PEP 420: the namespace has no __init__ and spans several distributions.
    assert getattr(spine, "__file__", None) is None
    assert any(Path(p).name == "spine" for p in spine.__path__)


def test_execution_ships_py_typed_marker() -> None:
    assert (ROOT / "py.typed").is_file()


def test_every_public_name_resolves_and_all_is_unique() -> None:
    assert len(se.__all__) == len(set(se.__all__))
    for name in se.__all__:
        assert getattr(se, name) is not None, name
    assert set(se.__all__) <= set(dir(se))


def test_every_lazy_name_has_a_matching_type_checking_import() -> None:
    tree = ast.parse((ROOT / "__init__.py").read_text())
    checked: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    module = stmt.module
                    for alias in stmt.names:
                        checked.add(alias.asname or alias.name)
                        assert se._LAZY[alias.asname or alias.name] == module, alias.name
    assert checked == set(se._LAZY) == set(se.__all__)


def test_importing_the_root_loads_no_submodule_and_no_optional_library() -> None:
    code = "import sys, spine.execution; print(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(ast.literal_eval(out.stdout))
    assert not {m for m in loaded if m.startswith("spine.execution.")}
    for heavy in ("celery", "redis", "spine.db", "pydantic", "concurrent.futures.process"):
        assert heavy not in loaded, heavy
