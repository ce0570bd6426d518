"""``SpineContainer``: builds each configured service once, on first use, and closes them.

The container validates the component combination when it is created (every problem at
once), then builds lazily: nothing connects to a database or Redis until asked. It owns what
it built and :meth:`~SpineContainer.close` releases it in reverse order. (The worker joins
in issue 12.)

Example:
    >>> from spine.execution.config import SpineContainer, SpineSettings
    >>> with SpineContainer(SpineSettings(database_url="memory")) as container:
    ...     container.cache.set("k", 1)
    ...     [c.name for c in container.health_checks()]
    ['database']
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from spine.db import SpineConnection
from spine.execution.cache import CacheBackend
from spine.execution.config import factory
from spine.execution.config.components import (
    CacheKind,
    EventBusKind,
    validate_component_combination,
)
from spine.execution.config.settings import SpineSettings, get_settings
from spine.execution.dispatcher import Dispatcher
from spine.execution.events.base import EventBus
from spine.execution.health import HealthCheck
from spine.execution.scheduling.clock import Clock
from spine.execution.scheduling.scheduler import SchedulerCore

__all__ = ["SpineContainer", "get_container"]

_MISSING: Any = object()


class SpineContainer:
    """Lazily built services from one :class:`SpineSettings`.

    Args:
        settings: Default :func:`~spine.execution.config.get_settings`.
        dispatcher: Where the scheduler submits (default: a new in-process
            :class:`~spine.execution.Dispatcher`).
        clock: The scheduler's clock (tests pass a :class:`~spine.execution.ManualClock`).

    Raises:
        InvalidConfigError: the settings' components do not work together.
    """

    def __init__(
        self,
        settings: SpineSettings | None = None,
        *,
        dispatcher: Dispatcher | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings if settings is not None else get_settings()
        validate_component_combination(self.settings)
        self._dispatcher = dispatcher
        self._clock = clock
        self._lock = threading.RLock()
        self._built: dict[str, Any] = {}
        self._order: list[str] = []

    def _get(self, name: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            value = self._built.get(name, _MISSING)
            if value is _MISSING:
                value = build()
                self._built[name] = value
                self._order.append(name)
            return value

    @property
    def connect(self) -> Callable[[], SpineConnection]:
        """Opens a new database connection each call (the caller closes it)."""
        return factory.connection_factory(self.settings)

    @property
    def database(self) -> SpineConnection:
        """The container's own database connection (one thread at a time)."""
        result: SpineConnection = self._get("database", self.connect)
        return result

    @property
    def cache(self) -> CacheBackend | None:
        """The configured cache."""
        return self._get("cache", lambda: factory.create_cache(self.settings))  # type: ignore[no-any-return]

    @property
    def event_bus(self) -> EventBus | None:
        """The configured event bus."""
        return self._get(  # type: ignore[no-any-return]
            "event_bus", lambda: factory.create_event_bus(self.settings, self.connect)
        )

    @property
    def dispatcher(self) -> Dispatcher:
        """The dispatcher the scheduler submits through."""
        return self._get("dispatcher", lambda: self._dispatcher or Dispatcher())  # type: ignore[no-any-return]

    @property
    def scheduler(self) -> SchedulerCore | None:
        """The configured scheduler (not started)."""
        return self._get(  # type: ignore[no-any-return]
            "scheduler",
            lambda: factory.create_scheduler(
                self.settings, self.dispatcher, event_bus=self.event_bus, clock=self._clock
            ),
        )

    def health_checks(self) -> list[HealthCheck]:
        """Checks of the configured dependencies: the database, and Redis when used."""
        from spine.execution.health_checks import database_check, redis_check

        checks = [database_check(self.connect)]
        uses_redis = (
            self.settings.cache_backend == CacheKind.REDIS
            or self.settings.event_backend == EventBusKind.REDIS
        )
        if uses_redis:
            url = self.settings.redis_url_with_password()
            assert url is not None
            checks.append(redis_check(url))
        return checks

    def close(self) -> None:
        """Stop and close everything built, newest first (idempotent; never raises)."""
        with self._lock:
            order, self._order = list(reversed(self._order)), []
            built, self._built = self._built, {}
        for name in order:
            component = built.get(name)
            if component is None:
                continue
            for method in ("stop", "shutdown", "close"):
                fn = getattr(component, method, None)
                if callable(fn):
                    try:
                        fn()
                    except Exception:  # closing one component never stops the others
                        import logging

                        logging.getLogger("spine.execution.config").warning(
                            "closing %s failed", name, exc_info=True
                        )
                    break

    def __enter__(self) -> SpineContainer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SpineContainer(built={sorted(self._built)})"


_GLOBAL: dict[str, SpineContainer] = {}
_GLOBAL_LOCK = threading.Lock()


def get_container() -> SpineContainer:
    """The process-wide container over :func:`get_settings` (``get_container.reset()``
    closes and forgets it)."""
    with _GLOBAL_LOCK:
        container = _GLOBAL.get("container")
        if container is None:
            container = _GLOBAL["container"] = SpineContainer()
        return container


def _reset() -> None:
    with _GLOBAL_LOCK:
        container = _GLOBAL.pop("container", None)
    if container is not None:
        container.close()


get_container.reset = _reset  # type: ignore[attr-defined]
