"""Build every spine distribution and prove each one works as a user or packager receives it.

Usage::

    python scripts/check_wheels.py [--python 3.12] [--out-dir dist] [--keep]

Steps (exits non-zero with a clear message on the first failing step):

1. ``uv build --all-packages``: an sdist per package, and a wheel built *from* that sdist.
2. Every built file is opened. Wheels: no ``spine/__init__.py`` (``spine`` is a PEP 420
   namespace shared by all distributions), a ``py.typed`` marker, the licence under
   ``.dist-info/licenses/`` and ``License-File`` in METADATA, the five Project-URLs, and every
   sibling dependency pinned to the exact release version. Sdists: ``LICENSE``, ``README.md``,
   ``pyproject.toml``, ``PKG-INFO`` and the package's ``tests/``.
3. ``twine check --strict`` on every file: the long description renders on PyPI.
4. A fresh virtual environment gets the wheels without extras (spine packages only from the
   built files; third-party dependencies from the index) plus the test tools of the workspace's
   dev group (pytest, pytest-timeout, hypothesis, httpx2 for web test clients). Every
   ``spine.*`` package must import from site-packages, and spine-types' sdist tests must pass
   with no optional library installed (tests of an optional path skip, naming the extra).
5. Every extra of every wheel is installed into the same environment, then each sdist is
   unpacked and its own ``tests/`` run against the installed wheels (``python -I``: the
   sdist's ``src/`` is never on ``sys.path``), with the workspace's pytest settings
   (``filterwarnings = error``, strict markers, importlib import mode).

Database servers in step 5: package tests run on SQLite, which is required
(``SPINE_REQUIRE_BACKENDS=sqlite``). The few package tests that use a server follow the usual
``SPINE_TEST_*_URL`` variables: they run where the server answers and skip with the reason where
it does not. The cross-backend contract suites live in ``tests-integration/``, which belongs to
no distribution and runs from the workspace.

``--out-dir`` keeps the built files there (the release workflow publishes exactly what passed).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from email.parser import HeaderParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL_LABELS = {"Homepage", "Documentation", "Source", "Changelog", "Issues"}
TEST_TOOLS = ("pytest", "pytest-timeout", "hypothesis", "httpx2")
BARE_TESTED = ("spine-types",)
"""Packages whose sdist tests also run before any extra is installed."""


def run(cmd: list[str], **kwargs: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


def packages() -> dict[str, str]:
    """Distribution name -> import name, for every ``packages/*`` distribution."""
    found: dict[str, str] = {}
    for pyproject in sorted(ROOT.glob("packages/*/pyproject.toml")):
        name = tomllib.loads(pyproject.read_text())["project"]["name"]
        [portion] = [p.parent.name for p in pyproject.parent.glob("src/spine/*/__init__.py")]
        found[name] = f"spine.{portion}"
    return found


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata(text: str) -> dict[str, list[str]]:
    headers = HeaderParser().parsestr(text, headersonly=True)
    fields: dict[str, list[str]] = {}
    for key, value in headers.items():
        fields.setdefault(key, []).append(value)
    return fields


def inspect_wheel(wheel: Path, version: str) -> list[str]:
    """Return the problems found in one wheel."""
    found: list[str] = []
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        if "spine/__init__.py" in names:
            found.append(f"{wheel.name} ships spine/__init__.py (breaks the namespace)")
        if not any(n.endswith("/py.typed") for n in names):
            found.append(f"{wheel.name} ships no py.typed marker")
        if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
            found.append(f"{wheel.name} ships no .dist-info/licenses/LICENSE")
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = _metadata(zf.read(metadata_name).decode())
    found.extend(f"{wheel.name}: {p}" for p in _metadata_problems(metadata))
    for requirement in metadata.get("Requires-Dist", []):
        if not requirement.startswith("spine-"):
            continue
        pin = requirement.split(";")[0].strip()
        if not pin.endswith(f"=={version}"):
            found.append(f"{wheel.name}: sibling dependency not pinned exactly: {pin}")
    return found


def _metadata_problems(metadata: dict[str, list[str]]) -> list[str]:
    found: list[str] = []
    if metadata.get("License-File") != ["LICENSE"]:
        found.append(f"License-File is {metadata.get('License-File')}, expected ['LICENSE']")
    if metadata.get("License-Expression") != ["MIT"]:
        found.append(f"License-Expression is {metadata.get('License-Expression')}")
    labels = {url.split(",", 1)[0].strip() for url in metadata.get("Project-URL", [])}
    if labels != URL_LABELS:
        found.append(f"Project-URLs {sorted(labels)}, expected {sorted(URL_LABELS)}")
    if not metadata.get("Keywords"):
        found.append("no Keywords")
    statuses = [c for c in metadata.get("Classifier", []) if c.startswith("Development Status")]
    if len(statuses) != 1:
        found.append(f"expected one Development Status classifier, got {statuses}")
    return found


def inspect_sdist(sdist: Path) -> list[str]:
    """Return the problems found in one sdist."""
    found: list[str] = []
    with tarfile.open(sdist) as tf:
        top = sdist.name.removesuffix(".tar.gz")
        names = {m.name.removeprefix(f"{top}/") for m in tf.getmembers()}
        pkg_info = tf.extractfile(f"{top}/PKG-INFO")
        metadata = _metadata(pkg_info.read().decode()) if pkg_info else {}
    for required in ("LICENSE", "README.md", "pyproject.toml", "PKG-INFO"):
        if required not in names:
            found.append(f"{sdist.name} lacks {required}")
    if not any(re.fullmatch(r"tests/test_[^/]+\.py", n) for n in names):
        found.append(f"{sdist.name} ships no tests/test_*.py")
    found.extend(f"{sdist.name}: {p}" for p in _metadata_problems(metadata))
    return found


def twine_check(files: list[Path]) -> None:
    """``twine check --strict``: the long description renders on PyPI, metadata is valid."""
    try:
        import twine  # noqa: F401
    except ImportError:
        raise SystemExit(
            "twine is not installed here: run this script with `uv run` in the workspace "
            "(dev group), or `uv run --with twine --with 'readme-renderer[md]' ...`"
        ) from None
    run([sys.executable, "-m", "twine", "check", "--strict", *map(str, files)])


def pytest_config(path: Path) -> Path:
    """Write the workspace's pytest settings (root pyproject) as an ini file for sdist runs."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    lines = ["[pytest]"]
    for key, value in options.items():
        if key == "testpaths":
            continue
        if isinstance(value, list):
            joined = " ".join(value) if key == "addopts" else "".join(f"\n    {v}" for v in value)
            lines.append(f"{key} = {joined}")
        else:
            lines.append(f"{key} = {value}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_tools() -> list[str]:
    """The dev group's requirement strings for the test tools (one source of versions)."""
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    wanted = {_normalize(t) for t in TEST_TOOLS}
    tools = [r for r in dev if _normalize(re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0]) in wanted]
    if len(tools) != len(TEST_TOOLS):
        raise SystemExit(f"dev group must list {TEST_TOOLS}, found {tools}")
    return tools


def run_sdist_tests(py: Path, sdist: Path, work: Path, config: Path, label: str) -> None:
    """Unpack ``sdist`` under ``work`` and run its tests against the installed wheels."""
    target = work / label
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(sdist) as tf:
        tf.extractall(target, filter="data")
    tree = target / sdist.name.removesuffix(".tar.gz")
    env = {**os.environ, "SPINE_REQUIRE_BACKENDS": "sqlite"}
    print(f"\n--- {sdist.name}: tests against the installed wheels ({label})", flush=True)
    run(
        [str(py), "-I", "-m", "pytest", "-c", str(config), "--rootdir", str(tree),
         "-p", "no:cacheprovider", "-q", "tests"],
        cwd=tree, env=env,
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter for the fresh venv")
    parser.add_argument("--out-dir", type=Path, help="keep the built files in this directory")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    dists = packages()
    version = tomllib.loads((ROOT / "packages/spine-types/pyproject.toml").read_text())["project"][
        "version"
    ]
    tmp = Path(tempfile.mkdtemp(prefix="spine-wheels-"))
    try:
        dist = args.out_dir.resolve() if args.out_dir else tmp / "dist"
        if dist.exists() and any(dist.iterdir()):
            print(f"{dist} is not empty: give an empty or new --out-dir", file=sys.stderr)
            return 1
        run(["uv", "build", "--all-packages", "--out-dir", str(dist)], cwd=ROOT)
        wheels = {_normalize(w.name.split("-")[0]): w for w in sorted(dist.glob("*.whl"))}
        sdists = {_normalize(s.name.rsplit("-", 1)[0]): s for s in sorted(dist.glob("*.tar.gz"))}
        expected = {_normalize(d) for d in dists}
        if set(wheels) != expected or set(sdists) != expected:
            print(f"expected a wheel and an sdist of each of {sorted(expected)}, got "
                  f"{sorted(p.name for p in dist.iterdir())}", file=sys.stderr)  # fmt: skip
            return 1
        found = [p for w in wheels.values() for p in inspect_wheel(w, version)]
        found += [p for s in sdists.values() for p in inspect_sdist(s)]
        if found:
            print("\n".join(found), file=sys.stderr)
            return 1
        twine_check([*wheels.values(), *sdists.values()])

        venv = tmp / "venv"
        run(["uv", "venv", "--python", args.python, str(venv)])
        py = venv / "bin" / "python"
        install = ["uv", "pip", "install", "--python", str(py), "--find-links", str(dist)]
        run([*install, *map(str, wheels.values()), *test_tools()])
        code = (
            "import importlib, spine\n"
            "assert getattr(spine, '__file__', None) is None, 'spine must be a namespace'\n"
            f"for name in {sorted(dists.values())!r}:\n"
            "    module = importlib.import_module(name)\n"
            "    assert 'site-packages' in module.__file__, module.__file__\n"
            "    print('imported', name, 'from', module.__file__)\n"
        )
        run([str(py), "-I", "-c", code], cwd=tmp)
        config = pytest_config(tmp / "pytest.ini")
        for name in BARE_TESTED:
            run_sdist_tests(py, sdists[_normalize(name)], tmp / "sdists", config, "bare")

        with_extras = []
        for wheel in wheels.values():
            with zipfile.ZipFile(wheel) as zf:
                meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
                extras = _metadata(zf.read(meta).decode()).get("Provides-Extra", [])
            with_extras.append(f"{wheel}[{','.join(extras)}]" if extras else str(wheel))
        run([*install, *with_extras])
        for sdist in sdists.values():
            run_sdist_tests(py, sdist, tmp / "sdists", config, "extras")
        print(
            f"\nOK: {len(wheels)} wheels and {len(sdists)} sdists at version {version}: metadata "
            "and licence present, twine check --strict passes, wheels import, every sdist's "
            "tests pass against the installed wheels"
        )
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
