"""``SqlScheduleStore``: schedules, tick claims and fire history in SQL.

The :class:`~spine.execution.scheduling.ScheduleStore` of the database scheduler, over the
tables of :mod:`~spine.execution.scheduling.schema` (``core_schedules``,
``core_schedule_fires``). Every backend spine-db supports renders the same statements
through its dialect; nothing here knows which backend it talks to.

Exactly once across processes: the fire history holds **one row per (schedule, fire
instant)** (the primary key). :meth:`~SqlScheduleStore.claim_fire` inserts that row as
``claimed``; a second claimer's insert hits the key and fails, and it may only take the row
over with a compare-and-set ``UPDATE`` when the claim's lease expired without an outcome
(the claimer died mid-submit). :meth:`~SqlScheduleStore.record` turns the claim into its
outcome (``submitted`` / ``skipped`` / ``failed``) and moves the schedule's
``settled_until`` forward, in one transaction.

A store serialises its own use of the connection (one lock), so a scheduler thread and the
caller's thread can share it. Give it a connection of its own: every call commits (inside a
caller's open transaction it joins through a savepoint, the spine-db rule).

Example:
    >>> from datetime import datetime, timedelta, timezone
    >>> from spine.db import connect
    >>> store = SqlScheduleStore(connect("memory"))          # installs its tables
    >>> t0 = datetime(2025, 12, 26, 23, tzinfo=timezone.utc)
    >>> _ = store.add(Schedule("w", "job", cron="0 23 * * FRI"), cursor=t0 - timedelta(hours=1))
    >>> store.claim_fire("w", t0, "a", t0 + timedelta(minutes=5), now=t0)
    True
    >>> store.claim_fire("w", t0, "b", t0 + timedelta(minutes=5), now=t0)   # a holds it
    False
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from spine.db import BaseRepository, reading, write
from spine.db.schema import install_schema
from spine.execution.scheduling.errors import (
    DuplicateScheduleError,
    InvalidScheduleError,
    ScheduleNotFoundError,
)
from spine.execution.scheduling.schedule import Schedule
from spine.execution.scheduling.schema import (
    CORE_SCHEDULE_FIRES,
    CORE_SCHEDULES,
    SCHEMA,
    fire_history_sql,
    insert_if_absent_sql,
)
from spine.execution.scheduling.store import FireRecord, FireStatus, StoredSchedule
from spine.types import IntegrityError, utc_now

__all__ = ["CLAIMED", "SqlScheduleStore"]

CLAIMED = "claimed"
"""Status of a fire row whose outcome is not recorded yet (a live or expired claim)."""

_S = CORE_SCHEDULES.name
_F = CORE_SCHEDULE_FIRES.name
_SCHEDULE_COLUMNS = "schedule_name, definition_json, enabled, settled_until, revision"


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _trigger_text(schedule: Schedule) -> str:
    return schedule.trigger.describe()[:200]


class SqlScheduleStore:
    """:class:`~spine.execution.scheduling.ScheduleStore` over SQL (see the module docstring).

    Args:
        conn: A spine connection (or anything :func:`spine.db.connect` returns) used only by
            this store.
        install: Create the scheduling tables when missing (default ``True``; idempotent).
    """

    def __init__(self, conn: Any, *, install: bool = True) -> None:
        self.repo = BaseRepository(conn)
        self.conn = self.repo.conn
        self.dialect = self.repo.dialect
        self.lock = threading.RLock()
        """Serialises every use of :attr:`conn` (shared with the leader lease)."""
        if install:
            with self.lock:
                install_schema(self.conn, [SCHEMA])

    # -- encoding ------------------------------------------------------------------------
    def encode_ts(self, value: datetime | None) -> Any:
        return None if value is None else self.dialect.encode_timestamp(_utc(value))

    def decode_ts(self, value: Any) -> datetime:
        decoded = self.dialect.decode_timestamp(value)
        assert decoded is not None
        return decoded

    def _json(self, value: Any) -> Any:
        return self.dialect.encode_json(value)

    def _unjson(self, value: Any) -> Any:
        return None if value is None else self.dialect.decode_json(value)

    def _stored(self, row: Mapping[str, Any]) -> StoredSchedule:
        data = self._unjson(row["definition_json"])
        try:
            schedule = Schedule.from_dict(data)
        except InvalidScheduleError:
            raise
        except Exception as exc:  # a row edited by hand
            raise InvalidScheduleError(
                "definition_json",
                f"the stored definition cannot be read ({exc}); delete and re-create it",
                schedule=str(row["schedule_name"]),
            ) from exc
        enabled = bool(self.dialect.decode_bool(row["enabled"]))
        if schedule.enabled != enabled:
            schedule = schedule.replace(enabled=enabled)
        return StoredSchedule(schedule, self.decode_ts(row["settled_until"]), int(row["revision"]))

    def _ph(self, i: int) -> str:
        return self.dialect.placeholder(i)

    # -- schedules -----------------------------------------------------------------------
    def _select_one(self, name: str) -> dict[str, Any] | None:
        return self.repo.query_one(
            f"SELECT {_SCHEDULE_COLUMNS} FROM {_S} WHERE schedule_name = {self._ph(0)}",  # noqa: S608 - constant identifiers, bound values
            (name,),
        )

    def add(self, schedule: Schedule, *, cursor: datetime, replace: bool = False) -> StoredSchedule:
        """Store a schedule (see :meth:`ScheduleStore.add`); a replaced one keeps its
        ``settled_until``.

        Raises:
            DuplicateScheduleError: the name exists and ``replace`` is false.
        """
        definition = self._json(schedule.to_dict())
        now = self.encode_ts(utc_now())
        with self.lock:
            try:
                with write(self.conn):
                    row = self._select_one(schedule.name)
                    if row is None:
                        self.repo.insert(
                            _S,
                            {
                                "schedule_name": schedule.name,
                                "target": schedule.target,
                                "trigger_text": _trigger_text(schedule),
                                "timezone": schedule.timezone,
                                "enabled": self.dialect.encode_bool(schedule.enabled),
                                "definition_json": definition,
                                "settled_until": self.encode_ts(cursor),
                                "revision": 1,
                                "created_at": now,
                                "updated_at": now,
                            },
                        )
                        return StoredSchedule(schedule, _utc(cursor), 1)
                    if not replace:
                        raise DuplicateScheduleError(schedule.name)
                    revision = int(row["revision"]) + 1
                    ph = self._ph
                    self.repo.execute(
                        f"UPDATE {_S} SET target = {ph(0)}, trigger_text = {ph(1)}, "  # noqa: S608 - constant identifiers, bound values
                        f"timezone = {ph(2)}, enabled = {ph(3)}, definition_json = {ph(4)}, "
                        f"revision = {ph(5)}, updated_at = {ph(6)} WHERE schedule_name = {ph(7)}",
                        (
                            schedule.target,
                            _trigger_text(schedule),
                            schedule.timezone,
                            self.dialect.encode_bool(schedule.enabled),
                            definition,
                            revision,
                            now,
                            schedule.name,
                        ),
                    )
                    return StoredSchedule(schedule, self.decode_ts(row["settled_until"]), revision)
            except IntegrityError:  # a concurrent add of the same name won
                raise DuplicateScheduleError(schedule.name) from None

    def get(self, name: str) -> StoredSchedule | None:
        """The stored schedule, or ``None``."""
        with self.lock, reading(self.conn):
            row = self._select_one(name)
        return None if row is None else self._stored(row)

    def list(self) -> builtins.list[StoredSchedule]:
        """Every stored schedule, by name."""
        with self.lock, reading(self.conn):
            rows = self.repo.query(
                f"SELECT {_SCHEDULE_COLUMNS} FROM {_S} ORDER BY schedule_name"  # noqa: S608 - constant identifiers
            )
        return [self._stored(row) for row in rows]

    def remove(self, name: str) -> bool:
        """Delete a schedule with its claims and history; whether it existed."""
        with self.lock, write(self.conn):
            self.repo.execute(
                f"DELETE FROM {_F} WHERE schedule_name = {self._ph(0)}",  # noqa: S608 - constant identifiers, bound values
                (name,),
            )
            n = self.repo.execute_rowcount(
                f"DELETE FROM {_S} WHERE schedule_name = {self._ph(0)}",  # noqa: S608 - constant identifiers, bound values
                (name,),
            )
        return n > 0

    def set_enabled(self, name: str, enabled: bool, *, now: datetime) -> StoredSchedule:
        """Pause or resume (see :meth:`ScheduleStore.set_enabled`).

        Raises:
            ScheduleNotFoundError: unknown name.
        """
        with self.lock, write(self.conn):
            row = self._select_one(name)
            if row is None:
                raise ScheduleNotFoundError(name)
            old = self._stored(row)
            cursor = old.cursor
            if enabled and not old.schedule.enabled:
                cursor = max(cursor, _utc(now))
            schedule = old.schedule.replace(enabled=enabled)
            ph = self._ph
            self.repo.execute(
                f"UPDATE {_S} SET enabled = {ph(0)}, definition_json = {ph(1)}, "  # noqa: S608 - constant identifiers, bound values
                f"settled_until = {ph(2)}, revision = {ph(3)}, updated_at = {ph(4)} "
                f"WHERE schedule_name = {ph(5)}",
                (
                    self.dialect.encode_bool(enabled),
                    self._json(schedule.to_dict()),
                    self.encode_ts(cursor),
                    old.version + 1,
                    self.encode_ts(utc_now()),
                    name,
                ),
            )
        return StoredSchedule(schedule, cursor, old.version + 1)

    # -- ticks ---------------------------------------------------------------------------
    def claim_fire(
        self,
        name: str,
        scheduled_for: datetime,
        owner: str,
        lease_until: datetime,
        *,
        now: datetime,
    ) -> bool:
        """Claim the tick ``(name, scheduled_for)`` (see :meth:`ScheduleStore.claim_fire`):
        insert its row, or take over a ``claimed`` row whose lease ended before ``now``."""
        ph = self._ph
        with self.lock:
            try:
                with write(self.conn):
                    settled = self.repo.query_value(
                        f"SELECT settled_until FROM {_S} WHERE schedule_name = {ph(0)}",  # noqa: S608 - constant identifiers, bound values
                        (name,),
                    )
                    if settled is None or _utc(scheduled_for) <= self.decode_ts(settled):
                        return False
                    self.repo.insert(
                        _F,
                        {
                            "schedule_name": name,
                            "scheduled_for": self.encode_ts(scheduled_for),
                            "status": CLAIMED,
                            "claimed_by": owner,
                            "lease_until": self.encode_ts(lease_until),
                            "missed": 1,
                        },
                    )
                return True
            except IntegrityError:
                pass
            with write(self.conn):
                taken = self.repo.execute_rowcount(
                    f"UPDATE {_F} SET claimed_by = {ph(0)}, lease_until = {ph(1)} "  # noqa: S608 - constant identifiers, bound values
                    f"WHERE schedule_name = {ph(2)} AND scheduled_for = {ph(3)} "
                    f"AND status = {ph(4)} AND lease_until <= {ph(5)}",
                    (
                        owner,
                        self.encode_ts(lease_until),
                        name,
                        self.encode_ts(scheduled_for),
                        CLAIMED,
                        self.encode_ts(now),
                    ),
                )
            return taken == 1

    def release_fire(self, name: str, scheduled_for: datetime, owner: str) -> None:
        """Give back ``owner``'s unrecorded claim (a retryable failure)."""
        ph = self._ph
        with self.lock, write(self.conn):
            self.repo.execute(
                f"DELETE FROM {_F} WHERE schedule_name = {ph(0)} AND scheduled_for = {ph(1)} "  # noqa: S608 - constant identifiers, bound values
                f"AND status = {ph(2)} AND claimed_by = {ph(3)}",
                (name, self.encode_ts(scheduled_for), CLAIMED, owner),
            )

    def record(self, record: FireRecord) -> None:
        """Settle a tick (or store a skipped summary) and move ``settled_until`` forward, in
        one transaction. A summary whose instant already has a row leaves that row alone."""
        ph = self._ph
        values = {
            "status": record.status.value,
            "claimed_by": record.owner,
            "recorded_at": self.encode_ts(record.recorded_at),
            "execution_id": record.execution_id,
            "params_json": None if record.params is None else self._json(record.params),
            "missed": record.missed,
            "first_missed": self.encode_ts(record.first_missed),
            "reason": record.reason,
            "error_type": None if record.error_type is None else record.error_type[:200],
        }
        key = (record.schedule, self.encode_ts(record.scheduled_for))
        with self.lock, write(self.conn):
            exists = self.repo.query_value(
                f"SELECT 1 FROM {_S} WHERE schedule_name = {ph(0)}",  # noqa: S608 - constant identifiers, bound values
                (record.schedule,),
            )
            if exists is None:
                return
            sets = ", ".join(f"{col} = {ph(i)}" for i, col in enumerate(values))
            n = len(values)
            updated = self.repo.execute_rowcount(
                f"UPDATE {_F} SET {sets} WHERE schedule_name = {ph(n)} "  # noqa: S608 - constant identifiers, bound values
                f"AND scheduled_for = {ph(n + 1)} AND status = {ph(n + 2)}",
                (*values.values(), *key, CLAIMED),
            )
            if not updated:
                row = {"schedule_name": key[0], "scheduled_for": key[1], **values}
                self.repo.execute(
                    insert_if_absent_sql(self.dialect, CORE_SCHEDULE_FIRES, list(row)),
                    list(row.values()),
                )
            self.repo.execute(
                f"UPDATE {_S} SET settled_until = {ph(0)} WHERE schedule_name = {ph(1)} "  # noqa: S608 - constant identifiers, bound values
                f"AND settled_until < {ph(2)}",
                (key[1], record.schedule, key[1]),
            )

    def history(self, name: str, limit: int = 50) -> builtins.list[FireRecord]:
        """The latest settled fires of ``name``, newest first (live claims are not listed)."""
        limit = max(0, int(limit))
        if limit == 0:
            return []
        with self.lock, reading(self.conn):
            rows = self.repo.query(fire_history_sql(self.dialect, limit), (name, CLAIMED))
        return [self._record(row) for row in rows]

    def _record(self, row: Mapping[str, Any]) -> FireRecord:
        first = row["first_missed"]
        params = self._unjson(row["params_json"])
        return FireRecord(
            schedule=str(row["schedule_name"]),
            scheduled_for=self.decode_ts(row["scheduled_for"]),
            status=FireStatus(str(row["status"])),
            recorded_at=self.decode_ts(row["recorded_at"]),
            execution_id=row["execution_id"],
            params=params if isinstance(params, dict) else None,
            missed=int(row["missed"]),
            first_missed=None if first is None else self.decode_ts(first),
            reason=row["reason"],
            error_type=row["error_type"],
            owner=row["claimed_by"],
        )

    def __repr__(self) -> str:
        return f"SqlScheduleStore({self.dialect.name})"
