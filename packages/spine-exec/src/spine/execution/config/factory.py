"""Build each service from :class:`~spine.execution.config.SpineSettings`.

Each function builds one component (``None`` where the settings say ``none``); the
:class:`~spine.execution.config.SpineContainer` calls them lazily and owns what they return.
Passwords reach drivers and clients only: the objects built never show them.
"""

from __future__ import annotations

from collections.abc import Callable

from spine.db import SpineConnection, create_connection
from spine.execution.cache import CacheBackend, InMemoryCache, RedisCache
from spine.execution.config.components import CacheKind, EventBusKind, SchedulerKind
from spine.execution.config.settings import SpineSettings
from spine.execution.events.base import EventBus
from spine.execution.events.memory import InMemoryEventBus
from spine.execution.scheduling.clock import Clock
from spine.execution.scheduling.scheduler import SchedulerCore, Submitter
from spine.types import InvalidConfigError

__all__ = ["connection_factory", "create_cache", "create_event_bus", "create_scheduler"]


def connection_factory(settings: SpineSettings) -> Callable[[], SpineConnection]:
    """A function opening a new connection to ``settings.database_url``."""
    url = settings.database_url_with_password()
    timeout = settings.database_connect_timeout

    def connect() -> SpineConnection:
        return create_connection(url, connect_timeout=timeout)[0]

    return connect


def _redis_url(settings: SpineSettings, what: str) -> str:
    url = settings.redis_url_with_password()
    if not url:
        raise InvalidConfigError(f"{what} = 'redis' needs redis_url (SPINE_REDIS_URL)")
    return url


def create_cache(settings: SpineSettings) -> CacheBackend | None:
    """The configured cache (``None`` for ``cache_backend = 'none'``)."""
    kind = CacheKind(settings.cache_backend)
    if kind is CacheKind.NONE:
        return None
    if kind is CacheKind.REDIS:
        return RedisCache(
            _redis_url(settings, "cache_backend"),
            prefix=settings.cache_prefix,
            default_ttl=settings.cache_default_ttl,
        )
    return InMemoryCache(settings.cache_max_entries, default_ttl=settings.cache_default_ttl)


def create_event_bus(
    settings: SpineSettings, connect: Callable[[], SpineConnection] | None = None
) -> EventBus | None:
    """The configured event bus (``None`` for ``event_backend = 'none'``)."""
    kind = EventBusKind(settings.event_backend)
    if kind is EventBusKind.NONE:
        return None
    if kind is EventBusKind.REDIS:
        from spine.execution.events.redis import RedisEventBus

        prefix = settings.event_channel.rstrip(":") + ":"
        return RedisEventBus(_redis_url(settings, "event_backend"), channel_prefix=prefix)
    if kind is EventBusKind.POSTGRES:
        from spine.execution.events.postgres import PostgresEventBus

        return PostgresEventBus(
            connect=connect or connection_factory(settings), channel=settings.event_channel
        )
    return InMemoryEventBus()


def create_scheduler(
    settings: SpineSettings,
    dispatcher: Submitter,
    *,
    event_bus: EventBus | None = None,
    clock: Clock | None = None,
) -> SchedulerCore | None:
    """The configured scheduler, not started (``None`` for ``scheduler_backend = 'none'``).

    ``database`` opens a connection of its own to ``database_url`` for the
    :class:`~spine.execution.scheduling.DatabaseScheduler` (tables installed when missing).
    """
    kind = SchedulerKind(settings.scheduler_backend)
    if kind is SchedulerKind.NONE:
        return None
    if kind is SchedulerKind.DATABASE:
        from spine.execution.scheduling.database import DatabaseScheduler

        return DatabaseScheduler(
            dispatcher,
            connection_factory(settings)(),
            event_bus=event_bus,
            clock=clock,
            max_sleep=settings.scheduler_max_sleep,
        )
    if kind is SchedulerKind.ASYNCIO:
        from spine.execution.scheduling.aio import AsyncScheduler

        return AsyncScheduler(
            dispatcher, event_bus=event_bus, clock=clock, max_sleep=settings.scheduler_max_sleep
        )
    from spine.execution.scheduling.threaded import ThreadScheduler

    return ThreadScheduler(
        dispatcher, event_bus=event_bus, clock=clock, max_sleep=settings.scheduler_max_sleep
    )
