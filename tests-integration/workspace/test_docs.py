"""The documentation site stays true to the code: the extras table, the CLI reference, the
navigation (one guide and one API page per package)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p.parent for p in ROOT.glob("packages/*/pyproject.toml"))


def _requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!~;\s]", requirement, maxsplit=1)[0]


def _extras_in_docs() -> dict[tuple[str, str], str]:
    rows = {}
    for line in (ROOT / "docs" / "extras.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].startswith("`"):
            rows[(cells[0], cells[1].strip("`"))] = cells[2]
    return rows


def test_the_extras_table_lists_every_extra_of_every_package_and_what_it_brings() -> None:
    documented = _extras_in_docs()
    declared = {}
    for package in PACKAGES:
        project = tomllib.loads((package / "pyproject.toml").read_text())["project"]
        for extra, requirements in project.get("optional-dependencies", {}).items():
            declared[(project["name"], extra)] = requirements
    assert set(documented) == set(declared), (
        f"missing from docs/extras.md: {sorted(set(declared) - set(documented))}; "
        f"documented but not declared: {sorted(set(documented) - set(declared))}"
    )
    for key, requirements in declared.items():
        brings = documented[key]
        for requirement in requirements:
            assert _requirement_name(requirement) in brings, (key, requirement, brings)


def test_the_cli_reference_is_generated_from_the_current_app(
    load_script: Callable[[str], ModuleType],
) -> None:
    cli_docs = load_script("cli_docs")
    assert (ROOT / "docs" / "cli.md").read_text() == cli_docs.render(), (
        "docs/cli.md is stale: run `uv run python scripts/cli_docs.py`"
    )


def _nav_paths(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [p for v in node.values() for p in _nav_paths(v)]
    if isinstance(node, list):
        return [p for v in node for p in _nav_paths(v)]
    return []


def test_every_package_has_a_guide_and_an_api_page_in_the_navigation() -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    pages = set(_nav_paths(config["nav"]))
    for package in PACKAGES:
        assert f"guides/{package.name}.md" in pages
        assert f"reference/{package.name}.md" in pages
    for page in pages:
        assert (ROOT / "docs" / page).exists(), page
    for name in ("quickstart.md", "concepts.md", "demo.md", "extras.md", "cli.md"):
        assert name in pages
