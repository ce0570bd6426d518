"""The stock health checks against the real servers: every database backend and Redis."""

from __future__ import annotations

from collections.abc import Callable

from spine.db import SpineConnection
from spine.db.testing import IsolatedDatabase
from spine.execution import HealthStatus, database_check, redis_check

from .conftest import REDIS_URL, need_redis


def test_database_check_is_healthy_on_every_backend(
    isolated_db: IsolatedDatabase, db: SpineConnection
) -> None:
    url = isolated_db.url or f"sqlite:///{isolated_db.path}"
    result = database_check(url).run_sync()
    assert result.status is HealthStatus.HEALTHY, result.message
    assert result.details["backend"] == db.dialect.name


def test_database_check_accepts_a_connection_factory_and_closes_what_it_opens(
    db_factory: Callable[[], SpineConnection],
) -> None:
    opened: list[SpineConnection] = []

    def connect() -> SpineConnection:
        conn = db_factory()
        opened.append(conn)
        return conn

    assert database_check(connect).run_sync().status is HealthStatus.HEALTHY
    assert opened[0].closed


def test_database_check_reports_an_unreachable_server_without_its_password() -> None:
    check = database_check("postgresql://spine:hunter2@127.0.0.1:1/x", timeout_s=3)
    result = check.run_sync()
    assert result.status is HealthStatus.UNHEALTHY
    assert "hunter2" not in (result.message or "")


def test_redis_check_pings_the_server_and_reports_an_unreachable_one() -> None:
    need_redis()
    assert redis_check(REDIS_URL).run_sync().status is HealthStatus.HEALTHY
    down = redis_check("redis://:hunter2@127.0.0.1:1/0", timeout_s=1).run_sync()
    assert down.status is HealthStatus.UNHEALTHY
    assert "hunter2" not in (down.message or "")
    assert "NetworkError" in (down.message or "")
