"""``DatabaseType`` and ``DatabaseConfig``: typed connection settings (pydantic v2).

``DatabaseConfig`` holds what a URL holds, as fields. The password is a ``SecretStr``: it is
never shown by ``repr``/``str``/``model_dump`` (``**********``). A password written as a
secret reference (``secret:env:DB_PASSWORD``, ``secret:file:/run/secrets/db``) is resolved
through ``spine.types.SecretsResolver`` only when a connection URL is built.

Example:
    >>> cfg = DatabaseConfig.from_url("postgresql://app:s3cret@db:5432/prod")
    >>> cfg.type, cfg.host, cfg.port, cfg.database
    (<DatabaseType.POSTGRESQL: 'postgresql'>, 'db', 5432, 'prod')
    >>> "s3cret" in repr(cfg), cfg.safe_url()
    (False, 'postgresql://app:***@db:5432/prod')
    >>> DatabaseConfig(type="sqlite").to_url()
    'sqlite:///:memory:'
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from spine.db.dialects import DatabaseType
from spine.db.url import DEFAULT_PORTS, DatabaseURL, missing_server_parts, parse_url
from spine.types import InvalidConfigError, SecretsResolver

__all__ = ["DatabaseConfig", "DatabaseType"]

_SPINE_OPTIONS = ("connect_timeout", "schema")


class DatabaseConfig(BaseModel):
    """Connection settings for one database.

    Attributes:
        type: The backend.
        host, port, database, username: Server coordinates (``database`` is the Oracle
            service name). ``port`` defaults to the backend's usual port.
        password: Secret; may be a ``secret:<backend>:<key>`` reference.
        path: SQLite file path (``None`` or ``":memory:"`` for in-memory).
        options: Extra ``create_connection`` options (``connect_timeout``, ``schema``, ...).
        query: Driver parameters kept in the URL query string (``sslmode=require``, ...).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: DatabaseType = DatabaseType.SQLITE
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    database: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    path: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    query: dict[str, str] = Field(default_factory=dict)

    @field_validator("type", mode="before")
    @classmethod
    def _parse_type(cls, value: Any) -> Any:
        return DatabaseType.parse(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> DatabaseConfig:
        missing = missing_server_parts(
            self.type.value, self.host, self.database, self.query, partial=True
        )
        if missing:
            raise ValueError(missing)
        if self.path is not None and self.type is not DatabaseType.SQLITE:
            raise ValueError("path is only used by sqlite")
        return self

    @classmethod
    def from_url(cls, url: str | None, **options: Any) -> DatabaseConfig:
        """Parse a URL (see :func:`spine.db.url.parse_url`) into a config."""
        parsed = parse_url(url)
        if parsed.is_embedded:
            return cls(type=DatabaseType(parsed.backend), path=parsed.database, options=options)
        query = dict(parsed.query)
        opts: dict[str, Any] = {k: query.pop(k) for k in _SPINE_OPTIONS if k in query}
        opts.update(options)
        return cls(
            type=DatabaseType(parsed.backend),
            host=parsed.host,
            port=parsed.port,
            database=parsed.database,
            username=parsed.username,
            password=SecretStr(parsed.password) if parsed.password is not None else None,
            options=opts,
            query=query,
        )

    def resolved_password(self, resolver: SecretsResolver | None = None) -> str | None:
        """The password with any ``secret:...`` reference resolved (handle with care)."""
        if self.password is None:
            return None
        return (resolver or SecretsResolver()).resolve(self.password.get_secret_value())

    def _url(self, password: str | None) -> DatabaseURL:
        if self.type is DatabaseType.SQLITE:
            return parse_url(self.path)
        return DatabaseURL(
            backend=self.type.value,
            scheme=self.type.value,
            host=self.host,
            port=self.port or (DEFAULT_PORTS[self.type.value] if self.host else None),
            username=self.username,
            password=password,
            database=self.database,
            query=tuple(self.query.items()),
        )

    def to_url(self, *, resolver: SecretsResolver | None = None) -> str:
        """The connection URL, password resolved and included: never log it.

        Use :meth:`safe_url` for logs.
        """
        try:
            return self._url(self.resolved_password(resolver)).render(mask=False)
        except InvalidConfigError:
            raise
        except ValueError as exc:  # pragma: no cover - parse errors are InvalidConfigError
            raise InvalidConfigError(str(exc)) from exc

    def safe_url(self) -> str:
        """The URL with the password masked (``***``): safe for logs."""
        return self._url("***" if self.password is not None else None).masked()

    def connection_options(self) -> dict[str, Any]:
        """``options`` as keyword arguments for :func:`spine.db.create_connection`."""
        return dict(self.options)

    def __str__(self) -> str:
        return f"DatabaseConfig({self.safe_url()})"
