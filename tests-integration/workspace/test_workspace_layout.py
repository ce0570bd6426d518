"""The monorepo keeps its shape: namespace portions, typed packages, versions in lockstep."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "spine-types": "types",
    "spine-db": "db",
    "spine-ops": "ops",
    "spine-exec": "execution",
    "spine-orch": "orchestration",
    "spine-deploy": "deploy",
    "spine-changelog": "changelog",
}


def test_every_distribution_exists_with_src_layout_readme_and_py_typed() -> None:
    for dist, name in PACKAGES.items():
        base = ROOT / "packages" / dist
        assert (base / "pyproject.toml").is_file(), dist
        assert (base / "README.md").is_file(), dist
        assert (base / "tests").is_dir(), dist
        assert (base / "src/spine" / name / "__init__.py").is_file(), dist
        assert (base / "src/spine" / name / "py.typed").is_file(), dist


def test_no_distribution_ships_a_namespace_init() -> None:
    offenders = sorted(
        str(p.relative_to(ROOT)) for p in ROOT.glob("packages/*/src/spine/__init__.py")
    )
    assert offenders == []


def test_every_distribution_builds_with_hatchling_and_supports_python_311_up() -> None:
    for dist in PACKAGES:
        data = tomllib.loads((ROOT / "packages" / dist / "pyproject.toml").read_text())
        assert data["build-system"]["build-backend"] == "hatchling.build", dist
        assert data["project"]["requires-python"] == ">=3.11", dist


def test_versions_and_sibling_pins_are_in_lockstep(
    load_script: Callable[[str], ModuleType],
) -> None:
    script = load_script("version")
    assert script.problems() == []


def test_version_check_reports_a_drifted_pin(
    tmp_path: Path, load_script: Callable[[str], ModuleType]
) -> None:
    script = load_script("version")
    fake = tmp_path / "packages"
    for dist in ("spine-types", "spine-db"):
        (fake / dist).mkdir(parents=True)
    (fake / "spine-types/pyproject.toml").write_text(
        '[project]\nname = "spine-types"\nversion = "1.0.0"\n'
    )
    (fake / "spine-db/pyproject.toml").write_text(
        '[project]\nname = "spine-db"\nversion = "1.0.0"\ndependencies = ["spine-types>=0.9"]\n'
    )
    script.ROOT = tmp_path
    found = script.problems()
    assert len(found) == 1
    assert "spine-types==1.0.0" in found[0]


def test_import_layering_contract_holds() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_package_root_lists_and_resolves_its_public_names() -> None:
    for name in PACKAGES.values():
        module = importlib.import_module(f"spine.{name}")
        assert set(module.__all__) <= set(dir(module)), name
        for public in module.__all__:
            assert getattr(module, public) is not None, f"spine.{name}.{public}"
