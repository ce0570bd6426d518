"""The workspace's packages, read from its ``pyproject.toml`` files.

A uv workspace (``[tool.uv.workspace] members``) gives one package per member directory; a
plain project gives one package at the root. Each package knows its directory (to attribute
touched files), its version, its import roots (to scan its API and to match commit scopes)
and its dependencies on sibling packages (the dependency diagram).

Example:
    >>> ws = Workspace(packages=(Package("spine-db", "packages/spine-db", "0.1.0",
    ...                                  ("spine.db",), "packages/spine-db/src"),))
    >>> ws.package_for_path("packages/spine-db/src/spine/db/url.py")
    'spine-db'
    >>> ws.package_for_path("README.md")
    'workspace'
    >>> ws.package_named("db")
    'spine-db'
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spine.changelog.config import parse_toml
from spine.changelog.errors import ChangelogConfigError

if TYPE_CHECKING:
    from spine.changelog.tree import SourceTree

__all__ = ["WORKSPACE", "Package", "Workspace", "load_workspace", "normalize_name"]

WORKSPACE = "workspace"
"""Group name of files that belong to no package (root files, CI, scripts)."""

_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize_name(name: str) -> str:
    """PEP 503 normalised distribution name (``Spine_DB`` -> ``spine-db``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, slots=True)
class Package:
    """One distribution of the workspace.

    Attributes:
        name: Normalised distribution name (``spine-db``).
        directory: Its directory relative to the workspace root (``""`` for a root project).
        version: ``[project] version`` (``None`` when dynamic).
        import_roots: Top-level import packages it ships (``spine.db``), sorted.
        source_root: Directory its import roots live in (``packages/spine-db/src``).
        dependencies: Sibling packages it requires, sorted.
        optional: ``(extra, sibling)`` pairs of sibling packages its extras add, sorted.
        summary: ``[project] description``.
    """

    name: str
    directory: str
    version: str | None
    import_roots: tuple[str, ...]
    source_root: str
    dependencies: tuple[str, ...] = ()
    optional: tuple[tuple[str, str], ...] = ()
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Workspace:
    """The packages of a workspace, dependencies first (ties in name order)."""

    packages: tuple[Package, ...] = ()
    _aliases: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        seen: dict[str, set[str]] = {}
        for pkg in self.packages:
            names = {pkg.name, *pkg.import_roots}
            names.update(root.rsplit(".", 1)[-1] for root in pkg.import_roots)
            if "-" in pkg.name:
                names.add(pkg.name.split("-", 1)[1])
            for alias in names:
                seen.setdefault(alias.lower(), set()).add(pkg.name)
        for alias, owners in seen.items():
            if len(owners) == 1:
                self._aliases[alias] = next(iter(owners))

    @property
    def names(self) -> tuple[str, ...]:
        """Package names in dependency order."""
        return tuple(p.name for p in self.packages)

    @property
    def version(self) -> str | None:
        """The lockstep version: the one version every package has, else ``None``."""
        versions = {p.version for p in self.packages}
        if len(versions) == 1:
            return next(iter(versions))
        return None

    def get(self, name: str) -> Package | None:
        """The package called ``name``, if any."""
        for pkg in self.packages:
            if pkg.name == name:
                return pkg
        return None

    def package_for_path(self, path: str) -> str:
        """The package a file belongs to (deepest member directory), else ``"workspace"``."""
        best: Package | None = None
        for pkg in self.packages:
            inside = pkg.directory == "" or path.startswith(pkg.directory + "/")
            if inside and (best is None or len(pkg.directory) > len(best.directory)):
                best = pkg
        return best.name if best is not None else WORKSPACE

    def package_named(self, token: str, *, strict: bool = False) -> str | None:
        """The package a scope or prefix names.

        Accepts a distribution name (``spine-db``), an import root (``spine.db``) and, unless
        ``strict``, a short name (``db``, ``exec``) when it is unambiguous.
        """
        key = normalize_name(token) if "." not in token else token.lower()
        if strict:
            for pkg in self.packages:
                if key == pkg.name or key in pkg.import_roots:
                    return pkg.name
            return None
        return self._aliases.get(key) or self._aliases.get(token.lower())

    def order_key(self, name: str) -> tuple[int, str]:
        """Sort key that puts packages in dependency order and ``workspace`` last."""
        names = self.names
        return (names.index(name), name) if name in names else (len(names), name)


def _load_toml(tree: SourceTree, path: str, text: str) -> dict[str, Any]:
    return parse_toml(text, tree.describe(path), path=path)


def _member_dirs(tree: SourceTree, root: dict[str, Any]) -> list[str]:
    ws = root.get("tool", {}).get("uv", {}).get("workspace")
    if not isinstance(ws, dict):
        return []
    members = [str(m).strip("/") for m in ws.get("members", [])]
    excluded = [str(m).strip("/") for m in ws.get("exclude", [])]
    found: set[str] = set()
    prefixes = sorted({_literal_prefix(m) for m in members})
    candidates = {p for prefix in prefixes for p in tree.files_under(prefix)}
    for path in sorted(candidates):
        if not path.endswith("/pyproject.toml"):
            continue
        directory = path[: -len("/pyproject.toml")]
        if any(_glob_match(directory, m) for m in members) and not any(
            _glob_match(directory, e) for e in excluded
        ):
            found.add(directory)
    return sorted(found)


def _literal_prefix(pattern: str) -> str:
    """The leading directories of a member pattern that have no glob characters."""
    literal: list[str] = []
    for part in pattern.split("/"):
        if any(ch in part for ch in "*?["):
            break
        literal.append(part)
    return "/".join(literal[:-1]) if len(literal) == len(pattern.split("/")) else "/".join(literal)


def _glob_match(directory: str, pattern: str) -> bool:
    parts, pats = directory.split("/"), pattern.split("/")
    return len(parts) == len(pats) and all(
        fnmatch.fnmatchcase(p, q) for p, q in zip(parts, pats, strict=True)
    )


def _import_roots(tree: SourceTree, source_root: str) -> tuple[str, ...]:
    prefix = f"{source_root}/" if source_root else ""
    inits = {
        p[len(prefix) :]
        for p in tree.files_under(source_root)
        if p.endswith("/__init__.py") and "/tests/" not in f"/{p[len(prefix) :]}"
    }
    roots: set[str] = set()
    for init in inits:
        parts = init.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            if "/".join([*parts[:depth], "__init__.py"]) in inits:
                roots.add(".".join(parts[:depth]))
                break
    return tuple(sorted(roots))


def _requirement_name(requirement: str) -> str | None:
    match = _NAME_RE.match(requirement)
    return normalize_name(match.group(1)) if match else None


def _read_package(
    tree: SourceTree, directory: str, data: dict[str, Any], path: str
) -> tuple[Package, list[str], list[tuple[str, str]]]:
    project = data.get("project")
    if not isinstance(project, dict) or not isinstance(project.get("name"), str):
        raise ChangelogConfigError(
            f"{tree.describe(path)}: a workspace member needs [project] with a name", path=path
        )
    src = f"{directory}/src" if directory else "src"
    source_root = src if tree.files_under(src) else directory
    version = project.get("version")
    deps = [n for r in project.get("dependencies", []) if (n := _requirement_name(str(r)))]
    extras = [
        (str(extra), n)
        for extra, reqs in project.get("optional-dependencies", {}).items()
        for r in reqs
        if (n := _requirement_name(str(r)))
    ]
    pkg = Package(
        name=normalize_name(project["name"]),
        directory=directory,
        version=str(version) if version is not None else None,
        import_roots=_import_roots(tree, source_root),
        source_root=source_root,
        summary=str(project.get("description", "")),
    )
    return pkg, deps, extras


def _dependency_order(packages: dict[str, Package]) -> tuple[Package, ...]:
    pending = {name: set(pkg.dependencies) for name, pkg in packages.items()}
    ordered: list[Package] = []
    while pending:
        ready = sorted(n for n, deps in pending.items() if not deps & pending.keys())
        if not ready:  # a cycle: keep going in name order rather than fail
            ready = [min(pending)]
        for name in ready:
            ordered.append(packages[name])
            del pending[name]
    return tuple(ordered)


def load_workspace(tree: SourceTree) -> Workspace:
    """Read the workspace's packages from ``tree`` (no root ``pyproject.toml``: no packages)."""
    if not tree.exists("pyproject.toml"):
        return Workspace()
    root = _load_toml(tree, "pyproject.toml", tree.read_texts(["pyproject.toml"])["pyproject.toml"])
    members = _member_dirs(tree, root)
    if members:
        paths = [f"{d}/pyproject.toml" for d in members]
        texts = tree.read_texts(paths)
        raw = [
            _read_package(tree, d, _load_toml(tree, p, texts[p]), p)
            for d, p in zip(members, paths, strict=True)
        ]
    elif isinstance(root.get("project"), dict):
        raw = [_read_package(tree, "", root, "pyproject.toml")]
    else:
        return Workspace()
    names = {pkg.name for pkg, _, _ in raw}
    packages: dict[str, Package] = {}
    for pkg, deps, extras in raw:
        packages[pkg.name] = Package(
            name=pkg.name,
            directory=pkg.directory,
            version=pkg.version,
            import_roots=pkg.import_roots,
            source_root=pkg.source_root,
            dependencies=tuple(sorted({d for d in deps if d in names and d != pkg.name})),
            optional=tuple(sorted({(e, d) for e, d in extras if d in names and d != pkg.name})),
            summary=pkg.summary,
        )
    return Workspace(packages=_dependency_order(packages))


def workspace_files(tree: SourceTree) -> list[str]:
    """The files :func:`load_workspace` reads (what a history fixture records), sorted."""
    if not tree.exists("pyproject.toml"):
        return []
    root = _load_toml(tree, "pyproject.toml", tree.read_texts(["pyproject.toml"])["pyproject.toml"])
    members = _member_dirs(tree, root) or ([""] if isinstance(root.get("project"), dict) else [])
    files = {"pyproject.toml", *(f"{d}/pyproject.toml" for d in members if d)}
    for pkg in load_workspace(tree).packages:
        for import_root in pkg.import_roots:
            base = "/".join(p for p in (pkg.source_root, *import_root.split(".")) if p)
            files.add(f"{base}/__init__.py")
    return sorted(files)
