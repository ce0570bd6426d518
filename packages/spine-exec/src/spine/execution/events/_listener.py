"""The listener thread shared by the Redis and PostgreSQL buses.

A bus supplies three functions - connect (and subscribe), receive (wait up to a timeout for
raw messages), close - and :class:`Listener` runs them in a daemon thread: it decodes each
message into an :class:`~spine.execution.events.Event`, delivers it to the bus's
subscribers (whose errors never escape), and on a lost connection backs off and reconnects.
Messages published while it is disconnected are lost: pub/sub and LISTEN/NOTIFY are
at-most-once; the ledger, not the bus, is the record of what happened.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from spine.execution.events.base import (
    EventBusError,
    EventFilter,
    Subscriber,
    SubscriberSet,
    Subscription,
)
from spine.execution.events.models import event_from_json
from spine.types import SpineError, is_retryable

__all__ = ["Listener", "ListeningBus"]

log = logging.getLogger("spine.execution.events")


class Listener:
    """Receive messages in a background thread and deliver them to ``subscribers``."""

    def __init__(
        self,
        name: str,
        subscribers: SubscriberSet,
        connect: Callable[[], Any],
        receive: Callable[[Any, float], list[str]],
        close: Callable[[Any], None],
        *,
        poll: float = 0.5,
    ) -> None:
        self.name = name
        self.subscribers = subscribers
        self._connect = connect
        self._receive = receive
        self._close = close
        self._poll = poll
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_error: BaseException | None = None
        self._fatal: SpineError | None = None
        self.malformed = 0
        """Messages that were not spine events (logged and dropped)."""
        self.reconnects = 0

    def ensure_started(self, timeout: float) -> None:
        """Start the thread if needed and wait until it listens.

        Raises:
            EventBusError: not listening within ``timeout`` seconds.
        """
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._ready.clear()
                self._fatal = None
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        end = time.monotonic() + timeout
        while not self._ready.wait(0.02):
            fatal = self._fatal
            if fatal is not None:
                raise fatal
            if time.monotonic() >= end:
                cause = self._last_error
                detail = f": {cause}" if cause is not None else ""
                raise EventBusError(f"{self.name}: not listening after {timeout:g}s{detail}")

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                handle = self._connect()
            except SpineError as exc:
                if not is_retryable(exc):  # bad configuration or credentials: no retry
                    self._fatal = exc
                    log.error("%s: cannot listen: %s", self.name, exc)
                    return
                self._last_error = exc
                log.warning("%s: cannot listen (%s); retrying in %.1fs", self.name, exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            except Exception as exc:
                self._last_error = exc
                log.warning("%s: cannot listen (%s); retrying in %.1fs", self.name, exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            self._ready.set()
            backoff = 0.1
            try:
                while not self._stop.is_set():
                    for raw in self._receive(handle, self._poll):
                        self._deliver(raw)
            except Exception as exc:
                if not self._stop.is_set():
                    self._last_error = exc
                    self.reconnects += 1
                    log.warning("%s: connection lost (%s); reconnecting", self.name, exc)
            finally:
                self._ready.clear()
                try:
                    self._close(handle)
                except Exception:  # a broken connection may fail to close
                    log.debug("%s: close failed", self.name, exc_info=True)

    def _deliver(self, raw: str) -> None:
        try:
            event = event_from_json(raw)
        except SpineError:
            self.malformed += 1
            log.warning("%s: dropped a message that is not a spine event: %.200r", self.name, raw)
            return
        self.subscribers.deliver(event)

    @property
    def listening(self) -> bool:
        """Whether the thread is connected and subscribed."""
        return self._ready.is_set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread (idempotent)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None


class ListeningBus:
    """Base of the buses whose subscribers are fed by a :class:`Listener` thread: the
    subscription, listening and closing logic; subclasses provide the transport
    (``_listen_connect``, ``_listen_receive``, ``_listen_close``, ``_close_transport``)."""

    subscribers: SubscriberSet
    timeout: float

    def _start_listening(self, name: str, timeout: float) -> None:
        self.subscribers = SubscriberSet()
        self.timeout = timeout
        self.published = 0
        self._closed = False
        self._listener = Listener(
            name, self.subscribers, self._listen_connect, self._listen_receive, self._listen_close
        )

    def _listen_connect(self) -> Any:
        raise NotImplementedError

    def _listen_receive(self, handle: Any, timeout: float) -> list[str]:
        raise NotImplementedError

    def _listen_close(self, handle: Any) -> None:
        raise NotImplementedError

    def _close_transport(self) -> None:
        raise NotImplementedError

    def subscribe(
        self, handler: Subscriber, types: Iterable[EventFilter] | EventFilter | None = None
    ) -> Subscription:
        """Deliver matching events to ``handler`` (from the listener thread). When this
        returns, the listener is subscribed.

        Raises:
            EventBusError: the bus is closed, or not listening within ``timeout``.
            ConfigError: the server cannot be used (wrong kind, credentials).
        """
        if self._closed:
            raise EventBusError(f"{type(self).__name__} is closed")
        subscription = self.subscribers.add(handler, types)
        try:
            self._listener.ensure_started(self.timeout)
        except SpineError:
            subscription.unsubscribe()
            raise
        return subscription

    @property
    def listening(self) -> bool:
        """Whether the listener thread is connected and subscribed."""
        return self._listener.listening

    def close(self) -> None:
        """Stop the listener and close connections (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._listener.stop()
        self.subscribers.clear()
        self._close_transport()
