"""The GitHub workflows keep the release and supply-chain rules the repository relies on.

check-jsonschema and zizmor (in ``.ci/run``) validate the files in general; these tests pin what
is specific to spine: the publish order follows the package graph, every action is pinned by
commit, nothing gets more permission than it needs.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _siblings() -> dict[str, set[str]]:
    """Distribution name -> the spine distributions it depends on."""
    graph: dict[str, set[str]] = {}
    for pyproject in ROOT.glob("packages/*/pyproject.toml"):
        project = tomllib.loads(pyproject.read_text())["project"]
        deps = {re.split(r"[\[=<>]", d, maxsplit=1)[0] for d in project.get("dependencies", [])}
        graph[project["name"]] = {d for d in deps if d.startswith("spine-")}
    return graph


def test_there_are_ci_integration_and_release_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "integration.yml", "release.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version_in_a_comment(path: Path) -> None:
    uses = [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text().splitlines()
        if line.strip().removeprefix("- ").startswith("uses:")
    ]
    assert uses, path.name
    assert [u for u in uses if not PINNED.match(u)] == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_empty_by_default_and_granted_per_job(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} sets no permissions"
        granted = {k: v for k, v in job["permissions"].items() if v != "none"}
        if name == "publish":
            assert granted == {"id-token": "write"}
        else:
            assert granted == {"contents": "read"}, f"{path.name}: job {name}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkouts_do_not_persist_credentials(path: Path) -> None:
    checkouts = [
        s for s in _steps(_load(path)) if s.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkouts
    assert all(s.get("with", {}).get("persist-credentials") is False for s in checkouts)


def test_release_runs_on_version_tags_only_and_checks_the_tag_before_building() -> None:
    workflow = _load(ROOT / ".github/workflows/release.yml")
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads the key `on` as True
    build = [s.get("run", "") for s in workflow["jobs"]["build"]["steps"]]
    check = next(i for i, r in enumerate(build) if 'scripts/version.py check "$TAG"' in r)
    smoke = next(i for i, r in enumerate(build) if "scripts/check_wheels.py --out-dir dist" in r)
    assert check < smoke
    assert workflow["jobs"]["publish"]["needs"] == "build"
    assert workflow["jobs"]["publish"]["environment"]["name"] == "pypi"


def test_release_publishes_every_distribution_after_the_siblings_it_pins() -> None:
    steps = _load(ROOT / ".github/workflows/release.yml")["jobs"]["publish"]["steps"]
    publish = [s for s in steps if s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")]
    order = [s["with"]["packages-dir"].split("/")[1].replace("_", "-") for s in publish]
    graph = _siblings()
    assert sorted(order) == sorted(graph), "every distribution is published exactly once"
    for position, dist in enumerate(order):
        missing = graph[dist] - set(order[:position])
        assert not missing, f"{dist} is published before {missing}"
    assert all("password" not in s.get("with", {}) for s in publish), "trusted publishing only"
    sort_step = next(s["run"] for s in steps if "mkdir" in s.get("run", ""))
    assert sort_step.split("for pkg in ", 1)[1].split(";")[0].split() == [
        d.replace("-", "_") for d in order
    ]


def test_integration_runs_oracle_and_db2_on_oldest_and_newest_python_with_pinned_images() -> None:
    classifiers = tomllib.loads((ROOT / "packages/spine-db/pyproject.toml").read_text())["project"][
        "classifiers"
    ]
    supported = sorted(
        (c.rsplit(" ", 1)[1] for c in classifiers if re.fullmatch(r".*Python :: 3\.\d+", c)),
        key=lambda v: tuple(map(int, v.split("."))),
    )
    job = _load(ROOT / ".github/workflows/integration.yml")["jobs"]["contract"]
    matrix = job["strategy"]["matrix"]
    assert sorted(matrix["backend"]) == ["db2", "oracle"]
    assert matrix["python"] == [supported[0], supported[-1]]
    images = {k: v for k, v in job["env"].items() if k.endswith("_IMAGE")}
    assert set(images) == {"ORACLE_IMAGE", "DB2_IMAGE"}
    assert all(re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", v) for v in images.values())
    for service in job["services"].values():
        assert re.fullmatch(r"[\w/-]+:\d+\.\d+(\.\d+)?", service["image"]), service["image"]


def test_the_release_tag_must_name_the_version_every_package_carries(
    load_script: Callable[[str], ModuleType],
) -> None:
    script = load_script("version")
    version = tomllib.loads((ROOT / "packages/spine-types/pyproject.toml").read_text())["project"][
        "version"
    ]
    assert script.tag_problems(f"v{version}") == []
    [wrong] = script.tag_problems("v99.0.0")
    assert f"does not match the package version ({version})" in wrong
    assert "scripts/version.py set 99.0.0" in wrong
    [unprefixed] = script.tag_problems(version)
    assert "is not v<version>" in unprefixed
