"""Behaviour of configure_logging / get_logger in both the structlog and stdlib paths."""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import spine.types.logging as spine_logging
from spine.types import (
    InvalidConfigError,
    NetworkError,
    SpineLogger,
    bind_context,
    clear_context,
    configure_logging,
    get_logger,
    log_context,
    unbind_context,
)

HAS_STRUCTLOG = importlib.util.find_spec("structlog") is not None
needs_structlog = pytest.mark.skipif(
    not HAS_STRUCTLOG, reason='structlog is not installed (pip install "spine-types[structlog]")'
)
MODES = [
    pytest.param(False, id="stdlib"),
    pytest.param(True, id="structlog", marks=needs_structlog),
]


def _spine_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_spine_handler", False)]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    for handler in _spine_handlers():
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    clear_context()
    spine_logging._use_structlog = False
    if HAS_STRUCTLOG:
        import structlog

        structlog.reset_defaults()


def configure(use_structlog: bool, **kwargs: Any) -> io.StringIO:
    stream = io.StringIO()
    kwargs.setdefault("level", "DEBUG")
    configure_logging(stream=stream, use_structlog=use_structlog, **kwargs)
    return stream


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize("use_structlog", MODES)
def test_json_output_has_ecs_keys_and_fields(use_structlog: bool) -> None:
    stream = configure(use_structlog, service="capture-spine")
    get_logger("finra.ingest").info("event_happened", key="value", count=42)
    [entry] = records(stream)
    assert entry.pop("@timestamp").endswith("Z")
    assert entry == {
        "log.level": "info",
        "log.logger": "finra.ingest",
        "service.name": "capture-spine",
        "message": "event_happened",
        "event": "event_happened",
        "key": "value",
        "count": 42,
    }


@pytest.mark.parametrize("use_structlog", MODES)
def test_timestamp_is_iso_utc_with_milliseconds(use_structlog: bool) -> None:
    stream = configure(use_structlog)
    get_logger("t").info("x")
    stamp = records(stream)[0]["@timestamp"]
    assert len(stamp) == len("2025-12-26T10:00:00.000Z")
    assert stamp[10] == "T"


@needs_structlog
def test_both_paths_produce_the_same_shape() -> None:
    shapes = []
    for use_structlog in (False, True):
        stream = configure(use_structlog, service="svc")
        log = get_logger("same").bind(run_id="r1")
        log.warning("shape", n=1)
        try:
            raise ValueError("bad")
        except ValueError:
            log.exception("failed")
        entries = records(stream)
        for entry in entries:
            entry.pop("@timestamp")
            entry["error.stack_trace"] = "trace" if "error.stack_trace" in entry else None
        shapes.append(entries)
    assert shapes[0] == shapes[1]


@pytest.mark.parametrize("use_structlog", MODES)
def test_exceptions_become_error_fields(use_structlog: bool) -> None:
    stream = configure(use_structlog)
    log = get_logger("err")
    try:
        raise NetworkError("connection reset").with_context(url="https://x")
    except NetworkError:
        log.exception("fetch_failed", attempt=2)
    [entry] = records(stream)
    assert entry["log.level"] == "error"
    assert entry["error.type"] == "NetworkError"
    assert entry["error.message"] == "connection reset"
    assert "Traceback" in entry["error.stack_trace"]
    assert "connection reset" in entry["error.stack_trace"]
    assert entry["error.category"] == "NETWORK"
    assert entry["error.retryable"] is True
    assert entry["attempt"] == 2


@pytest.mark.parametrize("use_structlog", MODES)
def test_exc_info_accepts_an_exception_instance(use_structlog: bool) -> None:
    stream = configure(use_structlog)
    get_logger("err").error("oops", exc_info=KeyError("k"))
    [entry] = records(stream)
    assert entry["error.type"] == "KeyError"


@pytest.mark.parametrize("use_structlog", MODES)
def test_plain_stdlib_records_are_rendered_the_same_way(use_structlog: bool) -> None:
    stream = configure(use_structlog, service="svc")
    logging.getLogger("thirdparty").warning("disk %s%% full", 93, extra={"mount": "/data"})
    [entry] = records(stream)
    assert entry["message"] == "disk 93% full"
    assert entry["event"] == "disk 93% full"
    assert entry["log.logger"] == "thirdparty"
    assert entry["log.level"] == "warning"
    assert entry["mount"] == "/data"
    assert entry["service.name"] == "svc"


@pytest.mark.parametrize("use_structlog", MODES)
def test_bound_and_context_fields_are_added(use_structlog: bool) -> None:
    stream = configure(use_structlog)
    bind_context(execution_id="E1", batch_id="B1")
    unbind_context("batch_id")
    log = get_logger("ctx").bind(step="fetch")
    with log_context(attempt=3):
        log.info("inside")
    log.info("outside")
    inside, outside = records(stream)
    assert inside["execution_id"] == "E1"
    assert inside["step"] == "fetch"
    assert inside["attempt"] == 3
    assert "batch_id" not in inside
    assert "attempt" not in outside


@pytest.mark.parametrize("use_structlog", MODES)
def test_fields_colliding_with_core_keys_are_renamed_not_lost(use_structlog: bool) -> None:
    stream = configure(use_structlog)
    get_logger("c").info("real_event", message="user message")
    [entry] = records(stream)
    assert entry["message"] == "real_event"
    assert entry["message_"] == "user message"


@pytest.mark.parametrize("use_structlog", MODES)
def test_level_filtering(use_structlog: bool) -> None:
    stream = configure(use_structlog, level="WARNING")
    log = get_logger("lvl")
    log.debug("hidden")
    log.info("hidden")
    log.error("shown")
    assert [e["event"] for e in records(stream)] == ["shown"]


@pytest.mark.parametrize("use_structlog", MODES)
def test_non_json_values_are_serialised(use_structlog: bool) -> None:
    from datetime import UTC, datetime

    from spine.types import ExecutionStatus, SecretValue

    stream = configure(use_structlog)
    get_logger("v").info(
        "values",
        when=datetime(2025, 1, 1, tzinfo=UTC),
        status=ExecutionStatus.RUNNING,
        tags={"a"},
        password=SecretValue("hunter2"),
    )
    [entry] = records(stream)
    assert entry["when"] == "2025-01-01T00:00:00+00:00"
    assert entry["status"] == "running"
    assert entry["tags"] == ["a"]
    assert entry["password"] == "**********"
    assert "hunter2" not in stream.getvalue()


@pytest.mark.parametrize("use_structlog", MODES)
def test_console_format_is_one_readable_line(use_structlog: bool) -> None:
    stream = configure(use_structlog, json_format=False)
    get_logger("dev").info("started", rows=3, source="finra")
    line = stream.getvalue().strip()
    assert "INFO" in line
    assert "[dev] started" in line
    assert "rows=3" in line
    assert "source='finra'" in line
    assert not line.startswith("{")


@needs_structlog
def test_reconfiguring_replaces_the_handler_instead_of_adding_one() -> None:
    first = configure(False)
    second = configure(True)
    third = configure(False)
    assert len(_spine_handlers()) == 1
    get_logger("idem").info("once")
    assert first.getvalue() == ""
    assert second.getvalue() == ""
    assert len(records(third)) == 1


def test_other_handlers_are_left_alone() -> None:
    foreign = logging.NullHandler()
    root = logging.getLogger()
    root.addHandler(foreign)
    try:
        configure(False)
        configure(False)
        assert foreign in root.handlers
    finally:
        root.removeHandler(foreign)


@needs_structlog
def test_get_logger_type_follows_the_configured_path() -> None:
    assert isinstance(get_logger("x"), SpineLogger)  # unconfigured: stdlib adapter
    configure(True)
    assert not isinstance(get_logger("x"), SpineLogger)
    configure(False)
    assert isinstance(get_logger("x"), SpineLogger)


def test_auto_mode_falls_back_to_stdlib_without_structlog(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "structlog", None)
    stream = io.StringIO()
    configure_logging(stream=stream)
    log = get_logger("fallback")
    assert isinstance(log, SpineLogger)
    log.info("works", k=1)
    assert records(stream)[0]["k"] == 1


def test_requiring_structlog_when_missing_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "structlog", None)
    with pytest.raises(ImportError, match=r"spine-types\[structlog\]"):
        configure_logging(use_structlog=True)


@pytest.mark.parametrize("bad", ["LOUD", "", True, 1.5])
def test_invalid_level_raises_invalid_config_error(bad: Any) -> None:
    with pytest.raises(InvalidConfigError, match="invalid log level"):
        configure_logging(level=bad, stream=io.StringIO())


def test_service_defaults_to_environment_then_spine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINE_SERVICE_NAME", "from-env")
    stream = configure(False)
    get_logger("s").info("x")
    assert records(stream)[0]["service.name"] == "from-env"
    monkeypatch.delenv("SPINE_SERVICE_NAME")
    stream = configure(False)
    get_logger("s").info("x")
    assert records(stream)[0]["service.name"] == "spine"


def test_stdlib_adapter_reports_caller_location() -> None:
    seen: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logger = logging.getLogger("loc")
    handler = Capture()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        SpineLogger(logger).info("here")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    assert seen[0].funcName == "test_stdlib_adapter_reports_caller_location"


def test_stdlib_adapter_bind_unbind_and_repr() -> None:
    log = SpineLogger(logging.getLogger("b")).bind(a=1, b=2).unbind("a")
    assert "b" in repr(log)
    assert log.name == "b"
    assert log.stdlib_logger is logging.getLogger("b")
