"""The RuntimeAdapter contract: every adapter passes the same suite.

Stub, slow, flakey (always up), local processes (plain, behind LatencyAdapter and behind
HotReloadAdapter) and Docker (live, against the test daemon) all run these jobs: ``sh -c``
scripts of echo / sleep / exit, which the stub simulates and the others really run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from spine.execution.runtimes import (
    ContainerJobSpec,
    ErrorCategory,
    JobError,
    JobStatus,
    RuntimeAdapter,
)
from spine.types import ErrorCategory as TaxonomyCategory

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def job(rt: Any, script: str, **options: Any) -> ContainerJobSpec:
    options.setdefault("timeout_seconds", 60)
    return ContainerJobSpec(
        name="contract-job", image=rt.image, command=["sh", "-c", script], **options
    )


async def settle(adapter: RuntimeAdapter, ref: str, timeout: float = 30.0) -> JobStatus:
    end = time.monotonic() + timeout
    while True:
        status = await adapter.status(ref)
        if status.is_terminal:
            return status
        assert time.monotonic() < end, f"job still {status.state} after {timeout}s"
        await asyncio.sleep(0.05)


async def until_logged(adapter: RuntimeAdapter, ref: str, line: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while line not in [x async for x in adapter.logs(ref)]:
        assert time.monotonic() < end, f"{line!r} never logged"
        await asyncio.sleep(0.05)


def test_a_job_runs_to_success_and_its_output_is_in_the_logs(runtime: Any) -> None:
    async def scenario() -> None:
        adapter = runtime.adapter
        ref = await adapter.submit(job(runtime, "echo hello; echo world"))
        assert isinstance(ref, str)
        assert ref
        status = await settle(adapter, ref)
        assert status.state == "succeeded"
        assert status.exit_code == 0
        assert status.error is None
        assert [line async for line in adapter.logs(ref)] == ["hello", "world"]
        await adapter.cleanup(ref)

    run(scenario())


def test_status_moves_from_running_to_a_terminal_state(runtime: Any) -> None:
    async def scenario() -> None:
        adapter = runtime.adapter
        ref = await adapter.submit(job(runtime, "echo start; sleep 1.5; echo done"))
        first = await adapter.status(ref)
        assert first.state in ("pending", "running")
        assert not first.is_terminal
        final = await settle(adapter, ref)
        assert final.state == "succeeded"
        assert final.started_at is not None
        assert final.finished_at is not None
        assert final.finished_at >= final.started_at
        await adapter.cleanup(ref)

    run(scenario())


def test_a_non_zero_exit_fails_as_user_code_and_is_not_retryable(
    runtime: Any,
) -> None:
    async def scenario() -> None:
        adapter = runtime.adapter
        ref = await adapter.submit(job(runtime, "echo oops; exit 3"))
        status = await settle(adapter, ref)
        assert status.state == "failed"
        assert status.exit_code == 3
        assert status.error is not None
        assert status.error.job_category is ErrorCategory.USER_CODE
        assert status.error.category is TaxonomyCategory.OPERATION
        assert status.error.retryable is False
        assert status.error.exit_code == 3
        assert [line async for line in adapter.logs(ref)] == ["oops"]
        await adapter.cleanup(ref)

    run(scenario())


def test_cancel_stops_a_running_job_and_is_idempotent(runtime: Any) -> None:
    async def scenario() -> None:
        adapter = runtime.adapter
        ref = await adapter.submit(job(runtime, "echo started; sleep 30; echo never"))
        await until_logged(adapter, ref, "started")
        began = time.monotonic()
        assert await adapter.cancel(ref) is True
        status = await settle(adapter, ref, timeout=15)
        assert time.monotonic() - began < 15
        assert status.state == "cancelled"
        assert await adapter.cancel(ref) is True
        assert "never" not in [line async for line in adapter.logs(ref)]
        await adapter.cleanup(ref)

    run(scenario())


def test_a_job_past_its_timeout_is_killed_and_fails_with_timeout(
    runtime: Any,
) -> None:
    async def scenario() -> None:
        adapter = runtime.adapter
        began = time.monotonic()
        ref = await adapter.submit(job(runtime, "echo started; sleep 30", timeout_seconds=1))
        status = await settle(adapter, ref, timeout=25)
        assert time.monotonic() - began < 20
        assert status.state == "failed"
        assert status.error is not None
        assert status.error.job_category is ErrorCategory.TIMEOUT
        assert status.error.retryable is False
        assert "started" in [line async for line in adapter.logs(ref)]
        await adapter.cleanup(ref)

    run(scenario())


def test_following_logs_streams_lines_until_the_job_ends(runtime: Any) -> None:
    async def scenario() -> None:
        adapter = runtime.adapter
        ref = await adapter.submit(job(runtime, "echo a; sleep 0.4; echo b; sleep 0.4; echo c"))
        began = time.monotonic()
        seen: list[tuple[str, float]] = []
        async for line in adapter.logs(ref, follow=True):
            seen.append((line, time.monotonic() - began))
        assert [line for line, _ in seen] == ["a", "b", "c"]
        assert seen[0][1] < seen[-1][1]  # streamed, not delivered all at the end
        assert (await adapter.status(ref)).is_terminal
        assert [line async for line in adapter.logs(ref, tail=1)] == ["c"]
        assert [line async for line in adapter.logs(ref, tail=0)] == []
        await adapter.cleanup(ref)

    run(scenario())


def test_cleanup_removes_the_job_and_is_idempotent(runtime: Any) -> None:
    async def scenario() -> None:
        adapter = runtime.adapter
        ref = await adapter.submit(job(runtime, "echo x"))
        await settle(adapter, ref)
        await adapter.cleanup(ref)
        with pytest.raises(JobError) as info:
            await adapter.status(ref)
        assert info.value.job_category is ErrorCategory.NOT_FOUND
        await adapter.cleanup(ref)  # nothing left: no error
        assert await adapter.cancel(ref) is True

    run(scenario())


def test_cleanup_of_a_running_job_stops_it(runtime: Any) -> None:
    async def scenario() -> None:
        adapter = runtime.adapter
        ref = await adapter.submit(job(runtime, "sleep 30"))
        await adapter.cleanup(ref)
        with pytest.raises(JobError):
            await adapter.status(ref)

    run(scenario())


def test_an_unknown_reference_is_not_found(runtime: Any) -> None:
    async def scenario() -> None:
        with pytest.raises(JobError) as info:
            await runtime.adapter.status("no-such-job-0000")
        assert info.value.job_category is ErrorCategory.NOT_FOUND
        assert info.value.retryable is False
        with pytest.raises(JobError):
            _ = [line async for line in runtime.adapter.logs("no-such-job-0000")]

    run(scenario())


def test_health_names_the_runtime_and_its_latency(runtime: Any) -> None:
    health = run(runtime.adapter.health())
    assert health.healthy is True, health.message
    assert health.runtime == runtime.adapter.runtime_name
    assert health.latency_ms is not None
    assert health.latency_ms >= 0


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"command": []}, "command is empty"),
        ({"command": ["sh", "-c", "true"], "timeout_seconds": 0}, "timeout_seconds"),
        ({"command": ["sh", "-c", "true"], "env": {"1BAD": "x"}}, "not a valid variable"),
    ],
)
def test_a_malformed_spec_is_refused_with_validation(
    runtime: Any, options: dict[str, Any], fragment: str
) -> None:
    spec = ContainerJobSpec(name="bad-job", image=runtime.image, **options)
    with pytest.raises(JobError) as info:
        run(runtime.adapter.submit(spec))
    assert info.value.job_category is ErrorCategory.VALIDATION
    assert info.value.category is TaxonomyCategory.VALIDATION
    assert fragment in str(info.value)


def test_env_reaches_the_job_and_secret_values_stay_out_of_the_adapter_logs(
    runtime: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="spine.execution")

    async def scenario() -> None:
        adapter = runtime.adapter
        spec = job(
            runtime,
            'echo "$GREETING"; echo "$API_TOKEN" > /dev/null',
            env={"GREETING": "hi there", "API_TOKEN": "s3cr3t-value"},
        )
        ref = await adapter.submit(spec)
        await settle(adapter, ref)
        assert [line async for line in adapter.logs(ref)] == ["hi there"]
        await adapter.cleanup(ref)

    run(scenario())
    assert "s3cr3t-value" not in caplog.text


def test_artifacts_written_by_the_job_are_listed_with_their_checksum(
    runtime: Any,
) -> None:
    async def scenario() -> None:
        adapter = runtime.adapter
        spec = job(
            runtime,
            'mkdir -p "$SPINE_ARTIFACTS_DIR" && echo 42 > "$SPINE_ARTIFACTS_DIR/answer.txt"',
            artifacts_dir="/artifacts",
        )
        ref = await adapter.submit(spec)
        status = await settle(adapter, ref)
        assert status.state == "succeeded", status.message
        artifacts = await adapter.artifacts(ref)
        if runtime.real:
            assert [(a.name, a.size_bytes) for a in artifacts] == [("answer.txt", 3)]
            assert artifacts[0].checksum == (
                "sha256:084c799cd551dd1d8d5c5f9a5d593b2e931f5e36122ee5c793c1d08a19839cc0"
            )
        else:
            assert artifacts == []  # simulated jobs write no files
        await adapter.cleanup(ref)

    run(scenario())
