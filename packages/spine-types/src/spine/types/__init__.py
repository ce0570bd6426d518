"""`spine.types`: the stdlib-only foundation of spine.

Errors taxonomy, ``Result``, shared enums, ULIDs and UTC helpers, ``WeekEnding`` and date
ranges, temporal envelopes and bi-temporal records, ``ExecutionContext``, hashing, protocols,
logging, feature flags and secrets.

``TimeoutError`` is importable from here (``from spine.types import TimeoutError``) but is left
out of ``__all__`` so that ``from spine.types import *`` never shadows the builtin; use
``SpineTimeoutError``.
"""

from __future__ import annotations

from spine.types.errors import (
    AuthenticationError,
    AuthError,
    AuthorizationError,
    BadParamsError,
    ConfigError,
    ConstraintError,
    DatabaseConnectionError,
    DatabaseError,
    ErrorCategory,
    ErrorContext,
    IntegrityError,
    InvalidConfigError,
    MissingConfigError,
    NetworkError,
    OperationError,
    OperationNotFoundError,
    OrchestrationError,
    ParseError,
    QueryError,
    RateLimitError,
    ScheduleError,
    SchemaError,
    SourceError,
    SourceNotFoundError,
    SourceUnavailableError,
    SpineError,
    SpineTimeoutError,
    StorageError,
    TransientError,
    ValidationError,
    WorkflowError,
    categorize_error,
    is_retryable,
)
from spine.types.errors import (
    TimeoutError as TimeoutError,  # not in __all__: see module docstring
)

__all__ = [
    "AuthError",
    "AuthenticationError",
    "AuthorizationError",
    "BadParamsError",
    "ConfigError",
    "ConstraintError",
    "DatabaseConnectionError",
    "DatabaseError",
    "ErrorCategory",
    "ErrorContext",
    "IntegrityError",
    "InvalidConfigError",
    "MissingConfigError",
    "NetworkError",
    "OperationError",
    "OperationNotFoundError",
    "OrchestrationError",
    "ParseError",
    "QueryError",
    "RateLimitError",
    "ScheduleError",
    "SchemaError",
    "SourceError",
    "SourceNotFoundError",
    "SourceUnavailableError",
    "SpineError",
    "SpineTimeoutError",
    "StorageError",
    "TransientError",
    "ValidationError",
    "WorkflowError",
    "categorize_error",
    "is_retryable",
]
