"""`spine.types`: the stdlib-only foundation of spine.

One import root for the types every spine package shares:

* errors taxonomy (``SpineError`` and friends, ``is_retryable``, ``categorize_error``);
* ``Result`` (``Ok`` / ``Err``) and helpers;
* shared enums (``ExecutionStatus``, ``RunStatus``, ``StepStatus``, ``EventType``,
  ``TriggerSource``);
* ULIDs and UTC timestamp helpers;
* ``WeekEnding`` and ``DateRange``; ``TemporalEnvelope`` and ``BiTemporalRecord``;
* ``ExecutionContext``; deterministic hashing; storage/execution protocols;
* ``RetryStrategy``: the one retry policy (whether and when to retry, from the taxonomy);
* structured logging, feature flags and secrets resolution.

Only the error taxonomy is imported eagerly. Every other name is loaded from its submodule on
first access (PEP 562), so ``import spine.types`` stays cheap and you pay only for what you
use. ``from spine.types import X`` and ``spine.types.X`` both work as usual.

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
from spine.types.lazy import lazy_exports

# Keep ``import spine.types`` free of ``typing``: type checkers treat this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from spine.types.enums import (
        EventType,
        ExecutionStatus,
        RunStatus,
        StepStatus,
        TriggerSource,
        event_for_status,
    )
    from spine.types.execution import (
        ExecutionContext,
        new_batch_id,
        new_context,
    )
    from spine.types.feature_flags import (
        FeatureFlags,
        FlagDefinition,
        FlagRegistry,
        FlagValue,
        UnknownFlagError,
        flag_env_var,
    )
    from spine.types.hashing import (
        HashScheme,
        compute_hash,
        compute_hash_fast,
        compute_record_hash,
    )
    from spine.types.logging import (
        LoggerLike,
        SpineLogger,
        bind_context,
        clear_context,
        configure_logging,
        get_logger,
        log_context,
        unbind_context,
    )
    from spine.types.protocols import (
        AsyncConnection,
        Connection,
        DispatcherProtocol,
        ExecutorProtocol,
        OperationProtocol,
        Params,
        StorageBackend,
    )
    from spine.types.result import (
        Err,
        Ok,
        Result,
        UnwrapError,
        collect_results,
        from_optional,
        partition_results,
        try_result,
    )
    from spine.types.retry import (
        Backoff,
        RetryDecision,
        RetryStrategy,
        retry_after_of,
    )
    from spine.types.secrets import (
        AWSSecretBackend,
        AWSSecretsManagerBackend,
        EnvSecretBackend,
        FileSecretBackend,
        SecretBackend,
        SecretsResolver,
        SecretValue,
        VaultSecretBackend,
        is_secret_ref,
    )
    from spine.types.temporal import (
        DateRange,
        WeekEnding,
    )
    from spine.types.temporal_envelope import (
        BiTemporalRecord,
        TemporalEnvelope,
        as_of,
        current,
        timeline,
    )
    from spine.types.timestamps import (
        format_iso,
        parse_iso,
        to_utc,
        utc_now,
    )
    from spine.types.ulid import (
        generate_ulid,
        is_valid_ulid,
        ulid_timestamp,
    )

_LAZY: dict[str, str] = {
    "Err": "spine.types.result",
    "Ok": "spine.types.result",
    "Result": "spine.types.result",
    "UnwrapError": "spine.types.result",
    "collect_results": "spine.types.result",
    "from_optional": "spine.types.result",
    "partition_results": "spine.types.result",
    "try_result": "spine.types.result",
    "EventType": "spine.types.enums",
    "ExecutionStatus": "spine.types.enums",
    "RunStatus": "spine.types.enums",
    "StepStatus": "spine.types.enums",
    "TriggerSource": "spine.types.enums",
    "event_for_status": "spine.types.enums",
    "format_iso": "spine.types.timestamps",
    "parse_iso": "spine.types.timestamps",
    "to_utc": "spine.types.timestamps",
    "utc_now": "spine.types.timestamps",
    "generate_ulid": "spine.types.ulid",
    "is_valid_ulid": "spine.types.ulid",
    "ulid_timestamp": "spine.types.ulid",
    "DateRange": "spine.types.temporal",
    "WeekEnding": "spine.types.temporal",
    "BiTemporalRecord": "spine.types.temporal_envelope",
    "TemporalEnvelope": "spine.types.temporal_envelope",
    "as_of": "spine.types.temporal_envelope",
    "current": "spine.types.temporal_envelope",
    "timeline": "spine.types.temporal_envelope",
    "ExecutionContext": "spine.types.execution",
    "new_batch_id": "spine.types.execution",
    "new_context": "spine.types.execution",
    "HashScheme": "spine.types.hashing",
    "compute_hash": "spine.types.hashing",
    "compute_hash_fast": "spine.types.hashing",
    "compute_record_hash": "spine.types.hashing",
    "AsyncConnection": "spine.types.protocols",
    "Connection": "spine.types.protocols",
    "DispatcherProtocol": "spine.types.protocols",
    "ExecutorProtocol": "spine.types.protocols",
    "OperationProtocol": "spine.types.protocols",
    "Params": "spine.types.protocols",
    "StorageBackend": "spine.types.protocols",
    "LoggerLike": "spine.types.logging",
    "SpineLogger": "spine.types.logging",
    "bind_context": "spine.types.logging",
    "clear_context": "spine.types.logging",
    "configure_logging": "spine.types.logging",
    "get_logger": "spine.types.logging",
    "log_context": "spine.types.logging",
    "unbind_context": "spine.types.logging",
    "FeatureFlags": "spine.types.feature_flags",
    "FlagDefinition": "spine.types.feature_flags",
    "FlagRegistry": "spine.types.feature_flags",
    "FlagValue": "spine.types.feature_flags",
    "UnknownFlagError": "spine.types.feature_flags",
    "flag_env_var": "spine.types.feature_flags",
    "Backoff": "spine.types.retry",
    "RetryDecision": "spine.types.retry",
    "RetryStrategy": "spine.types.retry",
    "retry_after_of": "spine.types.retry",
    "AWSSecretBackend": "spine.types.secrets",
    "AWSSecretsManagerBackend": "spine.types.secrets",
    "EnvSecretBackend": "spine.types.secrets",
    "FileSecretBackend": "spine.types.secrets",
    "SecretBackend": "spine.types.secrets",
    "SecretValue": "spine.types.secrets",
    "SecretsResolver": "spine.types.secrets",
    "VaultSecretBackend": "spine.types.secrets",
    "is_secret_ref": "spine.types.secrets",
}

__all__ = [
    "AWSSecretBackend",
    "AWSSecretsManagerBackend",
    "AsyncConnection",
    "AuthError",
    "AuthenticationError",
    "AuthorizationError",
    "Backoff",
    "BadParamsError",
    "BiTemporalRecord",
    "ConfigError",
    "Connection",
    "ConstraintError",
    "DatabaseConnectionError",
    "DatabaseError",
    "DateRange",
    "DispatcherProtocol",
    "EnvSecretBackend",
    "Err",
    "ErrorCategory",
    "ErrorContext",
    "EventType",
    "ExecutionContext",
    "ExecutionStatus",
    "ExecutorProtocol",
    "FeatureFlags",
    "FileSecretBackend",
    "FlagDefinition",
    "FlagRegistry",
    "FlagValue",
    "HashScheme",
    "IntegrityError",
    "InvalidConfigError",
    "LoggerLike",
    "MissingConfigError",
    "NetworkError",
    "Ok",
    "OperationError",
    "OperationNotFoundError",
    "OperationProtocol",
    "OrchestrationError",
    "Params",
    "ParseError",
    "QueryError",
    "RateLimitError",
    "Result",
    "RetryDecision",
    "RetryStrategy",
    "RunStatus",
    "ScheduleError",
    "SchemaError",
    "SecretBackend",
    "SecretValue",
    "SecretsResolver",
    "SourceError",
    "SourceNotFoundError",
    "SourceUnavailableError",
    "SpineError",
    "SpineLogger",
    "SpineTimeoutError",
    "StepStatus",
    "StorageBackend",
    "StorageError",
    "TemporalEnvelope",
    "TransientError",
    "TriggerSource",
    "UnknownFlagError",
    "UnwrapError",
    "ValidationError",
    "VaultSecretBackend",
    "WeekEnding",
    "WorkflowError",
    "as_of",
    "bind_context",
    "categorize_error",
    "clear_context",
    "collect_results",
    "compute_hash",
    "compute_hash_fast",
    "compute_record_hash",
    "configure_logging",
    "current",
    "event_for_status",
    "flag_env_var",
    "format_iso",
    "from_optional",
    "generate_ulid",
    "get_logger",
    "is_retryable",
    "is_secret_ref",
    "is_valid_ulid",
    "lazy_exports",
    "log_context",
    "new_batch_id",
    "new_context",
    "parse_iso",
    "partition_results",
    "retry_after_of",
    "timeline",
    "to_utc",
    "try_result",
    "ulid_timestamp",
    "unbind_context",
    "utc_now",
]


__getattr__, __dir__ = lazy_exports("spine.types", _LAZY, globals())
