"""Runtimes under the JobEngine contract suites, and the Docker-API daemon the tests use.

``runtime`` parametrizes a test over every adapter: the in-memory ones (stub, slow, flakey,
latency, hot reload), local processes, and Docker. The Docker entry talks to the daemon at
``SPINE_TEST_DOCKER_HOST`` or ``DOCKER_HOST`` (``.ci/run`` starts podman's Docker API and
exports ``DOCKER_HOST``); without an answering daemon it is skipped with the reason - unless
``SPINE_REQUIRE_BACKENDS`` names ``docker``, then it fails. No registry is reachable: the
tests import their own busybox image from the host's static busybox.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import shutil
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from spine.execution.runtimes import (
    HotReloadAdapter,
    LatencyAdapter,
    LocalProcessAdapter,
    RuntimeAdapter,
    StubRuntimeAdapter,
)
from spine.execution.runtimes.mock_adapters import FlakeyAdapter, SlowAdapter

BUSYBOX_TOOLS = ("sh", "echo", "sleep", "cat", "mkdir", "true", "false", "ls", "env", "pwd")


def docker_host() -> str | None:
    """The daemon address the tests use (``None``: none configured)."""
    return os.environ.get("SPINE_TEST_DOCKER_HOST") or os.environ.get("DOCKER_HOST") or None


def docker_required() -> bool:
    """Whether ``SPINE_REQUIRE_BACKENDS`` (or ``SPINE_REQUIRE_SERVICES``) names docker."""
    raw = ",".join(
        os.environ.get(var, "") for var in ("SPINE_REQUIRE_BACKENDS", "SPINE_REQUIRE_SERVICES")
    )
    return "docker" in raw.replace(" ", "").split(",")


@functools.cache
def docker_probe() -> tuple[bool, str]:
    """(reachable, reason) for the test daemon, checked once."""
    host = docker_host()
    if host is None:
        return False, "docker: neither SPINE_TEST_DOCKER_HOST nor DOCKER_HOST is set"
    try:
        import docker
    except ImportError:
        return False, 'docker: the docker SDK is not installed (pip install "spine-exec[docker]")'
    try:
        client = docker.DockerClient(base_url=host, timeout=5)
        client.version()
        client.close()
    except Exception as exc:
        return False, f"docker: no daemon answers at {host}: {exc}"
    return True, ""


def need_docker() -> None:
    """Skip (or fail, when required) unless the test daemon answers."""
    ok, reason = docker_probe()
    if ok:
        return
    if docker_required():
        pytest.fail(f"required backend unavailable (SPINE_REQUIRE_BACKENDS names docker): {reason}")
    pytest.skip(reason)


def _busybox() -> Path:
    found = shutil.which("busybox") or "/bin/busybox"
    path = Path(found)
    # a dynamic busybox names its loader (PT_INTERP); a static one runs in an empty image
    if not path.is_file() or b"/ld-linux" in path.read_bytes()[:4096]:
        pytest.fail(
            f"the docker tests need a static busybox at {path}: apt-get install busybox-static"
        )
    return path


def busybox_rootfs(extra_dirs: tuple[str, ...] = ()) -> bytes:
    """A tar of a root filesystem: the host's static busybox, its tools, /tmp, /artifacts."""
    busybox = _busybox()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(str(busybox), arcname="bin/busybox")
        for tool in BUSYBOX_TOOLS:
            link = tarfile.TarInfo(f"bin/{tool}")
            link.type = tarfile.SYMTYPE
            link.linkname = "busybox"
            tar.addfile(link)
        for directory in ("tmp", "artifacts", "data", *extra_dirs):
            info = tarfile.TarInfo(directory.strip("/"))
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777
            tar.addfile(info)
    return buf.getvalue()


def import_image(client: Any, repository: str, rootfs: bytes) -> str:
    """Import ``rootfs`` as ``repository:latest`` (content-addressed name: reused when there)."""
    digest = hashlib.sha256(rootfs).hexdigest()[:12]
    name = f"{repository}-{digest}"
    if not client.api.images(name=name):
        client.api.import_image_from_data(rootfs, repository=name)
    return f"{name}:latest"


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    """A docker SDK client on the test daemon (skips or fails as described above)."""
    need_docker()
    import docker

    client = docker.DockerClient(base_url=docker_host(), timeout=60)
    yield client
    client.close()


@pytest.fixture(scope="session")
def busybox_image(docker_client: Any) -> str:
    """A tiny image built here (no registry): static busybox + sh, echo, sleep..."""
    return import_image(docker_client, "localhost/spine-test-busybox", busybox_rootfs())


def python_rootfs() -> bytes:
    """busybox's rootfs plus merged-usr links (``/lib`` -> ``usr/lib``) and mount points."""
    base = io.BytesIO(busybox_rootfs(("usr", "work", "root")))
    out = io.BytesIO()
    with tarfile.open(fileobj=base) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        for link, target in (("lib", "usr/lib"), ("lib64", "usr/lib64")):
            info = tarfile.TarInfo(link)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            dst.addfile(info)
    return out.getvalue()


@pytest.fixture(scope="session")
def python_job_template(docker_client: Any) -> Any:
    """A spec template for Python jobs in containers, assembled from this machine's files (no
    registry): an image with busybox and merged-usr links, and read-only bind mounts of
    ``/usr``, this Python's installation and this checkout (with its virtualenv) at the same
    paths, so the job runs the same interpreter and code as the test."""
    from spine.execution.runtimes import ContainerJobSpec, VolumeMount

    image = import_image(docker_client, "localhost/spine-test-python", python_rootfs())
    repo = Path(__file__).resolve().parents[2]
    paths = ["/usr", str(repo)]
    for prefix in (sys.base_prefix, sys.prefix):
        if not any(Path(prefix).is_relative_to(p) for p in paths):
            paths.append(prefix)
    volumes = [
        VolumeMount(name=f"host{i}", mount_path=p, host_path=p, read_only=True)
        for i, p in enumerate(paths)
    ]
    return ContainerJobSpec(
        name="python-job",
        image=image,
        volumes=volumes,
        image_pull_policy="never",
        runtime="docker",
    )


def owner_label() -> str:
    """The ``spine.owner`` label of this test process's containers."""
    return f"spine-tests-{os.getpid()}"


def make_docker_adapter(**options: Any) -> Any:
    """A DockerAdapter on the test daemon, owned by this test process."""
    from spine.execution.runtimes.docker import DockerAdapter

    options.setdefault("owner", owner_label())
    options.setdefault("stop_timeout", 1.0)
    return DockerAdapter(base_url=docker_host(), **options)


@pytest.fixture
def docker_adapter(busybox_image: str) -> Iterator[Any]:
    """A DockerAdapter whose containers are force-removed after the test."""
    adapter = make_docker_adapter()
    yield adapter
    adapter.cleanup_owned()
    adapter.close()


# --------------------------------------------------------------------------- the contract


class RuntimeUnderTest:
    """An adapter plus how to express jobs for it (image, the shell)."""

    def __init__(self, name: str, adapter: RuntimeAdapter, image: str = "ignored") -> None:
        self.name = name
        self.adapter = adapter
        self.image = image

    @property
    def real(self) -> bool:
        """Runs real programs (not simulated)."""
        return self.name in ("local", "docker", "latency-local", "hot-reload-local")


def _local(tmp_path: Path) -> LocalProcessAdapter:
    return LocalProcessAdapter(artifacts_root=tmp_path / "artifacts", kill_grace_seconds=1.0)


RUNTIMES: dict[str, Callable[[pytest.FixtureRequest, Path], RuntimeUnderTest]] = {
    "stub": lambda request, tmp: RuntimeUnderTest("stub", StubRuntimeAdapter()),
    "slow": lambda request, tmp: RuntimeUnderTest(
        "slow", SlowAdapter(submit_delay=0.01, status_delay=0.005)
    ),
    "flakey-always-up": lambda request, tmp: RuntimeUnderTest(
        "flakey-always-up", FlakeyAdapter(success_rate=1.0, seed=1)
    ),
    "local": lambda request, tmp: RuntimeUnderTest("local", _local(tmp)),
    "latency-local": lambda request, tmp: RuntimeUnderTest(
        "latency-local", LatencyAdapter(_local(tmp), latency=0.005)
    ),
    "hot-reload-local": lambda request, tmp: RuntimeUnderTest(
        "hot-reload-local",
        HotReloadAdapter(
            initial_config={"grace": 1.0},
            adapter_factory=lambda cfg: LocalProcessAdapter(
                artifacts_root=tmp / "artifacts", kill_grace_seconds=cfg["grace"]
            ),
        ),
    ),
    "docker": lambda request, tmp: RuntimeUnderTest(
        "docker",
        request.getfixturevalue("docker_adapter"),
        request.getfixturevalue("busybox_image"),
    ),
}


@pytest.fixture(params=sorted(RUNTIMES))
def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> RuntimeUnderTest:
    """Each adapter under the contract suite."""
    return RUNTIMES[request.param](request, tmp_path)


PYTHON = sys.executable
