"""Diagrams: mermaid and text blocks found in docstrings, and the package dependency graph.

A docstring may carry a diagram as a fenced block (```` ```mermaid ````, ```` ```text ````),
a ``.. mermaid::`` directive, or an RST literal block (``Usage::`` + indented lines). Mermaid
blocks are always diagrams; text and literal blocks are when they contain box-drawing
characters (``┌─┐│▶``), so code examples are left alone.

```mermaid
graph LR
    docstrings[Docstrings] --> gen[ChangelogGenerator]
    history[Git history] --> gen
    phases[Phase map] --> gen
    gen --> changelog[CHANGELOG.md]
    gen --> review[REVIEW.md]
    gen --> api[API index]
    gen --> diagrams[diagrams/]
```

Example:
    >>> blocks = extract_blocks("Flow:\\n\\n```mermaid\\ngraph LR\\n  a --> b\\n```\\n")
    >>> [(b.kind, b.body) for b in blocks]
    [('mermaid', 'graph LR\\n  a --> b')]
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from spine.changelog.api_scan import DocBlock
    from spine.changelog.workspace import Workspace

__all__ = ["Diagram", "DiagramBlock", "dependency_graph", "extract_blocks", "find_diagrams"]

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)[ \t]*$")
_MERMAID_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\.[ \t]+mermaid::[ \t]*$")
_TEXT_LANGS = frozenset({"", "text", "txt", "ascii", "none"})


def _has_box_drawing(text: str) -> bool:
    return any("\u2500" <= ch <= "\u257f" for ch in text)


@dataclass(frozen=True, slots=True)
class DiagramBlock:
    """A diagram inside one docstring: ``kind`` is ``mermaid`` or ``text``."""

    kind: str
    body: str


@dataclass(frozen=True, slots=True)
class Diagram:
    """A diagram to write out: file name (``stem`` + ``.mmd``/``.txt``) and where it came from."""

    stem: str
    kind: str
    body: str
    source: str
    path: str

    @property
    def filename(self) -> str:
        """``<stem>.mmd`` for mermaid, ``<stem>.txt`` for text."""
        return f"{self.stem}.{'mmd' if self.kind == 'mermaid' else 'txt'}"


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _indented_block(lines: list[str], start: int, base: int) -> tuple[str, int]:
    """The lines after ``start`` indented deeper than ``base`` (blank lines inside kept)."""
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    body: list[str] = []
    while i < len(lines) and (not lines[i].strip() or _indent_of(lines[i]) > base):
        body.append(lines[i])
        i += 1
    return textwrap.dedent("\n".join(body)).strip("\n"), i


def extract_blocks(doc: str) -> list[DiagramBlock]:
    """The diagrams of one docstring, in order."""
    lines = doc.replace("\r\n", "\n").split("\n")
    found: list[DiagramBlock] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE_OPEN.match(line)
        directive = _MERMAID_DIRECTIVE.match(line)
        if fence is not None:
            marker = fence.group("fence")
            j = i + 1
            while j < len(lines) and lines[j].strip() != marker:
                j += 1
            body = textwrap.dedent("\n".join(lines[i + 1 : j])).strip("\n")
            lang = fence.group("lang").lower()
            if lang == "mermaid" and body.strip():
                found.append(DiagramBlock("mermaid", body))
            elif lang in _TEXT_LANGS and _has_box_drawing(body):
                found.append(DiagramBlock("text", body))
            i = j + 1
        elif directive is not None:
            body, i = _indented_block(lines, i + 1, _indent_of(line))
            if body.strip():
                found.append(DiagramBlock("mermaid", body))
        elif line.rstrip().endswith("::") and not line.strip().startswith(".."):
            body, i = _indented_block(lines, i + 1, _indent_of(line))
            if _has_box_drawing(body):
                found.append(DiagramBlock("text", body))
        else:
            i += 1
    return found


def find_diagrams(docstrings: Sequence[DocBlock]) -> tuple[Diagram, ...]:
    """Every diagram of every docstring, with unique file stems, sorted by file name."""
    diagrams: list[Diagram] = []
    used: set[str] = set()
    for doc in docstrings:
        blocks = extract_blocks(doc.text)
        base = doc.module if not doc.qualname else f"{doc.module}--{doc.qualname}"
        for number, block in enumerate(blocks, start=1):
            stem = base if len(blocks) == 1 else f"{base}-{number}"
            while stem in used:
                stem += "_"
            used.add(stem)
            source = f"{doc.module}.{doc.qualname}" if doc.qualname else doc.module
            diagrams.append(Diagram(stem, block.kind, block.body, source, doc.path))
    return tuple(sorted(diagrams, key=lambda d: d.filename))


def _node_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def dependency_graph(workspace: Workspace) -> str:
    """Mermaid graph of the workspace's packages: ``a --> b`` when ``a`` depends on ``b``.

    Dependencies that only an extra adds are dotted edges labelled with the extra.
    """
    lines = ["graph TD"]
    for pkg in sorted(workspace.packages, key=lambda p: p.name):
        label = f"{pkg.name} {pkg.version}" if pkg.version else pkg.name
        lines.append(f'    {_node_id(pkg.name)}["{label}"]')
    for pkg in sorted(workspace.packages, key=lambda p: p.name):
        for dep in pkg.dependencies:
            lines.append(f"    {_node_id(pkg.name)} --> {_node_id(dep)}")
        for extra, dep in pkg.optional:
            if dep not in pkg.dependencies:
                lines.append(f'    {_node_id(pkg.name)} -. "[{extra}]" .-> {_node_id(dep)}')
    return "\n".join(lines)


PACKAGES_DIAGRAM = "packages"
"""File stem of the package dependency graph."""


def render_diagram_files(diagrams: Sequence[Diagram], workspace: Workspace) -> dict[str, str]:
    """``{file name: text}`` of the diagrams directory: one file per diagram, the package
    dependency graph (``packages.mmd``) and an ``index.md`` that shows them all."""
    from spine.changelog.markdown import code, finish

    files: dict[str, str] = {}
    graph = dependency_graph(workspace)
    files[f"{PACKAGES_DIAGRAM}.mmd"] = graph + "\n"
    lines = [
        "# Diagrams",
        "",
        "Generated by spine-changelog from docstrings and the workspace's `pyproject.toml` "
        "files: do not edit by hand; regenerate with `python -m spine.changelog diagrams`. "
        "Each diagram is also a file of this directory (`.mmd` for mermaid, `.txt` for text).",
        "",
        f"## Package dependencies ({code(PACKAGES_DIAGRAM + '.mmd')})",
        "",
        "An arrow points from a package to one it depends on; dotted arrows come with an extra.",
        "",
        "```mermaid",
        graph,
        "```",
        "",
    ]
    for diagram in diagrams:
        if diagram.stem == PACKAGES_DIAGRAM:
            continue
        files[diagram.filename] = diagram.body + "\n"
        lines += [
            f"## {code(diagram.source)} ({code(diagram.filename)})",
            "",
            f"From the docstring of {code(diagram.source)} in {code(diagram.path)}.",
            "",
            f"```{'mermaid' if diagram.kind == 'mermaid' else 'text'}",
            diagram.body,
            "```",
            "",
        ]
    files["index.md"] = finish(lines)
    return files
