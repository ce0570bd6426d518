"""Health checks and the FastAPI router, through FastAPI's TestClient."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from spine.execution import (
    CheckResult,
    HealthCheck,
    HealthStatus,
    create_health_router,
    run_health_checks,
    worker_heartbeat_check,
)
from spine.types import DatabaseConnectionError, ValidationError


def client_for(*checks: HealthCheck) -> TestClient:
    app = FastAPI()
    app.include_router(create_health_router("scheduler", "1.2.3", list(checks)))
    return TestClient(app)


def test_live_answers_without_running_any_check() -> None:
    calls: list[int] = []
    client = client_for(HealthCheck("db", lambda: calls.append(1) or False))
    body = client.get("/health/live").json()
    assert body["status"] == "alive"
    assert (body["service"], body["version"]) == ("scheduler", "1.2.3")
    assert calls == []


def test_ready_is_200_when_every_check_passes_and_reports_latency() -> None:
    async def async_ok() -> CheckResult:
        await asyncio.sleep(0.01)
        return CheckResult.healthy("fine", rows=3)

    client = client_for(HealthCheck("db", lambda: None), HealthCheck("queue", async_ok))
    for path in ("/health/ready", "/health"):
        response = client.get(path)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "healthy"
        assert body["checks"]["queue"]["details"] == {"rows": 3}
        assert body["checks"]["queue"]["latency_ms"] >= 10


def test_a_failing_required_check_makes_ready_503() -> None:
    def down() -> None:
        raise DatabaseConnectionError("cannot connect to postgresql://spine:hunter2@db:5432/x")

    response = client_for(HealthCheck("db", down), HealthCheck("cache", lambda: True)).get(
        "/health/ready"
    )
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["db"]["status"] == "unhealthy"
    assert "DatabaseConnectionError" in body["checks"]["db"]["message"]
    assert "hunter2" not in response.text
    assert body["checks"]["cache"]["status"] == "healthy"


def test_a_failing_optional_check_only_degrades() -> None:
    response = client_for(
        HealthCheck("db", lambda: True), HealthCheck("cache", lambda: False, required=False)
    ).get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"


def test_a_slow_check_times_out_as_unhealthy_without_blocking_the_others() -> None:
    def slow() -> None:
        time.sleep(1.0)

    async def slow_async() -> None:
        await asyncio.sleep(5)

    start = time.monotonic()
    report = run_health_checks(
        [
            HealthCheck("slow", slow, timeout_s=0.1),
            HealthCheck("slow_async", slow_async, timeout_s=0.1),
            HealthCheck("fast", lambda: True),
        ]
    )
    assert time.monotonic() - start < 0.9
    assert report.checks["slow"].message == "timed out after 0.1s"
    assert report.checks["slow_async"].status is HealthStatus.UNHEALTHY
    assert report.status is HealthStatus.UNHEALTHY


def test_a_check_returning_garbage_is_unhealthy_with_a_clear_message() -> None:
    report = run_health_checks([HealthCheck("odd", lambda: "yes")])
    assert report.checks["odd"].message == (
        "check returned str; expected None, a bool or a CheckResult"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "", "check_fn": lambda: True},
        {"name": "has space", "check_fn": lambda: True},
        {"name": "x", "check_fn": "not callable"},
        {"name": "x", "check_fn": lambda: True, "timeout_s": 0},
        {"name": "x", "check_fn": lambda: True, "timeout_s": float("nan")},
    ],
)
def test_invalid_checks_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        HealthCheck(**kwargs)  # type: ignore[arg-type]


def test_duplicate_check_names_are_refused() -> None:
    with pytest.raises(ValidationError, match="repeated: db"):
        create_health_router("s", "1", [HealthCheck("db", lambda: 1), HealthCheck("db", lambda: 1)])


def test_heartbeat_check_takes_a_source_of_instants() -> None:
    now = datetime(2025, 12, 26, 23, tzinfo=UTC)

    def check(beats: object) -> CheckResult:
        return worker_heartbeat_check(lambda: beats, max_age_s=30, clock=lambda: now).run_sync()  # type: ignore[arg-type,return-value]

    assert check(now - timedelta(seconds=10)).status is HealthStatus.HEALTHY
    assert check(now - timedelta(seconds=31)).status is HealthStatus.UNHEALTHY
    assert check(None).message == "no heartbeat within 30s from 1 worker(s)"
    assert check([]).message == "no worker heartbeat"
    mixed = check({"a": now, "b": None})
    assert mixed.status is HealthStatus.DEGRADED
    assert mixed.details["stale"] == ["b"]
    naive = check(datetime(2025, 12, 26, 23))
    assert naive.status is HealthStatus.UNHEALTHY
    assert "timezone-aware" in (naive.message or "")


def test_run_health_checks_works_inside_a_running_event_loop() -> None:
    async def main() -> HealthStatus:
        return run_health_checks([HealthCheck("ok", lambda: True)]).status

    assert asyncio.run(main()) is HealthStatus.HEALTHY
