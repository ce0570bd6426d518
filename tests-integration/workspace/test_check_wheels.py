"""scripts/check_wheels.py finds what would make a built distribution unfit to publish."""

from __future__ import annotations

import configparser
import io
import tarfile
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

GOOD_METADATA = """\
Metadata-Version: 2.4
Name: spine-ops
Version: 1.0.0
Project-URL: Homepage, https://github.com/spine-pipelines/spine
Project-URL: Documentation, https://spine-pipelines.github.io/spine/
Project-URL: Source, https://github.com/spine-pipelines/spine/tree/main/packages/spine-ops
Project-URL: Changelog, https://github.com/spine-pipelines/spine/blob/main/CHANGELOG.md
Project-URL: Issues, https://github.com/spine-pipelines/spine/issues
License-Expression: MIT
License-File: LICENSE
Keywords: etl
Classifier: Development Status :: 4 - Beta
Requires-Dist: spine-db==1.0.0
Requires-Dist: pydantic>=2.7

# spine-ops
"""


@pytest.fixture
def check_wheels(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("check_wheels")


def _wheel(path: Path, metadata: str, files: dict[str, str] | None = None) -> Path:
    wheel = path / "spine_ops-1.0.0-py3-none-any.whl"
    contents = {
        "spine/ops/__init__.py": "",
        "spine/ops/py.typed": "",
        "spine_ops-1.0.0.dist-info/licenses/LICENSE": "MIT License",
        "spine_ops-1.0.0.dist-info/METADATA": metadata,
    }
    contents.update(files or {})
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, text in contents.items():
            zf.writestr(name, text)
    return wheel


def _sdist(path: Path, names: list[str], metadata: str = GOOD_METADATA) -> Path:
    sdist = path / "spine_ops-1.0.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tf:
        for name in names:
            data = (metadata if name == "PKG-INFO" else "x").encode()
            info = tarfile.TarInfo(f"spine_ops-1.0.0/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return sdist


def test_a_complete_wheel_passes(check_wheels: ModuleType, tmp_path: Path) -> None:
    assert check_wheels.inspect_wheel(_wheel(tmp_path, GOOD_METADATA), "1.0.0") == []


def test_wheel_problems_are_each_named(check_wheels: ModuleType, tmp_path: Path) -> None:
    metadata = (
        GOOD_METADATA.replace("License-File: LICENSE\n", "")
        .replace("Project-URL: Issues, https://github.com/spine-pipelines/spine/issues\n", "")
        .replace("spine-db==1.0.0", "spine-db>=1.0")
    )
    wheel = _wheel(tmp_path, metadata, {"spine/__init__.py": ""})
    problems = "\n".join(check_wheels.inspect_wheel(wheel, "1.0.0"))
    assert "ships spine/__init__.py" in problems
    assert "License-File is None" in problems
    assert "Project-URLs" in problems
    assert "sibling dependency not pinned exactly: spine-db>=1.0" in problems


def test_a_wheel_without_the_licence_text_fails(check_wheels: ModuleType, tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "spine_ops-1.0.0-py3-none-any.whl", "w") as zf:
        zf.writestr("spine/ops/py.typed", "")
        zf.writestr("spine_ops-1.0.0.dist-info/METADATA", GOOD_METADATA)
    problems = check_wheels.inspect_wheel(tmp_path / "spine_ops-1.0.0-py3-none-any.whl", "1.0.0")
    assert problems == ["spine_ops-1.0.0-py3-none-any.whl ships no .dist-info/licenses/LICENSE"]


def test_an_sdist_must_carry_licence_readme_and_tests(
    check_wheels: ModuleType, tmp_path: Path
) -> None:
    complete = ["LICENSE", "README.md", "pyproject.toml", "PKG-INFO", "tests/test_ops_x.py"]
    assert check_wheels.inspect_sdist(_sdist(tmp_path, complete)) == []
    partial = _sdist(tmp_path, ["README.md", "pyproject.toml", "PKG-INFO", "src/x.py"])
    assert check_wheels.inspect_sdist(partial) == [
        "spine_ops-1.0.0.tar.gz lacks LICENSE",
        "spine_ops-1.0.0.tar.gz ships no tests/test_*.py",
    ]


def test_sdist_tests_run_with_the_workspace_pytest_settings(
    check_wheels: ModuleType, tmp_path: Path
) -> None:
    parser = configparser.ConfigParser()
    parser.read(check_wheels.pytest_config(tmp_path / "pytest.ini"))
    section = parser["pytest"]
    workspace = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    warnings = workspace["tool"]["pytest"]["ini_options"]["filterwarnings"]
    assert warnings[0] == "error"
    assert [w.strip() for w in section["filterwarnings"].splitlines() if w.strip()] == warnings
    assert "--import-mode=importlib" in section["addopts"].split()
    assert "--strict-markers" in section["addopts"].split()
    assert "backend(name)" in section["markers"]
    assert "testpaths" not in section


def test_sdist_test_tools_come_from_the_dev_group(check_wheels: ModuleType) -> None:
    tools = check_wheels.test_tools()
    assert [t.split(">")[0] for t in tools] == ["pytest", "pytest-timeout", "hypothesis", "httpx2"]
