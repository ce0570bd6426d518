"""Diagrams from docstrings (mermaid, text, reST literal blocks) and the dependency graph."""

from __future__ import annotations

from spine.changelog import Package, Workspace, dependency_graph, find_diagrams
from spine.changelog.api_scan import DocBlock
from spine.changelog.diagrams import extract_blocks


def test_mermaid_fences_and_directives_are_diagrams() -> None:
    doc = (
        "Intro.\n\n```mermaid\ngraph LR\n  a --> b\n```\n\n"
        ".. mermaid::\n\n   sequenceDiagram\n   A->>B: hi\n\nAfter."
    )
    assert [(b.kind, b.body) for b in extract_blocks(doc)] == [
        ("mermaid", "graph LR\n  a --> b"),
        ("mermaid", "sequenceDiagram\nA->>B: hi"),
    ]


def test_text_blocks_are_diagrams_only_with_box_drawing_characters() -> None:
    doc = (
        "Usage::\n\n    run(x)\n\nShape::\n\n    ┌───┐\n    │ a │\n    └───┘\n\n"
        "```text\nplain words\n```\n\n```\n┌─┐\n└─┘\n```\n"
    )
    assert [(b.kind, b.body) for b in extract_blocks(doc)] == [
        ("text", "┌───┐\n│ a │\n└───┘"),
        ("text", "┌─┐\n└─┘"),
    ]


def test_diagram_files_get_unique_stems_named_after_their_source() -> None:
    docs = [
        DocBlock("pkg.mod", "", "src/pkg/mod.py", 1, "```mermaid\ngraph LR\n a-->b\n```"),
        DocBlock("pkg.mod", "Run", "src/pkg/mod.py", 9, "```mermaid\nx\n```\n```mermaid\ny\n```"),
    ]
    assert [d.filename for d in find_diagrams(docs)] == [
        "pkg.mod--Run-1.mmd",
        "pkg.mod--Run-2.mmd",
        "pkg.mod.mmd",
    ]


def test_the_dependency_graph_draws_extras_as_dotted_edges() -> None:
    ws = Workspace(
        packages=(
            Package("base", "p/base", "1.0", (), ""),
            Package("db", "p/db", "1.0", (), "", dependencies=("base",)),
            Package(
                "app", "p/app", "1.0", (), "", dependencies=("base",), optional=(("sql", "db"),)
            ),
        )
    )
    assert dependency_graph(ws) == (
        'graph TD\n    app["app 1.0"]\n    base["base 1.0"]\n    db["db 1.0"]\n'
        '    app --> base\n    app -. "[sql]" .-> db\n    db --> base'
    )
