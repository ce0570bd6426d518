"""Benchmarks for spine-orch: what running a step through WorkflowRunner costs.

Usage::

    uv run python scripts/bench_orch.py            # full run
    uv run python scripts/bench_orch.py --quick    # fewer repetitions
    uv run python scripts/bench_orch.py --json     # machine-readable

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
process CPU time, which other processes' load does not inflate. The tracked runner
(SQLite/PostgreSQL, against DBOS Transact) joins this script with the SQL run store.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from spine.orchestration import Step, Workflow, WorkflowContext, WorkflowRunner

GOAL_US = 20.0


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--runs", type=int, default=None, help="workflow runs per repetition")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions (median kept)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 7)
    results = []
    for steps in args.steps:
        runs = args.runs or max(20, (2000 if not args.quick else 500) // steps)
        results.append(measure(steps, runs, repeat))
    if args.json:
        print(json.dumps({"python": platform.python_version(), "results": results}, indent=2))
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
