"""Behaviour of secret references, backends and SecretValue."""

from __future__ import annotations

import json
import logging
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from spine.types import (
    AWSSecretBackend,
    AWSSecretsManagerBackend,
    ConfigError,
    EnvSecretBackend,
    FileSecretBackend,
    InvalidConfigError,
    MissingConfigError,
    SecretBackend,
    SecretsResolver,
    SecretValue,
    SpineError,
    VaultSecretBackend,
    is_secret_ref,
)

SECRET = "s3cr3t-value"


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> SecretsResolver:
    monkeypatch.setenv("DB_PASSWORD", SECRET)
    return SecretsResolver()


def test_is_secret_ref() -> None:
    assert is_secret_ref("secret:env:X")
    assert not is_secret_ref("env:X")
    assert not is_secret_ref(None)
    assert not is_secret_ref(b"secret:env:X")


def test_env_reference_resolves(resolver: SecretsResolver) -> None:
    assert resolver.resolve("secret:env:DB_PASSWORD") == SECRET


def test_plain_strings_pass_through_unchanged(resolver: SecretsResolver) -> None:
    assert resolver.resolve("postgres") == "postgres"
    assert resolver.resolve("") == ""


def test_file_reference_strips_trailing_newline(resolver: SecretsResolver, tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text(SECRET + "\n", encoding="utf-8")
    assert resolver.resolve(f"secret:file:{path}") == SECRET
    path.write_text("line1\nline2\r\n", encoding="utf-8")
    assert resolver.resolve(f"secret:file:{path}") == "line1\nline2"


def test_file_backend_resolves_relative_keys_under_base_dir(tmp_path: Path) -> None:
    (tmp_path / "api_key").write_text("k\n", encoding="utf-8")
    backend = FileSecretBackend(base_dir=str(tmp_path))
    assert backend.get_secret("api_key") == "k"
    assert backend.get_secret("absent") is None
    with pytest.raises(InvalidConfigError, match=r"'\.\.'"):
        backend.get_secret("../etc/passwd")


def test_unreadable_file_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read secret file"):
        FileSecretBackend().get_secret(str(tmp_path))  # a directory


def test_missing_secret_raises_missing_config_error_naming_reference(
    resolver: SecretsResolver, tmp_path: Path
) -> None:
    with pytest.raises(MissingConfigError, match="secret:env:NOT_SET_ANYWHERE"):
        resolver.resolve("secret:env:NOT_SET_ANYWHERE")
    with pytest.raises(MissingConfigError, match="not found"):
        resolver.resolve(f"secret:file:{tmp_path / 'missing'}")
    assert issubclass(MissingConfigError, SpineError)


def test_unknown_backend_lists_known_backends(resolver: SecretsResolver) -> None:
    with pytest.raises(InvalidConfigError, match="unknown secret backend 'vault'") as info:
        resolver.resolve("secret:vault:db/creds")
    assert "env, file" in str(info.value)


@pytest.mark.parametrize("ref", ["secret:", "secret:env", "secret:env:", "secret::KEY"])
def test_malformed_references_raise_invalid_config_error(
    resolver: SecretsResolver, ref: str
) -> None:
    with pytest.raises(InvalidConfigError, match="malformed secret reference"):
        resolver.resolve(ref)


def test_errors_never_contain_the_secret_value(
    resolver: SecretsResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTHER", SECRET)
    for ref in ("secret:env:NOPE", "secret:nope:OTHER", "secret:env"):
        with pytest.raises(SpineError) as info:
            resolver.resolve(ref)
        assert SECRET not in str(info.value)
        assert SECRET not in repr(info.value.to_dict())


def test_resolve_secret_returns_masked_value(resolver: SecretsResolver) -> None:
    value = resolver.resolve_secret("secret:env:DB_PASSWORD")
    assert isinstance(value, SecretValue)
    assert value.get_secret_value() == SECRET
    assert SECRET not in repr(value)
    assert SECRET not in str(value)
    assert SECRET not in f"{value}"
    assert SECRET not in f"{value!r}"
    assert resolver.resolve_secret("literal").get_secret_value() == "literal"


def test_secret_value_is_not_leaked_by_logging(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("leak").info("config %s %r", SecretValue(SECRET), SecretValue(SECRET))
    assert SECRET not in caplog.text
    assert "**********" in caplog.text


def test_secret_value_semantics() -> None:
    a, b = SecretValue("x"), SecretValue("x")
    assert a == b
    assert a != SecretValue("y")
    assert a != "x"
    assert len({a, b}) == 1
    assert bool(SecretValue("")) is False
    assert pickle.loads(pickle.dumps(a)) == a
    with pytest.raises(InvalidConfigError):
        SecretValue(123)  # type: ignore[arg-type]


def test_resolve_mapping_recurses_and_keeps_non_strings(resolver: SecretsResolver) -> None:
    config: dict[str, Any] = {
        "database": {"password": "secret:env:DB_PASSWORD", "port": 5432, "host": "db"},
        "tokens": ["secret:env:DB_PASSWORD", "plain"],
        "pair": ("secret:env:DB_PASSWORD", 1),
        "enabled": True,
    }
    resolved = resolver.resolve_mapping(config)
    assert resolved == {
        "database": {"password": SECRET, "port": 5432, "host": "db"},
        "tokens": [SECRET, "plain"],
        "pair": (SECRET, 1),
        "enabled": True,
    }
    assert config["database"]["password"] == "secret:env:DB_PASSWORD"


def test_custom_backends_can_be_registered() -> None:
    class Memory:
        def __init__(self, data: dict[str, str]) -> None:
            self.data = data

        def get_secret(self, key: str) -> str | None:
            return self.data.get(key)

    backend = Memory({"k": "v"})
    assert isinstance(backend, SecretBackend)
    resolver = SecretsResolver({"mem": backend}, include_defaults=False)
    assert resolver.schemes == ["mem"]
    assert resolver.resolve("secret:mem:k") == "v"
    with pytest.raises(InvalidConfigError, match="known backends: mem"):
        resolver.resolve("secret:env:HOME")


@pytest.mark.parametrize(
    ("scheme", "backend"), [("", EnvSecretBackend()), ("a:b", EnvSecretBackend()), ("x", object())]
)
def test_register_rejects_bad_schemes_and_backends(scheme: str, backend: Any) -> None:
    with pytest.raises(InvalidConfigError):
        SecretsResolver().register(scheme, backend)


def test_env_backend_prefix_and_custom_environ() -> None:
    backend = EnvSecretBackend(prefix="SPINE_SECRET_", environ={"SPINE_SECRET_DB": "pw"})
    assert backend.get_secret("DB") == "pw"
    assert backend.get_secret("OTHER") is None


# --- Vault ----------------------------------------------------------------------------------


class InvalidPath(Exception):  # noqa: N818 - mirrors hvac.exceptions.InvalidPath
    """Named like hvac.exceptions.InvalidPath."""


class FakeKV:
    def __init__(self, store: dict[str, dict[str, str]]) -> None:
        self.store = store
        self.calls: list[dict[str, Any]] = []

    def read_secret_version(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if kwargs["path"] not in self.store:
            raise InvalidPath(kwargs["path"])
        return {"data": {"data": self.store[kwargs["path"]]}}

    def read_secret(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if kwargs["path"] not in self.store:
            raise InvalidPath(kwargs["path"])
        return {"data": self.store[kwargs["path"]]}


class FakeVaultClient:
    def __init__(self, store: dict[str, dict[str, str]]) -> None:
        kv = FakeKV(store)
        self.kv = kv
        self.secrets = type("S", (), {"kv": type("KV", (), {"v2": kv, "v1": kv})()})()


def vault_resolver(kv_version: int = 2) -> tuple[SecretsResolver, FakeVaultClient]:
    client = FakeVaultClient(
        {"db/creds/prod": {"password": SECRET, "user": "app"}, "single": {"token": "t"}}
    )
    backend = VaultSecretBackend(client=client, kv_version=kv_version, mount_point="kv")
    return SecretsResolver({"vault": backend}), client


@pytest.mark.parametrize("kv_version", [1, 2])
def test_vault_backend_reads_fields(kv_version: int) -> None:
    resolver, client = vault_resolver(kv_version)
    assert resolver.resolve("secret:vault:db/creds/prod#password") == SECRET
    assert resolver.resolve("secret:vault:single") == "t"
    assert client.kv.calls[0]["mount_point"] == "kv"
    with pytest.raises(MissingConfigError, match="secret:vault:missing/path"):
        resolver.resolve("secret:vault:missing/path")
    with pytest.raises(MissingConfigError):
        resolver.resolve("secret:vault:db/creds/prod#nope")
    with pytest.raises(MissingConfigError):
        resolver.resolve("secret:vault:db/creds/prod")  # two fields, no "value" field


def test_vault_backend_rejects_bad_kv_version() -> None:
    with pytest.raises(InvalidConfigError, match="kv_version"):
        VaultSecretBackend(kv_version=3)


def test_vault_backend_without_hvac_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hvac", None)
    with pytest.raises(ImportError, match=r'pip install "spine-types\[vault\]"'):
        VaultSecretBackend(url="http://vault:8200").get_secret("x")


def test_vault_backend_creates_hvac_client_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[dict[str, Any]] = []

    class FakeHvac:
        @staticmethod
        def Client(**kwargs: Any) -> FakeVaultClient:
            created.append(kwargs)
            return FakeVaultClient({"p": {"value": "v"}})

    monkeypatch.setitem(sys.modules, "hvac", FakeHvac)
    monkeypatch.setenv("VAULT_TOKEN", "tok")
    backend = VaultSecretBackend(url="http://vault:8200")
    assert created == []
    assert backend.get_secret("p") == "v"
    assert created == [{"url": "http://vault:8200", "token": "tok", "namespace": None}]


# --- AWS ------------------------------------------------------------------------------------


class ClientError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeSecretsManager:
    def __init__(self, store: dict[str, dict[str, Any]]) -> None:
        self.store = store

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:  # noqa: N803 - boto3 name
        if SecretId == "denied":
            raise ClientError("AccessDeniedException")
        if SecretId not in self.store:
            raise ClientError("ResourceNotFoundException")
        return self.store[SecretId]


def aws_resolver() -> SecretsResolver:
    client = FakeSecretsManager(
        {
            "plain": {"SecretString": SECRET},
            "json": {"SecretString": json.dumps({"api_key": "k", "n": 1})},
            "binary": {"SecretBinary": b"bin"},
        }
    )
    return SecretsResolver({"aws": AWSSecretsManagerBackend(client=client)})


def test_aws_backend_reads_strings_json_fields_and_binary() -> None:
    resolver = aws_resolver()
    assert resolver.resolve("secret:aws:plain") == SECRET
    assert resolver.resolve("secret:aws:json#api_key") == "k"
    assert resolver.resolve("secret:aws:json#n") == "1"
    assert resolver.resolve("secret:aws:binary") == "bin"


def test_aws_backend_missing_and_errors() -> None:
    resolver = aws_resolver()
    with pytest.raises(MissingConfigError, match="secret:aws:absent"):
        resolver.resolve("secret:aws:absent")
    with pytest.raises(MissingConfigError):
        resolver.resolve("secret:aws:json#nope")
    with pytest.raises(InvalidConfigError, match="not JSON"):
        resolver.resolve("secret:aws:plain#field")
    with pytest.raises(ClientError):
        resolver.resolve("secret:aws:denied")


def test_aws_backend_without_boto3_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(ImportError, match=r'pip install "spine-types\[aws\]"'):
        AWSSecretsManagerBackend(region_name="us-east-1").get_secret("x")


def test_aws_alias() -> None:
    assert AWSSecretBackend is AWSSecretsManagerBackend


def test_optional_sdks_are_not_imported_by_the_module() -> None:
    # hvac/boto3 may be installed, but importing spine.types.secrets must not load them.
    code = (
        "import sys, spine.types.secrets;"
        "print(any(m in sys.modules for m in ('hvac', 'boto3', 'botocore')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
