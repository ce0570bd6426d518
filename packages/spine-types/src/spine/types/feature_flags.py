"""Runtime feature flags with environment overrides.

Resolution order for :meth:`FlagRegistry.get`:

1. a runtime override (:meth:`FlagRegistry.set`),
2. the environment variable ``SPINE_FF_<NAME>`` (name upper-cased, ``.``/``-`` -> ``_``),
3. the registered default.

Values are typed (``bool``, ``int``, ``float`` or ``str``). Environment strings are parsed to
the flag's type; ``bool`` accepts ``true/false/1/0/yes/no/on/off`` (any case). A value that
does not parse raises :class:`~spine.types.errors.InvalidConfigError` naming the variable.

:class:`FeatureFlags` is the process-wide registry (class-level facade); create a
:class:`FlagRegistry` for an isolated one.

Example:
    >>> FeatureFlags.register("enable_new_parser", default=False)
    FlagDefinition(name='enable_new_parser', default=False, type=<class 'bool'>, description='')
    >>> FeatureFlags.get("enable_new_parser")
    False
    >>> FeatureFlags.set("enable_new_parser", True)
    >>> FeatureFlags.is_enabled("enable_new_parser")
    True
    >>> FeatureFlags.reset()
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeAlias

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

from spine.types.errors import ConfigError, InvalidConfigError

__all__ = [
    "FeatureFlags",
    "FlagDefinition",
    "FlagRegistry",
    "FlagValue",
    "UnknownFlagError",
    "flag_env_var",
]

FlagValue: TypeAlias = bool | int | float | str
ENV_PREFIX: Final = "SPINE_FF_"
_SUPPORTED: Final = (bool, int, float, str)
_NAME_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")
_TRUE: Final = frozenset({"true", "1", "yes", "on", "y", "t"})
_FALSE: Final = frozenset({"false", "0", "no", "off", "n", "f"})


class UnknownFlagError(ConfigError, KeyError):
    """A flag was read or set before being registered. Also a ``KeyError``."""


@dataclass(frozen=True, slots=True)
class FlagDefinition:
    """A registered flag: name, default, value type and description."""

    name: str
    default: FlagValue
    type: type
    description: str = ""

    @property
    def env_var(self) -> str:
        """The environment variable that overrides this flag."""
        return flag_env_var(self.name)


def flag_env_var(name: str) -> str:
    """``SPINE_FF_`` + the upper-cased name with ``.`` and ``-`` turned into ``_``.

    Example:
        >>> flag_env_var("parser.v2-enabled")
        'SPINE_FF_PARSER_V2_ENABLED'
    """
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def _coerce(value: Any, flag_type: type, *, what: str) -> FlagValue:
    """Check/convert a Python value (not an env string) to ``flag_type``."""
    if flag_type is bool:
        if isinstance(value, bool):
            return value
    elif flag_type is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
    elif flag_type is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif isinstance(value, str):
        return str(value)
    raise InvalidConfigError(
        f"{what} must be a {flag_type.__name__}, got {type(value).__name__}: {value!r}"
    )


def _parse_env(raw: str, flag_type: type, var: str) -> FlagValue:
    text = raw.strip()
    if flag_type is bool:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        expected = "one of true/false, 1/0, yes/no, on/off"
    elif flag_type is int:
        try:
            return int(text)
        except ValueError:
            expected = "an integer"
    elif flag_type is float:
        try:
            return float(text)
        except ValueError:
            expected = "a number"
    else:
        return raw
    raise InvalidConfigError(
        f"environment variable {var}={raw!r} is not a valid {flag_type.__name__} "
        f"(expected {expected})"
    ).with_context(metadata={"variable": var})


class FlagRegistry:
    """A thread-safe set of flag definitions and runtime overrides.

    Args:
        environ: Mapping read for ``SPINE_FF_*`` variables (default ``os.environ``, read
            on every :meth:`get` so changes are seen immediately).
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._lock = threading.RLock()
        self._flags: dict[str, FlagDefinition] = {}
        self._overrides: dict[str, FlagValue] = {}
        self._environ = environ

    def register(
        self,
        name: str,
        default: FlagValue,
        type: type | None = None,
        description: str = "",
    ) -> FlagDefinition:
        """Declare a flag. Registering again with the same default and type is a no-op;
        a different default or type raises :class:`InvalidConfigError`.

        ``type`` defaults to ``type(default)`` and must be ``bool``, ``int``, ``float`` or
        ``str``; ``default`` must match it (an ``int`` default is accepted for ``float``).
        """
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise InvalidConfigError(
                f"invalid flag name {name!r}: use letters, digits, '_', '.', '-' "
                "starting with a letter"
            )
        flag_type = type if type is not None else default.__class__
        if flag_type not in _SUPPORTED:
            raise InvalidConfigError(
                f"flag {name!r} has unsupported type {getattr(flag_type, '__name__', flag_type)}"
                "; use bool, int, float or str"
            )
        value = _coerce(default, flag_type, what=f"default of flag {name!r}")
        definition = FlagDefinition(name, value, flag_type, description)
        with self._lock:
            existing = self._flags.get(name)
            if existing is not None:
                if existing.type is not flag_type or existing.default != value:
                    raise InvalidConfigError(
                        f"flag {name!r} is already registered with default "
                        f"{existing.default!r} ({existing.type.__name__}); cannot re-register "
                        f"with default {value!r} ({flag_type.__name__})"
                    )
                return existing
            self._flags[name] = definition
        return definition

    def definition(self, name: str) -> FlagDefinition:
        """The registered definition (:class:`UnknownFlagError` if none)."""
        with self._lock:
            try:
                return self._flags[name]
            except KeyError:
                known = ", ".join(sorted(self._flags)) or "none"
                raise UnknownFlagError(
                    f"unknown feature flag {name!r}; registered flags: {known}"
                ) from None

    def get(self, name: str) -> FlagValue:
        """Resolve the flag: runtime override, then ``SPINE_FF_<NAME>``, then the default."""
        with self._lock:
            definition = self.definition(name)
            if name in self._overrides:
                return self._overrides[name]
        var = definition.env_var
        environ = os.environ if self._environ is None else self._environ
        raw = environ.get(var)
        if raw is not None:
            return _parse_env(raw, definition.type, var)
        return definition.default

    def is_enabled(self, name: str) -> bool:
        """``get(name)`` for a ``bool`` flag (``InvalidConfigError`` for other types)."""
        definition = self.definition(name)
        if definition.type is not bool:
            raise InvalidConfigError(
                f"flag {name!r} is a {definition.type.__name__}, not a bool; use get()"
            )
        return bool(self.get(name))

    def set(self, name: str, value: FlagValue) -> None:
        """Override the flag at runtime (beats the environment and the default)."""
        with self._lock:
            definition = self.definition(name)
            self._overrides[name] = _coerce(value, definition.type, what=f"flag {name!r}")

    def clear_override(self, name: str) -> None:
        """Remove a runtime override (no-op if none)."""
        with self._lock:
            self.definition(name)
            self._overrides.pop(name, None)

    @contextmanager
    def override(self, name: str, value: FlagValue) -> Iterator[None]:
        """Temporarily override a flag inside a ``with`` block (restores the previous state)."""
        with self._lock:
            previous = self._overrides.get(name, _MISSING)
        self.set(name, value)
        try:
            yield
        finally:
            with self._lock:
                if previous is _MISSING:
                    self._overrides.pop(name, None)
                else:
                    self._overrides[name] = previous

    def reset(self, *, definitions: bool = False) -> None:
        """Drop all runtime overrides; with ``definitions=True`` also forget registrations."""
        with self._lock:
            self._overrides.clear()
            if definitions:
                self._flags.clear()

    def all(self) -> dict[str, FlagValue]:
        """Every registered flag's resolved value."""
        with self._lock:
            names = sorted(self._flags)
        return {name: self.get(name) for name in names}

    def definitions(self) -> list[FlagDefinition]:
        """Every registered definition, sorted by name."""
        with self._lock:
            return [self._flags[n] for n in sorted(self._flags)]

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._flags


_MISSING: Any = object()


class FeatureFlags:
    """Process-wide flag registry (class methods over one shared :class:`FlagRegistry`).

    Example:
        >>> FeatureFlags.register("max_batch_size", default=100, type=int).default
        100
        >>> with FeatureFlags.override("max_batch_size", 5):
        ...     FeatureFlags.get("max_batch_size")
        5
        >>> FeatureFlags.reset(definitions=True)
    """

    registry: ClassVar[FlagRegistry] = FlagRegistry()

    def __init__(self) -> None:
        raise TypeError("FeatureFlags is a class-level facade; use its class methods")

    @classmethod
    def register(
        cls,
        name: str,
        default: FlagValue,
        type: type | None = None,
        description: str = "",
    ) -> FlagDefinition:
        """See :meth:`FlagRegistry.register`."""
        return cls.registry.register(name, default, type=type, description=description)

    @classmethod
    def get(cls, name: str) -> FlagValue:
        """See :meth:`FlagRegistry.get`."""
        return cls.registry.get(name)

    @classmethod
    def is_enabled(cls, name: str) -> bool:
        """See :meth:`FlagRegistry.is_enabled`."""
        return cls.registry.is_enabled(name)

    @classmethod
    def set(cls, name: str, value: FlagValue) -> None:
        """See :meth:`FlagRegistry.set`."""
        cls.registry.set(name, value)

    @classmethod
    def clear_override(cls, name: str) -> None:
        """See :meth:`FlagRegistry.clear_override`."""
        cls.registry.clear_override(name)

    @classmethod
    def override(cls, name: str, value: FlagValue) -> AbstractContextManager[None]:
        """See :meth:`FlagRegistry.override` (a context manager)."""
        return cls.registry.override(name, value)

    @classmethod
    def reset(cls, *, definitions: bool = False) -> None:
        """See :meth:`FlagRegistry.reset` (for tests)."""
        cls.registry.reset(definitions=definitions)

    @classmethod
    def all(cls) -> dict[str, FlagValue]:
        """See :meth:`FlagRegistry.all`."""
        return cls.registry.all()
