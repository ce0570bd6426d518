"""spine-changelog next to git-cliff and towncrier on this repository's history, same run.

Usage::

    uv run python scripts/bench_changelog.py [--runs 5] [--keep]

git-cliff and towncrier are installed from PyPI into their own virtual environment in a
temporary directory (``uv venv`` + ``uv pip install git-cliff towncrier``), so the workspace
environment is untouched. Each tool runs as a subprocess on this repository (process start
included, as a user would run it), ``--runs`` times; the table shows the median wall time,
what the output holds and what each tool can say:

* git-cliff, default configuration (conventional commits only, unconventional ones dropped);
* git-cliff, its Keep a Changelog template with unconventional commits kept;
* towncrier, which builds release notes from news fragment files, not from git history;
* spine-changelog ``generate`` (changelog + API index + diagrams) and ``check``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TOWNCRIER_CONFIG = """\
[tool.towncrier]
name = "spine"
directory = "newsfragments"
filename = "NEWS.md"
"""


@dataclass
class Row:
    tool: str
    seconds: float
    output: str
    notes: str
    per_package: str
    api_diff: str


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def timed(
    cmd: list[str], cwd: Path, runs: int, ok: tuple[int, ...] = (0,)
) -> tuple[float, subprocess.CompletedProcess[str]]:
    times: list[float] = []
    done = run(cmd, cwd)  # warm-up (file cache), not counted
    for _ in range(runs):
        start = time.perf_counter()
        done = run(cmd, cwd)
        times.append(time.perf_counter() - start)
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return statistics.median(times), done


def describe(text: str) -> str:
    """Size, ``## `` sections (versions; packages in a review) and list entries of a text."""
    sections = sum(1 for line in text.splitlines() if line.startswith("## "))
    entries = sum(1 for line in text.splitlines() if re.match(r"^\s*[-*] ", line))
    return f"{len(text.encode()):>7,} B, {sections} ## section(s), {entries} entries"


def setup_peers(tmp: Path) -> Path:
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("uv is needed to install the peers (https://docs.astral.sh/uv/)")
    venv = tmp / "peers"
    subprocess.run([uv, "venv", "-q", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(python), "git-cliff", "towncrier"],
        check=True,
    )
    return venv / "bin"


def versions(bin_dir: Path) -> str:
    cliff = run([str(bin_dir / "git-cliff"), "--version"], ROOT).stdout.strip()
    town = run([str(bin_dir / "towncrier"), "--version"], ROOT).stdout.strip()
    return f"{cliff}; {town}"


def bench(runs: int, tmp: Path) -> list[Row]:
    bin_dir = setup_peers(tmp)
    print(f"peers: {versions(bin_dir)}", flush=True)
    commits = int(run(["git", "rev-list", "--count", "HEAD"], ROOT).stdout.strip())
    print(f"history: {commits} commits, {ROOT}\n", flush=True)
    rows: list[Row] = []

    cliff = str(bin_dir / "git-cliff")
    out = tmp / "cliff-default.md"
    seconds, _ = timed([cliff, "--repository", str(ROOT), "--output", str(out)], tmp, runs)
    rows.append(
        Row(
            "git-cliff (default config)",
            seconds,
            describe(out.read_text()),
            "groups by commit type; a 'spine-db:' prefix is read as a type and dropped",
            "no",
            "no",
        )
    )

    kac = tmp / "kac"
    kac.mkdir()
    run([cliff, "--init", "keepachangelog"], kac)
    config = kac / "cliff.toml"
    config.write_text(
        re.sub(
            r"filter_unconventional\s*=\s*true", "filter_unconventional = false", config.read_text()
        )
    )
    out = tmp / "cliff-kac.md"
    cmd = [cliff, "--config", str(config), "--repository", str(ROOT), "--output", str(out)]
    seconds, _ = timed(cmd, tmp, runs)
    rows.append(
        Row(
            "git-cliff (keepachangelog, all commits)",
            seconds,
            describe(out.read_text()),
            "one flat list per version",
            "no",
            "no",
        )
    )

    town = tmp / "towncrier"
    (town / "newsfragments").mkdir(parents=True)
    (town / "pyproject.toml").write_text(TOWNCRIER_CONFIG)
    cmd = [str(bin_dir / "towncrier"), "build", "--draft", "--version", "0.1.0"]
    seconds, done = timed(cmd, town, runs)
    rows.append(
        Row(
            "towncrier build --draft",
            seconds,
            describe(done.stdout),
            "needs news fragments; reads no history",
            "no",
            "no",
        )
    )

    spine_out = tmp / "spine"
    cmd = [
        sys.executable,
        "-m",
        "spine.changelog",
        "generate",
        "--root",
        str(ROOT),
        "--output-dir",
        str(spine_out),
    ]
    seconds, _ = timed(cmd, tmp, runs)
    api = spine_out / "docs/api/index.json"
    rows.append(
        Row(
            "spine-changelog generate",
            seconds,
            describe((spine_out / "CHANGELOG.md").read_text()),
            f"+ API index ({api.stat().st_size:,} B JSON), diagrams, phases",
            "yes",
            "yes (review)",
        )
    )
    cmd = [
        sys.executable,
        "-m",
        "spine.changelog",
        "generate",
        "--only",
        "changelog",
        "--root",
        str(ROOT),
        "--output-dir",
        str(tmp / "spine-changelog-only"),
    ]
    seconds, _ = timed(cmd, tmp, runs)
    text = (tmp / "spine-changelog-only" / "CHANGELOG.md").read_text()
    rows.append(
        Row(
            "spine-changelog generate --only changelog",
            seconds,
            describe(text),
            "the history part alone",
            "yes",
            "no",
        )
    )
    seconds, done = timed(
        [sys.executable, "-m", "spine.changelog", "check", "--root", str(ROOT)], tmp, runs, (0, 1)
    )
    verdict = "checked-in files up to date" if done.returncode == 0 else "checked-in files STALE"
    rows.append(
        Row(
            "spine-changelog check",
            seconds,
            verdict,
            "changelog regenerated from its recorded commit",
            "yes",
            "-",
        )
    )
    since = run(["git", "rev-list", "--max-parents=0", "HEAD"], ROOT).stdout.split()[0]
    cmd = [sys.executable, "-m", "spine.changelog", "review", "--root", str(ROOT), "--since", since]
    seconds, done = timed(cmd, tmp, runs)
    rows.append(
        Row(
            "spine-changelog review --since <first commit>",
            seconds,
            describe(done.stdout),
            "API diff of every package",
            "yes",
            "yes",
        )
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool (median)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="spine-bench-changelog-"))
    try:
        rows = bench(args.runs, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    width = max(len(r.tool) for r in rows)
    print(f"{'tool':<{width}}  {'median s':>8}  per-package  API diff  output")
    for r in rows:
        print(
            f"{r.tool:<{width}}  {r.seconds:>8.3f}  {r.per_package:<11}  {r.api_diff:<8}  "
            f"{r.output}; {r.notes}"
        )
    base = next(r.seconds for r in rows if r.tool.startswith("git-cliff (default"))
    print()
    for name in ("spine-changelog generate --only changelog", "spine-changelog generate"):
        mine = next(r.seconds for r in rows if r.tool == name)
        print(f"{name} / git-cliff (default config): {mine / base:.1f}x the time")
    print("(the full generate also parses every module of the workspace with ast)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
