"""HotReloadAdapter: swap the adapter behind a runtime name when its configuration changes.

::

    HotReloadAdapter  (a RuntimeAdapter)
    ├── current adapter      ← adapter_factory(config); new submits go here
    ├── config source        ← update_config(dict), a callable returning a dict, or a JSON file
    ├── owners               ← external_ref → the adapter that started it
    └── on_reload(config)    ← optional hook after a swap

Before every call the adapter checks its config source; a changed config builds a new inner
adapter for the calls that *start* after the check. Nothing is swapped under a call in flight
(each call holds the adapter it began with), and a job keeps being served by the adapter that
started it: status, cancel, logs, artifacts and cleanup of a reference go to its owner even
after a reload. A factory that fails on a new config leaves the current adapter in place
(``last_reload_error`` says why) until the config changes again.

Example::

    from spine.execution.runtimes.hot_reload import HotReloadAdapter
    from spine.execution.runtimes.local_process import LocalProcessAdapter

    def make_adapter(cfg):
        return LocalProcessAdapter(default_image=cfg.get("image", "spine:latest"))

    hot = HotReloadAdapter(initial_config={"image": "spine:v1"}, adapter_factory=make_adapter)
    hot.update_config({"image": "spine:v2"})   # the next operation uses the new adapter
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from spine.execution.runtimes._types import (
    ContainerJobSpec,
    JobArtifact,
    JobError,
    JobErrorCategory,
    JobStatus,
    RuntimeAdapter,
    RuntimeCapabilities,
    RuntimeConstraints,
    RuntimeHealth,
)

__all__ = ["HotReloadAdapter"]

log = logging.getLogger("spine.execution.runtimes")

ConfigSource = Callable[[], Mapping[str, Any]] | str | os.PathLike[str]


class HotReloadAdapter:
    """A :class:`RuntimeAdapter` whose inner adapter is rebuilt when its config changes.

    Args:
        initial_config: The first configuration.
        adapter_factory: ``factory(config) -> RuntimeAdapter``.
        config_source: Where later configs come from: a callable returning a mapping, or
            the path of a JSON file (re-read when its modification time changes). Without
            one, only :meth:`update_config` changes the config.
        on_reload: Called with the new config after each successful swap.
        runtime_name: Name to register under (default: the first inner adapter's).

    Raises:
        JobError: VALIDATION when the factory does not return a RuntimeAdapter.
    """

    def __init__(
        self,
        *,
        initial_config: Mapping[str, Any],
        adapter_factory: Callable[[dict[str, Any]], RuntimeAdapter],
        config_source: ConfigSource | None = None,
        on_reload: Callable[[dict[str, Any]], None] | None = None,
        runtime_name: str | None = None,
    ) -> None:
        self._factory = adapter_factory
        self._source = config_source
        self._on_reload = on_reload
        self._lock = threading.Lock()
        self._last_config: dict[str, Any] = copy.deepcopy(dict(initial_config))
        self._pending: dict[str, Any] | None = None
        self._file_mtime: float | None = None
        self._failed_config: dict[str, Any] | None = None
        self._inner = self._build(self._last_config)
        self._owners: dict[str, RuntimeAdapter] = {}
        self._runtime_name = runtime_name or self._inner.runtime_name
        self.reload_count = 0
        self.last_reload_error: str | None = None

    def _build(self, config: dict[str, Any]) -> RuntimeAdapter:
        adapter = self._factory(copy.deepcopy(config))
        if not isinstance(adapter, RuntimeAdapter):
            raise JobError(
                JobErrorCategory.VALIDATION,
                f"adapter_factory returned {type(adapter).__name__}, not a RuntimeAdapter",
            )
        return adapter

    # -- config --------------------------------------------------------------------------
    @property
    def config(self) -> dict[str, Any]:
        """A copy of the config the current adapter was built from."""
        return copy.deepcopy(self._last_config)

    @property
    def inner(self) -> RuntimeAdapter:
        """The adapter new submits go to (after checking for a new config)."""
        return self._current()

    def update_config(self, config: Mapping[str, Any]) -> None:
        """Set a new config; the next operation that starts uses an adapter built from it."""
        with self._lock:
            self._pending = copy.deepcopy(dict(config))

    def _read_source(self) -> dict[str, Any] | None:
        source = self._source
        if source is None:
            return None
        if callable(source):
            return dict(source())
        path = Path(source)
        try:
            mtime = path.stat().st_mtime_ns
        except OSError as exc:
            self.last_reload_error = f"config file {path} unreadable: {exc}"
            return None
        if mtime == self._file_mtime:
            return None
        self._file_mtime = mtime
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.last_reload_error = f"config file {path} is not valid JSON: {exc}"
            return None
        if not isinstance(data, dict):
            self.last_reload_error = f"config file {path} must hold a JSON object"
            return None
        return data

    def check_reload(self) -> bool:
        """Look at the config source now; swap the inner adapter when it changed.

        Returns whether a swap happened.
        """
        with self._lock:
            candidate = self._pending
            self._pending = None
        if candidate is None:
            try:
                candidate = self._read_source()
            except Exception as exc:
                self.last_reload_error = f"config source failed: {type(exc).__name__}: {exc}"
                log.warning("hot reload of %s: %s", self._runtime_name, self.last_reload_error)
                return False
        if candidate is None or candidate == self._last_config:
            return False
        if candidate == self._failed_config:
            return False
        try:
            adapter = self._build(candidate)
        except Exception as exc:
            self._failed_config = candidate
            self.last_reload_error = f"adapter_factory failed: {type(exc).__name__}: {exc}"
            log.error("hot reload of %s kept the old adapter: %s", self._runtime_name, exc)
            return False
        with self._lock:
            self._inner = adapter
            self._last_config = candidate
            self._failed_config = None
            self.reload_count += 1
            self.last_reload_error = None
        log.info("hot reload of %s: new adapter %r", self._runtime_name, adapter)
        if self._on_reload is not None:
            self._on_reload(copy.deepcopy(candidate))
        return True

    def _current(self) -> RuntimeAdapter:
        self.check_reload()
        return self._inner

    def _owner(self, external_ref: str) -> RuntimeAdapter:
        return self._owners.get(external_ref) or self._current()

    # -- RuntimeAdapter ------------------------------------------------------------------
    @property
    def runtime_name(self) -> str:
        """The name this adapter is registered under (fixed across reloads)."""
        return self._runtime_name

    @property
    def capabilities(self) -> RuntimeCapabilities:
        """The current adapter's capabilities."""
        return self._current().capabilities

    @property
    def constraints(self) -> RuntimeConstraints:
        """The current adapter's constraints."""
        return self._current().constraints

    async def submit(self, spec: ContainerJobSpec) -> str:
        """Submit on the current adapter; the job stays with it."""
        adapter = self._current()
        ref = await adapter.submit(spec)
        with self._lock:
            self._owners[ref] = adapter
        return ref

    async def status(self, external_ref: str) -> JobStatus:
        """Status from the adapter that started the job."""
        return await self._owner(external_ref).status(external_ref)

    async def cancel(self, external_ref: str) -> bool:
        """Cancel on the adapter that started the job."""
        return await self._owner(external_ref).cancel(external_ref)

    async def logs(
        self, external_ref: str, *, follow: bool = False, tail: int | None = None
    ) -> AsyncIterator[str]:
        """Logs from the adapter that started the job."""
        async for line in self._owner(external_ref).logs(external_ref, follow=follow, tail=tail):
            yield line

    async def artifacts(self, external_ref: str) -> list[JobArtifact]:
        """Artifacts from the adapter that started the job."""
        return await self._owner(external_ref).artifacts(external_ref)

    async def cleanup(self, external_ref: str) -> None:
        """Clean up on the adapter that started the job, then forget the job."""
        await self._owner(external_ref).cleanup(external_ref)
        with self._lock:
            self._owners.pop(external_ref, None)

    async def health(self) -> RuntimeHealth:
        """The current adapter's health."""
        return await self._current().health()

    def __repr__(self) -> str:
        return (
            f"HotReloadAdapter({self._runtime_name!r}, inner={self._inner!r}, "
            f"reloads={self.reload_count})"
        )
