"""Behaviour of feature flags."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from spine.types import (
    ConfigError,
    FeatureFlags,
    FlagRegistry,
    InvalidConfigError,
    UnknownFlagError,
    flag_env_var,
)


@pytest.fixture(autouse=True)
def clean_global_registry() -> Iterator[None]:
    FeatureFlags.reset(definitions=True)
    yield
    FeatureFlags.reset(definitions=True)


@pytest.fixture
def env() -> dict[str, str]:
    return {}


@pytest.fixture
def flags(env: dict[str, str]) -> FlagRegistry:
    return FlagRegistry(environ=env)


def test_default_is_returned_when_nothing_overrides(flags: FlagRegistry) -> None:
    flags.register("enable_new_parser", default=False)
    assert flags.get("enable_new_parser") is False


def test_environment_beats_default(flags: FlagRegistry, env: dict[str, str]) -> None:
    flags.register("max_batch_size", default=100, type=int)
    env["SPINE_FF_MAX_BATCH_SIZE"] = "250"
    assert flags.get("max_batch_size") == 250


def test_runtime_override_beats_environment(flags: FlagRegistry, env: dict[str, str]) -> None:
    flags.register("max_batch_size", default=100, type=int)
    env["SPINE_FF_MAX_BATCH_SIZE"] = "250"
    flags.set("max_batch_size", 5)
    assert flags.get("max_batch_size") == 5
    flags.clear_override("max_batch_size")
    assert flags.get("max_batch_size") == 250


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True), (" On ", True),
        ("false", False), ("0", False), ("no", False), ("off", False), ("OFF", False),
    ],
)  # fmt: skip
def test_bool_environment_values(
    flags: FlagRegistry, env: dict[str, str], raw: str, expected: bool
) -> None:
    flags.register("enable_x", default=not expected)
    env["SPINE_FF_ENABLE_X"] = raw
    assert flags.get("enable_x") is expected
    assert flags.is_enabled("enable_x") is expected


def test_float_and_str_environment_values(flags: FlagRegistry, env: dict[str, str]) -> None:
    flags.register("ratio", default=0.5)
    flags.register("mode", default="fast")
    env["SPINE_FF_RATIO"] = "0.25"
    env["SPINE_FF_MODE"] = "safe"
    assert flags.get("ratio") == 0.25
    assert flags.get("mode") == "safe"


@pytest.mark.parametrize(
    ("default", "raw"),
    [(False, "maybe"), (1, "ten"), (1, "1.5"), (0.5, "half")],
)
def test_bad_environment_value_raises_naming_variable_and_value(
    flags: FlagRegistry, env: dict[str, str], default: bool | int | float, raw: str
) -> None:
    flags.register("my.flag-name", default=default)
    env["SPINE_FF_MY_FLAG_NAME"] = raw
    with pytest.raises(InvalidConfigError, match="SPINE_FF_MY_FLAG_NAME") as info:
        flags.get("my.flag-name")
    assert repr(raw) in str(info.value)


def test_env_var_name_is_upper_snake_case() -> None:
    assert flag_env_var("parser.v2-enabled") == "SPINE_FF_PARSER_V2_ENABLED"
    assert FlagRegistry().register("abc", True).env_var == "SPINE_FF_ABC"


def test_environment_changes_are_seen_immediately(flags: FlagRegistry, env: dict[str, str]) -> None:
    flags.register("live", default=False)
    assert flags.get("live") is False
    env["SPINE_FF_LIVE"] = "1"
    assert flags.get("live") is True


def test_unknown_flag_raises_typed_error_listing_known_flags(flags: FlagRegistry) -> None:
    flags.register("known", default=True)
    with pytest.raises(UnknownFlagError, match=r"unknown feature flag 'nope'.*known"):
        flags.get("nope")
    with pytest.raises(KeyError):
        flags.set("nope", True)
    with pytest.raises(ConfigError):
        flags.clear_override("nope")


def test_registering_twice_identically_is_a_no_op(flags: FlagRegistry) -> None:
    first = flags.register("x", default=1, description="d")
    assert flags.register("x", default=1, description="d") is first


@pytest.mark.parametrize(("default", "flag_type"), [(2, None), (1.0, float), ("1", None)])
def test_registering_twice_with_different_default_or_type_raises(
    flags: FlagRegistry, default: object, flag_type: type | None
) -> None:
    flags.register("x", default=1)
    with pytest.raises(InvalidConfigError, match="already registered"):
        flags.register("x", default=default, type=flag_type)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("default", "flag_type", "match"),
    [
        ([1], None, "unsupported type list"),
        (None, None, "unsupported type"),
        ("yes", bool, "must be a bool"),
        (True, int, "must be a int"),
        (1.5, int, "must be a int"),
    ],
)
def test_invalid_registrations_raise(
    flags: FlagRegistry, default: object, flag_type: type | None, match: str
) -> None:
    with pytest.raises(InvalidConfigError, match=match):
        flags.register("x", default=default, type=flag_type)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "1abc", "has space", "a/b", None])
def test_invalid_names_are_rejected(flags: FlagRegistry, name: object) -> None:
    with pytest.raises(InvalidConfigError, match="invalid flag name"):
        flags.register(name, default=True)  # type: ignore[arg-type]


def test_int_default_is_accepted_for_float_flags(flags: FlagRegistry) -> None:
    assert flags.register("ratio", default=1, type=float).default == 1.0
    assert isinstance(flags.get("ratio"), float)


def test_set_validates_the_value_type(flags: FlagRegistry) -> None:
    flags.register("enabled", default=False)
    flags.register("size", default=1)
    with pytest.raises(InvalidConfigError, match="must be a bool"):
        flags.set("enabled", "true")
    with pytest.raises(InvalidConfigError, match="must be a int"):
        flags.set("size", True)


def test_is_enabled_requires_a_bool_flag(flags: FlagRegistry) -> None:
    flags.register("size", default=1)
    with pytest.raises(InvalidConfigError, match="not a bool"):
        flags.is_enabled("size")


def test_override_context_manager_restores_previous_state(flags: FlagRegistry) -> None:
    flags.register("x", default=1)
    with flags.override("x", 2):
        assert flags.get("x") == 2
        with flags.override("x", 3):
            assert flags.get("x") == 3
        assert flags.get("x") == 2
    assert flags.get("x") == 1


def test_reset_clears_overrides_and_optionally_definitions(flags: FlagRegistry) -> None:
    flags.register("x", default=1)
    flags.set("x", 2)
    flags.reset()
    assert flags.get("x") == 1
    assert "x" in flags
    flags.reset(definitions=True)
    assert "x" not in flags


def test_all_and_definitions_list_registered_flags(flags: FlagRegistry) -> None:
    flags.register("b", default=True, description="bee")
    flags.register("a", default=1)
    assert flags.all() == {"a": 1, "b": True}
    assert [d.name for d in flags.definitions()] == ["a", "b"]
    assert flags.definition("b").description == "bee"


def test_global_facade_matches_the_spec_example(monkeypatch: pytest.MonkeyPatch) -> None:
    FeatureFlags.register("enable_new_parser", default=False)
    FeatureFlags.register("max_batch_size", default=100, type=int)
    monkeypatch.setenv("SPINE_FF_ENABLE_NEW_PARSER", "on")
    assert FeatureFlags.get("enable_new_parser") is True
    assert FeatureFlags.is_enabled("enable_new_parser")
    FeatureFlags.set("max_batch_size", 10)
    assert FeatureFlags.get("max_batch_size") == 10
    with FeatureFlags.override("max_batch_size", 20):
        assert FeatureFlags.get("max_batch_size") == 20
    FeatureFlags.clear_override("max_batch_size")
    assert FeatureFlags.all() == {"enable_new_parser": True, "max_batch_size": 100}
    with pytest.raises(TypeError):
        FeatureFlags()


def test_registry_is_thread_safe(flags: FlagRegistry) -> None:
    flags.register("counter", default=0)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(200):
                flags.register(f"f{i}_{j}", default=j)
                flags.set("counter", j)
                flags.get("counter")
        except BaseException as exc:  # pragma: no cover - only on failure
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(flags.definitions()) == 1 + 8 * 200
