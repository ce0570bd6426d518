"""Stock health checks: a database, Redis, and worker heartbeats.

Each function returns a :class:`~spine.execution.health.HealthCheck` ready for
:func:`~spine.execution.health.create_health_router`. Messages and details never contain a
password: URLs are shown masked.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> now = datetime(2025, 12, 26, 23, 0, tzinfo=UTC)
    >>> beats = {"w1": now - timedelta(seconds=5), "w2": now - timedelta(minutes=10)}
    >>> check = worker_heartbeat_check(lambda: beats, max_age_s=60, clock=lambda: now)
    >>> result = check.run_sync()
    >>> result.status.value, result.details["fresh"], result.details["stale"]
    ('degraded', ['w1'], ['w2'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from spine.db import SpineConnection, create_connection, mask_url
from spine.execution.health import CheckResult, HealthCheck
from spine.types import ValidationError

__all__ = ["database_check", "redis_check", "worker_heartbeat_check"]

HeartbeatSource = Callable[[], datetime | Iterable[datetime] | Mapping[str, datetime | None] | None]
"""Returns the last heartbeat: one instant, several, or ``{worker_id: instant}``."""


def database_check(
    target: str | Callable[[], SpineConnection],
    *,
    name: str = "database",
    required: bool = True,
    timeout_s: float = 5.0,
) -> HealthCheck:
    """Connect (a fresh connection each time), run the dialect's ping statement, close.

    Args:
        target: A database URL, or a function returning a new
            :class:`~spine.db.SpineConnection` (the check closes it).
    """
    url = target if isinstance(target, str) else None

    def check() -> CheckResult:
        if url is not None:
            conn, _ = create_connection(url, connect_timeout=max(1.0, timeout_s))
        else:
            assert callable(target)
            conn = target()
        try:
            conn.ping()
            conn.rollback()
            return CheckResult.healthy(backend=conn.dialect.name, url=conn.info.url)
        finally:
            conn.close()

    return HealthCheck(name, check, required=required, timeout_s=timeout_s)


def redis_check(
    target: str | Any = "redis://127.0.0.1:6379/0",
    *,
    name: str = "redis",
    required: bool = True,
    timeout_s: float = 2.0,
) -> HealthCheck:
    """``PING`` a Redis server (a URL, or a ``redis.Redis`` client); needs
    ``spine-exec[redis]``."""
    from spine.execution._redis import redis_client, translate_redis_error

    url = target if isinstance(target, str) else None
    client: Any = (
        redis_client(url, feature="redis_check", timeout=timeout_s) if url is not None else target
    )
    shown = mask_url(url) if url is not None else repr(client)

    def check() -> CheckResult:
        try:
            client.ping()
        except Exception as exc:
            raise translate_redis_error(exc, "redis_check", url) from None
        return CheckResult.healthy(url=shown)

    return HealthCheck(name, check, required=required, timeout_s=timeout_s)


def _aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError(f"{what} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


def worker_heartbeat_check(
    source: HeartbeatSource,
    *,
    max_age_s: float = 60.0,
    name: str = "worker",
    required: bool = True,
    timeout_s: float = 5.0,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> HealthCheck:
    """Workers are alive when their last heartbeat is at most ``max_age_s`` old.

    ``source()`` returns one heartbeat instant, several, or ``{worker_id: instant}``
    (``None`` for never). Healthy when every worker is fresh; degraded when some are stale;
    unhealthy when none is fresh (or there is none).
    """
    if isinstance(max_age_s, bool) or not isinstance(max_age_s, int | float) or max_age_s <= 0:
        raise ValidationError(f"max_age_s must be > 0 seconds, got {max_age_s!r}")

    def check() -> CheckResult:
        raw = source()
        beats: dict[str, datetime | None]
        if raw is None or isinstance(raw, datetime):
            beats = {"worker": raw}
        elif isinstance(raw, Mapping):
            beats = {str(k): v for k, v in raw.items()}
        else:
            beats = {f"worker-{i}": v for i, v in enumerate(raw)}
        now = _aware(clock(), "clock()")
        fresh: list[str] = []
        stale: list[str] = []
        ages: dict[str, float] = {}
        for worker, beat in sorted(beats.items()):
            if beat is None:
                stale.append(worker)
                continue
            age = (now - _aware(beat, f"heartbeat of {worker}")).total_seconds()
            ages[worker] = round(age, 3)
            (fresh if age <= max_age_s else stale).append(worker)
        details: dict[str, Any] = {
            "fresh": fresh,
            "stale": stale,
            "age_s": ages,
            "max_age_s": max_age_s,
        }
        if not beats:
            return CheckResult.unhealthy("no worker heartbeat", **details)
        if not fresh:
            return CheckResult.unhealthy(
                f"no heartbeat within {max_age_s:g}s from {len(stale)} worker(s)", **details
            )
        if stale:
            return CheckResult.degraded(
                f"{len(stale)} of {len(beats)} worker(s) silent for over {max_age_s:g}s",
                **details,
            )
        return CheckResult.healthy(None, **details)

    return HealthCheck(name, check, required=required, timeout_s=timeout_s)
