"""Settings, profiles, .env discovery, component checks and the container."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from spine.execution import (
    CacheKind,
    DatabaseScheduler,
    Dispatcher,
    InMemoryCache,
    InMemoryEventBus,
    ManualClock,
    Schedule,
    SpineBaseSettings,
    SpineContainer,
    SpineSettings,
    ThreadScheduler,
    create_scheduler,
    find_env_files,
    get_settings,
    load_profile,
    load_settings,
    validate_component_combination,
)
from spine.types import InvalidConfigError, MissingConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No SPINE_ variable or .env of the machine leaks into these tests."""
    import os

    for key in list(os.environ):
        if key.upper().startswith("SPINE_") and not key.upper().startswith("SPINE_TEST"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- precedence ----------------------------------------------------------------------------


def test_defaults_are_an_embedded_setup() -> None:
    s = load_settings()
    assert (s.database_url, s.cache_backend, s.event_backend, s.scheduler_backend) == (
        "sqlite:///spine.db",
        "memory",
        "memory",
        "thread",
    )


def test_arguments_beat_environment_beat_dotenv_beat_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles = tmp_path / "profiles"
    write(
        profiles / "prod.toml",
        'service_name = "from-profile"\nlog_level = "WARNING"\n'
        'environment = "prod-profile"\ncache_max_entries = 7\n',
    )
    write(
        tmp_path / ".env",
        "SPINE_LOG_LEVEL=DEBUG\nSPINE_ENVIRONMENT=dotenv\n"
        "SPINE_SERVICE_NAME=dotenv\nOTHER_TOOL_VAR=ignored\n",
    )
    monkeypatch.setenv("SPINE_ENVIRONMENT", "env")
    monkeypatch.setenv("SPINE_SERVICE_NAME", "env")
    s = load_settings("prod", profiles_dirs=[profiles], service_name="argument")
    assert s.service_name == "argument"
    assert s.environment == "env"
    assert s.log_level == "DEBUG"
    assert s.cache_max_entries == 7
    assert s.profile == "prod"


def test_spine_profile_chooses_the_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "p" / "staging.toml", 'environment = "staging"\n')
    monkeypatch.setenv("SPINE_PROFILE", "staging")
    monkeypatch.setenv("SPINE_PROFILES_DIR", str(tmp_path / "p"))
    assert load_settings().environment == "staging"


def test_dotenv_files_are_found_upwards_and_cascade(tmp_path: Path) -> None:
    write(tmp_path / ".env", "SPINE_ENVIRONMENT=base\nSPINE_LOG_LEVEL=INFO\n")
    write(tmp_path / ".env.prod", "SPINE_ENVIRONMENT=prod\n")
    write(tmp_path / ".env.local", "SPINE_LOG_LEVEL=DEBUG\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    files = find_env_files(deep, profile="prod", environ={})
    assert [f.name for f in files] == [".env", ".env.prod", ".env.local"]
    s = load_settings(env_files=files)
    assert (s.environment, s.log_level) == ("prod", "DEBUG")


def test_spine_env_file_names_one_file_that_must_exist(tmp_path: Path) -> None:
    env = write(tmp_path / "custom.env", "SPINE_ENVIRONMENT=custom\n")
    assert find_env_files(environ={"SPINE_ENV_FILE": str(env)}) == [env]
    with pytest.raises(InvalidConfigError, match="no such file"):
        find_env_files(environ={"SPINE_ENV_FILE": str(tmp_path / "missing.env")})


# -- profiles --------------------------------------------------------------------------------


def test_profiles_inherit_and_tables_prefix_their_keys(tmp_path: Path) -> None:
    d = tmp_path / "profiles"
    base = write(
        d / "base.toml",
        '[database]\nurl = "sqlite:///base.db"\nconnect_timeout = 5\n'
        '[cache]\nbackend = "memory"\nmax_entries = 100\n',
    )
    team = write(d / "team.toml", 'inherits = "base"\n[cache]\nmax_entries = 200\n')
    prod = write(
        d / "prod.toml",
        'inherits = ["team"]\nenvironment = "production"\n[database]\nurl = "sqlite:///prod.db"\n',
    )
    profile = load_profile("prod", profiles_dirs=[d])
    assert profile.chain == (base, team, prod)
    assert profile.values == {
        "database_url": "sqlite:///prod.db",
        "database_connect_timeout": 5,
        "cache_backend": "memory",
        "cache_max_entries": 200,
        "environment": "production",
    }
    assert profile.sources["cache_max_entries"] == team
    s = load_settings("prod", profiles_dirs=[d])
    assert (s.database_url, s.cache_max_entries, s.database_connect_timeout) == (
        "sqlite:///prod.db",
        200,
        5.0,
    )


@pytest.mark.parametrize(
    ("files", "fragments"),
    [
        (
            {"prod.toml": "environment = 'x'\ncache_backend =\n"},
            ["prod.toml", "invalid TOML", "line 2"],
        ),
        (
            {"prod.toml": "cache_backnd = 'redis'\n"},
            ["prod.toml", "unknown field(s) 'cache_backnd'"],
        ),
        ({"prod.toml": "[database]\nulr = 'x'\n"}, ["prod.toml", "'database_ulr'"]),
        ({"prod.toml": "inherits = 3\n"}, ["prod.toml", "field 'inherits'"]),
        ({"prod.toml": "inherits = 'base'\n"}, ["inherits from profile 'base' not found"]),
        (
            {"prod.toml": "inherits = 'a'\n", "a.toml": "inherits = 'prod'\n"},
            ["cycle: prod -> a -> prod"],
        ),
        ({"other.toml": ""}, ["profile 'prod' not found", "available: other"]),
    ],
)
def test_malformed_profiles_are_typed_errors_naming_file_and_field(
    tmp_path: Path, files: dict[str, str], fragments: list[str]
) -> None:
    for name, text in files.items():
        write(tmp_path / "p" / name, text)
    with pytest.raises(InvalidConfigError) as info:
        load_settings("prod", profiles_dirs=[tmp_path / "p"])
    for fragment in fragments:
        assert fragment in str(info.value)


def test_a_bad_value_in_a_profile_names_the_file_and_field(tmp_path: Path) -> None:
    prod = write(tmp_path / "p" / "prod.toml", "[cache]\nbackend = 'memcached'\n")
    with pytest.raises(InvalidConfigError) as info:
        load_settings("prod", profiles_dirs=[tmp_path / "p"])
    message = str(info.value)
    assert message.startswith(f"profile file {prod}: field 'cache_backend': Input should be")


def test_a_bad_value_names_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINE_CACHE_MAX_ENTRIES", "lots")
    with pytest.raises(InvalidConfigError, match="environment variable SPINE_CACHE_MAX_ENTRIES"):
        load_settings()
    monkeypatch.delenv("SPINE_CACHE_MAX_ENTRIES")
    env = write(tmp_path / ".env", "SPINE_HEALTH_PORT=99999\n")
    with pytest.raises(InvalidConfigError, match=f"dotenv file {env}: field 'health_port'"):
        load_settings(env_files=[env])
    with pytest.raises(InvalidConfigError, match="argument: field 'scheduler_max_sleep'"):
        load_settings(scheduler_max_sleep=-1)
    with pytest.raises(InvalidConfigError, match="unknown setting"):
        load_settings(cache_backnd="redis")


def test_profile_names_cannot_walk_the_file_system(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfigError, match="plain name"):
        load_settings("../etc/passwd", profiles_dirs=[tmp_path])


# -- secrets -------------------------------------------------------------------------------


def test_secrets_are_resolved_and_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DB_PW", "hunter2")
    secret_file = write(tmp_path / "redis_pw", "r3dis-pw\n")
    write(
        tmp_path / "p" / "prod.toml",
        "[database]\nurl = 'postgresql://spine@db:5432/spine'\n"
        "password = 'secret:env:DB_PW'\n"
        f"[redis]\nurl = 'redis://cache:6379/0'\npassword = 'secret:file:{secret_file}'\n",
    )
    s = load_settings("prod", profiles_dirs=[tmp_path / "p"])
    assert s.database_url_with_password() == "postgresql://spine:hunter2@db:5432/spine"
    assert s.redis_url_with_password() == "redis://:r3dis-pw@cache:6379/0"
    logging.getLogger("test").warning("settings: %r %s", s, s.describe())
    for shown in (repr(s), str(s.describe()), s.model_dump_json(), caplog.text):
        assert "hunter2" not in shown
        assert "r3dis-pw" not in shown


def test_a_password_in_a_url_is_masked_everywhere_and_errors_hide_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = load_settings(database_url="postgresql://spine:hunter2@db/spine")
    assert "hunter2" not in repr(s)
    assert "hunter2" not in str(s.describe())
    monkeypatch.setenv("SPINE_DATABASE_CONNECT_TIMEOUT", "hunter2")
    with pytest.raises(InvalidConfigError) as info:
        load_settings()
    assert "hunter2" not in str(info.value)


def test_an_unresolvable_secret_names_the_reference_only() -> None:
    with pytest.raises(MissingConfigError, match="secret:env:NOPE_NOT_SET"):
        load_settings(database_password="secret:env:NOPE_NOT_SET")


def test_user_settings_classes_get_the_same_conventions(monkeypatch: pytest.MonkeyPatch) -> None:
    class FinraSettings(SpineBaseSettings):
        page_size: int = 100
        api_base: str = "https://api.finra.org"

    monkeypatch.setenv("SPINE_PAGE_SIZE", "500")
    monkeypatch.setenv("FINRA_BASE", "https://mirror")
    monkeypatch.setenv("SPINE_API_BASE", "secret:env:FINRA_BASE")
    s = FinraSettings()
    assert (s.page_size, s.api_base) == (500, "https://mirror")


def test_get_settings_is_cached_until_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("SPINE_ENVIRONMENT", "one")
    assert get_settings().environment == "one"
    monkeypatch.setenv("SPINE_ENVIRONMENT", "two")
    assert get_settings().environment == "one"
    get_settings.cache_clear()
    assert get_settings().environment == "two"
    get_settings.cache_clear()


# -- component combinations ------------------------------------------------------------------


def test_a_redis_cache_without_the_redis_extra_is_refused_clearly() -> None:
    s = SpineSettings(cache_backend="redis", redis_url="redis://127.0.0.1:6379/0")
    with pytest.raises(InvalidConfigError) as info:
        validate_component_combination(s, have_module=lambda name: name != "redis")
    assert "cache_backend = 'redis' needs redis-py: pip install \"spine-exec[redis]\"" in str(
        info.value
    )
    validate_component_combination(s)  # installed here: fine


def test_every_problem_is_reported_at_once() -> None:
    s = SpineSettings(
        database_url="mongodb://x",
        event_backend="redis",
        scheduler_backend="database",
        health_port=8080,
    )
    with pytest.raises(InvalidConfigError) as info:
        validate_component_combination(s, have_module=lambda name: False)
    problems = info.value.problems  # type: ignore[attr-defined]
    assert len(problems) == 4
    assert any(p.startswith("database_url:") for p in problems)
    assert any("needs redis_url" in p for p in problems)
    assert any('pip install "spine-exec[api]"' in p for p in problems)


def test_a_database_scheduler_needs_a_database_other_processes_see(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfigError, match="in-memory database no other process sees"):
        validate_component_combination(
            SpineSettings(scheduler_backend="database", database_url="memory")
        )
    settings = SpineSettings(
        scheduler_backend="database", database_url=f"sqlite:///{tmp_path / 'spine.db'}"
    )
    validate_component_combination(settings)
    dispatcher = Dispatcher()
    scheduler = create_scheduler(settings, dispatcher)
    assert isinstance(scheduler, DatabaseScheduler)
    scheduler.sql_store.conn.close()


def test_a_postgres_event_bus_needs_a_database_with_notifications() -> None:
    with pytest.raises(InvalidConfigError, match="LISTEN/NOTIFY; database_url is sqlite"):
        validate_component_combination(SpineSettings(event_backend="postgres"))
    validate_component_combination(
        SpineSettings(event_backend="postgres", database_url="postgresql://u@h/db")
    )


# -- container -------------------------------------------------------------------------------


def test_container_builds_lazily_once_and_closes_everything(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2025, 12, 26, 22, 59, tzinfo=UTC))
    dispatcher = Dispatcher()
    dispatcher.registry.register("otc.ingest", lambda p: p)
    settings = SpineSettings(database_url=f"sqlite:///{tmp_path / 'spine.db'}")
    with SpineContainer(settings, dispatcher=dispatcher, clock=clock) as container:
        assert repr(container) == "SpineContainer(built=[])"
        assert isinstance(container.cache, InMemoryCache)
        assert container.cache is container.cache
        bus = container.event_bus
        assert isinstance(bus, InMemoryEventBus)
        scheduler = container.scheduler
        assert isinstance(scheduler, ThreadScheduler)
        assert scheduler.event_bus is bus
        fired: list[object] = []
        bus.subscribe(fired.append, "schedule.fired")
        scheduler.add(Schedule("weekly", "otc.ingest", cron="0 23 * * FRI"))
        scheduler.start()
        clock.advance(minutes=1)
        scheduler.wait_for_fires(1, timeout=5)
        assert len(fired) == 1
        assert container.database.execute("SELECT 1").fetchone() == (1,)
        database = container.database
    assert not scheduler.running
    assert database.closed


def test_container_refuses_an_invalid_combination_before_building_anything() -> None:
    with pytest.raises(InvalidConfigError, match="needs redis_url"):
        SpineContainer(SpineSettings(cache_backend=CacheKind.REDIS))


def test_none_backends_build_nothing() -> None:
    settings = SpineSettings(cache_backend="none", event_backend="none", scheduler_backend="none")
    with SpineContainer(settings) as container:
        assert (container.cache, container.event_bus, container.scheduler) == (None, None, None)
