"""``SpineSettings``: one object configuring spine's services, and how it is loaded.

Precedence, highest first: keyword arguments to :func:`load_settings`, process environment
variables (``SPINE_DATABASE_URL``...), dotenv files (see
:func:`~spine.execution.config.loader.find_env_files`), the TOML profile (see
:mod:`~spine.execution.config.profiles`; chosen by ``profile=`` or ``$SPINE_PROFILE``),
the defaults. Any string may be a ``secret:`` reference.

Secrets never show: ``database_password`` and ``redis_password`` are
:class:`~spine.types.SecretValue`; URLs are masked in ``repr`` and in
:meth:`SpineSettings.describe`; a field error names the field and where its value came
from, never a secret value.

Example:
    >>> s = SpineSettings(database_url="postgresql://spine:hunter2@db:5432/spine")
    >>> "hunter2" in repr(s)
    False
    >>> s.describe()["database_url"]
    'postgresql://spine:***@db:5432/spine'
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from dotenv import dotenv_values
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from spine.db import mask_url
from spine.execution.config.components import CacheKind, EventBusKind, SchedulerKind
from spine.execution.config.loader import find_env_files
from spine.execution.config.profiles import Profile, load_profile
from spine.execution.settings import Secret, SpineBaseSettings
from spine.types import ConfigError, InvalidConfigError

__all__ = ["SpineSettings", "get_settings", "load_settings"]

_URL_FIELDS = ("database_url", "redis_url")
_SECRET_FIELDS = ("database_password", "redis_password")


class SpineSettings(SpineBaseSettings):
    """Settings of spine's services (environment prefix ``SPINE_``).

    Attributes:
        profile: The TOML profile these settings were loaded with.
        environment: A label (``development``, ``production``...).
        database_url: Where the ledger, queue and schedules live (default embedded SQLite).
        database_password: Put into ``database_url`` when the URL has none.
        database_connect_timeout: Seconds.
        cache_backend: ``memory``, ``redis`` or ``none``.
        cache_max_entries / cache_default_ttl / cache_prefix: Cache tuning.
        redis_url / redis_password: The Redis server (cache and event bus).
        event_backend: ``memory``, ``redis``, ``postgres`` or ``none``.
        event_channel: Channel (postgres) or channel prefix (redis) of events.
        scheduler_backend: ``thread``, ``asyncio`` or ``none`` (``database`` later).
        scheduler_max_sleep: Longest scheduler wait between ticks, seconds.
        service_name: Reported by health endpoints.
        health_port: Serve health endpoints on this port (needs ``spine-exec[api]``).
        log_level: Logging level name.
    """

    profile: str | None = None
    environment: str = "development"
    database_url: str = "sqlite:///spine.db"
    database_password: Secret | None = None
    database_connect_timeout: float = Field(default=10.0, gt=0)
    cache_backend: CacheKind = CacheKind.MEMORY
    cache_max_entries: int = Field(default=10_000, ge=1)
    cache_default_ttl: float | None = Field(default=None, gt=0)
    cache_prefix: str = "spine:cache:"
    redis_url: str | None = None
    redis_password: Secret | None = None
    event_backend: EventBusKind = EventBusKind.MEMORY
    event_channel: str = "spine_events"
    scheduler_backend: SchedulerKind = SchedulerKind.THREAD
    scheduler_max_sleep: float = Field(default=30.0, gt=0)
    service_name: str = "spine"
    health_port: int | None = Field(default=None, ge=1, le=65535)
    log_level: str = "INFO"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        profile = _ProfileSource(settings_cls, _ACTIVE_PROFILE.get("values", {}))
        return (init_settings, env_settings, dotenv_settings, profile, file_secret_settings)

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name in _URL_FIELDS and isinstance(value, str):
                yield name, mask_url(value)
            else:
                yield name, value

    @staticmethod
    def _with_password(url: str | None, password: Any) -> str | None:
        if url is None or password is None:
            return url
        parts = urlsplit(url)
        if parts.password is not None or not parts.hostname:
            return url  # a password in the URL wins; a file URL takes none
        host = parts.netloc.rpartition("@")[2]
        secret = quote(password.get_secret_value(), safe="")
        netloc = f"{quote(parts.username or '', safe='')}:{secret}@{host}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def database_url_with_password(self) -> str:
        """``database_url`` with ``database_password`` put in (pass it to drivers only)."""
        url = self._with_password(self.database_url, self.database_password)
        assert url is not None
        return url

    def redis_url_with_password(self) -> str | None:
        """``redis_url`` with ``redis_password`` put in (pass it to clients only)."""
        return self._with_password(self.redis_url, self.redis_password)

    def describe(self) -> dict[str, Any]:
        """Every setting, printable: URLs masked, secrets as ``**********``."""
        out: dict[str, Any] = {}
        for name, value in self.model_dump(mode="json").items():
            if name in _URL_FIELDS and isinstance(value, str):
                value = mask_url(value)
            out[name] = value
        return out


class _ProfileSource(PydanticBaseSettingsSource):
    """The active TOML profile's values (below environment and dotenv files)."""

    def __init__(self, settings_cls: type[BaseSettings], values: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self._values = dict(values)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


# The profile being loaded; read by settings_customise_sources (load_settings sets it,
# under _LOAD_LOCK, so concurrent loads never see each other's profile).
_ACTIVE_PROFILE: dict[str, Any] = {}
_LOAD_LOCK = threading.Lock()


def _source_of(
    field: str,
    overrides: Mapping[str, Any],
    env_files: list[Path],
    profile: Profile | None,
) -> str:
    if field in overrides:
        return "argument"
    var = f"SPINE_{field.upper()}"
    if any(k.upper() == var for k in os.environ):
        return f"environment variable {var}"
    for path in reversed(env_files):
        if any(k.upper() == var for k in dotenv_values(path)):
            return f"dotenv file {path}"
    if profile is not None and field in profile.sources:
        return f"profile file {profile.sources[field]}"
    return "default"


def _field_error(
    exc: PydanticValidationError,
    overrides: Mapping[str, Any],
    env_files: list[Path],
    profile: Profile | None,
) -> InvalidConfigError:
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = error.get("loc") or ("settings",)
        field = str(loc[0])
        where = _source_of(field, overrides, env_files, profile)
        lines.append(f"{where}: field {field!r}: {error.get('msg')}")
    message = (
        lines[0]
        if len(lines) == 1
        else "invalid settings:\n" + "\n".join(f"  - {line}" for line in lines)
    )
    err = InvalidConfigError(message)
    err.problems = lines  # type: ignore[attr-defined]
    return err


def load_settings(
    profile: str | None = None,
    *,
    profiles_dirs: Iterable[str | Path] | None = None,
    env_files: Iterable[str | Path] | None = None,
    **overrides: Any,
) -> SpineSettings:
    """Build :class:`SpineSettings` from arguments, environment, dotenv files and a profile.

    Args:
        profile: TOML profile name (default ``$SPINE_PROFILE``; none when unset).
        profiles_dirs: Where profiles are looked up (default
            :func:`~spine.execution.config.profiles.default_profile_dirs`).
        env_files: Dotenv files to read (default
            :func:`~spine.execution.config.loader.find_env_files`).
        **overrides: Field values that win over everything.

    Raises:
        InvalidConfigError: a bad value (naming the field and where it came from), a
            malformed or missing profile file (naming the file and field).
        MissingConfigError: a ``secret:`` reference that cannot be resolved.
    """
    name = profile if profile is not None else (os.environ.get("SPINE_PROFILE") or None)
    files = [Path(p) for p in env_files] if env_files is not None else find_env_files(profile=name)
    fields = set(SpineSettings.model_fields)
    loaded = load_profile(name, profiles_dirs=profiles_dirs, known_fields=fields) if name else None
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise InvalidConfigError(
            f"unknown setting(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(sorted(fields))}"
        )
    values = dict(overrides)
    if name:
        values.setdefault("profile", name)
    with _LOAD_LOCK:
        _ACTIVE_PROFILE["values"] = dict(loaded.values) if loaded else {}
        try:
            return SpineSettings(_env_file=tuple(files) or None, **values)  # type: ignore[call-arg]
        except PydanticValidationError as exc:
            raise _field_error(exc, overrides, files, loaded) from None
        except ConfigError as exc:  # an unresolvable secret reference: names the reference
            raise type(exc)(f"settings: {exc}") from None
        finally:
            _ACTIVE_PROFILE.clear()


@lru_cache(maxsize=1)
def get_settings() -> SpineSettings:
    """The process-wide settings (loaded once; ``get_settings.cache_clear()`` reloads)."""
    return load_settings()
