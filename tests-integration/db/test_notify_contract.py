"""Notifications and pings on every reachable backend: LISTEN/NOTIFY where the dialect
supports it (PostgreSQL), a clear ConfigError elsewhere; ``ping`` everywhere."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from spine.db import SpineConnection, transaction
from spine.types import ConfigError


def test_ping_works_on_every_backend(db: SpineConnection) -> None:
    db.ping()
    db.rollback()


def test_notifications_are_delivered_after_commit_or_refused_clearly(
    db: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    if not db.dialect.supports_notify:
        with pytest.raises(ConfigError, match="no asynchronous notifications"):
            db.listen("spine_test")
        with pytest.raises(ConfigError):
            db.wait_notifications(0.01)
        return
    listener = db_factory()
    listener.listen("spine_test")
    assert listener.wait_notifications(0.05) == []
    with transaction(db):
        db.notify("spine_test", "one")
        db.notify("spine_test", "two")
        # Nothing is delivered before the commit.
        assert listener.wait_notifications(0.05) == []
    got = listener.wait_notifications(2.0)
    while len(got) < 2:
        more = listener.wait_notifications(2.0)
        assert more, f"only {got} arrived"
        got += more
    assert got == [("spine_test", "one"), ("spine_test", "two")]


def test_a_rolled_back_notification_is_never_delivered(
    db: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    if not db.dialect.supports_notify:
        pytest.skip(f"{db.dialect.name} has no notifications")
    listener = db_factory()
    listener.listen("spine_test")
    db.notify("spine_test", "never")
    db.rollback()
    db.notify("spine_test", "sent")
    db.commit()
    assert listener.wait_notifications(2.0) == [("spine_test", "sent")]


def test_waiting_returns_when_a_notification_arrives_from_another_thread(
    db: SpineConnection, db_factory: Callable[[], SpineConnection]
) -> None:
    if not db.dialect.supports_notify:
        pytest.skip(f"{db.dialect.name} has no notifications")
    listener = db_factory()
    listener.listen("spine_wake")

    def later() -> None:
        db.notify("spine_wake", "wake")
        db.commit()

    timer = threading.Timer(0.2, later)
    timer.start()
    try:
        assert listener.wait_notifications(10.0) == [("spine_wake", "wake")]
    finally:
        timer.join()
