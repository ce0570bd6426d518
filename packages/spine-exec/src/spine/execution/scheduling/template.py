"""Params templates: a schedule's params, rendered with the time of each fire.

String values (at any depth of dicts and lists) may contain ``{name}`` or ``{name:format}``
placeholders; other values pass through. The names, for a fire at instant ``T`` of a
schedule in time zone ``Z`` (``local`` = ``T`` in ``Z``):

=====================  ===========================================================
name                   value (example for Friday 2025-12-26 18:00 New York)
=====================  ===========================================================
``scheduled_time``     ``T`` in UTC, a datetime (``{scheduled_time:%Y%m%d}`` works):
                       2025-12-26T23:00:00+00:00
``local_time``         ``T`` in ``Z``: 2025-12-26T18:00:00-05:00
``date``               the local date: 2025-12-26
``previous_date``      the day before the local date: 2025-12-25
``week_ending``        :class:`~spine.types.WeekEnding` containing the local date
``last_week_ending``   the latest Friday on or before the local date
``year`` ``month``     local date parts, ints (``{month:02d}`` gives 12)
``day`` ``hour``       local day of month and hour, ints
``schedule``           the schedule's name
=====================  ===========================================================

``week_ending`` of a Monday fire is the *coming* Friday (weeks run Saturday..Friday);
``last_week_ending`` is the week that has just ended, which is what a "process last week's
file on Monday" schedule wants. Placeholders cannot reach attributes or items (``{x.y}``,
``{x[0]}``): templates may come from stored configuration. ``{{`` and ``}}`` are literal
braces.

Example:
    >>> from datetime import datetime, timezone
    >>> t = ParamsTemplate({"week": "{last_week_ending}", "file": "otc_{date:%Y%m%d}.psv", "n": 3})
    >>> fire = datetime(2025, 12, 29, 23, 0, tzinfo=timezone.utc)  # Monday 18:00 New York
    >>> t.render(fire_context(fire, "America/New_York", "finra.weekly"))
    {'week': '2025-12-26', 'file': 'otc_20251229.psv', 'n': 3}
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from spine.execution.scheduling.errors import InvalidScheduleError
from spine.types import WeekEnding

__all__ = ["TEMPLATE_NAMES", "ParamsTemplate", "fire_context"]

TEMPLATE_NAMES = frozenset(
    {
        "scheduled_time",
        "local_time",
        "date",
        "previous_date",
        "week_ending",
        "last_week_ending",
        "year",
        "month",
        "day",
        "hour",
        "schedule",
    }
)
"""Placeholder names a params template may use."""

_FORMATTER = string.Formatter()


def fire_context(instant: datetime, timezone: str, schedule: str) -> dict[str, Any]:
    """The placeholder values for a fire at ``instant`` of a schedule in ``timezone``."""
    utc = instant.astimezone(UTC)
    local = utc.astimezone(ZoneInfo(timezone))
    day = local.date()
    last_friday = day - timedelta(days=(day.weekday() - 4) % 7)
    return {
        "scheduled_time": utc,
        "local_time": local,
        "date": day,
        "previous_date": day - timedelta(days=1),
        "week_ending": WeekEnding.from_any_date(day),
        "last_week_ending": WeekEnding(last_friday),
        "year": local.year,
        "month": local.month,
        "day": local.day,
        "hour": local.hour,
        "schedule": schedule,
    }


def _fields(text: str, path: str, schedule: str | None) -> list[tuple[str, str]]:
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise InvalidScheduleError(
            path, f"malformed template {text!r}: {exc}", schedule=schedule
        ) from None
    found: list[tuple[str, str]] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if conversion is not None:
            raise InvalidScheduleError(
                path,
                f"conversions like '!{conversion}' are not allowed in {text!r}",
                schedule=schedule,
            )
        if name not in TEMPLATE_NAMES:
            known = ", ".join(sorted(TEMPLATE_NAMES))
            hint = (
                "attribute and item access are not allowed"
                if any(c in name for c in ".[")
                else f"known placeholders: {known}"
            )
            raise InvalidScheduleError(
                path, f"unknown placeholder {{{name}}} in {text!r} ({hint})", schedule=schedule
            )
        if "{" in (spec or ""):
            raise InvalidScheduleError(
                path, f"nested placeholders are not allowed in {text!r}", schedule=schedule
            )
        found.append((name, spec or ""))
    return found


def _check(value: Any, path: str, schedule: str | None) -> bool:
    """Validate placeholders under ``value``; whether it contains any."""
    if isinstance(value, str):
        return bool(_fields(value, path, schedule))
    if isinstance(value, Mapping):
        has = False
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidScheduleError(
                    path, f"keys must be str, got {type(key).__name__}", schedule=schedule
                )
            has = _check(item, f"{path}.{key}", schedule) or has
        return has
    if isinstance(value, list | tuple):
        has = False
        for index, item in enumerate(value):
            has = _check(item, f"{path}[{index}]", schedule) or has
        return has
    return False


def _render(value: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        if "{" not in value and "}" not in value:
            return value
        # Safe: every placeholder was checked to be a plain known name (no attribute or item
        # access) when the template was built; format_map is the C fast path.
        return value.format_map(context)
    if isinstance(value, Mapping):
        return {key: _render(item, context) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_render(item, context) for item in value]
    return value


class ParamsTemplate:
    """A validated params template (see the module docstring for placeholders).

    Raises:
        InvalidScheduleError: (field ``params`` or ``params.<key>``) an unknown placeholder,
            attribute/item access, a conversion, malformed braces, a non-str key, or a format
            spec that does not apply to its value (checked against a sample fire).
    """

    __slots__ = ("_dynamic", "template")

    def __init__(self, template: Mapping[str, Any] | None, *, schedule: str | None = None) -> None:
        if template is None:
            template = {}
        if not isinstance(template, Mapping):
            raise InvalidScheduleError(
                "params", f"must be a mapping, got {type(template).__name__}", schedule=schedule
            )
        self.template: dict[str, Any] = dict(template)
        self._dynamic = _check(self.template, "params", schedule)
        if self._dynamic:  # format specs are only checked by formatting once
            sample = fire_context(datetime(2025, 12, 26, 23, tzinfo=UTC), "UTC", "sample")
            for key, item in self.template.items():
                try:
                    _render(item, sample)
                except (ValueError, TypeError) as exc:
                    raise InvalidScheduleError(
                        f"params.{key}", f"cannot render {item!r}: {exc}", schedule=schedule
                    ) from None

    @property
    def is_dynamic(self) -> bool:
        """Whether any value has placeholders."""
        return self._dynamic

    def render(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """The params for one fire (a new dict; the template is unchanged)."""
        if not self._dynamic:
            return _render(self.template, {})  # type: ignore[no-any-return]
        return _render(self.template, context)  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParamsTemplate) and other.template == self.template

    def __hash__(self) -> int:
        return hash(repr(self.template))

    def __repr__(self) -> str:
        return f"ParamsTemplate({self.template!r})"
