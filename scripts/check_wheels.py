"""Build every spine wheel and prove the set installs and imports in a fresh environment.

Usage::

    python scripts/check_wheels.py [--python 3.12] [--keep]

Steps:
1. ``uv build --all-packages`` into a temporary directory (wheels and sdists).
2. Every wheel is opened: none may ship ``spine/__init__.py`` (``spine`` is a PEP 420
   namespace shared by all distributions), each must ship ``py.typed``, and every dependency on a
   sibling must be pinned to the exact release version.
3. A fresh virtual environment gets the wheels installed (only from the built files for spine
   packages; third-party dependencies from the index), then every ``spine.*`` package is imported.
Exits non-zero with a clear message on the first problem.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORTS = {
    "spine_types": "spine.types",
    "spine_db": "spine.db",
    "spine_ops": "spine.ops",
    "spine_exec": "spine.execution",
    "spine_orch": "spine.orchestration",
    "spine_deploy": "spine.deploy",
    "spine_changelog": "spine.changelog",
}


def run(cmd: list[str], **kwargs: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


def inspect_wheel(wheel: Path, version: str) -> list[str]:
    """Return the problems found in one wheel."""
    found: list[str] = []
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        if "spine/__init__.py" in names:
            found.append(f"{wheel.name} ships spine/__init__.py (breaks the namespace)")
        if not any(n.endswith("/py.typed") for n in names):
            found.append(f"{wheel.name} ships no py.typed marker")
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = zf.read(metadata_name).decode()
    for line in metadata.splitlines():
        if not line.startswith("Requires-Dist: spine-"):
            continue
        requirement = line.removeprefix("Requires-Dist: ").split(";")[0].strip()
        if not requirement.endswith(f"=={version}"):
            found.append(f"{wheel.name}: sibling dependency not pinned exactly: {requirement}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter for the fresh venv")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    version = tomllib.loads((ROOT / "packages/spine-types/pyproject.toml").read_text())["project"][
        "version"
    ]
    tmp = Path(tempfile.mkdtemp(prefix="spine-wheels-"))
    try:
        dist = tmp / "dist"
        run(["uv", "build", "--all-packages", "--out-dir", str(dist)], cwd=ROOT)
        wheels = sorted(dist.glob("*.whl"))
        sdists = sorted(dist.glob("*.tar.gz"))
        if len(wheels) != len(IMPORTS) or len(sdists) != len(IMPORTS):
            print(f"expected {len(IMPORTS)} wheels and sdists, got {wheels} {sdists}")
            return 1
        found = [p for w in wheels for p in inspect_wheel(w, version)]
        if found:
            print("\n".join(found), file=sys.stderr)
            return 1
        venv = tmp / "venv"
        run(["uv", "venv", "--python", args.python, str(venv)])
        py = venv / "bin" / "python"
        run(
            ["uv", "pip", "install", "--python", str(py), "--find-links", str(dist)]
            + [str(w) for w in wheels]
        )
        code = (
            "import importlib, spine\n"
            "assert getattr(spine, '__file__', None) is None, 'spine must be a namespace'\n"
            f"for name in {sorted(IMPORTS.values())!r}:\n"
            "    module = importlib.import_module(name)\n"
            "    assert 'site-packages' in module.__file__, module.__file__\n"
            "    print('imported', name, 'from', module.__file__)\n"
        )
        run([str(py), "-c", code], cwd=tmp)
        print(f"OK: {len(wheels)} wheels at version {version} install and import cleanly")
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
