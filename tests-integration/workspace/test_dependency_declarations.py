"""Every distribution declares exactly what it imports (scripts/check_deps.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

PLANNING = "Development Status :: 1 - Planning"


@pytest.fixture
def check_deps(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("check_deps")


def _package(
    root: Path,
    name: str,
    source: str,
    dependencies: tuple[str, ...] = (),
    classifiers: tuple[str, ...] = (),
) -> None:
    base = root / "packages" / f"spine-{name}"
    (base / "src" / "spine" / name).mkdir(parents=True)
    (base / "src" / "spine" / name / "__init__.py").write_text(source)
    deps = ", ".join(f'"{d}"' for d in dependencies)
    cls = ", ".join(f'"{c}"' for c in classifiers)
    (base / "pyproject.toml").write_text(
        f'[project]\nname = "spine-{name}"\nversion = "1.0.0"\n'
        f"dependencies = [{deps}]\nclassifiers = [{cls}]\n"
    )


def test_the_workspace_declares_exactly_the_siblings_it_imports(check_deps: ModuleType) -> None:
    packages = check_deps.load_packages()
    assert packages["spine-ops"].import_name == "spine.ops"
    assert check_deps.sibling_problems(packages) == []


def test_spine_imports_sees_every_absolute_import_form(check_deps: ModuleType) -> None:
    source = (
        "import os\n"
        "import spine.types.errors\n"
        "from spine import db\n"
        "from spine.ops.manifest import WorkManifest\n"
        "from . import sibling\n"
        "TYPE_CHECKING = False\n"
        "if TYPE_CHECKING:\n"
        "    from spine.execution import Dispatcher\n"
        "def later():\n"
        "    import spine.orchestration as orch\n"
    )
    assert check_deps.spine_imports(source) == {
        "spine.types",
        "spine.db",
        "spine.ops",
        "spine.execution",
        "spine.orchestration",
    }


def test_an_undeclared_sibling_import_is_reported(check_deps: ModuleType, tmp_path: Path) -> None:
    _package(tmp_path, "base", "")
    _package(tmp_path, "mid", "from spine.base import thing\n")
    problems = check_deps.sibling_problems(check_deps.load_packages(tmp_path))
    assert len(problems) == 1
    assert "spine-mid: imports spine.base" in problems[0]
    assert "does not declare spine-base" in problems[0]


def test_a_sibling_declared_only_in_an_extra_counts_as_declared(
    check_deps: ModuleType, tmp_path: Path
) -> None:
    _package(tmp_path, "base", "")
    _package(tmp_path, "mid", "from spine.base import thing\n")
    pyproject = tmp_path / "packages/spine-mid/pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '[project.optional-dependencies]\nbase = ["spine-base==1.0.0"]\n'
    )
    assert check_deps.sibling_problems(check_deps.load_packages(tmp_path)) == []


def test_a_declared_but_unused_sibling_is_reported_unless_the_package_is_a_placeholder(
    check_deps: ModuleType, tmp_path: Path
) -> None:
    _package(tmp_path, "base", "")
    _package(tmp_path, "built", "", dependencies=("spine-base==1.0.0",))
    _package(tmp_path, "later", "", dependencies=("spine-base==1.0.0",), classifiers=(PLANNING,))
    problems = check_deps.sibling_problems(check_deps.load_packages(tmp_path))
    assert len(problems) == 1
    assert problems[0].startswith("spine-built: declares spine-base but never imports it")


def test_an_import_of_a_portion_no_distribution_ships_is_reported(
    check_deps: ModuleType, tmp_path: Path
) -> None:
    _package(tmp_path, "base", "import spine.nowhere\n")
    problems = check_deps.sibling_problems(check_deps.load_packages(tmp_path))
    assert len(problems) == 1
    assert "imports spine.nowhere, which no workspace distribution ships" in problems[0]


def test_deptry_reports_an_undeclared_third_party_import(
    check_deps: ModuleType, tmp_path: Path
) -> None:
    _package(tmp_path, "base", "import pydantic\nimport spine_probe_not_installed\n")
    packages = check_deps.load_packages(tmp_path)
    [problem] = check_deps.deptry_problems(packages["spine-base"], packages)
    assert "DEP003 'pydantic' imported but it is a transitive dependency" in problem
    assert "DEP001 'spine_probe_not_installed' imported but missing" in problem


def test_deptry_accepts_a_package_that_declares_what_it_imports(
    check_deps: ModuleType, tmp_path: Path
) -> None:
    _package(tmp_path, "base", "import pydantic\n", dependencies=("pydantic>=2",))
    _package(tmp_path, "top", "import spine.base\n", dependencies=("spine-base==1.0.0",))
    packages = check_deps.load_packages(tmp_path)
    assert check_deps.deptry_problems(packages["spine-base"], packages) == []
    assert check_deps.deptry_problems(packages["spine-top"], packages) == []
