"""``RedisEventBus``: events over Redis pub/sub (extra ``spine-exec[redis]``).

Each event is published as JSON on channel ``<prefix><type>`` (``spine:events:schedule.fired``),
so other tools can subscribe with ``PSUBSCRIBE spine:events:*``. A listener thread
(started by the first :meth:`~RedisEventBus.subscribe`) receives every channel under the
prefix and delivers to this process's subscribers, including events this process published.
Delivery is at-most-once, like Redis pub/sub itself.

Example (needs a Redis server)::

    bus = RedisEventBus("redis://127.0.0.1:6379/0")
    bus.subscribe(lambda e: print(e.type, e.schedule), "schedule.*")
    bus.publish(ScheduleFired(schedule="finra.weekly", scheduled_for=now, target="otc.ingest"))
"""

from __future__ import annotations

from typing import Any

from spine.db import mask_url
from spine.execution._redis import DEFAULT_REDIS_URL, redis_client, translate_redis_error
from spine.execution.events._listener import ListeningBus
from spine.execution.events.base import (
    EventBusError,
)
from spine.execution.events.models import Event
from spine.types import ValidationError

__all__ = ["RedisEventBus"]


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


class RedisEventBus(ListeningBus):
    """An :class:`~spine.execution.events.EventBus` over Redis pub/sub.

    Args:
        url: ``redis://[:password@]host:port/db`` (the password never appears in reprs or
            errors).
        client: A ready ``redis.Redis`` (skips ``url``).
        channel_prefix: Channel namespace (default ``"spine:events:"``).
        timeout: Connect/socket timeout, and how long :meth:`subscribe` waits for the
            listener to be subscribed.

    Raises:
        MissingExtraError: redis-py is not installed.
    """

    def __init__(
        self,
        url: str = DEFAULT_REDIS_URL,
        *,
        client: Any = None,
        channel_prefix: str = "spine:events:",
        timeout: float = 5.0,
    ) -> None:
        self._url = url
        self._client = (
            client
            if client is not None
            else redis_client(url, feature="RedisEventBus", timeout=timeout)
        )
        self.channel_prefix = channel_prefix
        self._start_listening(f"spine-events-redis[{channel_prefix}]", timeout)

    def _fail(self, exc: BaseException, what: str) -> EventBusError:
        spine_error = translate_redis_error(exc, f"RedisEventBus {what}", self._url)
        return EventBusError(str(spine_error), cause=exc)

    def publish(self, event: Event) -> None:
        """``PUBLISH <prefix><type> <json>``.

        Raises:
            EventBusError: Redis is unreachable (retryable).
        """
        candidate: object = event
        if not isinstance(candidate, Event):
            raise ValidationError(f"publish() takes an Event, got {type(event).__name__}")
        try:
            self._client.publish(self.channel_prefix + event.type, event.to_json())
        except Exception as exc:
            raise self._fail(exc, "publish") from exc
        self.published += 1

    def _listen_connect(self) -> Any:
        pubsub = self._client.pubsub()
        pubsub.psubscribe(_glob_escape(self.channel_prefix) + "*")
        # Wait for Redis to confirm: events published after subscribe() returns are received.
        while True:
            message = pubsub.get_message(timeout=self.timeout)
            if message is None:
                pubsub.close()
                raise EventBusError("RedisEventBus: no subscription confirmation")
            if message.get("type") == "psubscribe":
                return pubsub

    def _listen_receive(self, pubsub: Any, timeout: float) -> list[str]:
        message = pubsub.get_message(timeout=timeout)
        if message is None or message.get("type") != "pmessage":
            return []
        data = message.get("data")
        return [data.decode() if isinstance(data, bytes) else str(data)]

    def _listen_close(self, pubsub: Any) -> None:
        pubsub.close()

    def _close_transport(self) -> None:
        try:
            self._client.close()
        except Exception:  # closing never raises
            return

    def __repr__(self) -> str:
        return f"RedisEventBus({mask_url(self._url)!r}, prefix={self.channel_prefix!r})"
