"""Read the files of a workspace from a directory or from a git revision, through one interface.

The API index reads the working tree; REVIEW.md compares the API at ``--since REF`` with the
working tree; the changelog reads the workspace layout (package directories, versions) as it
was at the commit it covers. :class:`SourceTree` lets the same scanning code read any of them.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from spine.types.errors import SourceNotFoundError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from spine.changelog.gitcmd import Git

__all__ = ["DirectoryTree", "GitTree", "SourceTree"]

_SKIP_DIRS = frozenset({"__pycache__", "node_modules"})


class SourceTree(Protocol):
    """Read-only view of a file tree with ``/``-separated relative paths."""

    @property
    def label(self) -> str:
        """What the tree is, for messages (``"working tree"``, ``"v0.1.0 (1a2b3c4)"``)."""
        ...

    def files_under(self, prefix: str) -> list[str]:
        """Every file below the directory ``prefix`` (``""`` for all), sorted."""
        ...

    def exists(self, path: str) -> bool:
        """Whether the file exists."""
        ...

    def read_texts(self, paths: Iterable[str]) -> dict[str, str]:
        """The UTF-8 text of each file (raises ``SourceNotFoundError`` for a missing one)."""
        ...

    def describe(self, path: str) -> str:
        """How to name ``path`` in an error message."""
        ...


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class DirectoryTree:
    """A directory on disk (the working tree). Hidden directories and caches are skipped."""

    def __init__(self, root: Path, *, label: str = "working tree") -> None:
        self.root = Path(root)
        self._label = label

    @property
    def label(self) -> str:
        """What the tree is, for messages."""
        return self._label

    def files_under(self, prefix: str) -> list[str]:
        """Every file below ``prefix``, sorted; dot-directories and caches are skipped."""
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return []
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS]
            rel = Path(dirpath).relative_to(self.root)
            for name in filenames:
                found.append(PurePosixPath(*rel.parts, name).as_posix())
        return sorted(found)

    def exists(self, path: str) -> bool:
        """Whether ``path`` is a file."""
        return (self.root / path).is_file()

    def read_texts(self, paths: Iterable[str]) -> dict[str, str]:
        """Read each file as UTF-8 with normalised newlines."""
        out: dict[str, str] = {}
        for path in paths:
            try:
                raw = (self.root / path).read_bytes()
            except FileNotFoundError as exc:
                raise SourceNotFoundError(
                    f"{self.describe(path)}: no such file", cause=exc
                ).with_context(path=path) from exc
            out[path] = _normalise(raw.decode("utf-8", "replace"))
        return out

    def describe(self, path: str) -> str:
        """The path as given (relative to the root)."""
        return path


class GitTree:
    """The files of one commit, read with ``git ls-tree`` and ``git cat-file --batch``."""

    def __init__(self, git: Git, commit: str, *, label: str | None = None) -> None:
        self.git = git
        self.commit = commit
        self._label = label or commit[:7]
        self._files: list[str] | None = None
        self._file_set: frozenset[str] | None = None

    @property
    def label(self) -> str:
        """The revision, for messages."""
        return self._label

    def _all_files(self) -> list[str]:
        if self._files is None:
            out = self.git.run("ls-tree", "-r", "-z", "--name-only", self.commit)
            self._files = sorted(p for p in out.decode("utf-8", "replace").split("\0") if p)
        return self._files

    def files_under(self, prefix: str) -> list[str]:
        """Every file of the commit below ``prefix``, sorted."""
        files = self._all_files()
        if not prefix:
            return list(files)
        head = prefix.rstrip("/") + "/"
        return [p for p in files if p.startswith(head)]

    def exists(self, path: str) -> bool:
        """Whether the commit has the file."""
        if self._file_set is None:
            self._file_set = frozenset(self._all_files())
        return path in self._file_set

    def read_texts(self, paths: Iterable[str]) -> dict[str, str]:
        """Read many blobs through one ``git cat-file --batch`` process."""
        wanted = list(dict.fromkeys(paths))
        if not wanted:
            return {}
        request = "".join(f"{self.commit}:{p}\n" for p in wanted).encode("utf-8")
        data = self.git.run("cat-file", "--batch", input=request)
        out: dict[str, str] = {}
        pos = 0
        for path in wanted:
            end = data.index(b"\n", pos)
            header = data[pos:end].decode("utf-8", "replace")
            pos = end + 1
            if header.endswith(" missing"):
                raise SourceNotFoundError(
                    f"{self.describe(path)}: no such file in that commit"
                ).with_context(path=path)
            size = int(header.rsplit(" ", 1)[1])
            out[path] = _normalise(data[pos : pos + size].decode("utf-8", "replace"))
            pos += size + 1
        return out

    def describe(self, path: str) -> str:
        """``<revision>:<path>``."""
        return f"{self._label}:{path}"
