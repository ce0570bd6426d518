"""RuntimeAdapterRouter: the registry of runtime adapters, and which one runs a spec.

::

    register(adapter) / register(name, adapter)   unregister(name)   get(name)
    list_runtimes()   set_default(name)   health_all()
    route(spec)
      ├── spec.runtime set   → that adapter, else JobError NOT_FOUND (lists the registered)
      ├── the default        → when set and able to run the spec
      ├── capability-based   → the first registered adapter able to run it
      └── otherwise          → the default (its validator names what is wrong), else
                               JobError NOT_FOUND / VALIDATION

Example:
    >>> from spine.execution.runtimes import ContainerJobSpec
    >>> from spine.execution.runtimes._base import StubRuntimeAdapter
    >>> router = RuntimeAdapterRouter()
    >>> router.register(StubRuntimeAdapter())
    >>> router.route(ContainerJobSpec(name="t", image="x")).runtime_name
    'stub'
    >>> router.route(ContainerJobSpec(name="t", image="x", runtime="k8s"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spine.execution.runtimes._types.JobError: [not_found] no runtime 'k8s' is registered ...
"""

from __future__ import annotations

import asyncio
import threading

from spine.execution.runtimes._types import (
    ContainerJobSpec,
    JobError,
    JobErrorCategory,
    RuntimeAdapter,
    RuntimeHealth,
)
from spine.execution.runtimes.validator import SpecValidator

__all__ = ["RuntimeAdapterRouter"]


class RuntimeAdapterRouter:
    """Registry of adapters by name, and spec -> adapter routing (thread-safe).

    Args:
        validator: Decides whether an adapter can run a spec during capability-based
            selection (default: :class:`SpecValidator`).
    """

    def __init__(self, validator: SpecValidator | None = None) -> None:
        self._adapters: dict[str, RuntimeAdapter] = {}
        self._default: str | None = None
        self._validator = validator or SpecValidator()
        self._lock = threading.Lock()

    def register(
        self, name_or_adapter: str | RuntimeAdapter, adapter: RuntimeAdapter | None = None
    ) -> None:
        """Register ``adapter`` under its ``runtime_name`` (or under ``name``).

        The first adapter registered becomes the default. Registering another adapter
        under a taken name replaces it.

        Raises:
            JobError: VALIDATION when the object is not a RuntimeAdapter or the name is empty.
        """
        if isinstance(name_or_adapter, str):
            name, target = name_or_adapter, adapter
        else:
            name, target = getattr(name_or_adapter, "runtime_name", ""), name_or_adapter
        if not isinstance(target, RuntimeAdapter):
            raise JobError(
                JobErrorCategory.VALIDATION,
                f"cannot register {type(target).__name__}: it does not implement RuntimeAdapter",
            )
        if not isinstance(name, str) or not name:
            raise JobError(JobErrorCategory.VALIDATION, "a runtime needs a non-empty name")
        with self._lock:
            self._adapters[name] = target
            if self._default is None:
                self._default = name

    def unregister(self, name: str) -> bool:
        """Remove a runtime; ``True`` when it was registered (a removed default is unset)."""
        with self._lock:
            found = self._adapters.pop(name, None) is not None
            if self._default == name:
                self._default = next(iter(self._adapters), None)
            return found

    def get(self, name: str) -> RuntimeAdapter | None:
        """The adapter registered as ``name``, or ``None``."""
        return self._adapters.get(name)

    def require(self, name: str) -> RuntimeAdapter:
        """The adapter registered as ``name``.

        Raises:
            JobError: NOT_FOUND, listing the registered runtimes.
        """
        adapter = self._adapters.get(name)
        if adapter is None:
            raise JobError(
                JobErrorCategory.NOT_FOUND,
                f"no runtime {name!r} is registered (registered: "
                f"{', '.join(self.list_runtimes()) or 'none'})",
            )
        return adapter

    def list_runtimes(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._adapters)

    def set_default(self, name: str) -> None:
        """Use ``name`` for specs that name no runtime.

        Raises:
            JobError: NOT_FOUND when it is not registered.
        """
        self.require(name)
        with self._lock:
            self._default = name

    @property
    def default_runtime(self) -> str | None:
        """The default runtime's name."""
        return self._default

    def _can_run(self, spec: ContainerJobSpec, adapter: RuntimeAdapter) -> bool:
        return not self._validator.validate(spec, adapter.capabilities, adapter.constraints)

    def route(self, spec: ContainerJobSpec) -> RuntimeAdapter:
        """The adapter for ``spec`` (see the module docstring).

        Raises:
            JobError: NOT_FOUND for an unknown ``spec.runtime`` or an empty registry.
        """
        if spec.runtime:
            return self.require(spec.runtime)
        default = self._adapters.get(self._default) if self._default else None
        if default is not None and self._can_run(spec, default):
            return default
        for adapter in list(self._adapters.values()):
            if self._can_run(spec, adapter):
                return adapter
        if default is not None:
            return default  # the engine's validator will say why it cannot run there
        raise JobError(JobErrorCategory.NOT_FOUND, "no runtime is registered")

    async def health_all(self) -> dict[str, RuntimeHealth]:
        """Health of every registered runtime, checked concurrently."""
        items = list(self._adapters.items())
        results = await asyncio.gather(*(a.health() for _, a in items), return_exceptions=True)
        out: dict[str, RuntimeHealth] = {}
        for (name, _), result in zip(items, results, strict=True):
            if isinstance(result, BaseException):
                out[name] = RuntimeHealth(healthy=False, runtime=name, message=str(result))
            else:
                out[name] = result
        return out

    def __contains__(self, name: object) -> bool:
        return name in self._adapters

    def __len__(self) -> int:
        return len(self._adapters)

    def __repr__(self) -> str:
        return f"RuntimeAdapterRouter({self.list_runtimes()}, default={self._default!r})"
