"""One database scheduler process of the multi-process test (run as a script).

    python scheduler_process.py URL SCHEMA|- CLOCK_FILE OWNER

It runs a :class:`DatabaseScheduler` over the test's isolated database with a clock read
from ``CLOCK_FILE`` (the test moves simulated time for every process at once) and submits
through a real :class:`Dispatcher` whose ledger is the shared :class:`SqlLedger`
(``core_executions``: one execution per idempotency key, whichever process submits it);
every submit call is also logged in ``spine_t_attempts``. It runs until SIGTERM (clean stop:
the lease is released) or SIGKILL (the test kills the leader).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from spine.db import BaseRepository, connect, write
from spine.db.schema import ID, STR, TS, Column, Table
from spine.execution import DatabaseScheduler, Dispatcher, SqlLedger, WorkSpec
from spine.types import generate_ulid, utc_now

ATTEMPTS = Table(
    "spine_t_attempts",
    (
        Column("id", ID),
        Column("idempotency_key", STR(255)),
        Column("owner", STR(200)),
        Column("attempted_at", TS),
    ),
    ("id",),
)


class FileClock:
    """Simulated time shared by processes: the POSIX timestamp written in a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        for _ in range(100):
            text = self.path.read_text().strip()
            if text:
                return datetime.fromtimestamp(float(text), UTC)
            time.sleep(0.001)  # caught between truncate and write: read again
        raise RuntimeError(f"clock file {self.path} stays empty")

    def wait(self, event: threading.Event, deadline: datetime | None) -> bool:
        while True:
            if event.is_set():
                return True
            if deadline is not None and self.now() >= deadline:
                return False
            event.wait(0.005)

    async def wait_async(self, event: asyncio.Event, deadline: datetime | None) -> bool:
        while not event.is_set():
            if deadline is not None and self.now() >= deadline:
                return False
            await asyncio.sleep(0.005)
        return True


class LoggingSubmitter:
    """Logs each submit call in ``spine_t_attempts``, then submits through the dispatcher."""

    def __init__(self, dispatcher: Dispatcher, conn: Any, owner: str) -> None:
        self.dispatcher = dispatcher
        self.registry = dispatcher.registry
        self.repo = BaseRepository(conn)
        self.owner = owner

    def submit(self, spec: WorkSpec) -> str:
        with write(self.repo.conn):
            self.repo.insert(
                ATTEMPTS.name,
                {
                    "id": generate_ulid(),
                    "idempotency_key": spec.idempotency_key,
                    "owner": self.owner,
                    "attempted_at": self.repo.dialect.encode_timestamp(utc_now()),
                },
            )
        return self.dispatcher.submit(spec)


def main(url: str, schema: str, clock_file: str, owner: str) -> None:
    opts = {} if schema == "-" else {"schema": schema}
    dispatcher = Dispatcher(ledger=SqlLedger(connect(url, **opts)))
    dispatcher.registry.register("job", lambda params: {"owner": owner})
    scheduler = DatabaseScheduler(
        LoggingSubmitter(dispatcher, connect(url, **opts), owner),
        connect(url, **opts),
        clock=FileClock(Path(clock_file)),
        owner=owner,
        leader_lease=timedelta(minutes=2),
        claim_lease=timedelta(minutes=1),
        install=False,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    scheduler.start()
    print("started", flush=True)
    done.wait()
    scheduler.stop()


if __name__ == "__main__":
    main(*sys.argv[1:5])
