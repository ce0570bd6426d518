"""What PyPI shows of each distribution: licence, metadata, a long description that renders.

``scripts/check_wheels.py`` checks the built files (``twine check --strict``, ``License-File``,
the licence inside wheel and sdist); these tests check the sources they are built from, so a
broken link or a stale "placeholder" fails before anything is built.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import readme_renderer.markdown

ROOT = Path(__file__).resolve().parents[2]
DISTS = sorted(p.parent.name for p in ROOT.glob("packages/*/pyproject.toml"))
REPO = "https://github.com/spine-pipelines/spine"
URL_LABELS = {"Homepage", "Documentation", "Source", "Changelog", "Issues"}
PLANNING = "Development Status :: 1 - Planning"
ABSOLUTE = ("https://", "mailto:", "#")

# Markdown inline links/images, reference definitions and raw HTML attributes.
_INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_HTML_ATTR = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def _project(dist: str) -> dict[str, Any]:
    data = tomllib.loads((ROOT / "packages" / dist / "pyproject.toml").read_text())
    project: dict[str, Any] = data["project"]
    return project


def _readme(dist: str) -> str:
    return (ROOT / "packages" / dist / "README.md").read_text(encoding="utf-8")


def _without_code(markdown: str) -> str:
    """The README without fenced code blocks and inline code (links there are not links)."""
    markdown = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`\n]*`", "", markdown)


def _is_placeholder(dist: str) -> bool:
    """A distribution whose root exports nothing yet."""
    import_name = next((ROOT / "packages" / dist / "src" / "spine").iterdir()).name
    module = importlib.import_module(f"spine.{import_name}")
    return list(module.__all__) == []


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.targets.extend(v for k, v in attrs if k in ("href", "src") and v is not None)


def test_every_distribution_ships_the_root_license_text() -> None:
    license_text = (ROOT / "LICENSE").read_bytes()
    assert license_text.startswith(b"MIT License")
    for dist in DISTS:
        project = _project(dist)
        assert project["license"] == "MIT", dist
        assert project["license-files"] == ["LICENSE"], dist
        copy = ROOT / "packages" / dist / "LICENSE"
        assert copy.read_bytes() == license_text, f"{copy} differs from the root LICENSE"


@pytest.mark.parametrize("dist", DISTS)
def test_metadata_has_project_urls_keywords_and_one_development_status(dist: str) -> None:
    project = _project(dist)
    urls = project["urls"]
    assert set(urls) == URL_LABELS
    assert all(url.startswith("https://") for url in urls.values())
    assert urls["Source"] == f"{REPO}/tree/main/packages/{dist}"
    assert urls["Changelog"] == f"{REPO}/blob/main/CHANGELOG.md"
    assert project["keywords"]
    statuses = [c for c in project["classifiers"] if c.startswith("Development Status ::")]
    assert len(statuses) == 1, statuses


@pytest.mark.parametrize("dist", DISTS)
def test_a_placeholder_says_so_in_status_summary_and_readme_and_a_built_package_does_not(
    dist: str,
) -> None:
    project = _project(dist)
    placeholder = _is_placeholder(dist)
    first_paragraph = _readme(dist).split("\n\n")[1]
    claims = {
        "classifier is 1 - Planning": PLANNING in project["classifiers"],
        "summary starts with 'Placeholder'": project["description"].startswith("Placeholder"),
        "README's first line says Placeholder": "Placeholder" in first_paragraph,
    }
    expected = dict.fromkeys(claims, placeholder)
    state = "exports nothing (a placeholder)" if placeholder else "exports a public API"
    assert claims == expected, f"{dist} {state}: make its classifier, summary and README agree"


@pytest.mark.parametrize("dist", DISTS)
def test_package_readme_has_no_relative_links(dist: str) -> None:
    text = _without_code(_readme(dist))
    targets = _INLINE.findall(text) + _REFERENCE.findall(text) + _HTML_ATTR.findall(text)
    relative = [t for t in targets if not t.startswith(ABSOLUTE)]
    assert relative == [], f"{dist}/README.md: link to {REPO}/blob/main/<path> instead"


def test_the_link_finder_catches_each_relative_link_form() -> None:
    text = _without_code(
        "See [the schema](../../docs/core-schema.md), ![logo](img/logo.png),\n"
        '<a href="docs/x.md">x</a> and [ref].\n\n[ref]: ./notes.md\n'
        "`[code](not/a/link.md)` and [ok](https://example.org) [top](#install)\n"
    )
    targets = _INLINE.findall(text) + _REFERENCE.findall(text) + _HTML_ATTR.findall(text)
    relative = sorted(t for t in targets if not t.startswith(ABSOLUTE))
    assert relative == ["../../docs/core-schema.md", "./notes.md", "docs/x.md", "img/logo.png"]


@pytest.mark.parametrize("dist", DISTS)
def test_package_readme_renders_as_pypi_renders_it(dist: str) -> None:
    project = _project(dist)
    assert project["readme"] == "README.md"
    html = readme_renderer.markdown.render(_readme(dist), variant="GFM")
    assert html, f"{dist}/README.md does not render"
    links = _Links()
    links.feed(html)
    bad = [t for t in links.targets if not t.startswith(ABSOLUTE)]
    assert bad == [], f"{dist}/README.md renders relative links: {bad}"
