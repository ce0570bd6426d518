"""Benchmarks for spine-types: package import times, ULID generation, compute_hash.

Usage::

    uv run python scripts/bench_types.py            # full run
    uv run python scripts/bench_types.py --quick    # fewer repetitions
    uv run python scripts/bench_types.py --json     # machine-readable

Import times are measured in fresh subprocesses, ``--runs`` times each, after one warm-up
import that compiles bytecode into a temporary ``PYTHONPYCACHEPREFIX`` (so the figures match an
installed package with ``.pyc`` files even when ``PYTHONDONTWRITEBYTECODE`` is set, and nothing
is written into the source tree). The median of two measures is reported:

* ``importtime``: the cumulative microseconds ``python -X importtime`` attributes to the
  package's own import (everything it pulls in, nothing the interpreter loads at startup);
* ``wall``: wall-clock of ``python -c "import pkg"`` minus wall-clock of ``python -c "pass"``
  measured right before it (median of the paired differences; noisy on a busy machine).

Throughput figures are the best of ``--repeat`` timed loops (interleaved with the peer's
loops), each against its peer:
``generate_ulid()`` vs ``uuid.uuid4()``, and ``compute_hash(*row)`` vs the naive
``hashlib.sha256(repr(row).encode()).hexdigest()`` (which is neither type-stable nor
collision-safe, but is the cheapest thing people write).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

PACKAGES = [
    "spine.types",
    "spine.db",
    "spine.ops",
    "spine.execution",
    "spine.orchestration",
    "spine.deploy",
    "spine.changelog",
]

ROW = ("2025-12-26", "NMS_TIER_1", "AAPL", "NITE", 1_234_567)


_CHILD_ENV: dict[str, str] = {}


def _child_env() -> dict[str, str]:
    """Environment for measured subprocesses: bytecode caching on, caches kept out of the
    source tree (``PYTHONPYCACHEPREFIX``), like an installed package with compiled ``.pyc``."""
    if not _CHILD_ENV:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="spine-bench-pycache-")
        _CHILD_ENV.update(env)
    return _CHILD_ENV


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=False, env=_child_env()
    )


def _importtime_us(module: str) -> int | None:
    proc = _run(["-X", "importtime", "-c", f"import {module}"])
    if proc.returncode != 0:
        return None
    for line in proc.stderr.splitlines():
        # "import time: self [us] | cumulative | imported package"
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() == module:
            return int(parts[1].strip())
    return None


def _wall_ms(code: str) -> float | None:
    start = time.perf_counter()
    proc = _run(["-c", code])
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed if proc.returncode == 0 else None


def measure_imports(runs: int) -> list[dict[str, Any]]:
    bare_all: list[float] = []
    results: list[dict[str, Any]] = []
    for module in PACKAGES:
        probe = _run(["-c", f"import {module}"])  # also warms the bytecode cache
        if probe.returncode != 0:
            last = (probe.stderr.strip().splitlines() or ["?"])[-1]
            results.append({"module": module, "error": last})
            continue
        cumulative: list[int] = []
        deltas: list[float] = []
        for _ in range(runs):
            c = _importtime_us(module)
            if c is not None:
                cumulative.append(c)
            # Pair each timed import with a bare interpreter start measured right next to it.
            bare = _wall_ms("pass")
            wall = _wall_ms(f"import {module}")
            if bare is not None and wall is not None:
                bare_all.append(bare)
                deltas.append(wall - bare)
        results.append(
            {
                "module": module,
                "importtime_ms": statistics.median(cumulative) / 1000 if cumulative else None,
                "wall_ms": statistics.median(deltas) if deltas else None,
            }
        )
    bare_ms = statistics.median(bare_all) if bare_all else float("nan")
    return [{"module": "(bare interpreter)", "wall_total_ms": bare_ms}, *results]


def best_rates(fns: dict[str, Callable[[], object]], n: int, repeat: int) -> dict[str, float]:
    """Best calls/second of each function over ``repeat`` loops of ``n`` calls.

    Loops are interleaved (a, b, a, b, ...) so that a burst of machine noise hits both sides.
    """
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(n):
                fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: n / seconds for name, seconds in best.items()}


def measure_throughput(n: int, repeat: int) -> dict[str, float]:
    from spine.types import compute_hash, compute_hash_fast, generate_ulid

    row = ROW
    ids = best_rates({"ulid": generate_ulid, "uuid4": uuid.uuid4}, n, repeat)
    hashes = best_rates(
        {
            "ours": lambda: compute_hash(*row),
            "fast": lambda: compute_hash_fast(*row),
            "naive": lambda: hashlib.sha256(repr(row).encode()).hexdigest(),
        },
        n,
        repeat,
    )
    return {
        "ulid_per_s": ids["ulid"],
        "uuid4_per_s": ids["uuid4"],
        "ulid_vs_uuid4": ids["ulid"] / ids["uuid4"],
        "compute_hash_per_s": hashes["ours"],
        "naive_sha256_repr_per_s": hashes["naive"],
        "compute_hash_vs_naive": hashes["ours"] / hashes["naive"],
        "compute_hash_fast_per_s": hashes["fast"],
        "compute_hash_fast_vs_naive": hashes["fast"] / hashes["naive"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="subprocesses per import figure")
    parser.add_argument("--n", type=int, default=200_000, help="calls per throughput loop")
    parser.add_argument("--repeat", type=int, default=5, help="throughput loops (best kept)")
    parser.add_argument("--quick", action="store_true", help="--runs 3 --n 50000 --repeat 3")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.n, args.repeat = 3, 50_000, 3

    imports = measure_imports(args.runs)
    throughput = measure_throughput(args.n, args.repeat)
    if args.json:
        print(json.dumps({"imports": imports, "throughput": throughput}, indent=2))
        return 0

    print(f"Python {platform.python_version()} on {platform.machine()} ({platform.system()})")
    print(f"\nImport time (median of {args.runs} fresh processes)")
    print(f"{'package':<22}{'-X importtime':>16}{'wall - bare':>14}")
    for row in imports:
        if "wall_total_ms" in row:
            print(f"{row['module']:<22}{'':>16}{row['wall_total_ms']:>11.1f} ms  (total)")
        elif "error" in row:
            print(f"{row['module']:<22}  import failed: {row['error']}")
        else:
            it = row["importtime_ms"]
            wall = row["wall_ms"]
            it_s = f"{it:.1f} ms" if it is not None else "n/a"
            wall_s = f"{wall:.1f} ms" if wall is not None else "n/a"
            print(f"{row['module']:<22}{it_s:>16}{wall_s:>14}")

    t = throughput
    print(f"\nThroughput (best of {args.repeat} x {args.n:,} calls)")
    print(f"{'generate_ulid()':<34}{t['ulid_per_s']:>14,.0f} /s")
    print(f"{'uuid.uuid4()  (peer)':<34}{t['uuid4_per_s']:>14,.0f} /s")
    print(f"{'  ratio ulid / uuid4':<34}{t['ulid_vs_uuid4']:>14.2f} x")
    print(f"{'compute_hash(5 values)':<34}{t['compute_hash_per_s']:>14,.0f} /s")
    print(f"{'sha256(repr(values))  (peer)':<34}{t['naive_sha256_repr_per_s']:>14,.0f} /s")
    print(f"{'  ratio compute_hash / naive':<34}{t['compute_hash_vs_naive']:>14.2f} x")
    print(f"{'compute_hash_fast(5 values)':<34}{t['compute_hash_fast_per_s']:>14,.0f} /s")
    print(f"{'  ratio compute_hash_fast / naive':<34}{t['compute_hash_fast_vs_naive']:>14.2f} x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
