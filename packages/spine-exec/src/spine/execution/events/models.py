"""Typed events that spine's services publish on an :class:`~spine.execution.events.EventBus`.

Every event has an ``id`` (ULID), ``occurred_at`` (UTC), an optional ``source`` (which
process published it) and its own typed fields. Events travel as JSON (:meth:`Event.to_json`
/ :func:`event_from_json`), so a subscriber in another process receives the same class.

===========================  ===================================================
``type``                     class
===========================  ===================================================
``execution.started``        :class:`ExecutionStarted`
``execution.completed``      :class:`ExecutionCompleted`
``execution.failed``         :class:`ExecutionFailed`
``step.completed``           :class:`StepCompleted`
``schedule.fired``           :class:`ScheduleFired`
``arrival.missed``           :class:`ArrivalMissed`
===========================  ===================================================

Your own events: subclass :class:`Event` with a ``type`` class attribute and decorate it
with :func:`register_event`.

Example:
    >>> e = ExecutionCompleted(execution_id="01J9", workflow="finra.otc.ingest", duration_ms=812.5)
    >>> back = event_from_json(e.to_json())
    >>> type(back).__name__, back.workflow, back == e
    ('ExecutionCompleted', 'finra.otc.ingest', True)
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from spine.types import ValidationError
from spine.types.timestamps import utc_now
from spine.types.ulid import generate_ulid

__all__ = [
    "ArrivalMissed",
    "Event",
    "ExecutionCompleted",
    "ExecutionFailed",
    "ExecutionStarted",
    "ScheduleFired",
    "StepCompleted",
    "event_from_dict",
    "event_from_json",
    "event_types",
    "register_event",
]

E = TypeVar("E", bound="type[Event]")

_REGISTRY: dict[str, type[Event]] = {}


def register_event(cls: E) -> E:
    """Class decorator: make ``cls`` decodable by its ``type`` (a dotted lower-case name).

    Raises:
        ValidationError: no ``type``, or the type is registered by another class.
    """
    name = getattr(cls, "type", "")
    if not isinstance(name, str) or not name or name != name.lower():
        raise ValidationError(f"{cls.__name__} needs a lower-case 'type' class attribute")
    existing = _REGISTRY.get(name)
    if existing is not None and existing.__qualname__ != cls.__qualname__:
        raise ValidationError(f"event type {name!r} is already registered by {existing.__name__}")
    _REGISTRY[name] = cls
    return cls


def event_types() -> list[str]:
    """Every registered event type."""
    return sorted(_REGISTRY)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event.

    Attributes:
        id: ULID of this event.
        occurred_at: When it happened (UTC).
        source: Who published it (``"scheduler@host:pid"``), when known.
    """

    type: ClassVar[str] = ""

    id: str = field(default_factory=generate_ulid)
    occurred_at: datetime = field(default_factory=utc_now)
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with ``type``."""
        data = {f.name: _encode(getattr(self, f.name)) for f in dataclasses.fields(self)}
        return {"type": self.type, **data}

    def to_json(self) -> str:
        """Compact JSON."""
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)


def _datetime_fields(cls: type[Event]) -> set[str]:
    names = set()
    for f in dataclasses.fields(cls):
        annotation = str(f.type)
        if "datetime" in annotation:
            names.add(f.name)
    return names


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Rebuild an event from :meth:`Event.to_dict` output.

    Raises:
        ValidationError: unknown ``type`` or fields that do not fit the class.
    """
    name = data.get("type")
    cls = _REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValidationError(f"unknown event type {name!r}; known: {', '.join(event_types())}")
    values = {k: v for k, v in data.items() if k != "type"}
    for key in _datetime_fields(cls):
        if isinstance(values.get(key), str):
            values[key] = datetime.fromisoformat(values[key])
    try:
        return cls(**values)
    except TypeError as exc:
        raise ValidationError(f"malformed {name} event: {exc}") from None


def event_from_json(text: str | bytes) -> Event:
    """Rebuild an event from :meth:`Event.to_json` output.

    Raises:
        ValidationError: not JSON, or not an event.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"event payload is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationError("event payload is not a JSON object")
    return event_from_dict(data)


@register_event
@dataclass(frozen=True, kw_only=True)
class ExecutionStarted(Event):
    """An execution began running."""

    type: ClassVar[str] = "execution.started"
    execution_id: str
    workflow: str
    lane: str = "default"
    attempt: int = 1


@register_event
@dataclass(frozen=True, kw_only=True)
class ExecutionCompleted(Event):
    """An execution completed."""

    type: ClassVar[str] = "execution.completed"
    execution_id: str
    workflow: str
    duration_ms: float | None = None


@register_event
@dataclass(frozen=True, kw_only=True)
class ExecutionFailed(Event):
    """An execution failed for good (or timed out)."""

    type: ClassVar[str] = "execution.failed"
    execution_id: str
    workflow: str
    error: str
    error_type: str | None = None
    retryable: bool = False
    dead_lettered: bool = False


@register_event
@dataclass(frozen=True, kw_only=True)
class StepCompleted(Event):
    """A workflow step completed."""

    type: ClassVar[str] = "step.completed"
    run_id: str
    step: str
    workflow: str | None = None
    execution_id: str | None = None
    duration_ms: float | None = None


@register_event
@dataclass(frozen=True, kw_only=True)
class ScheduleFired(Event):
    """A schedule's fire was submitted (``execution_id``) or skipped (``skipped`` fires)."""

    type: ClassVar[str] = "schedule.fired"
    schedule: str
    scheduled_for: datetime
    target: str
    execution_id: str | None = None
    skipped: int = 0


@register_event
@dataclass(frozen=True, kw_only=True)
class ArrivalMissed(Event):
    """An expected source did not arrive by its deadline."""

    type: ClassVar[str] = "arrival.missed"
    source_name: str
    expected_by: datetime
    partition: Mapping[str, Any] = field(default_factory=dict)
    anomaly_id: str | None = None
