"""``SpineBaseSettings``: the base of spine's settings classes, and of yours.

A pydantic-settings ``BaseSettings`` with spine's conventions: environment variables with the
``SPINE_`` prefix (case-insensitive), unrelated variables ignored, and **secret references**
resolved through spine-types' :class:`~spine.types.SecretsResolver` before validation - any
string value may be ``secret:env:NAME``, ``secret:file:/run/secrets/x``, ``secret:vault:...``.
Fields typed :data:`Secret` hold a :class:`~spine.types.SecretValue`, which never shows
itself in ``repr``, logs or error messages.

Example:
    >>> import os
    >>> class FinraSettings(SpineBaseSettings):
    ...     api_key: Secret
    ...     page_size: int = 500
    >>> os.environ["DEMO_FINRA_KEY"] = "k-123"
    >>> s = FinraSettings(api_key="secret:env:DEMO_FINRA_KEY")
    >>> s
    FinraSettings(api_key=SecretValue('**********'), page_size=500)
    >>> s.api_key.get_secret_value()
    'k-123'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from spine.types import SecretsResolver, SecretValue, is_secret_ref

__all__ = ["Secret", "SpineBaseSettings", "resolve_secret_refs"]


def _to_secret(value: Any) -> SecretValue:
    if isinstance(value, SecretValue):
        return value
    if isinstance(value, str):
        return SecretValue(value)
    raise ValueError(f"expected a string secret, got {type(value).__name__}")


Secret = Annotated[
    SecretValue,
    PlainValidator(_to_secret),
    PlainSerializer(lambda v: str(v), return_type=str),
    WithJsonSchema({"type": "string", "writeOnly": True, "format": "password"}),
]
"""A settings field holding a secret: validated from a string (or a ``secret:`` reference),
stored as :class:`~spine.types.SecretValue`, dumped masked."""


def resolve_secret_refs(data: Any, resolver: SecretsResolver) -> Any:
    """``data`` with every ``secret:...`` string (at any depth) replaced by its value."""
    if isinstance(data, str):
        return resolver.resolve(data) if is_secret_ref(data) else data
    if isinstance(data, Mapping):
        return {k: resolve_secret_refs(v, resolver) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(resolve_secret_refs(v, resolver) for v in data)
    return data


class SpineBaseSettings(BaseSettings):
    """Base settings: ``SPINE_`` environment variables, secret references resolved.

    Subclasses set ``model_config = SettingsConfigDict(env_prefix=...)`` to use another
    prefix, and may replace :attr:`secrets_resolver` (a class attribute) to add backends.
    """

    model_config = SettingsConfigDict(
        env_prefix="SPINE_",
        case_sensitive=False,
        extra="ignore",
        validate_default=True,
        hide_input_in_errors=True,
    )

    secrets_resolver: ClassVar[SecretsResolver] = SecretsResolver()

    @model_validator(mode="before")
    @classmethod
    def _resolve_secrets(cls, data: Any) -> Any:
        return resolve_secret_refs(data, cls.secrets_resolver)
