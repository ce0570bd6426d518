"""``SqlArrivalStore``: expected arrivals in ``core_expected_arrivals`` / ``core_arrivals``.

The SQL :class:`~spine.execution.scheduling.arrivals.ArrivalStore`. One row per
(expectation, deadline) in ``core_arrivals`` (the primary key) makes a miss exactly-once:
:meth:`~SqlArrivalStore.mark_missed` inserts the ``missed`` row and records the anomaly in
``core_anomalies`` (spine-ops' :class:`~spine.ops.AnomalyRecorder`, same connection) in one
transaction; a monitor whose insert hits the key records nothing.

Example:
    >>> from datetime import datetime, timezone
    >>> from spine.db import connect
    >>> from spine.db.schema import install_schema
    >>> from spine.execution.scheduling import ArrivalMonitor, ExpectedArrival, ManualClock
    >>> conn = connect("memory")
    >>> _ = install_schema(conn)                       # core_anomalies comes with spine-ops
    >>> clock = ManualClock(datetime(2025, 12, 29, 12, tzinfo=timezone.utc))
    >>> monitor = ArrivalMonitor(SqlArrivalStore(conn), clock=clock)
    >>> _ = monitor.expect(ExpectedArrival.daily("vendor.eod", domain="vendor", source="eod",
    ...                                          at="18:00"))
    >>> monitor.arrived("vendor.eod").status.value
    'arrived'
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from spine.db import BaseRepository, reading, write
from spine.db.schema import install_schema
from spine.execution.scheduling.arrivals import (
    AnomalySink,
    ArrivalRecord,
    ArrivalStatus,
    ExpectedArrival,
    MissFactory,
    StoredExpectation,
)
from spine.execution.scheduling.errors import DuplicateScheduleError, ScheduleNotFoundError
from spine.execution.scheduling.schema import (
    ARRIVAL_RECORD_COLUMNS,
    CORE_ARRIVALS,
    CORE_EXPECTED_ARRIVALS,
    SCHEMA,
    arrival_records_sql,
    insert_if_absent_sql,
)
from spine.types import IntegrityError, utc_now

__all__ = ["SqlArrivalStore"]

_E = CORE_EXPECTED_ARRIVALS.name
_A = CORE_ARRIVALS.name


class SqlArrivalStore:
    """:class:`~spine.execution.scheduling.arrivals.ArrivalStore` over SQL.

    Args:
        conn: A spine connection used only by this store (calls are serialised on it).
        install: Create the scheduling tables (and spine-ops' ``core_anomalies``) when
            missing (default ``True``).
    """

    def __init__(self, conn: Any, *, install: bool = True) -> None:
        self.repo = BaseRepository(conn)
        self.conn = self.repo.conn
        self.dialect = self.repo.dialect
        self.lock = threading.RLock()
        if install:
            from spine.ops.schema import SCHEMA as OPS_SCHEMA

            with self.lock:
                install_schema(self.conn, [SCHEMA, OPS_SCHEMA])

    def _ts(self, value: datetime | None) -> Any:
        return None if value is None else self.dialect.encode_timestamp(value.astimezone(UTC))

    def _dt(self, value: Any) -> datetime:
        decoded = self.dialect.decode_timestamp(value)
        assert decoded is not None
        return decoded

    def _select(self, name: str) -> dict[str, Any] | None:
        ph = self.dialect.placeholder
        return self.repo.query_one(
            f"SELECT arrival_name, definition_json, checked_until FROM {_E} "  # noqa: S608 - constant identifiers, bound values
            f"WHERE arrival_name = {ph(0)}",
            (name,),
        )

    def _stored(self, row: Mapping[str, Any]) -> StoredExpectation:
        data = self.dialect.decode_json(row["definition_json"])
        return StoredExpectation(ExpectedArrival.from_dict(data), self._dt(row["checked_until"]))

    def add(
        self, expectation: ExpectedArrival, *, checked_until: datetime, replace: bool = False
    ) -> StoredExpectation:
        """See :meth:`ArrivalStore.add`."""
        definition = self.dialect.encode_json(expectation.to_dict())
        now = self._ts(utc_now())
        ph = self.dialect.placeholder
        with self.lock:
            try:
                with write(self.conn):
                    row = self._select(expectation.name)
                    if row is None:
                        self.repo.insert(
                            _E,
                            {
                                "arrival_name": expectation.name,
                                "domain": expectation.domain,
                                "source": expectation.source,
                                "enabled": self.dialect.encode_bool(expectation.enabled),
                                "definition_json": definition,
                                "checked_until": self._ts(checked_until),
                                "created_at": now,
                                "updated_at": now,
                            },
                        )
                        return StoredExpectation(expectation, checked_until.astimezone(UTC))
                    if not replace:
                        raise DuplicateScheduleError(expectation.name)
                    self.repo.execute(
                        f"UPDATE {_E} SET domain = {ph(0)}, source = {ph(1)}, enabled = {ph(2)}, "  # noqa: S608 - constant identifiers, bound values
                        f"definition_json = {ph(3)}, updated_at = {ph(4)} "
                        f"WHERE arrival_name = {ph(5)}",
                        (
                            expectation.domain,
                            expectation.source,
                            self.dialect.encode_bool(expectation.enabled),
                            definition,
                            now,
                            expectation.name,
                        ),
                    )
                    return StoredExpectation(expectation, self._dt(row["checked_until"]))
            except IntegrityError:
                raise DuplicateScheduleError(expectation.name) from None

    def get(self, name: str) -> StoredExpectation | None:
        """See :meth:`ArrivalStore.get`."""
        with self.lock, reading(self.conn):
            row = self._select(name)
        return None if row is None else self._stored(row)

    def list(self) -> builtins.list[StoredExpectation]:
        """See :meth:`ArrivalStore.list`."""
        with self.lock, reading(self.conn):
            rows = self.repo.query(
                f"SELECT arrival_name, definition_json, checked_until FROM {_E} "  # noqa: S608 - constant identifiers
                "ORDER BY arrival_name"
            )
        return [self._stored(r) for r in rows]

    def remove(self, name: str) -> bool:
        """See :meth:`ArrivalStore.remove`."""
        ph = self.dialect.placeholder
        with self.lock, write(self.conn):
            self.repo.execute(f"DELETE FROM {_A} WHERE arrival_name = {ph(0)}", (name,))  # noqa: S608 - constant identifiers, bound values
            n = self.repo.execute_rowcount(
                f"DELETE FROM {_E} WHERE arrival_name = {ph(0)}",  # noqa: S608 - constant identifiers, bound values
                (name,),
            )
        return n > 0

    def mark_missed(
        self,
        name: str,
        deadline: datetime,
        now: datetime,
        partition: dict[str, Any],
        anomaly: MissFactory,
    ) -> ArrivalRecord | None:
        """See :meth:`ArrivalStore.mark_missed` (insert + anomaly in one transaction)."""
        ph = self.dialect.placeholder
        with self.lock:
            try:
                with write(self.conn):
                    self.repo.insert(
                        _A,
                        {
                            "arrival_name": name,
                            "deadline": self._ts(deadline),
                            "status": ArrivalStatus.MISSED.value,
                            "arrived_at": None,
                            "recorded_at": self._ts(now),
                            "anomaly_id": None,
                            "details_json": None,
                        },
                    )
                    anomaly_id = anomaly()
                    self.repo.execute(
                        f"UPDATE {_A} SET anomaly_id = {ph(0)} WHERE arrival_name = {ph(1)} "  # noqa: S608 - constant identifiers, bound values
                        f"AND deadline = {ph(2)}",
                        (anomaly_id, name, self._ts(deadline)),
                    )
            except IntegrityError:
                return None
        return ArrivalRecord(
            name,
            deadline.astimezone(UTC),
            ArrivalStatus.MISSED,
            now,
            anomaly_id=anomaly_id,
            partition=partition,
        )

    def record_arrival(
        self,
        name: str,
        deadline: datetime,
        arrived_at: datetime,
        partition: dict[str, Any],
        details: dict[str, Any],
    ) -> ArrivalRecord:
        """See :meth:`ArrivalStore.record_arrival`."""
        ph = self.dialect.placeholder
        key = (name, self._ts(deadline))
        details_json = self.dialect.encode_json(details) if details else None
        with self.lock:
            with reading(self.conn):
                if self._select(name) is None:
                    raise ScheduleNotFoundError(name)
            with write(self.conn):
                self.repo.execute(
                    f"UPDATE {_A} SET status = {ph(0)}, arrived_at = {ph(1)}, "  # noqa: S608 - constant identifiers, bound values
                    f"recorded_at = {ph(2)}, details_json = {ph(3)} WHERE arrival_name = {ph(4)} "
                    f"AND deadline = {ph(5)} AND status = {ph(6)}",
                    (
                        ArrivalStatus.LATE.value,
                        self._ts(arrived_at),
                        self._ts(arrived_at),
                        details_json,
                        *key,
                        ArrivalStatus.MISSED.value,
                    ),
                )
                row = {
                    "arrival_name": name,
                    "deadline": key[1],
                    "status": ArrivalStatus.ARRIVED.value,
                    "arrived_at": self._ts(arrived_at),
                    "recorded_at": self._ts(arrived_at),
                    "anomaly_id": None,
                    "details_json": details_json,
                }
                self.repo.execute(
                    insert_if_absent_sql(self.dialect, CORE_ARRIVALS, list(row)),
                    list(row.values()),
                )
            with reading(self.conn):
                stored = self.repo.query_one(
                    f"SELECT {ARRIVAL_RECORD_COLUMNS} FROM {_A} WHERE arrival_name = {ph(0)} "  # noqa: S608 - constant identifiers, bound values
                    f"AND deadline = {ph(1)}",
                    key,
                )
        assert stored is not None
        return self._record(stored, partition)

    def advance(self, name: str, checked_until: datetime) -> None:
        """See :meth:`ArrivalStore.advance`."""
        ph = self.dialect.placeholder
        at = self._ts(checked_until)
        with self.lock, write(self.conn):
            self.repo.execute(
                f"UPDATE {_E} SET checked_until = {ph(0)} WHERE arrival_name = {ph(1)} "  # noqa: S608 - constant identifiers, bound values
                f"AND checked_until < {ph(2)}",
                (at, name, at),
            )

    def records(
        self, name: str, limit: int = 50, *, status: ArrivalStatus | None = None
    ) -> builtins.list[ArrivalRecord]:
        """See :meth:`ArrivalStore.records` (partitions re-rendered from the definition)."""
        limit = max(0, int(limit))
        if limit == 0:
            return []
        sql = arrival_records_sql(self.dialect, limit, with_status=status is not None)
        params: builtins.list[Any] = [name]
        if status is not None:
            params.append(ArrivalStatus(status).value)
        with self.lock, reading(self.conn):
            rows = self.repo.query(sql, params)
            row = self._select(name)
        expectation = None if row is None else self._stored(row).expectation
        return [
            self._record(
                r,
                {} if expectation is None else expectation.partition_for(self._dt(r["deadline"])),
            )
            for r in rows
        ]

    def _record(self, row: Mapping[str, Any], partition: dict[str, Any]) -> ArrivalRecord:
        details = (
            None if row["details_json"] is None else self.dialect.decode_json(row["details_json"])
        )
        arrived = row["arrived_at"]
        return ArrivalRecord(
            name=str(row["arrival_name"]),
            deadline=self._dt(row["deadline"]),
            status=ArrivalStatus(str(row["status"])),
            recorded_at=self._dt(row["recorded_at"]),
            arrived_at=None if arrived is None else self._dt(arrived),
            anomaly_id=row["anomaly_id"],
            partition=partition,
            details=details if isinstance(details, dict) else {},
        )

    def anomaly_sink(self, domain: str) -> AnomalySink:
        """spine-ops' :class:`~spine.ops.AnomalyRecorder` of ``domain`` on this store's
        connection (joins :meth:`mark_missed`'s transaction)."""
        from spine.ops import AnomalyRecorder

        return _LockedSink(AnomalyRecorder(self.conn, domain), self.lock)

    def __repr__(self) -> str:
        return f"SqlArrivalStore({self.dialect.name})"


class _LockedSink:
    """An anomaly sink whose calls hold the store's connection lock."""

    def __init__(self, sink: Any, lock: threading.RLock) -> None:
        self.sink = sink
        self.lock = lock

    def record(self, **kwargs: Any) -> str:
        with self.lock:
            return str(self.sink.record(**kwargs))

    def resolve(self, anomaly_id: str, note: str | None = None) -> bool:
        with self.lock:
            return bool(self.sink.resolve(anomaly_id, note))
