"""Benchmarks for spine-orch: what running a step through WorkflowRunner costs.

Usage::

    uv run python scripts/bench_orch.py            # full run
    uv run python scripts/bench_orch.py --quick    # fewer repetitions
    uv run python scripts/bench_orch.py --json     # machine-readable
    uv run python scripts/bench_orch.py --no-tracked                # in-memory runner only
    uv run python scripts/bench_orch.py --dbos-venv /tmp/dbos-venv  # reuse a DBOS install

In-memory runner against a plain Python loop (goal: under 20 µs of overhead per step).
The same no-op functions run three ways:

* ``loop``: ``for fn in fns: fn()`` — the floor;
* ``function steps``: ``Step.function(name, fn)`` (parameters filled by name, no annotations
  to validate) in a sequential workflow;
* ``lambda steps``: ``Step.lambda_(name, fn)`` with ``fn(ctx, config) -> {}``;
* ``dag``: the lambda steps as a DAG of independent steps (thread pool, max_concurrency 4),
  for reference: scheduling through a pool costs more than the sequential path.

As for DBOS in ``/work/shared/benchmarks/PEERS.md``: workflows of 0 and N steps run back to back,
the per-step cost is ``(time(N steps) - time(0 steps)) / N``, so the fixed cost of a run (params
check, context, result) is reported apart. Each figure is the best of ``--repeat``
repetitions of ``--runs`` workflow runs, variants interleaved (the best is the least disturbed
by other processes on a shared machine; the spread shows how noisy the run was); the overhead
is the per-step cost minus the loop's per-call cost. ``cpu µs/step`` is the same measure in
process CPU time, which other processes' load does not inflate.

Tracked runner against DBOS Transact durable workflows, on the same databases (goal: spine's
tracked step costs at most a quarter of DBOS's). Measured as in PEERS.md: workflows of 0, 1
and 10 no-op steps called sequentially in one thread, ``--tracked-runs`` workflows per
repetition after 20 warm-up calls, ``--tracked-repeat`` repetitions; per-step overhead =
(time of the 10-step workflow - time of the 0-step one) / 10, the median of the repetitions
(min-max shown). spine runs ``TrackedWorkflowRunner(conn)`` (every step a committed
checkpoint with its event) in a fresh schema of the PostgreSQL test database
(``SPINE_TEST_POSTGRES_URL``) and a fresh SQLite file; DBOS runs in its own virtual
environment (``uv venv`` + ``uv pip install dbos==3.4.0``, created in a temporary directory
unless ``--dbos-venv`` names one), with its system database in a fresh SQLite file and in
the PostgreSQL database ``spine_bench_dbos`` (created by DBOS, reset before each run). Both
sides commit with the servers' default durability (fsync on), so on a busy disk both slow
down together; the ratio is what to compare.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from spine.orchestration import Step, Workflow, WorkflowContext, WorkflowRunner

GOAL_US = 20.0
TRACKED_GOAL_RATIO = 4.0
DBOS_VERSION = "3.4.0"
PSYCOPG_VERSION = "3.3.9"
DBOS_PG_DATABASE = "spine_bench_dbos"


def _noop() -> None:
    return None


def _noop_lambda(ctx: WorkflowContext, config: Mapping[str, Any]) -> Mapping[str, Any]:
    return {}


def _functions(n: int) -> list[Callable[[], None]]:
    # Distinct function objects, like a real workflow's steps.
    fns: list[Callable[[], None]] = []
    for _ in range(n):

        def step() -> None:
            return None

        fns.append(step)
    return fns


def _time(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) per call of ``fn`` over ``runs`` calls."""
    gc.collect()
    cpu = time.process_time()
    start = time.perf_counter()
    for _ in range(runs):
        fn()
    wall = time.perf_counter() - start
    return wall / runs, (time.process_time() - cpu) / runs


def _workflows(steps: int) -> dict[str, tuple[Workflow, Workflow]]:
    fns = _functions(steps)
    function_steps = [Step.function(f"s{i}", fn) for i, fn in enumerate(fns)]
    lambda_steps = [Step.lambda_(f"s{i}", _noop_lambda) for i in range(steps)]
    return {
        "function steps": (Workflow("zero", []), Workflow("fn", function_steps)),
        "lambda steps": (Workflow("zero", []), Workflow("lam", lambda_steps)),
        "dag (4 threads)": (
            Workflow("zero", [], dag=True),
            Workflow("dag", lambda_steps, dag=True, max_concurrency=4),
        ),
    }


def measure(steps: int, runs: int, repeat: int) -> dict[str, Any]:
    runner = WorkflowRunner()
    fns = _functions(steps)

    def loop() -> None:
        for fn in fns:
            fn()

    workflows = _workflows(steps)
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in workflows}
    loop_samples: list[float] = []
    for _ in range(repeat):
        loop_samples.append(_time(loop, runs * 10)[0] / steps)
        for name, (zero, full) in workflows.items():
            z_wall, z_cpu = _time(lambda z=zero: runner.execute(z), runs)  # type: ignore[misc]
            f_wall, f_cpu = _time(lambda f=full: runner.execute(f), runs)  # type: ignore[misc]
            samples[name].append((z_wall, (f_wall - z_wall) / steps, (f_cpu - z_cpu) / steps))
    loop_us = min(loop_samples) * 1e6
    rows = []
    for name, triples in samples.items():
        per_step = min(p[1] for p in triples) * 1e6
        hi = max(p[1] for p in triples) * 1e6
        median = statistics.median(p[1] for p in triples) * 1e6
        cpu = min(p[2] for p in triples) * 1e6
        fixed = min(p[0] for p in triples) * 1e6
        overhead = per_step - loop_us
        rows.append(
            {
                "variant": name,
                "steps": steps,
                "per_step_us": round(per_step, 2),
                "per_step_median_us": round(median, 2),
                "per_step_max_us": round(hi, 2),
                "cpu_per_step_us": round(cpu, 2),
                "overhead_us": round(overhead, 2),
                "per_run_us": round(fixed, 1),
                "ratio_vs_loop": round(per_step / loop_us, 1) if loop_us else None,
                "goal_met": overhead < GOAL_US if name != "dag (4 threads)" else None,
            }
        )
    return {"steps": steps, "loop_us_per_call": round(loop_us, 4), "rows": rows}


# -- tracked runner vs DBOS Transact --------------------------------------------------------

DBOS_SCRIPT = """
import json, sys, time
from dbos import DBOS

url, reps, runs, warm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
DBOS(config={"name": "spine-bench-dbos", "system_database_url": url})


@DBOS.step()
def noop():
    return None


@DBOS.workflow()
def wf0():
    return None


@DBOS.workflow()
def wf1():
    noop()


@DBOS.workflow()
def wf10():
    for _ in range(10):
        noop()


DBOS.launch()
try:
    for fn in (wf0, wf1, wf10):
        for _ in range(warm):
            fn()
    out = {"0": [], "1": [], "10": []}
    for _ in range(reps):
        for name, fn in (("0", wf0), ("1", wf1), ("10", wf10)):
            start = time.perf_counter()
            for _ in range(runs):
                fn()
            out[name].append((time.perf_counter() - start) / runs)
    print("RESULT " + json.dumps(out))
finally:
    DBOS.destroy()
"""

RESET_SCRIPT = """
import sys
import psycopg
url, name = sys.argv[1], sys.argv[2]
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
"""


def _summary(samples: Mapping[str, list[float]]) -> dict[str, float]:
    """Per-step µs (median and min-max over repetitions) and the 0-step run's µs."""
    per_step = [
        (ten - zero) / 10 * 1e6 for zero, ten in zip(samples["0"], samples["10"], strict=True)
    ]
    return {
        "per_step_us": round(statistics.median(per_step), 1),
        "per_step_min_us": round(min(per_step), 1),
        "per_step_max_us": round(max(per_step), 1),
        "one_step_run_us": round(statistics.median(samples["1"]) * 1e6, 1),
        "zero_step_run_us": round(statistics.median(samples["0"]) * 1e6, 1),
    }


def _spine_tracked(backend: str, runs: int, repeat: int, warm: int, tmp: Path) -> dict[str, float]:
    from spine.db.schema import install_schema
    from spine.db.testing import IsolatedDatabase, backend_url
    from spine.orchestration import TrackedWorkflowRunner

    tmp.mkdir(parents=True, exist_ok=True)
    space = IsolatedDatabase.create(backend, backend_url(backend), tmp_path=tmp)
    try:
        conn = space.connect()
        install_schema(conn)
        runner = TrackedWorkflowRunner(conn)
        flows = {
            str(n): Workflow(f"bench{n}", [Step.lambda_(f"s{i}", _noop_lambda) for i in range(n)])
            for n in (0, 1, 10)
        }
        counter = iter(range(10**9))

        def run(wf: Workflow) -> None:
            runner.execute(wf, {"i": next(counter)})  # a new partition each time

        for wf in flows.values():
            for _ in range(warm):
                run(wf)
        samples: dict[str, list[float]] = {name: [] for name in flows}
        for _ in range(repeat):
            for name, wf in flows.items():
                gc.collect()
                start = time.perf_counter()
                for _ in range(runs):
                    run(wf)
                samples[name].append((time.perf_counter() - start) / runs)
        return _summary(samples)
    finally:
        space.cleanup()


def _dbos_python(venv: Path | None, tmp: Path) -> Path:
    if venv is not None and (venv / "bin" / "python").exists():
        return venv / "bin" / "python"
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("uv is needed to install DBOS (https://docs.astral.sh/uv/)")
    venv = venv or tmp / "dbos-venv"
    subprocess.run([uv, "venv", "-q", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "-q",
            "--python",
            str(python),
            f"dbos=={DBOS_VERSION}",
            f"psycopg[binary]=={PSYCOPG_VERSION}",
        ],
        check=True,
    )
    return python


def _dbos(
    python: Path, backend: str, runs: int, repeat: int, warm: int, tmp: Path
) -> dict[str, float]:
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'dbos-system.sqlite'}"
    else:  # DBOS's other system database is PostgreSQL
        from spine.db.testing import backend_url

        base = backend_url(backend)
        if base is None:
            raise SystemExit(f"no URL for {backend}")
        subprocess.run(
            [str(python), "-c", RESET_SCRIPT, base, DBOS_PG_DATABASE], check=True, cwd=tmp
        )
        url = base.rsplit("/", 1)[0] + f"/{DBOS_PG_DATABASE}"
    script = tmp / "dbos_bench.py"
    script.write_text(DBOS_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [str(python), str(script), url, str(repeat), str(runs), str(warm)],
        capture_output=True,
        text=True,
        cwd=tmp,
        env={**os.environ, "DBOS__LOGLEVEL": "WARNING"},
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"DBOS benchmark failed on {backend}:\n{done.stderr[-3000:]}")
    return _summary(json.loads(lines[-1].removeprefix("RESULT ")))


def measure_tracked(
    backends: list[str],
    runs: int,
    repeat: int,
    warm: int,
    dbos: bool,
    dbos_venv: Path | None,
) -> list[dict[str, Any]]:
    """spine's tracked runner and DBOS per backend (see the module docs)."""
    from spine.db.testing import probe_backend

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="spine-bench-orch-") as name:
        tmp = Path(name)
        python = _dbos_python(dbos_venv, tmp) if dbos else None
        for backend in backends:
            status = probe_backend(backend)
            if not status.available:
                print(f"{backend}: skipped ({status.reason})", file=sys.stderr)
                continue
            spine = _spine_tracked(backend, runs, repeat, warm, tmp / f"spine-{backend}")
            row: dict[str, Any] = {"backend": backend, "spine": spine}
            if python is not None and backend in ("sqlite", "postgres"):
                peer = _dbos(python, backend, runs, repeat, warm, tmp)
                ratio = peer["per_step_us"] / spine["per_step_us"]
                row.update(
                    dbos=peer,
                    ratio=round(ratio, 2),
                    goal_met=ratio >= TRACKED_GOAL_RATIO,
                )
            rows.append(row)
    return rows


def print_tracked(rows: list[dict[str, Any]], runs: int, repeat: int) -> None:
    print(
        f"\nTrackedWorkflowRunner vs DBOS Transact {DBOS_VERSION} durable workflows "
        f"({runs} workflows x {repeat} repetitions, median per-step µs with min-max; "
        f"goal: DBOS/spine >= {TRACKED_GOAL_RATIO:g})"
    )
    header = (
        f"{'backend':<10}{'spine µs/step':>15}{'min-max':>17}{'µs/0-step run':>15}"
        f"{'DBOS µs/step':>14}{'min-max':>17}{'µs/0-step run':>15}{'DBOS/spine':>12}  goal"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        s = row["spine"]
        d = row.get("dbos")
        spread = f"{s['per_step_min_us']:.0f}-{s['per_step_max_us']:.0f}"
        line = (
            f"{row['backend']:<10}{s['per_step_us']:>15.0f}{spread:>17}"
            f"{s['zero_step_run_us']:>15.0f}"
        )
        if d is not None:
            dspread = f"{d['per_step_min_us']:.0f}-{d['per_step_max_us']:.0f}"
            goal = "met" if row["goal_met"] else "NOT met"
            line += (
                f"{d['per_step_us']:>14.0f}{dspread:>17}{d['zero_step_run_us']:>15.0f}"
                f"{row['ratio']:>12.2f}  {goal}"
            )
        print(line)
    print(
        "spine: every step one transaction (lease renewal, checkpoint upsert, event) and one "
        "commit; both sides fsync on commit, so their figures rise together on a busy disk."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--runs", type=int, default=None, help="workflow runs per repetition")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions (median kept)")
    parser.add_argument("--no-tracked", action="store_true", help="skip the tracked runner")
    parser.add_argument("--no-dbos", action="store_true", help="spine's tracked runner only")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--tracked-runs", type=int, default=None, help="workflows/repetition")
    parser.add_argument("--tracked-repeat", type=int, default=None, help="repetitions")
    parser.add_argument("--dbos-venv", type=Path, default=None, help="DBOS venv to (re)use")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 7)
    results = []
    for steps in args.steps:
        runs = args.runs or max(20, (2000 if not args.quick else 500) // steps)
        results.append(measure(steps, runs, repeat))
    tracked: list[dict[str, Any]] = []
    t_runs = args.tracked_runs or (30 if args.quick else 200)
    t_repeat = args.tracked_repeat or (3 if args.quick else 5)
    if not args.no_tracked:
        tracked = measure_tracked(
            args.backends, t_runs, t_repeat, 20, not args.no_dbos, args.dbos_venv
        )
    if args.json:
        print(
            json.dumps(
                {"python": platform.python_version(), "results": results, "tracked": tracked},
                indent=2,
            )
        )
        return 0
    print(
        f"spine-orch in-memory runner vs a plain loop (Python {platform.python_version()}, "
        f"{platform.machine()}; best of {repeat} repetitions; goal: overhead < {GOAL_US:g} µs "
        "per step)"
    )
    header = (
        f"{'variant':<18}{'steps':>6}{'µs/step':>10}{'median-max':>14}{'cpu µs/step':>13}"
        f"{'loop µs':>9}{'overhead':>10}{'x loop':>8}{'µs/run':>9}  goal"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        for row in result["rows"]:
            goal = {True: "met", False: "NOT met", None: "-"}[row["goal_met"]]
            spread = f"{row['per_step_median_us']:.1f}-{row['per_step_max_us']:.1f}"
            print(
                f"{row['variant']:<18}{row['steps']:>6}{row['per_step_us']:>10.2f}"
                f"{spread:>14}{row['cpu_per_step_us']:>13.2f}"
                f"{result['loop_us_per_call']:>9.3f}{row['overhead_us']:>10.2f}"
                f"{row['ratio_vs_loop']:>8}{row['per_run_us']:>9.1f}  {goal}"
            )
    print(
        "\noverhead = µs/step - loop µs per call; µs/run = the fixed cost of a run "
        "(the 0-step workflow). Shared 2-core machine: expect noise."
    )
    if tracked:
        print_tracked(tracked, t_runs, t_repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
