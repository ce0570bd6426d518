"""redis-py glue shared by the Redis cache, event bus and health check: the lazy import that
names the extra, client construction, and translation of redis errors into spine's taxonomy
(with the URL's password masked)."""

from __future__ import annotations

from typing import Any

from spine.db import mask_url
from spine.execution.errors import MissingExtraError
from spine.types import NetworkError, SpineError, StorageError

__all__ = ["DEFAULT_REDIS_URL", "load_redis", "redis_client", "translate_redis_error"]

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def load_redis(feature: str) -> Any:
    """``import redis`` or raise :class:`MissingExtraError` naming ``spine-exec[redis]``."""
    try:
        import redis
    except ImportError as exc:
        raise MissingExtraError(feature, "redis", "redis", cause=exc) from exc
    return redis


def redis_client(url: str, *, feature: str, timeout: float = 5.0, **options: Any) -> Any:
    """A ``redis.Redis`` from ``url`` with connect and socket timeouts.

    Raises:
        MissingExtraError: redis-py is not installed.
        InvalidConfigError: a malformed URL (the password masked).
    """
    redis = load_redis(feature)
    from spine.types import InvalidConfigError

    try:
        return redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=30,
            **options,
        )
    except ValueError as exc:
        raise InvalidConfigError(f"{feature}: bad Redis URL {mask_url(url)!r}: {exc}") from None


def translate_redis_error(exc: BaseException, what: str, url: str | None = None) -> SpineError:
    """A connection or timeout problem becomes a retryable :class:`NetworkError`; anything
    else a :class:`StorageError`. The message never holds a password."""
    where = f" at {mask_url(url)}" if url else ""
    kind = type(exc).__name__
    text = str(exc)
    if url:
        text = text.replace(url, mask_url(url))
    redis = load_redis(what)
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return NetworkError(f"{what}: Redis{where} unreachable ({kind}: {text})", cause=exc)
    return StorageError(f"{what}: Redis{where} failed ({kind}: {text})", cause=exc)
