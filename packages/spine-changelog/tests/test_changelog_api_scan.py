"""The API index read with ast: __all__ forms, re-exports, signatures, members, diffs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from spine.changelog import (
    ApiIndex,
    DirectoryTree,
    ModuleParseError,
    diff_api,
    load_workspace,
    scan_sources,
)


def _workspace(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "ws"
    (root / "packages/pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["packages/*"]\n')
    (root / "packages/pkg/pyproject.toml").write_text(
        '[project]\nname = "pkg"\nversion = "1.0.0"\ndescription = "A package."\n'
    )
    for rel, text in files.items():
        target = root / "packages/pkg/src" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def _index(root: Path) -> ApiIndex:
    tree = DirectoryTree(root)
    return scan_sources(tree, load_workspace(tree)).api


def _symbols(index: ApiIndex, module: str) -> dict[str, tuple[str, str, str]]:
    pkg = index.packages[0]
    mod = next(m for m in pkg.modules if m.module == module)
    return {s.name: (s.kind, s.signature, s.summary) for s in mod.symbols}


def test_names_reexported_through_type_checking_lazy_tables_and_relative_imports_resolve(
    tmp_path: Path,
) -> None:
    root = _workspace(
        tmp_path,
        {
            "ns/pkg/__init__.py": '''
                """The package."""
                TYPE_CHECKING = False
                if TYPE_CHECKING:
                    from ns.pkg.core import run
                from .models import Model as PublicModel
                _LAZY = {"helper": "ns.pkg.util"}
                __all__ = ["run", "PublicModel"]
                __all__ += ["helper", "missing"]
            ''',
            "ns/pkg/core.py": '''
                __all__ = ["run"]
                async def run(
                    job: str, /, retries: int = 3, *args: object, timeout: float, **kw: str
                ) -> bool:
                    """Run a job.

                    More text.
                    """
                    return True
            ''',
            "ns/pkg/models.py": '''
                from dataclasses import dataclass
                @dataclass(kw_only=True)
                class Model:
                    """A model."""
                    name: str
                    size: int = 0
            ''',
            "ns/pkg/util.py": "def helper(x):\n    return x\n",
        },
    )
    symbols = _symbols(_index(root), "ns.pkg")
    assert symbols["run"] == (
        "async function",
        "(job: str, /, retries: int = 3, *args: object, timeout: float, **kw: str) -> bool",
        "Run a job.",
    )
    assert symbols["PublicModel"] == ("class", "(*, name: str, size: int = 0)", "A model.")
    assert symbols["helper"] == ("function", "(x)", "")
    assert symbols["missing"][0] == "unresolved"


def test_class_members_are_methods_properties_and_attributes_but_not_private_ones(
    tmp_path: Path,
) -> None:
    root = _workspace(
        tmp_path,
        {
            "pkg/__init__.py": '''
                from enum import StrEnum
                __all__ = ["Color", "Store"]
                class Color(StrEnum):
                    RED = "red"
                    _hidden = "x"
                class Store:
                    """A store."""
                    limit: int = 10
                    """How many."""
                    def __init__(self, url: str, *, timeout: float = 1.0) -> None: ...
                    @property
                    def url(self) -> str:
                        """Where."""
                    @url.setter
                    def url(self, value: str) -> None: ...
                    @classmethod
                    def open(cls, url: str) -> "Store": ...
                    @staticmethod
                    def parse(text: str) -> int: ...
                    def _private(self) -> None: ...
                    def __len__(self) -> int: ...
            ''',
        },
    )
    pkg = _index(root).packages[0]
    store = next(s for s in pkg.modules[0].symbols if s.name == "Store")
    assert store.signature == "(url: str, *, timeout: float = 1.0)"
    assert [(m.name, m.kind, m.signature) for m in store.members] == [
        ("__len__", "method", "() -> int"),
        ("limit", "attribute", ": int = 10"),
        ("open", "classmethod", "(url: str) -> 'Store'"),
        ("parse", "staticmethod", "(text: str) -> int"),
        ("url", "property", "-> str"),
    ]
    color = next(s for s in pkg.modules[0].symbols if s.name == "Color")
    assert color.bases == ("StrEnum",)
    assert [(m.name, m.signature) for m in color.members] == [("RED", " = 'red'")]


def test_public_submodules_list_only_names_the_root_does_not_export(tmp_path: Path) -> None:
    root = _workspace(
        tmp_path,
        {
            "pkg/__init__.py": 'from pkg.a import one\n__all__ = ["one"]\n',
            "pkg/a.py": '__all__ = ["one", "two"]\ndef one(): ...\ndef two(): ...\n',
            "pkg/_private.py": '__all__ = ["three"]\ndef three(): ...\n',
            "pkg/impl.py": "def four(): ...\n",  # no __all__: an implementation module
        },
    )
    pkg = _index(root).packages[0]
    assert [(m.module, [s.name for s in m.symbols]) for m in pkg.modules] == [
        ("pkg", ["one"]),
        ("pkg.a", ["two"]),
    ]


def test_a_module_with_a_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    root = _workspace(
        tmp_path, {"pkg/__init__.py": "__all__ = []\n", "pkg/bad.py": "x = 1\ndef f(:\n"}
    )
    with pytest.raises(ModuleParseError, match=r"packages/pkg/src/pkg/bad\.py:2: ") as info:
        _index(root)
    assert info.value.path == "packages/pkg/src/pkg/bad.py"


def test_the_api_diff_lists_added_removed_and_changed_names(tmp_path: Path) -> None:
    before = _index(
        _workspace(
            tmp_path / "a",
            {
                "pkg/__init__.py": """
                    __all__ = ["Box", "gone", "load"]
                    class Box:
                        def open(self) -> None: ...
                    def gone(): ...
                    def load(path): ...
                """,
            },
        )
    )
    after = _index(
        _workspace(
            tmp_path / "b",
            {
                "pkg/__init__.py": """
                    __all__ = ["Box", "New", "load"]
                    class Box:
                        def open(self, mode: str) -> None: ...
                    class New:
                        def run(self) -> None: ...
                    def load(path, *, strict=False): ...
                """,
            },
        )
    )
    changes = [(c.change, c.name, c.before, c.after) for c in diff_api(before, after)]
    assert changes == [
        ("changed", "pkg.Box.open", "method () -> None", "method (mode: str) -> None"),
        ("added", "pkg.New", None, "class"),  # its members are not listed one by one
        ("removed", "pkg.gone", "function ()", None),
        ("changed", "pkg.load", "function (path)", "function (path, *, strict=False)"),
    ]
