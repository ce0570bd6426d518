"""Typed errors of the scheduler (members of spine-types' taxonomy).

==============================  ==========================================  =========
error                           taxonomy parent                             retryable
==============================  ==========================================  =========
``InvalidScheduleError``        ``spine.types.ScheduleError`` + ValueError  no
``ScheduleNotFoundError``       ``spine.types.ScheduleError`` + LookupError no
``DuplicateScheduleError``      ``spine.types.ScheduleError``               no
==============================  ==========================================  =========

Every :class:`InvalidScheduleError` names the offending ``field`` (``"cron"``,
``"timezone"``, ``"params.week"``...) so a CLI or an API can point at it.

Example:
    >>> err = InvalidScheduleError("cron", "minute field '61' is out of range 0-59",
    ...                            schedule="finra.weekly")
    >>> err.field, str(err)
    ('cron', "schedule 'finra.weekly': cron: minute field '61' is out of range 0-59")
"""

from __future__ import annotations

from typing import Any

from spine.types import ScheduleError

__all__ = ["DuplicateScheduleError", "InvalidScheduleError", "ScheduleNotFoundError"]


class InvalidScheduleError(ScheduleError, ValueError):
    """A schedule field is invalid; ``field`` names it, the message says what to do.

    Attributes:
        field: The schedule field (``"cron"``, ``"timezone"``, ``"target"``, ``"params.x"``).
        schedule: The schedule's name, when known.
    """

    def __init__(
        self, field: str, problem: str, *, schedule: str | None = None, **kwargs: Any
    ) -> None:
        where = f"schedule {schedule!r}: " if schedule else ""
        super().__init__(f"{where}{field}: {problem}", **kwargs)
        self.field = field
        self.schedule = schedule
        self.with_context(field=field)
        if schedule:
            self.with_context(schedule=schedule)

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__dict__))


class ScheduleNotFoundError(ScheduleError, LookupError):
    """No schedule with this name is registered."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(f"no schedule named {name!r}", **kwargs)
        self.name = name
        self.with_context(schedule=name)

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__dict__))


class DuplicateScheduleError(ScheduleError):
    """A schedule with this name already exists (pass ``replace=True`` to update it)."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(
            f"a schedule named {name!r} already exists; use replace=True to update it", **kwargs
        )
        self.name = name
        self.with_context(schedule=name)

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type[Exception], state: dict[str, Any]) -> Exception:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("message", ""))
    err.__dict__.update(state)
    return err
