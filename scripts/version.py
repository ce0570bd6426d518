"""Keep every spine distribution on one version, with sibling pins in lockstep.

Usage::

    python scripts/version.py check          # exit 1 and explain if anything drifted
    python scripts/version.py check v0.2.0   # ... and the release tag must name that version
    python scripts/version.py set 0.2.0      # rewrite every package version and sibling pin

Each ``packages/*/pyproject.toml`` carries ``version = "X.Y.Z"`` and pins its spine siblings as
``"spine-foo==X.Y.Z"``. In the workspace, ``[tool.uv.sources]`` resolves those pins to the local
packages; in built wheels the metadata keeps the exact ``==X.Y.Z`` pin, so an installed set of
spine wheels is always one coherent release.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION_RE = re.compile(r'^version = "([^"]+)"$', re.MULTILINE)
PIN_RE = re.compile(r'"(spine-[a-z]+)(\[[^\]]*\])?==([^"]+)"')
SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?$")


def package_files() -> list[Path]:
    """Return the pyproject.toml of every workspace member, sorted by path."""
    return sorted(ROOT.glob("packages/*/pyproject.toml"))


def problems() -> list[str]:
    """Describe every way the packages have drifted out of lockstep (empty when in sync)."""
    found: list[str] = []
    versions: dict[str, str] = {}
    names: set[str] = set()
    for path in package_files():
        project = tomllib.loads(path.read_text())["project"]
        versions[project["name"]] = project["version"]
        names.add(project["name"])
    if len(set(versions.values())) > 1:
        found.append(f"package versions differ: {versions}")
    expected = next(iter(versions.values()), None)
    for path in package_files():
        project = tomllib.loads(path.read_text())["project"]
        deps = list(project.get("dependencies", []))
        for extra_deps in project.get("optional-dependencies", {}).values():
            deps.extend(extra_deps)
        for dep in deps:
            name = re.split(r"[\[<>=!~ ;]", dep, maxsplit=1)[0]
            if name not in names or name == project["name"]:
                continue
            pin = PIN_RE.fullmatch(f'"{dep}"')
            if pin is None or pin.group(3) != expected:
                found.append(
                    f"{path.relative_to(ROOT)}: dependency {dep!r} must be pinned as "
                    f"'{name}=={expected}'"
                )
    return found


def tag_problems(tag: str) -> list[str]:
    """Say why release tag ``tag`` (``vX.Y.Z``) does not name the packages' version (or [])."""
    versions = {tomllib.loads(p.read_text())["project"]["version"] for p in package_files()}
    if not tag.startswith("v") or not SEMVER_RE.match(tag[1:]):
        return [f"release tag {tag!r} is not v<version> (e.g. v1.2.3 or v1.2.3rc1)"]
    if versions != {tag[1:]}:
        found = ", ".join(sorted(versions))
        return [
            f"release tag {tag} does not match the package version ({found}): run "
            f"`python scripts/version.py set {tag[1:]}` and `uv lock`, commit, then tag"
        ]
    return []


def set_version(new: str) -> None:
    """Rewrite every package version and every sibling pin to ``new``."""
    if not SEMVER_RE.match(new):
        raise SystemExit(f"not a release version: {new!r} (expected e.g. 1.2.3 or 1.2.3rc1)")
    for path in package_files():
        text = path.read_text()
        text = VERSION_RE.sub(f'version = "{new}"', text, count=1)
        text = PIN_RE.sub(lambda m: f'"{m.group(1)}{m.group(2) or ""}=={new}"', text)
        path.write_text(text)
        print(f"{path.relative_to(ROOT)} -> {new}")


def main(argv: list[str]) -> int:
    if len(argv) in (2, 3) and argv[1] == "check":
        found = problems()
        if len(argv) == 3:
            found += tag_problems(argv[2])
        for line in found:
            print(line, file=sys.stderr)
        if not found:
            print("all spine packages are in lockstep" + (f" at {argv[2]}" if argv[2:] else ""))
        return 1 if found else 0
    if len(argv) == 3 and argv[1] == "set":
        set_version(argv[2])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
