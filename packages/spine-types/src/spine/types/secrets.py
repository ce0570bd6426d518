"""Secret references in configuration, resolved through pluggable backends.

A configuration value of the form ``secret:<backend>:<key>`` is a *reference*; anything else
is a literal and passes through unchanged::

    password: "secret:env:DB_PASSWORD"          # environment variable
    api_key:  "secret:file:/run/secrets/key"    # file content (trailing newline stripped)
    token:    "secret:vault:db/creds/prod#password"   # HashiCorp Vault (extra "vault")
    aws_key:  "secret:aws:prod/finra#api_key"   # AWS Secrets Manager (extra "aws")

Design: :meth:`SecretsResolver.resolve` returns the plain ``str`` (what a driver needs);
:meth:`SecretsResolver.resolve_secret` returns a :class:`SecretValue` whose ``repr``/``str``
are masked, for values that travel through objects that may be logged. Errors name the
*reference*, never the value:

* unknown backend -> :class:`~spine.types.errors.InvalidConfigError` listing known backends;
* malformed reference -> :class:`~spine.types.errors.InvalidConfigError`;
* secret not found -> :class:`~spine.types.errors.MissingConfigError`.

Example:
    >>> import os
    >>> os.environ["DEMO_PASSWORD"] = "hunter2"
    >>> resolver = SecretsResolver()
    >>> resolver.resolve("secret:env:DEMO_PASSWORD"), resolver.resolve("plain")
    ('hunter2', 'plain')
    >>> resolver.resolve_secret("secret:env:DEMO_PASSWORD")
    SecretValue('**********')
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Final, Protocol, runtime_checkable

from spine.types.errors import ConfigError, InvalidConfigError, MissingConfigError

__all__ = [
    "AWSSecretBackend",
    "AWSSecretsManagerBackend",
    "EnvSecretBackend",
    "FileSecretBackend",
    "SecretBackend",
    "SecretValue",
    "SecretsResolver",
    "VaultSecretBackend",
    "is_secret_ref",
]

SECRET_PREFIX: Final = "secret:"
MASK: Final = "**********"


def is_secret_ref(value: object) -> bool:
    """Whether ``value`` is a ``secret:...`` reference string.

    Example:
        >>> is_secret_ref("secret:env:X"), is_secret_ref("X"), is_secret_ref(3)
        (True, False, False)
    """
    return isinstance(value, str) and value.startswith(SECRET_PREFIX)


class SecretValue:
    """A resolved secret that never shows itself in ``repr``, ``str`` or f-strings.

    Call :meth:`get_secret_value` at the point of use.

    Example:
        >>> s = SecretValue("hunter2")
        >>> f"{s}", repr(s), s.get_secret_value()
        ('**********', "SecretValue('**********')", 'hunter2')
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise InvalidConfigError(f"SecretValue expects a str, got {type(value).__name__}")
        self._value = value

    def get_secret_value(self) -> str:
        """The actual secret."""
        return self._value

    def __repr__(self) -> str:
        return f"SecretValue('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretValue):
            return NotImplemented
        import hmac

        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((SecretValue, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


@runtime_checkable
class SecretBackend(Protocol):
    """A source of secrets. ``get_secret`` returns ``None`` when ``key`` does not exist."""

    def get_secret(self, key: str) -> str | None:
        """The secret stored under ``key``, or ``None``."""
        ...


class EnvSecretBackend:
    """Secrets from environment variables: ``secret:env:NAME`` reads ``$<prefix>NAME``.

    Args:
        prefix: Prepended to every key (e.g. ``"SPINE_SECRET_"``); empty by default.
        environ: Mapping to read instead of ``os.environ`` (tests).
    """

    def __init__(self, prefix: str = "", environ: Mapping[str, str] | None = None) -> None:
        self.prefix = prefix
        self._environ = environ

    def get_secret(self, key: str) -> str | None:
        """``environ[prefix + key]`` or ``None``."""
        environ = os.environ if self._environ is None else self._environ
        return environ.get(self.prefix + key)


class FileSecretBackend:
    """Secrets from files (Docker/Kubernetes secrets): ``secret:file:/run/secrets/db``.

    The content is read as UTF-8 and trailing newlines are stripped. Relative keys are
    resolved under ``base_dir`` (default ``/run/secrets``) and may not contain ``..``.
    """

    def __init__(self, base_dir: str = "/run/secrets") -> None:
        self.base_dir = base_dir

    def _path(self, key: str) -> str:
        if os.path.isabs(key):
            return key
        parts = key.replace("\\", "/").split("/")
        if ".." in parts:
            raise InvalidConfigError(f"secret file key {key!r} may not contain '..'")
        return os.path.join(self.base_dir, key)

    def get_secret(self, key: str) -> str | None:
        """File content without trailing newlines, or ``None`` if the file does not exist."""
        path = self._path(key)
        try:
            with open(path, encoding="utf-8") as fh:
                content = fh.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError(
                f"cannot read secret file {path!r}: {type(exc).__name__}", cause=exc
            ) from exc
        return content.rstrip("\r\n")


def _split_field(key: str) -> tuple[str, str | None]:
    path, sep, field = key.partition("#")
    return path, (field if sep else None)


def _pick_field(data: Mapping[str, Any], field: str | None, default_field: str) -> str | None:
    if field is None:
        field = next(iter(data)) if len(data) == 1 else default_field
    value = data.get(field)
    return None if value is None else str(value)


class VaultSecretBackend:
    """HashiCorp Vault KV secrets: ``secret:vault:<path>#<field>`` (requires ``hvac``).

    Without ``#field`` the secret's only field, else its ``default_field`` (``"value"``), is
    returned. ``hvac`` is imported on first use; if missing, an ``ImportError`` says to
    ``pip install "spine-types[vault]"``.

    Args:
        url: Vault address (default ``$VAULT_ADDR``).
        token: Vault token (default ``$VAULT_TOKEN``).
        mount_point: KV engine mount (default ``"secret"``).
        kv_version: 1 or 2 (default 2).
        namespace: Vault Enterprise namespace.
        client: A ready ``hvac.Client`` (or compatible object); skips the import.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        mount_point: str = "secret",
        kv_version: int = 2,
        namespace: str | None = None,
        default_field: str = "value",
        client: Any = None,
    ) -> None:
        if kv_version not in (1, 2):
            raise InvalidConfigError(f"kv_version must be 1 or 2, got {kv_version!r}")
        self.url = url
        self.mount_point = mount_point
        self.kv_version = kv_version
        self.namespace = namespace
        self.default_field = default_field
        self._token = token
        self._client = client

    def _get_client(self) -> Any:
        if self._client is None:
            try:
                import hvac
            except ImportError as exc:
                raise ImportError(
                    'VaultSecretBackend needs hvac: pip install "spine-types[vault]"'
                ) from exc
            self._client = hvac.Client(
                url=self.url or os.environ.get("VAULT_ADDR"),
                token=self._token or os.environ.get("VAULT_TOKEN"),
                namespace=self.namespace,
            )
        return self._client

    def get_secret(self, key: str) -> str | None:
        """Read ``path#field`` from the KV engine; ``None`` if the path or field is absent."""
        path, field = _split_field(key)
        client = self._get_client()
        try:
            if self.kv_version == 2:
                response = client.secrets.kv.v2.read_secret_version(
                    path=path, mount_point=self.mount_point, raise_on_deleted_version=True
                )
                data = response["data"]["data"]
            else:
                response = client.secrets.kv.v1.read_secret(path=path, mount_point=self.mount_point)
                data = response["data"]
        except Exception as exc:
            if type(exc).__name__ == "InvalidPath":
                return None
            raise
        return _pick_field(data or {}, field, self.default_field)


class AWSSecretsManagerBackend:
    """AWS Secrets Manager: ``secret:aws:<secret-id>`` or ``secret:aws:<secret-id>#<json-key>``
    (requires ``boto3``).

    With ``#json-key`` the secret string is parsed as JSON and that key returned.
    ``boto3`` is imported on first use; if missing, an ``ImportError`` says to
    ``pip install "spine-types[aws]"``.

    Args:
        region_name: AWS region (default from the AWS environment/config).
        client: A ready ``secretsmanager`` client; skips the import.
    """

    def __init__(self, region_name: str | None = None, *, client: Any = None) -> None:
        self.region_name = region_name
        self._client = client

    def _get_client(self) -> Any:
        if self._client is None:
            try:
                import boto3
            except ImportError as exc:
                raise ImportError(
                    'AWSSecretsManagerBackend needs boto3: pip install "spine-types[aws]"'
                ) from exc
            self._client = boto3.client("secretsmanager", region_name=self.region_name)
        return self._client

    def get_secret(self, key: str) -> str | None:
        """The secret string (or one JSON key of it); ``None`` if it does not exist."""
        secret_id, field = _split_field(key)
        client = self._get_client()
        try:
            response = client.get_secret_value(SecretId=secret_id)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code == "ResourceNotFoundException":
                return None
            raise
        raw = response.get("SecretString")
        if raw is None:
            binary = response.get("SecretBinary")
            if binary is None:
                return None
            raw = bytes(binary).decode("utf-8")
        if field is None:
            return str(raw)
        try:
            data = json.loads(raw)
        except ValueError:
            raise InvalidConfigError(
                f"AWS secret {secret_id!r} is not JSON, so field {field!r} cannot be selected"
            ) from None
        if not isinstance(data, dict) or data.get(field) is None:
            return None
        return str(data[field])


AWSSecretBackend = AWSSecretsManagerBackend
"""Alias of :class:`AWSSecretsManagerBackend`."""


class SecretsResolver:
    """Resolves ``secret:<backend>:<key>`` references through registered backends.

    ``env`` (:class:`EnvSecretBackend`) and ``file`` (:class:`FileSecretBackend`) are
    registered by default; add others with :meth:`register` or the ``backends`` argument.

    Example:
        >>> resolver = SecretsResolver({"mem": EnvSecretBackend(environ={"K": "v"})})
        >>> resolver.schemes
        ['env', 'file', 'mem']
        >>> resolver.resolve_mapping({"db": {"password": "secret:mem:K"}, "port": 5432})
        {'db': {'password': 'v'}, 'port': 5432}
    """

    def __init__(
        self,
        backends: Mapping[str, SecretBackend] | None = None,
        *,
        include_defaults: bool = True,
    ) -> None:
        self._backends: dict[str, SecretBackend] = {}
        if include_defaults:
            self._backends["env"] = EnvSecretBackend()
            self._backends["file"] = FileSecretBackend()
        for scheme, backend in (backends or {}).items():
            self.register(scheme, backend)

    @property
    def schemes(self) -> list[str]:
        """Registered backend names, sorted."""
        return sorted(self._backends)

    def register(self, scheme: str, backend: SecretBackend) -> None:
        """Register (or replace) the backend for ``secret:<scheme>:...``."""
        if not isinstance(scheme, str) or not scheme or ":" in scheme:
            raise InvalidConfigError(f"invalid secret backend name {scheme!r}")
        if not callable(getattr(backend, "get_secret", None)):
            raise InvalidConfigError(
                f"secret backend {scheme!r} must have a get_secret(key) method"
            )
        self._backends[scheme] = backend

    def parse(self, reference: str) -> tuple[str, str]:
        """Split ``secret:<scheme>:<key>`` into ``(scheme, key)``."""
        if not is_secret_ref(reference):
            raise InvalidConfigError(f"{reference!r} is not a secret reference")
        scheme, sep, key = reference[len(SECRET_PREFIX) :].partition(":")
        if not sep or not scheme or not key:
            raise InvalidConfigError(
                f"malformed secret reference {reference!r}; expected 'secret:<backend>:<key>'"
            )
        return scheme, key

    def _lookup(self, reference: str) -> str:
        scheme, key = self.parse(reference)
        backend = self._backends.get(scheme)
        if backend is None:
            raise InvalidConfigError(
                f"unknown secret backend {scheme!r} in {reference!r}; known backends: "
                f"{', '.join(self.schemes) or 'none'}"
            )
        value = backend.get_secret(key)
        if value is None:
            raise MissingConfigError(f"secret {reference!r} not found")
        return value

    def resolve(self, value: str) -> str:
        """The secret for a reference; any other string is returned unchanged."""
        if not is_secret_ref(value):
            return value
        return self._lookup(value)

    def resolve_secret(self, value: str) -> SecretValue:
        """Like :meth:`resolve` but wrapped in a masked :class:`SecretValue`."""
        return SecretValue(self.resolve(value))

    def resolve_mapping(self, mapping: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``mapping`` with every reference resolved, recursing into nested
        mappings and lists/tuples. Non-string values are kept as they are."""
        return {k: self._resolve_any(v) for k, v in mapping.items()}

    def _resolve_any(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.resolve(value)
        if isinstance(value, Mapping):
            return self.resolve_mapping(value)
        if isinstance(value, list | tuple):
            return type(value)(self._resolve_any(v) for v in value)
        return value
