"""Mock adapters, HotReloadAdapter, BaseRuntimeAdapter error wrapping, the job entrypoint,
and the docker extra's lazy import."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from spine.execution.errors import MissingExtraError
from spine.execution.runtimes import (
    BaseRuntimeAdapter,
    ContainerJobSpec,
    ErrorCategory,
    FailingAdapter,
    FlakeyAdapter,
    HotReloadAdapter,
    JobError,
    JobStatus,
    LatencyAdapter,
    RuntimeHealth,
    SequenceAdapter,
    SlowAdapter,
    StubRuntimeAdapter,
)
from spine.execution.runtimes.entrypoint import (
    OUTCOME_MARKER,
    PARAMS_ENV,
    entrypoint_command,
    find_outcome,
    handler_reference,
)

SPEC = ContainerJobSpec(name="t", image="x", command=["sh", "-c", "echo hi; sleep 0.2"])


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_failing_adapter_raises_its_category_on_the_chosen_operations() -> None:
    async def scenario() -> None:
        adapter = FailingAdapter(ErrorCategory.QUOTA, "namespace quota exhausted", on=["status"])
        ref = await adapter.submit(SPEC)
        with pytest.raises(JobError) as info:
            await adapter.status(ref)
        assert info.value.job_category is ErrorCategory.QUOTA
        assert info.value.runtime == "failing"
        assert (await adapter.health()).healthy is True

    run(scenario())
    with pytest.raises(JobError, match="unknown operation"):
        FailingAdapter(on=["explode"])


def test_flakey_adapter_is_reproducible_with_a_seed_and_fails_retryably() -> None:
    failures: list[JobError] = []

    async def outcomes(seed: int) -> list[bool]:
        adapter = FlakeyAdapter(success_rate=0.5, seed=seed)
        out = []
        for _ in range(40):
            try:
                await adapter.submit(SPEC)
                out.append(True)
            except JobError as exc:
                failures.append(exc)
                out.append(False)
        return out

    first = run(outcomes(3))
    assert first == run(outcomes(3))
    assert 8 < sum(first) < 32
    assert failures
    assert all(
        f.retryable and f.job_category is ErrorCategory.RUNTIME_UNAVAILABLE for f in failures
    )
    with pytest.raises(JobError):
        FlakeyAdapter(success_rate=1.5)


def test_sequence_adapter_walks_its_states_and_fails_with_an_exit_code() -> None:
    async def scenario() -> list[JobStatus]:
        adapter = SequenceAdapter(states=["pending", "pulling", "running", "failed"], exit_code=9)
        ref = await adapter.submit(SPEC)
        return [await adapter.status(ref) for _ in range(5)]

    states = run(scenario())
    assert [s.state for s in states] == ["pending", "pulling", "running", "failed", "failed"]
    assert states[-1].exit_code == 9
    assert states[-1].error is not None
    assert states[-1].error.job_category is ErrorCategory.USER_CODE
    with pytest.raises(JobError):
        SequenceAdapter(states=["done"])


def test_slow_and_latency_adapters_take_their_time() -> None:
    async def timed(adapter: Any) -> float:
        loop = asyncio.get_running_loop()
        began = loop.time()
        ref = await adapter.submit(SPEC)
        await adapter.status(ref)
        return loop.time() - began

    assert run(timed(SlowAdapter(submit_delay=0.1, status_delay=0.1))) >= 0.2
    latency = LatencyAdapter(StubRuntimeAdapter(), latency=0.1)
    assert latency.runtime_name == "stub"
    assert run(timed(latency)) >= 0.2
    with pytest.raises(JobError):
        SlowAdapter(submit_delay=-1)


def test_hot_reload_swaps_between_calls_and_jobs_stay_with_their_adapter(tmp_path: Path) -> None:
    built: list[dict[str, Any]] = []
    reloaded: list[dict[str, Any]] = []

    def factory(cfg: dict[str, Any]) -> StubRuntimeAdapter:
        built.append(cfg)
        return StubRuntimeAdapter(default_exit_code=cfg["exit"])

    hot = HotReloadAdapter(
        initial_config={"exit": 0}, adapter_factory=factory, on_reload=reloaded.append
    )

    async def scenario() -> None:
        first_inner = hot.inner
        old = await hot.submit(ContainerJobSpec(name="a", image="x", command=["run"]))
        hot.update_config({"exit": 0})  # unchanged: no rebuild
        assert hot.inner is first_inner
        hot.update_config({"exit": 4})
        new = await hot.submit(ContainerJobSpec(name="b", image="x", command=["run"]))
        assert hot.inner is not first_inner
        assert (await hot.status(old)).state == "succeeded"  # still served by its adapter
        assert (await hot.status(new)).exit_code == 4
        await hot.cleanup(old)
        with pytest.raises(JobError):
            await first_inner.status(old)

    run(scenario())
    assert [c["exit"] for c in built] == [0, 4]
    assert reloaded == [{"exit": 4}]
    assert hot.reload_count == 1
    assert hot.runtime_name == "stub"


def test_hot_reload_never_swaps_under_a_call_in_flight() -> None:
    def factory(cfg: dict[str, Any]) -> SlowAdapter:
        adapter = SlowAdapter(submit_delay=0.2)
        adapter.default_exit_code = cfg["exit"]
        return adapter

    hot = HotReloadAdapter(initial_config={"exit": 0}, adapter_factory=factory)

    async def scenario() -> None:
        first_inner = hot.inner
        submit = asyncio.create_task(hot.submit(SPEC))
        await asyncio.sleep(0.05)
        hot.update_config({"exit": 1})  # lands while the submit is in flight
        ref = await submit
        assert isinstance(first_inner, StubRuntimeAdapter)
        assert ref in first_inner.jobs  # the call finished on the adapter it started with
        assert hot.inner is not first_inner  # the next call sees the new one

    run(scenario())


def test_hot_reload_reads_a_json_file_and_keeps_the_old_adapter_on_a_bad_config(
    tmp_path: Path,
) -> None:
    config = tmp_path / "runtime.json"
    config.write_text(json.dumps({"exit": 0}))

    def factory(cfg: dict[str, Any]) -> StubRuntimeAdapter:
        if cfg["exit"] < 0:
            raise ValueError("exit must be >= 0")
        return StubRuntimeAdapter(default_exit_code=cfg["exit"])

    hot = HotReloadAdapter(
        initial_config={"exit": 0}, adapter_factory=factory, config_source=config
    )
    first = hot.inner
    config.write_text(json.dumps({"exit": -1}))
    import os

    os.utime(config, ns=(1, 10**18))
    assert hot.inner is first
    assert "exit must be >= 0" in (hot.last_reload_error or "")
    config.write_text(json.dumps({"exit": 2}))
    os.utime(config, ns=(1, 2 * 10**18))
    assert hot.inner is not first
    assert hot.config == {"exit": 2}


class _Broken(BaseRuntimeAdapter):
    runtime_name = "broken"

    async def _do_submit(self, spec: ContainerJobSpec) -> str:
        raise RuntimeError("library exploded")

    async def _do_status(self, external_ref: str) -> JobStatus:
        raise ConnectionResetError("peer reset")

    async def _do_cancel(self, external_ref: str) -> bool:
        raise JobError("runtime_unavailable", "down")

    async def _do_logs(
        self, external_ref: str, *, follow: bool, tail: int | None
    ) -> AsyncIterator[str]:
        raise KeyError(external_ref)
        yield ""  # pragma: no cover

    async def _do_cleanup(self, external_ref: str) -> None:
        raise JobError("not_found", "gone")

    async def _do_health(self) -> RuntimeHealth:
        raise OSError("no socket")


def test_base_adapter_wraps_library_errors_and_keeps_the_cause() -> None:
    adapter = _Broken()

    async def scenario() -> None:
        with pytest.raises(JobError) as info:
            await adapter.submit(SPEC)
        assert info.value.job_category is ErrorCategory.UNKNOWN
        assert info.value.retryable is True
        assert isinstance(info.value.__cause__, RuntimeError)
        assert info.value.runtime == "broken"
        with pytest.raises(JobError):
            await adapter.status("r")
        with pytest.raises(JobError) as down:
            await adapter.cancel("r")
        assert down.value.job_category is ErrorCategory.RUNTIME_UNAVAILABLE
        with pytest.raises(JobError):
            _ = [x async for x in adapter.logs("r")]
        with pytest.raises(JobError, match="tail must be"):
            _ = [x async for x in adapter.logs("r", tail=-1)]
        await adapter.cleanup("r")  # already gone: fine
        health = await adapter.health()
        assert health.healthy is False
        assert "no socket" in (health.message or "")

    run(scenario())


# --------------------------------------------------------------------------- entrypoint


def test_the_entrypoint_prints_the_outcome_last_and_exits_by_it() -> None:
    ok = subprocess.run(
        entrypoint_command("spine.execution.testing:echo", python=sys.executable),
        env={PARAMS_ENV: json.dumps({"a": 1}), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0
    outcome = find_outcome(ok.stdout.splitlines())
    assert outcome is not None
    assert outcome.result == {"a": 1}
    failed = subprocess.run(
        entrypoint_command("spine.execution.testing:fail", python=sys.executable),
        env={PARAMS_ENV: json.dumps({"error": "ValueError", "message": "bad row"})},
        capture_output=True,
        text=True,
    )
    assert failed.returncode == 1
    assert failed.stdout.splitlines()[-1].startswith(OUTCOME_MARKER)
    bad = subprocess.run(
        entrypoint_command("no.such.module:fn", python=sys.executable),
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    error = find_outcome(bad.stdout.splitlines())
    assert error is not None
    assert isinstance(error.error, ModuleNotFoundError)


def test_handler_references_exist_only_for_importable_functions() -> None:
    from spine.execution.testing import echo

    assert handler_reference(echo) == "spine.execution.testing:echo"
    assert handler_reference(lambda p: p) is None

    def local(params: dict[str, Any]) -> None: ...

    assert handler_reference(local) is None


def test_a_garbled_outcome_line_is_ignored() -> None:
    assert find_outcome([OUTCOME_MARKER + "{not json", "plain"]) is None


def test_the_docker_adapter_names_the_extra_when_the_sdk_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "docker", None)
    from spine.execution.runtimes.docker import DockerAdapter

    with pytest.raises(MissingExtraError, match=r'pip install "spine-exec\[docker\]"'):
        DockerAdapter()
