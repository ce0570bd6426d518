"""Benchmark the JobEngine's per-job cost against running the same thing bare.

* **local**: ``jobs`` runs of ``/bin/true`` one after another, each through
  ``JobEngine.submit_sync`` + ``wait_sync`` on a :class:`LocalProcessAdapter` (in-memory
  ledger: created / queued / started / completed recorded, outcome read from the logs),
  against ``subprocess.run(["true"])``. Overhead per job = spine - bare.
* **docker**: ``containers`` runs of ``true`` in a busybox image, start to exit (create, start,
  wait, remove), through the JobEngine on a :class:`DockerAdapter` (submit, wait, cleanup)
  against the ``podman run --rm`` CLI on the same daemon. Needs ``DOCKER_HOST`` pointing at
  podman's Docker API (``.ci/run`` starts it); skipped otherwise.

Each figure: ``--repeat`` repetitions (default 3), median with min-max. The engine polls job
status every ``--poll`` seconds (default 5 ms); a job that ends between two polls is seen at the
next one, so the poll interval is part of the engine figure.

Usage::

    uv run python scripts/bench_runtimes.py
    uv run python scripts/bench_runtimes.py --jobs 200 --containers 20 --repeat 5
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable

from spine.execution.runtimes import (
    ContainerJobSpec,
    JobEngine,
    LocalProcessAdapter,
    RuntimeAdapterRouter,
)
from spine.execution.testing import InMemoryLedger
from spine.types import ExecutionStatus

IMAGE = "localhost/spine-bench-busybox:latest"


def _median(samples: list[float]) -> tuple[float, float, float]:
    return statistics.median(samples), min(samples), max(samples)


def _repeat(fn: Callable[[], float], repeat: int) -> tuple[float, float, float]:
    return _median([fn() for _ in range(repeat)])


def bench_local(jobs: int, repeat: int, poll: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(bare, engine) milliseconds per job: median, min, max."""
    true = shutil.which("true") or "/bin/true"

    def bare() -> float:
        began = time.perf_counter()
        for _ in range(jobs):
            subprocess.run([true], check=True)
        return (time.perf_counter() - began) * 1000 / jobs

    def engine_run() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            router = RuntimeAdapterRouter()
            router.register(LocalProcessAdapter(artifacts_root=tmp))
            with JobEngine(router=router, ledger=InMemoryLedger(), poll_interval=poll) as engine:
                spec = ContainerJobSpec(name="bench-true", command=[true])
                engine.wait_sync(engine.submit_sync(spec).execution_id)  # warm-up
                began = time.perf_counter()
                for _ in range(jobs):
                    job = engine.submit_sync(spec)
                    final = engine.wait_sync(job.execution_id)
                    assert final.status is ExecutionStatus.COMPLETED
                    engine.cleanup_sync(job.execution_id)
                return (time.perf_counter() - began) * 1000 / jobs

    return _repeat(bare, repeat), _repeat(engine_run, repeat)


def _docker_ready() -> str | None:
    host = os.environ.get("DOCKER_HOST")
    if not host:
        return "DOCKER_HOST is not set"
    if shutil.which("podman") is None:
        return "the podman CLI is not installed"
    try:
        import docker

        client = docker.DockerClient(base_url=host, timeout=10, version="1.41")
        client.version()
        client.close()
    except Exception as exc:
        return f"no daemon at {host}: {exc}"
    return None


def _build_image() -> None:
    """Import a busybox rootfs as IMAGE (no registry needed)."""
    busybox = shutil.which("busybox") or "/bin/busybox"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(busybox, arcname="bin/busybox")
        for tool in ("sh", "true"):
            link = tarfile.TarInfo(f"bin/{tool}")
            link.type = tarfile.SYMTYPE
            link.linkname = "busybox"
            tar.addfile(link)
    subprocess.run(
        ["podman", "import", "-", IMAGE], input=buf.getvalue(), check=True, capture_output=True
    )


def bench_docker(
    containers: int, repeat: int, poll: float
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(podman run CLI, engine) milliseconds per container: median, min, max."""
    from spine.execution.runtimes.docker import DockerAdapter

    _build_image()
    podman = shutil.which("podman") or "podman"

    def cli() -> float:
        began = time.perf_counter()
        for _ in range(containers):
            subprocess.run([podman, "run", "--rm", IMAGE, "true"], check=True, capture_output=True)
        return (time.perf_counter() - began) * 1000 / containers

    def engine_run() -> float:
        adapter = DockerAdapter(owner="spine-bench", stop_timeout=1)
        router = RuntimeAdapterRouter()
        router.register(adapter)
        try:
            with JobEngine(router=router, ledger=InMemoryLedger(), poll_interval=poll) as engine:
                spec = ContainerJobSpec(
                    name="bench-true", image=IMAGE, command=["true"], image_pull_policy="never"
                )
                began = time.perf_counter()
                for _ in range(containers):
                    job = engine.submit_sync(spec)
                    final = engine.wait_sync(job.execution_id)
                    assert final.status is ExecutionStatus.COMPLETED, final.error
                    engine.cleanup_sync(job.execution_id)
                return (time.perf_counter() - began) * 1000 / containers
        finally:
            adapter.cleanup_owned()
            adapter.close()

    return _repeat(cli, repeat), _repeat(engine_run, repeat)


def _fmt(figure: tuple[float, ...]) -> str:
    median, low, high = figure
    return f"{median:9.2f} ms  ({low:.2f}-{high:.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=100, help="local jobs per repetition")
    parser.add_argument("--containers", type=int, default=10, help="containers per repetition")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--poll", type=float, default=0.005, help="engine poll interval (s)")
    args = parser.parse_args(argv)

    rows: list[tuple[str, str, tuple[float, ...], str, tuple[float, ...]]] = []
    bare, engine = bench_local(args.jobs, args.repeat, args.poll)
    rows.append(("local /bin/true", "subprocess.run", bare, "JobEngine+Local", engine))
    reason = _docker_ready()
    if reason is None:
        cli, docker_engine = bench_docker(args.containers, args.repeat, args.poll)
        rows.append(("container true", "podman run --rm", cli, "JobEngine+Docker", docker_engine))
    else:
        print(f"skip docker: {reason}", file=sys.stderr)

    header = (
        f"{'case':<16} {'peer':<16} {'peer per job':>28}   {'spine':<17} "
        f"{'spine per job':>28}   overhead    ratio"
    )
    print(header)
    print("-" * len(header))
    for case, peer, peer_fig, spine, spine_fig in rows:
        overhead = spine_fig[0] - peer_fig[0]
        print(
            f"{case:<16} {peer:<16} {_fmt(peer_fig):>28}   {spine:<17} {_fmt(spine_fig):>28}   "
            f"{overhead:+7.2f} ms  {spine_fig[0] / peer_fig[0]:5.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
