"""Check that every distribution declares exactly the dependencies its code imports.

Usage::

    python scripts/check_deps.py                 # every package under packages/
    python scripts/check_deps.py spine-ops       # only the named packages

Two checks per package, both over ``src/`` only (tests have their own tool dependencies):

1. **Third-party libraries: deptry**, run from the package directory so that it reads that
   package's ``pyproject.toml``. An import of an undeclared distribution (DEP001), a declared
   dependency that is never imported (DEP002) and an import of a distribution that only arrives
   transitively (DEP003) all fail. Exceptions a package needs (a driver loaded with
   ``importlib.import_module``) live in its own ``[tool.deptry.per_rule_ignores]``, with a
   comment saying why.
2. **spine siblings: checked here.** Every distribution is a portion of the ``spine`` namespace,
   so deptry sees one top-level module ``spine`` and cannot tell ``spine.types`` from
   ``spine.db``. This script maps each ``spine.<name>`` import (``TYPE_CHECKING`` imports
   included: type checkers need them installed) to the distribution that ships
   ``src/spine/<name>/`` and compares with the declared dependencies (extras included):

   * an imported sibling that is not declared fails;
   * a sibling declared in ``dependencies`` but never imported fails, unless the package is a
     placeholder (``Development Status :: 1 - Planning``): it declares the siblings it will be
     built on.

Exits 1 and lists every problem; 0 when every package is clean.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "Development Status :: 1 - Planning"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Package:
    """One workspace distribution: its name, directory, import name and declared siblings."""

    dist: str
    path: Path
    import_name: str
    required: frozenset[str]
    optional: frozenset[str]
    placeholder: bool


def _dist_name(requirement: str) -> str:
    match = _NAME.match(requirement.strip())
    return match.group(0).lower().replace("_", "-") if match else ""


def load_packages(root: Path = ROOT) -> dict[str, Package]:
    """Every ``packages/*/`` distribution keyed by distribution name."""
    found: dict[str, Package] = {}
    for pyproject in sorted(root.glob("packages/*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        portions = sorted(p.parent.name for p in pyproject.parent.glob("src/spine/*/__init__.py"))
        if len(portions) != 1:
            raise SystemExit(f"{pyproject.parent}: expected one src/spine/<name>/, got {portions}")
        required = {_dist_name(r) for r in project.get("dependencies", [])}
        optional = {
            _dist_name(r) for rs in project.get("optional-dependencies", {}).values() for r in rs
        }
        found[project["name"]] = Package(
            dist=project["name"],
            path=pyproject.parent,
            import_name=f"spine.{portions[0]}",
            required=frozenset(required),
            optional=frozenset(optional),
            placeholder=PLACEHOLDER in project.get("classifiers", []),
        )
    return found


def spine_imports(source: str) -> set[str]:
    """The ``spine.<name>`` packages one module imports (absolute imports only)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "spine":
                modules = [f"spine.{alias.name}" for alias in node.names]
            else:
                modules = [node.module]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "spine" and len(parts) > 1:
                found.add(f"spine.{parts[1]}")
    return found


def sibling_problems(packages: dict[str, Package], only: set[str] | None = None) -> list[str]:
    """Undeclared and unused spine siblings of every package (or of those in ``only``)."""
    by_import = {p.import_name: p.dist for p in packages.values()}
    siblings = set(packages)
    problems: list[str] = []
    for package in packages.values():
        if only is not None and package.dist not in only:
            continue
        imported: dict[str, str] = {}
        for file in sorted((package.path / "src").rglob("*.py")):
            for module in spine_imports(file.read_text(encoding="utf-8")):
                dist = by_import.get(module)
                if dist is None:
                    problems.append(
                        f"{file.relative_to(package.path.parent.parent)}: imports {module}, "
                        "which no workspace distribution ships"
                    )
                elif dist != package.dist:
                    imported.setdefault(dist, str(file.relative_to(package.path)))
        declared = (package.required | package.optional) & siblings
        for dist in sorted(set(imported) - declared):
            problems.append(
                f"{package.dist}: imports {packages[dist].import_name} ({imported[dist]}) but does "
                f'not declare {dist}: add "{dist}==<version>" to its dependencies'
            )
        unused = (package.required & siblings) - set(imported) - {package.dist}
        if unused and not package.placeholder:
            problems.append(
                f"{package.dist}: declares {', '.join(sorted(unused))} but never imports it: "
                "remove the dependency (or import what you need from it directly)"
            )
    return problems


def deptry_problems(package: Package, packages: dict[str, Package]) -> list[str]:
    """Run deptry over the package's ``src/``; one problem line per failing package."""
    config = tomllib.loads((package.path / "pyproject.toml").read_text(encoding="utf-8"))
    configured = config.get("tool", {}).get("deptry", {}).get("per_rule_ignores", {})
    ignores: dict[str, set[str]] = {rule: set(names) for rule, names in configured.items()}
    # Siblings are checked by sibling_problems(); deptry cannot see them (one `spine` module).
    ignores.setdefault("DEP002", set()).update(packages)
    flag = ",".join(f"{rule}={'|'.join(sorted(names))}" for rule, names in sorted(ignores.items()))
    cmd = [
        sys.executable, "-m", "deptry", "src", "--no-ansi",
        "--known-first-party", "spine", "--per-rule-ignores", flag,
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=package.path, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return []
    output = (result.stdout + result.stderr).strip()
    return [f"{package.dist}: deptry found undeclared / unused dependencies:\n{output}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", help="distribution names (default: all)")
    args = parser.parse_args(argv)
    packages = load_packages()
    unknown = set(args.packages) - set(packages)
    if unknown:
        parser.error(f"unknown package(s): {', '.join(sorted(unknown))}")
    only = set(args.packages) or None
    problems = sibling_problems(packages, only)
    for package in packages.values():
        if only is None or package.dist in only:
            problems.extend(deptry_problems(package, packages))
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        return 1
    checked = sorted(only or packages)
    print(f"dependencies declared exactly: {', '.join(checked)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
