"""Behaviour of the spine error taxonomy."""

from __future__ import annotations

import builtins
import pickle
import socket

import pytest

import spine.types as st
from spine.types import (
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

HIERARCHY: list[tuple[type[SpineError], type[SpineError], ErrorCategory, bool]] = [
    (TransientError, SpineError, ErrorCategory.INTERNAL, True),
    (NetworkError, TransientError, ErrorCategory.NETWORK, True),
    (SpineTimeoutError, TransientError, ErrorCategory.NETWORK, True),
    (RateLimitError, TransientError, ErrorCategory.NETWORK, True),
    (DatabaseConnectionError, TransientError, ErrorCategory.DATABASE, True),
    (DatabaseConnectionError, DatabaseError, ErrorCategory.DATABASE, True),
    (SourceError, SpineError, ErrorCategory.SOURCE, False),
    (ParseError, SourceError, ErrorCategory.PARSE, False),
    (SourceNotFoundError, SourceError, ErrorCategory.SOURCE, False),
    (SourceUnavailableError, SourceError, ErrorCategory.SOURCE, True),
    (ValidationError, SpineError, ErrorCategory.VALIDATION, False),
    (SchemaError, ValidationError, ErrorCategory.VALIDATION, False),
    (ConstraintError, ValidationError, ErrorCategory.VALIDATION, False),
    (ConfigError, SpineError, ErrorCategory.CONFIG, False),
    (MissingConfigError, ConfigError, ErrorCategory.CONFIG, False),
    (InvalidConfigError, ConfigError, ErrorCategory.CONFIG, False),
    (AuthError, SpineError, ErrorCategory.AUTH, False),
    (AuthenticationError, AuthError, ErrorCategory.AUTH, False),
    (AuthorizationError, AuthError, ErrorCategory.AUTH, False),
    (OperationError, SpineError, ErrorCategory.OPERATION, False),
    (BadParamsError, OperationError, ErrorCategory.OPERATION, False),
    (OperationNotFoundError, OperationError, ErrorCategory.OPERATION, False),
    (StorageError, SpineError, ErrorCategory.STORAGE, False),
    (DatabaseError, SpineError, ErrorCategory.DATABASE, False),
    (QueryError, DatabaseError, ErrorCategory.DATABASE, False),
    (IntegrityError, DatabaseError, ErrorCategory.DATABASE, False),
    (OrchestrationError, SpineError, ErrorCategory.ORCHESTRATION, False),
    (WorkflowError, OrchestrationError, ErrorCategory.ORCHESTRATION, False),
    (ScheduleError, OrchestrationError, ErrorCategory.ORCHESTRATION, False),
]


@pytest.mark.parametrize(("cls", "parent", "category", "retryable"), HIERARCHY)
def test_each_error_class_has_its_parent_category_and_retryability(
    cls: type[SpineError], parent: type[SpineError], category: ErrorCategory, retryable: bool
) -> None:
    err = cls("boom")
    assert isinstance(err, parent)
    assert isinstance(err, SpineError)
    assert err.category is category
    assert err.retryable is retryable
    assert is_retryable(err) is retryable
    assert categorize_error(err) is category


def test_spine_error_defaults_to_internal_and_not_retryable() -> None:
    err = SpineError("x")
    assert err.category is ErrorCategory.INTERNAL
    assert err.retryable is False
    assert err.retry_after is None
    assert err.context == ErrorContext()
    assert err.cause is None


def test_constructor_overrides_category_and_retryable() -> None:
    err = ValidationError("x", category=ErrorCategory.PARSE, retryable=True)
    assert err.category is ErrorCategory.PARSE
    assert err.retryable is True


def test_str_is_the_message() -> None:
    assert str(NetworkError("connection reset")) == "connection reset"


def test_cause_is_stored_and_chained() -> None:
    root = ConnectionResetError("peer")
    err = NetworkError("fetch failed", cause=root)
    assert err.cause is root
    assert err.__cause__ is root


def test_rate_limit_error_carries_retry_after() -> None:
    err = RateLimitError("slow down", retry_after=30)
    assert err.retry_after == 30
    assert err.to_dict()["retry_after"] == 30


def test_timeout_error_does_not_shadow_the_builtin() -> None:
    assert not issubclass(SpineTimeoutError, builtins.TimeoutError)
    assert st.TimeoutError is SpineTimeoutError
    assert "TimeoutError" not in st.__all__
    assert "SpineTimeoutError" in st.__all__


@pytest.mark.parametrize(
    "cls",
    [ValidationError, SchemaError, ConstraintError, ParseError, InvalidConfigError, BadParamsError],
)
def test_value_errors_are_also_builtin_value_errors(cls: type[SpineError]) -> None:
    with pytest.raises(ValueError, match="nope"):
        raise cls("nope")


def test_with_context_is_fluent_and_puts_unknown_keys_in_metadata() -> None:
    err = SourceError("bad").with_context(source_name="finra", http_status=404, tier="NMS")
    assert isinstance(err, SourceError)
    assert err.context.source_name == "finra"
    assert err.context.http_status == 404
    assert err.context.metadata == {"tier": "NMS"}
    err.with_context(step="fetch", tier="OTC", metadata={"page": 2})
    assert err.context.source_name == "finra"
    assert err.context.step == "fetch"
    assert err.context.metadata == {"tier": "OTC", "page": 2}


def test_with_context_returns_same_instance_typed_as_subclass() -> None:
    err = RateLimitError("x", retry_after=5)
    same = err.with_context(url="https://x")
    assert same is err
    assert same.retry_after == 5


def test_error_context_to_dict_drops_none_and_empty_metadata() -> None:
    assert ErrorContext().to_dict() == {}
    ctx = ErrorContext(workflow="w", run_id="r", metadata={"k": 1})
    assert ctx.to_dict() == {"workflow": "w", "run_id": "r", "metadata": {"k": 1}}


def test_error_context_with_returns_new_instance() -> None:
    ctx = ErrorContext(workflow="w")
    other = ctx.with_(step="s", extra=1)
    assert ctx.step is None
    assert ctx.metadata == {}
    assert other.workflow == "w"
    assert other.step == "s"
    assert other.metadata == {"extra": 1}


def test_error_context_merge_prefers_other_non_none_fields() -> None:
    a = ErrorContext(workflow="w", step="a", metadata={"x": 1, "y": 1})
    b = ErrorContext(step="b", url="u", metadata={"y": 2})
    merged = a.merge(b)
    assert merged.workflow == "w"
    assert merged.step == "b"
    assert merged.url == "u"
    assert merged.metadata == {"x": 1, "y": 2}


def test_to_dict_serialises_every_field() -> None:
    err = DatabaseConnectionError("db down", cause=OSError("refused")).with_context(run_id="r1")
    assert err.to_dict() == {
        "error_type": "DatabaseConnectionError",
        "message": "db down",
        "category": "DATABASE",
        "retryable": True,
        "retry_after": None,
        "context": {"run_id": "r1"},
        "cause": "OSError('refused')",
    }


def test_errors_survive_pickling_with_their_attributes() -> None:
    err = RateLimitError("slow", retry_after=3).with_context(step="s", k="v")
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is RateLimitError
    assert clone.message == "slow"
    assert clone.retry_after == 3
    assert clone.context == err.context


def test_error_category_values_equal_names() -> None:
    assert [c.value for c in ErrorCategory] == [c.name for c in ErrorCategory]
    assert str(ErrorCategory.NETWORK) == "NETWORK"
    assert len(ErrorCategory) == 12


@pytest.mark.parametrize(
    ("exc", "retryable", "category"),
    [
        (builtins.TimeoutError("t"), True, ErrorCategory.NETWORK),
        (ConnectionRefusedError("c"), True, ErrorCategory.NETWORK),
        (socket.gaierror("dns"), True, ErrorCategory.NETWORK),
        (PermissionError("p"), False, ErrorCategory.AUTH),
        (FileNotFoundError("f"), False, ErrorCategory.SOURCE),
        (IsADirectoryError("d"), False, ErrorCategory.STORAGE),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), False, ErrorCategory.PARSE),
        (ValueError("v"), False, ErrorCategory.VALIDATION),
        (KeyError("k"), False, ErrorCategory.INTERNAL),
        (TypeError("t"), False, ErrorCategory.INTERNAL),
        (ZeroDivisionError("z"), False, ErrorCategory.INTERNAL),
        (RuntimeError("r"), False, ErrorCategory.UNKNOWN),
        (Exception("e"), False, ErrorCategory.UNKNOWN),
    ],
)
def test_plain_exceptions_are_classified(
    exc: BaseException, retryable: bool, category: ErrorCategory
) -> None:
    assert is_retryable(exc) is retryable
    assert categorize_error(exc) is category


def test_json_decode_error_is_a_parse_error() -> None:
    import json

    with pytest.raises(json.JSONDecodeError) as info:
        json.loads("{")
    assert categorize_error(info.value) is ErrorCategory.PARSE


def _raise_wrapped(explicit: bool) -> None:
    try:
        raise ConnectionResetError("reset")
    except ConnectionResetError as inner:
        if explicit:
            raise RuntimeError("wrapped") from inner
        raise RuntimeError("unrelated bug")  # noqa: B904


def test_classification_follows_explicit_cause_chain() -> None:
    with pytest.raises(RuntimeError) as info:
        _raise_wrapped(explicit=True)
    assert is_retryable(info.value) is True
    assert categorize_error(info.value) is ErrorCategory.NETWORK


def test_classification_ignores_implicit_context() -> None:
    with pytest.raises(RuntimeError) as info:
        _raise_wrapped(explicit=False)
    assert info.value.__context__ is not None
    assert is_retryable(info.value) is False
    assert categorize_error(info.value) is ErrorCategory.UNKNOWN


def test_classifiable_outer_exception_wins_over_its_cause() -> None:
    outer = ValidationError("bad", cause=ConnectionError("x"))
    assert is_retryable(outer) is False
    assert categorize_error(outer) is ErrorCategory.VALIDATION


def test_cyclic_cause_chain_terminates() -> None:
    a = RuntimeError("a")
    b = RuntimeError("b")
    a.__cause__ = b
    b.__cause__ = a
    assert is_retryable(a) is False
    assert categorize_error(a) is ErrorCategory.UNKNOWN


def test_error_context_is_immutable_and_unhashable() -> None:
    ctx = ErrorContext(workflow="w")
    with pytest.raises(AttributeError, match="immutable"):
        ctx.workflow = "x"
    with pytest.raises(TypeError):
        hash(ctx)


def test_error_context_repr_equality_and_pickling() -> None:
    ctx = ErrorContext(workflow="w", http_status=500, metadata={"k": 1})
    assert repr(ctx) == "ErrorContext(workflow='w', http_status=500, metadata={'k': 1})"
    assert ctx == ErrorContext(workflow="w", http_status=500, metadata={"k": 1})
    assert ctx != ErrorContext(workflow="w")
    assert ctx != "w"
    assert pickle.loads(pickle.dumps(ctx)) == ctx


def test_error_context_supports_pattern_matching() -> None:
    match ErrorContext(workflow="ingest", step="fetch"):
        case ErrorContext(workflow="ingest", step=step):
            assert step == "fetch"
        case _:  # pragma: no cover
            pytest.fail("no match")


def test_error_context_replace_rejects_unknown_fields() -> None:
    assert ErrorContext().replace(url="u").url == "u"
    with pytest.raises(TypeError):
        ErrorContext().replace(nope=1)


def test_error_context_copies_metadata_it_is_given() -> None:
    meta = {"k": 1}
    ctx = ErrorContext(metadata=meta)
    meta["k"] = 2
    assert ctx.metadata == {"k": 1}
