"""The :class:`EventBus` protocol, subscriptions, and the delivery every backend shares.

A bus delivers each published event to every subscriber whose filter matches, in publish
order per publisher. A subscriber that raises is logged and counted
(:attr:`SubscriberSet.errors`) and never reaches the publisher or the other subscribers.

Filters are event types or classes, or ``fnmatch`` patterns (``"execution.*"``); ``None``
subscribes to everything.

Delivery: the in-memory bus calls subscribers in the publisher's thread before
``publish`` returns; the Redis and PostgreSQL buses deliver from a listener thread, to every
process subscribed (this one included), so ``publish`` returns before subscribers run.
"""

from __future__ import annotations

import fnmatch
import logging
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Protocol, runtime_checkable

from spine.execution.events.models import Event
from spine.types import TransientError

__all__ = [
    "EventBus",
    "EventBusError",
    "EventFilter",
    "Subscriber",
    "SubscriberSet",
    "Subscription",
    "safe_publish",
]

log = logging.getLogger("spine.execution.events")

Subscriber = Callable[[Event], object]
"""A function receiving each matching event."""

EventFilter = str | type[Event]


class EventBusError(TransientError):
    """The bus could not publish or listen (its server is unreachable). Retryable."""


class Subscription:
    """A live subscription; :meth:`unsubscribe` (or leaving its ``with`` block) ends it."""

    __slots__ = ("_cancel", "_lock", "active", "handler", "patterns")

    def __init__(
        self, handler: Subscriber, patterns: tuple[str, ...] | None, cancel: Callable[[], None]
    ) -> None:
        self.handler = handler
        self.patterns = patterns
        self.active = True
        self._cancel = cancel
        self._lock = threading.Lock()

    def matches(self, event_type: str) -> bool:
        """Whether this subscription wants events of ``event_type``."""
        if self.patterns is None:
            return True
        return any(fnmatch.fnmatchcase(event_type, p) for p in self.patterns)

    def unsubscribe(self) -> None:
        """Stop receiving events (idempotent)."""
        with self._lock:
            if not self.active:
                return
            self.active = False
        self._cancel()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.unsubscribe()

    def __repr__(self) -> str:
        name = getattr(self.handler, "__qualname__", repr(self.handler))
        return f"Subscription({name}, {self.patterns or 'all'}, active={self.active})"


@runtime_checkable
class EventBus(Protocol):
    """Publish typed events; subscribe handlers to them."""

    def publish(self, event: Event) -> None:
        """Send ``event`` to every matching subscriber.

        Raises:
            EventBusError: the transport failed (never a subscriber's error).
        """
        ...

    def subscribe(
        self, handler: Subscriber, types: Iterable[EventFilter] | EventFilter | None = None
    ) -> Subscription:
        """Call ``handler`` for every event matching ``types`` until unsubscribed. When this
        returns, the subscription is live: events published afterwards reach it."""
        ...

    def close(self) -> None:
        """Stop listening and release connections (idempotent)."""
        ...


def normalize_filters(types: Iterable[EventFilter] | EventFilter | None) -> tuple[str, ...] | None:
    """Filters as a tuple of type patterns (``None``: everything)."""
    if types is None:
        return None
    items = [types] if isinstance(types, str | type) else list(types)
    patterns: list[str] = []
    for item in items:
        if isinstance(item, type) and issubclass(item, Event):
            patterns.append(item.type)
        elif isinstance(item, str) and item:
            patterns.append(item)
        else:
            from spine.types import ValidationError

            raise ValidationError(
                f"event filters are event types, Event classes or patterns, got {item!r}"
            )
    return tuple(patterns)


class SubscriberSet:
    """The subscribers of one bus, and safe delivery to them (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []
        self.errors = 0
        """How many subscriber calls raised."""
        self.delivered = 0
        """How many subscriber calls returned normally."""

    def add(
        self, handler: Subscriber, types: Iterable[EventFilter] | EventFilter | None
    ) -> Subscription:
        """Register ``handler``; returns its subscription."""
        candidate: object = handler
        if not callable(candidate):
            from spine.types import ValidationError

            raise ValidationError(f"an event subscriber must be callable, got {handler!r}")
        sub = Subscription(handler, normalize_filters(types), lambda: None)
        sub._cancel = lambda: self._remove(sub)
        with self._lock:
            self._subs.append(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            self._subs = [s for s in self._subs if s is not sub]

    def __len__(self) -> int:
        with self._lock:
            return len(self._subs)

    def deliver(self, event: Event) -> None:
        """Call every matching subscriber; errors are logged, counted and swallowed."""
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            if not sub.active or not sub.matches(event.type):
                continue
            try:
                sub.handler(event)
            except Exception:
                self.errors += 1
                log.exception(
                    "event subscriber %r raised on %s %s; the publisher is unaffected",
                    sub.handler,
                    event.type,
                    event.id,
                )
            else:
                self.delivered += 1

    def clear(self) -> None:
        """Drop every subscriber."""
        with self._lock:
            for sub in self._subs:
                sub.active = False
            self._subs = []


def safe_publish(bus: EventBus | None, event: Event) -> bool:
    """Publish when a bus is configured, logging (not raising) a transport failure: for
    services whose own work must not fail because notifications could not be sent."""
    if bus is None:
        return False
    try:
        bus.publish(event)
    except Exception:
        log.warning("could not publish %s %s", event.type, event.id, exc_info=True)
        return False
    return True
