"""Which backend each service uses, and which combinations work.

:func:`validate_component_combination` checks a :class:`~spine.execution.config.SpineSettings`
before anything is built, and reports every problem at once (a Redis cache without the redis
extra or a Redis URL, a PostgreSQL event bus on a database without LISTEN/NOTIFY, a health
port without FastAPI, a database scheduler over an in-memory database...).

Example:
    >>> from spine.execution.config import SpineSettings
    >>> settings = SpineSettings(cache_backend="redis", event_backend="postgres")
    >>> validate_component_combination(settings)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spine.types.errors.InvalidConfigError: 2 problem(s) in the spine settings:
      - cache_backend = 'redis' needs redis_url (SPINE_REDIS_URL)
      - event_backend = 'postgres' needs a database with LISTEN/NOTIFY; database_url is sqlite...
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING

from spine.types import InvalidConfigError, SpineError

if TYPE_CHECKING:
    from spine.execution.config.settings import SpineSettings

__all__ = [
    "CacheKind",
    "EventBusKind",
    "SchedulerKind",
    "module_available",
    "validate_component_combination",
]


class CacheKind(StrEnum):
    """Cache backends."""

    MEMORY = "memory"
    REDIS = "redis"
    NONE = "none"


class EventBusKind(StrEnum):
    """Event bus backends."""

    MEMORY = "memory"
    REDIS = "redis"
    POSTGRES = "postgres"
    NONE = "none"


class SchedulerKind(StrEnum):
    """Scheduler backends (``database``, for many hosts, arrives with core_schedules)."""

    THREAD = "thread"
    ASYNCIO = "asyncio"
    DATABASE = "database"
    NONE = "none"


def module_available(name: str) -> bool:
    """Whether ``import name`` would find a module (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def validate_component_combination(
    settings: SpineSettings, *, have_module: Callable[[str], bool] = module_available
) -> None:
    """Check that the configured components can be built together.

    Args:
        settings: What to check.
        have_module: Whether an optional library is installed (default: look it up).

    Raises:
        InvalidConfigError: every problem found, one per line; ``err.problems`` lists them.
    """
    from spine.db import get_dialect, parse_url
    from spine.db.drivers import get_driver

    problems: list[str] = []
    redis_users = [
        f"{field} = 'redis'"
        for field, kind in (
            ("cache_backend", settings.cache_backend),
            ("event_backend", settings.event_backend),
        )
        if kind == "redis"
    ]
    for user in redis_users:
        if not have_module("redis"):
            problems.append(f'{user} needs redis-py: pip install "spine-exec[redis]"')
        if not settings.redis_url:
            problems.append(f"{user} needs redis_url (SPINE_REDIS_URL)")
    backend = None
    try:
        backend = parse_url(settings.database_url_with_password()).backend
    except SpineError as exc:
        problems.append(f"database_url: {exc}")
    if backend is not None:
        try:
            get_driver(backend).load()
        except SpineError as exc:
            problems.append(f"database_url uses {backend}: {exc}")
        if (
            settings.event_backend == EventBusKind.POSTGRES
            and not get_dialect(backend).supports_notify
        ):
            problems.append(
                "event_backend = 'postgres' needs a database with LISTEN/NOTIFY; database_url "
                f"is {backend} (use event_backend = 'redis' or 'memory')"
            )
    if settings.scheduler_backend == SchedulerKind.DATABASE and settings.database_url in (
        "",
        "memory",
        ":memory:",
        "sqlite://",
        "sqlite:///:memory:",
    ):
        problems.append(
            "scheduler_backend = 'database' shares schedules through database_url, which is "
            "an in-memory database no other process sees; set database_url to a file or a "
            "server (or use scheduler_backend = 'thread')"
        )
    if settings.health_port is not None and not have_module("fastapi"):
        problems.append('health_port needs FastAPI: pip install "spine-exec[api]"')
    if problems:
        error = InvalidConfigError(
            f"{len(problems)} problem(s) in the spine settings:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
        error.problems = problems  # type: ignore[attr-defined]
        raise error
