"""`spine.execution.config`: settings, profiles, component checks and the service container.

* :class:`SpineSettings`, :func:`load_settings`, :func:`get_settings` - pydantic-settings with
  the ``SPINE_`` prefix, ``.env`` discovery (:func:`find_env_files`), TOML profiles with
  inheritance (:func:`load_profile`), secrets through spine-types' resolver.
* :func:`validate_component_combination` with :class:`CacheKind`, :class:`EventBusKind`,
  :class:`SchedulerKind`.
* :class:`SpineContainer` / :func:`get_container` and the ``create_*`` factories.

Every name is also exported from :mod:`spine.execution`.
"""

from __future__ import annotations

from spine.types.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from spine.execution.config.components import (
        CacheKind,
        EventBusKind,
        SchedulerKind,
        validate_component_combination,
    )
    from spine.execution.config.container import SpineContainer, get_container
    from spine.execution.config.factory import (
        connection_factory,
        create_cache,
        create_event_bus,
        create_scheduler,
    )
    from spine.execution.config.loader import find_env_files
    from spine.execution.config.profiles import Profile, load_profile
    from spine.execution.config.settings import SpineSettings, get_settings, load_settings

_LAZY: dict[str, str] = {
    "CacheKind": "spine.execution.config.components",
    "EventBusKind": "spine.execution.config.components",
    "SchedulerKind": "spine.execution.config.components",
    "validate_component_combination": "spine.execution.config.components",
    "SpineContainer": "spine.execution.config.container",
    "get_container": "spine.execution.config.container",
    "connection_factory": "spine.execution.config.factory",
    "create_cache": "spine.execution.config.factory",
    "create_event_bus": "spine.execution.config.factory",
    "create_scheduler": "spine.execution.config.factory",
    "find_env_files": "spine.execution.config.loader",
    "Profile": "spine.execution.config.profiles",
    "load_profile": "spine.execution.config.profiles",
    "SpineSettings": "spine.execution.config.settings",
    "get_settings": "spine.execution.config.settings",
    "load_settings": "spine.execution.config.settings",
}

__all__ = [
    "CacheKind",
    "EventBusKind",
    "Profile",
    "SchedulerKind",
    "SpineContainer",
    "SpineSettings",
    "connection_factory",
    "create_cache",
    "create_event_bus",
    "create_scheduler",
    "find_env_files",
    "get_container",
    "get_settings",
    "load_profile",
    "load_settings",
    "validate_component_combination",
]

__getattr__, __dir__ = lazy_exports("spine.execution.config", _LAZY, globals())
