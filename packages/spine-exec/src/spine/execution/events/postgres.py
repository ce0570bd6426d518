"""``PostgresEventBus``: events over PostgreSQL ``LISTEN``/``NOTIFY``.

Every event is sent as JSON on one channel (default ``spine_events``) and filtered by type
on the receiving side. A listener thread with its own connection (started by the first
:meth:`~PostgresEventBus.subscribe`) waits for notifications and delivers them.

Transactional publishing: ``publish(event, conn=your_connection)`` sends the notification
inside *your* transaction; PostgreSQL delivers it only if that transaction commits, so an
event never announces work that was rolled back. Without ``conn`` the bus publishes on its
own connection and commits at once.

The SQL and the driver calls live in spine-db (the dialect's ``notify_sql``/``listen_sql``,
:meth:`SpineConnection.wait_notifications <spine.db.SpineConnection.wait_notifications>`);
a database without notifications is refused with a :class:`~spine.types.ConfigError`.
Payloads are limited to 7,999 bytes by PostgreSQL: a larger event raises
:class:`~spine.types.ValidationError` before anything is sent.

Example (needs PostgreSQL)::

    bus = PostgresEventBus("postgresql://postgres@127.0.0.1:5432/spine")
    bus.subscribe(lambda e: print(e.type), "execution.*")
    with transaction(conn):
        ledger_changes(conn)
        bus.publish(ExecutionCompleted(execution_id=..., workflow=...), conn=conn)
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from spine.db import SpineConnection, create_connection, mask_url
from spine.execution.events._listener import ListeningBus
from spine.execution.events.base import (
    EventBusError,
)
from spine.execution.events.models import Event
from spine.types import ConfigError, SpineError, ValidationError

__all__ = ["MAX_PAYLOAD_BYTES", "PostgresEventBus"]

MAX_PAYLOAD_BYTES = 7999


class PostgresEventBus(ListeningBus):
    """An :class:`~spine.execution.events.EventBus` over LISTEN/NOTIFY.

    Args:
        url: A ``postgresql://`` URL (the password never appears in reprs or errors).
        connect: Instead of ``url``, a function returning a new
            :class:`~spine.db.SpineConnection` (called for the publisher and the listener).
        channel: The notification channel (an identifier; default ``"spine_events"``).
        timeout: How long :meth:`subscribe` waits for the listener.

    Raises:
        ConfigError: the database has no LISTEN/NOTIFY (checked on first connection).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        connect: Callable[[], SpineConnection] | None = None,
        channel: str = "spine_events",
        timeout: float = 5.0,
    ) -> None:
        if (url is None) == (connect is None):
            raise ConfigError("PostgresEventBus needs exactly one of url= and connect=")
        self._url = url
        if connect is None:
            assert url is not None
            target = url

            def connect() -> SpineConnection:
                return create_connection(target)[0]

        self._connect = connect
        self.channel = channel
        self._publisher: SpineConnection | None = None
        self._lock = threading.Lock()
        self._start_listening(f"spine-events-postgres[{channel}]", timeout)

    def _open(self) -> SpineConnection:
        conn = self._connect()
        if not conn.dialect.supports_notify:
            conn.close()
            raise ConfigError(
                f"PostgresEventBus needs a database with LISTEN/NOTIFY; {conn.dialect.name} "
                "has none (use the Redis or in-memory event bus)"
            )
        return conn

    def publish(self, event: Event, *, conn: SpineConnection | None = None) -> None:
        """Send ``event``; with ``conn``, inside that connection's transaction (delivered
        when it commits), else on the bus's own connection, committed at once.

        Raises:
            ValidationError: the JSON payload exceeds 7,999 bytes.
            EventBusError: the database is unreachable (retryable).
        """
        candidate: object = event
        if not isinstance(candidate, Event):
            raise ValidationError(f"publish() takes an Event, got {type(event).__name__}")
        payload = event.to_json()
        size = len(payload.encode())
        if size > MAX_PAYLOAD_BYTES:
            raise ValidationError(
                f"{event.type} event {event.id} is {size} bytes as JSON; PostgreSQL "
                f"notifications carry at most {MAX_PAYLOAD_BYTES} (send an id and look the rest "
                "up)"
            )
        if conn is not None:
            conn.notify(self.channel, payload)
            self.published += 1
            return
        with self._lock:
            if self._closed:  # reopening a publisher here would leak its connection
                raise EventBusError("PostgresEventBus is closed: nothing is published")
            try:
                if self._publisher is None or self._publisher.closed:
                    self._publisher = self._open()
                self._publisher.notify(self.channel, payload)
                self._publisher.commit()
            except ConfigError:
                raise
            except SpineError as exc:
                self._drop_publisher()
                raise EventBusError(f"PostgresEventBus publish failed: {exc}", cause=exc) from exc
        self.published += 1

    def _drop_publisher(self) -> None:
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            try:
                publisher.close()
            except SpineError:
                return

    def _listen_connect(self) -> SpineConnection:
        conn = self._open()
        conn.listen(self.channel)
        return conn

    def _listen_receive(self, conn: SpineConnection, timeout: float) -> list[str]:
        return [payload for _, payload in conn.wait_notifications(timeout)]

    def _listen_close(self, conn: SpineConnection) -> None:
        conn.close()

    def _close_transport(self) -> None:
        with self._lock:
            self._drop_publisher()

    def __repr__(self) -> str:
        where = mask_url(self._url) if self._url else "connect()"
        return f"PostgresEventBus({where!r}, channel={self.channel!r})"
