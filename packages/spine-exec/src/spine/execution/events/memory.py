"""``InMemoryEventBus``: one process, synchronous delivery.

Subscribers run in the publisher's thread before :meth:`~InMemoryEventBus.publish` returns,
which makes tests deterministic. Events are round-tripped through JSON (by default), so a
subscriber sees exactly what it would receive from the Redis or PostgreSQL bus, and an event
that would not travel fails here too.

Example:
    >>> from spine.execution.events import ExecutionStarted, InMemoryEventBus
    >>> bus, seen = InMemoryEventBus(), []
    >>> sub = bus.subscribe(lambda e: seen.append(e.workflow), "execution.*")
    >>> bus.subscribe(lambda e: 1 / 0)   # a broken subscriber  # doctest: +ELLIPSIS
    Subscription(...)
    >>> bus.publish(ExecutionStarted(execution_id="01J9", workflow="otc.ingest"))
    >>> seen, bus.subscribers.errors
    (['otc.ingest'], 1)
"""

from __future__ import annotations

from collections.abc import Iterable

from spine.execution.events.base import EventFilter, Subscriber, SubscriberSet, Subscription
from spine.execution.events.models import Event, event_from_json

__all__ = ["InMemoryEventBus"]


class InMemoryEventBus:
    """An :class:`~spine.execution.events.EventBus` inside one process.

    Args:
        copy: Round-trip each event through JSON before delivery (default ``True``).
    """

    def __init__(self, *, copy: bool = True) -> None:
        self.subscribers = SubscriberSet()
        self.published = 0
        self._copy = copy
        self._closed = False

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to the matching subscribers now."""
        candidate: object = event
        if not isinstance(candidate, Event):
            from spine.types import ValidationError

            raise ValidationError(f"publish() takes an Event, got {type(event).__name__}")
        if self._closed:
            return
        self.published += 1
        self.subscribers.deliver(event_from_json(event.to_json()) if self._copy else event)

    def subscribe(
        self, handler: Subscriber, types: Iterable[EventFilter] | EventFilter | None = None
    ) -> Subscription:
        """Call ``handler`` for each matching event."""
        return self.subscribers.add(handler, types)

    def close(self) -> None:
        """Drop every subscriber; later publishes are ignored."""
        self._closed = True
        self.subscribers.clear()

    def __repr__(self) -> str:
        return f"InMemoryEventBus({len(self.subscribers)} subscribers)"
