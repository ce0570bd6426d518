"""The spine.deploy distribution installs as a portion of the `spine` namespace."""

from __future__ import annotations

import importlib
from pathlib import Path


def test_deploy_imports_as_namespace_portion() -> None:
    module = importlib.import_module("spine.deploy")
    assert module.__all__ == []
    spine = importlib.import_module("spine")
    # PEP 420: the namespace has no __init__ and spans several distributions.
    assert getattr(spine, "__file__", None) is None
    assert any(Path(p).name == "spine" for p in spine.__path__)


def test_deploy_ships_py_typed_marker() -> None:
    module = importlib.import_module("spine.deploy")
    assert module.__file__ is not None
    assert (Path(module.__file__).parent / "py.typed").is_file()
