"""Structured logging with ECS-compatible JSON output, with or without structlog.

:func:`configure_logging` installs one handler on the root logger. :func:`get_logger` returns a
logger whose methods take an event name plus keyword fields::

    configure_logging(level="INFO", json_format=True, service="finra-ingest")
    log = get_logger(__name__)
    log.info("file_fetched", url="https://...", rows=1200)

which writes one JSON object per line::

    {"@timestamp": "2025-12-26T10:00:00.123Z", "log.level": "info",
     "log.logger": "finra.ingest", "service.name": "finra-ingest",
     "message": "file_fetched", "event": "file_fetched",
     "url": "https://...", "rows": 1200}

Exceptions (``log.exception(...)`` or ``exc_info=...``) add ``error.type``,
``error.message`` and ``error.stack_trace`` (plus ``error.category`` / ``error.retryable`` for a
:class:`~spine.types.errors.SpineError`).

When structlog is installed (``pip install "spine-types[structlog]"``) it is used and
:func:`get_logger` returns a structlog ``BoundLogger``; otherwise a small stdlib adapter with the
same call style is returned. Both paths render through the same code, so the output shape is
identical, and plain ``logging`` records from other libraries are rendered the same way too.
``json_format=False`` gives a one-line human-readable console format for development.

Fields bound with :func:`bind_context` / :func:`log_context` (e.g. ``execution_id``) are added
to every record logged in the current thread or task.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Any, Protocol, cast

from spine.types.errors import InvalidConfigError, SpineError

if TYPE_CHECKING:
    from types import TracebackType

    _ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

__all__ = [
    "LoggerLike",
    "SpineLogger",
    "bind_context",
    "clear_context",
    "configure_logging",
    "get_logger",
    "log_context",
    "unbind_context",
]

_HANDLER_MARK = "_spine_handler"
_FIELDS_ATTR = "spine_fields"
_DEFAULT_SERVICE = "spine"
_CORE_KEYS = frozenset(
    {"@timestamp", "log.level", "log.logger", "service.name", "message", "event"}
)
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()
    | {"message", "asctime", "taskName", _FIELDS_ATTR, "_logger", "_name"}
)

_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "spine_log_context", default=MappingProxyType({})
)


class LoggerLike(Protocol):
    """What :func:`get_logger` returns in both modes: ``log.info("event", key=value)``."""

    def debug(self, event: str, *args: Any, **kw: Any) -> Any: ...
    def info(self, event: str, *args: Any, **kw: Any) -> Any: ...
    def warning(self, event: str, *args: Any, **kw: Any) -> Any: ...
    def error(self, event: str, *args: Any, **kw: Any) -> Any: ...
    def critical(self, event: str, *args: Any, **kw: Any) -> Any: ...
    def exception(self, event: str, *args: Any, **kw: Any) -> Any: ...
    def bind(self, **kw: Any) -> Any: ...


# --- context --------------------------------------------------------------------------------


def bind_context(**fields: Any) -> None:
    """Add fields to every record logged from the current thread/task (contextvars based)."""
    _context.set({**_context.get(), **fields})


def unbind_context(*keys: str) -> None:
    """Remove bound context fields."""
    current = _context.get()
    _context.set({k: v for k, v in current.items() if k not in keys})


def clear_context() -> None:
    """Remove all bound context fields."""
    _context.set({})


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Bind fields for the duration of a ``with`` block.

    Example:
        >>> with log_context(execution_id="01J..."):
        ...     pass  # every record logged here carries execution_id
    """
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


# --- rendering (shared by the stdlib and structlog paths) -----------------------------------


def _timestamp(created: float) -> str:
    millis = int(created * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{millis:03d}Z"


def _normalise_exc_info(exc_info: Any) -> _ExcInfo | None:
    if not exc_info:
        return None
    if isinstance(exc_info, BaseException):
        return (type(exc_info), exc_info, exc_info.__traceback__)
    if isinstance(exc_info, tuple):
        if exc_info[0] is None:
            return None
        return cast("_ExcInfo", exc_info)
    info = sys.exc_info()
    return None if info[0] is None else cast("_ExcInfo", info)


def _record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """Fields passed by :class:`SpineLogger` plus any stdlib ``extra=`` attributes."""
    fields: dict[str, Any] = {
        k: v for k, v in record.__dict__.items() if k not in _RECORD_ATTRS and k[:1] != "_"
    }
    spine_fields = record.__dict__.get(_FIELDS_ATTR)
    if spine_fields:
        fields.update(spine_fields)
    return fields


def _build_entry(
    record: logging.LogRecord,
    event: str,
    fields: Mapping[str, Any],
    exc_info: Any,
    service: str,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "@timestamp": _timestamp(record.created),
        "log.level": record.levelname.lower(),
        "log.logger": record.name,
        "service.name": service,
        "message": event,
        "event": event,
    }
    for key, value in {**_context.get(), **fields}.items():
        entry[f"{key}_" if key in _CORE_KEYS else key] = value
    info = _normalise_exc_info(exc_info)
    if info is not None:
        import traceback

        exc = info[1]
        entry["error.type"] = info[0].__name__
        entry["error.message"] = str(exc)
        entry["error.stack_trace"] = "".join(traceback.format_exception(*info)).rstrip()
        if isinstance(exc, SpineError):
            entry["error.category"] = exc.category.value
            entry["error.retryable"] = exc.retryable
    if record.stack_info:
        entry["log.origin.stack"] = record.stack_info
    return entry


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, SpineError):
        return value.to_dict()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _render_json(entry: Mapping[str, Any]) -> str:
    return json.dumps(entry, default=_json_default, ensure_ascii=False)


def _console_value(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None or isinstance(value, bool | int | float):
        return str(value)
    return str(_json_default(value))


def _render_console(entry: Mapping[str, Any]) -> str:
    skip = _CORE_KEYS | {"error.stack_trace"}
    pairs = " ".join(f"{k}={_console_value(v)}" for k, v in entry.items() if k not in skip)
    line = (
        f"{entry['@timestamp']} {entry['log.level'].upper():<8} "
        f"[{entry['log.logger']}] {entry['event']}"
    )
    if pairs:
        line += " " + pairs
    trace = entry.get("error.stack_trace")
    if trace:
        line += "\n" + trace
    return line


@dataclass(frozen=True)
class _Settings:
    service: str
    json_format: bool

    def render(
        self, record: logging.LogRecord, event: str, fields: Mapping[str, Any], exc_info: Any
    ) -> str:
        entry = _build_entry(record, event, fields, exc_info, self.service)
        return _render_json(entry) if self.json_format else _render_console(entry)


class _SpineFormatter(logging.Formatter):
    """stdlib path: renders any LogRecord in the spine shape."""

    def __init__(self, settings: _Settings) -> None:
        super().__init__()
        self._settings = settings

    def format(self, record: logging.LogRecord) -> str:
        return self._settings.render(
            record, record.getMessage(), _record_fields(record), record.exc_info
        )


def _structlog_renderer(settings: _Settings) -> Any:
    """Final processor of structlog's ProcessorFormatter: same rendering as the stdlib path."""

    def render(_logger: Any, _method: str, event_dict: dict[str, Any]) -> str:
        record = cast(logging.LogRecord, event_dict.pop("_record"))
        from_structlog = event_dict.pop("_from_structlog", False)
        event = str(event_dict.pop("event", ""))
        exc_info = event_dict.pop("exc_info", None)
        event_dict.pop("positional_args", None)
        fields = event_dict if from_structlog else {**_record_fields(record), **event_dict}
        return settings.render(record, event, fields, exc_info)

    return render


def _resolve_exc_info(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: turn ``exc_info=True``/an exception into a tuple while the
    exception is still being handled."""
    if "exc_info" in event_dict:
        info = _normalise_exc_info(event_dict["exc_info"])
        if info is None:
            del event_dict["exc_info"]
        else:
            event_dict["exc_info"] = info
    return event_dict


# --- stdlib adapter -------------------------------------------------------------------------


class SpineLogger:
    """stdlib ``logging.Logger`` adapter with structlog's call style.

    ``log.info("event_name", key=value)`` logs ``event_name`` with ``key`` as a field.
    ``exc_info``, ``stack_info`` and ``stacklevel`` keep their stdlib meaning.

    Example:
        >>> log = SpineLogger(logging.getLogger("demo")).bind(run_id="r1")
        >>> log.info("step_done", step="fetch")
    """

    __slots__ = ("_bound", "_logger")

    def __init__(self, logger: logging.Logger, bound: Mapping[str, Any] | None = None) -> None:
        self._logger = logger
        self._bound: Mapping[str, Any] = dict(bound) if bound else {}

    @property
    def name(self) -> str:
        """The underlying stdlib logger's name."""
        return self._logger.name

    @property
    def stdlib_logger(self) -> logging.Logger:
        """The wrapped ``logging.Logger``."""
        return self._logger

    def bind(self, **fields: Any) -> SpineLogger:
        """A new logger that adds ``fields`` to every record."""
        return SpineLogger(self._logger, {**self._bound, **fields})

    def unbind(self, *keys: str) -> SpineLogger:
        """A new logger without the given bound fields."""
        return SpineLogger(self._logger, {k: v for k, v in self._bound.items() if k not in keys})

    def _log(self, level: int, event: str, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
        if not self._logger.isEnabledFor(level):
            return
        exc_info = kw.pop("exc_info", None)
        stack_info = bool(kw.pop("stack_info", False))
        stacklevel = int(kw.pop("stacklevel", 1))
        fields = {**self._bound, **kw} if self._bound else kw
        self._logger.log(
            level,
            event,
            *args,
            exc_info=exc_info,
            stack_info=stack_info,
            stacklevel=stacklevel + 2,
            extra={_FIELDS_ATTR: fields},
        )

    def debug(self, event: str, *args: Any, **kw: Any) -> None:
        """Log at DEBUG."""
        self._log(logging.DEBUG, event, args, kw)

    def info(self, event: str, *args: Any, **kw: Any) -> None:
        """Log at INFO."""
        self._log(logging.INFO, event, args, kw)

    def warning(self, event: str, *args: Any, **kw: Any) -> None:
        """Log at WARNING."""
        self._log(logging.WARNING, event, args, kw)

    warn = warning

    def error(self, event: str, *args: Any, **kw: Any) -> None:
        """Log at ERROR."""
        self._log(logging.ERROR, event, args, kw)

    def critical(self, event: str, *args: Any, **kw: Any) -> None:
        """Log at CRITICAL."""
        self._log(logging.CRITICAL, event, args, kw)

    def exception(self, event: str, *args: Any, **kw: Any) -> None:
        """Log at ERROR with the exception being handled."""
        kw.setdefault("exc_info", True)
        self._log(logging.ERROR, event, args, kw)

    def log(self, level: int, event: str, *args: Any, **kw: Any) -> None:
        """Log at a numeric ``level``."""
        self._log(level, event, args, kw)

    def __repr__(self) -> str:
        return f"SpineLogger({self._logger.name!r}, bound={dict(self._bound)!r})"


# --- configuration --------------------------------------------------------------------------

_lock = threading.Lock()
_use_structlog = False


def _level(level: int | str) -> int:
    if isinstance(level, bool):
        raise InvalidConfigError(f"invalid log level {level!r}")
    if isinstance(level, int):
        return level
    if isinstance(level, str):
        value = logging.getLevelName(level.strip().upper())
        if isinstance(value, int):
            return value
    raise InvalidConfigError(
        f"invalid log level {level!r}; use DEBUG, INFO, WARNING, ERROR or CRITICAL"
    )


def _import_structlog() -> Any:
    try:
        import structlog
    except ImportError as exc:
        raise ImportError(
            'structlog is not installed; install it with: pip install "spine-types[structlog]"'
        ) from exc
    return structlog


def configure_logging(
    level: int | str = "INFO",
    json_format: bool = True,
    service: str | None = None,
    *,
    stream: IO[str] | None = None,
    use_structlog: bool | None = None,
) -> None:
    """Configure process-wide logging. Safe to call again: it replaces its own handler.

    Args:
        level: Root level name or number (``"DEBUG"``, ``"INFO"`` ...).
        json_format: One JSON object per line (production) or a console line (development).
        service: ``service.name`` in every record; defaults to ``$SPINE_SERVICE_NAME`` or
            ``"spine"``.
        stream: Where to write (default ``sys.stderr``, keeping stdout for program output).
        use_structlog: ``None`` uses structlog when it is installed; ``False`` forces the
            stdlib path; ``True`` requires structlog (``ImportError`` naming the extra if
            missing).

    Raises:
        InvalidConfigError: for an unknown level.
    """
    global _use_structlog
    numeric_level = _level(level)
    settings = _Settings(
        service=service or os.environ.get("SPINE_SERVICE_NAME") or _DEFAULT_SERVICE,
        json_format=bool(json_format),
    )
    structlog: Any = None
    if use_structlog is None:
        try:
            structlog = _import_structlog()
        except ImportError:
            structlog = None
    elif use_structlog:
        structlog = _import_structlog()

    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    if structlog is not None:
        handler.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                processors=[_structlog_renderer(settings)],
                foreign_pre_chain=[],
            )
        )
    else:
        handler.setFormatter(_SpineFormatter(settings))

    with _lock:
        root = logging.getLogger()
        for existing in list(root.handlers):
            if getattr(existing, _HANDLER_MARK, False):
                root.removeHandler(existing)
                existing.close()
        root.addHandler(handler)
        root.setLevel(numeric_level)
        if structlog is not None:
            structlog.configure(
                processors=[
                    _resolve_exc_info,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
                ],
                logger_factory=structlog.stdlib.LoggerFactory(),
                wrapper_class=structlog.stdlib.BoundLogger,
                cache_logger_on_first_use=False,
            )
        _use_structlog = structlog is not None


def get_logger(name: str | None = None) -> LoggerLike:
    """A logger taking ``log.info("event", key=value)``.

    After :func:`configure_logging` chose structlog this is a structlog ``BoundLogger``;
    otherwise (including before any configuration) a :class:`SpineLogger` over
    ``logging.getLogger(name)``, so library code never prints on its own.
    """
    logger_name = name or "spine"
    if _use_structlog:
        structlog = _import_structlog()
        return cast(LoggerLike, structlog.stdlib.get_logger(logger_name))
    return SpineLogger(logging.getLogger(logger_name))
