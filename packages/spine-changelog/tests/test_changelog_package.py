"""The spine.changelog distribution installs as a portion of the `spine` namespace."""

from __future__ import annotations

import importlib
from pathlib import Path


def test_changelog_imports_as_namespace_portion() -> None:
    module = importlib.import_module("spine.changelog")
    assert "ChangelogGenerator" in module.__all__
    spine = importlib.import_module("spine")
    # PEP 420: the namespace has no __init__ and spans several distributions.
    assert getattr(spine, "__file__", None) is None
    assert any(Path(p).name == "spine" for p in spine.__path__)


def test_changelog_ships_py_typed_marker() -> None:
    module = importlib.import_module("spine.changelog")
    assert module.__file__ is not None
    assert (Path(module.__file__).parent / "py.typed").is_file()


def test_importing_the_root_loads_only_the_errors() -> None:
    import subprocess
    import sys

    code = (
        "import sys, spine.changelog; "
        "print(sorted(m for m in sys.modules if m.startswith('spine.changelog')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['spine.changelog', 'spine.changelog.errors']"
