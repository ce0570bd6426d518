"""What each dialect renders for notifications and pings (Oracle and Db2 cannot run here:
their statements are pinned)."""

from __future__ import annotations

import pytest

from spine.db import get_dialect
from spine.types import ConfigError, ValidationError

ALL = ["sqlite", "postgresql", "mysql", "oracle", "db2"]


@pytest.mark.parametrize(
    ("backend", "sql"),
    [
        ("sqlite", "SELECT 1"),
        ("postgresql", "SELECT 1"),
        ("mysql", "SELECT 1"),
        ("oracle", "SELECT 1 FROM DUAL"),
        ("db2", "SELECT 1 FROM SYSIBM.SYSDUMMY1"),
    ],
)
def test_ping_sql_is_the_cheapest_valid_statement_of_each_backend(backend: str, sql: str) -> None:
    assert get_dialect(backend).ping_sql == sql


def test_postgresql_renders_listen_notify_with_validated_channels() -> None:
    d = get_dialect("postgresql")
    assert d.supports_notify
    assert d.notify_sql() == "SELECT pg_notify(%s, %s)"
    assert d.listen_sql("spine_events") == "LISTEN spine_events"
    assert d.unlisten_sql("spine_events") == "UNLISTEN spine_events"
    assert d.listen_sql("user") == 'LISTEN "user"'  # a reserved word is quoted
    with pytest.raises(ValidationError):
        d.listen_sql("events; DROP TABLE core_executions")


@pytest.mark.parametrize("backend", [b for b in ALL if b != "postgresql"])
def test_backends_without_notifications_say_so_with_a_config_error(backend: str) -> None:
    d = get_dialect(backend)
    assert not d.supports_notify
    for call in (d.notify_sql, lambda: d.listen_sql("c"), lambda: d.unlisten_sql("c")):
        with pytest.raises(ConfigError, match="no asynchronous notifications"):
            call()
