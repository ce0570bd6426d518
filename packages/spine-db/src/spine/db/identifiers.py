"""Validation of SQL identifiers that come from callers (table and column names).

spine never interpolates a caller-supplied identifier into SQL without validating it first:
values are always bound parameters, and names must match ``^[A-Za-z_][A-Za-z0-9_]{0,62}$``
(optionally ``schema.table``).

Example:
    >>> validate_identifier("core_manifest")
    'core_manifest'
    >>> validate_identifier("analytics.trades")
    'analytics.trades'
    >>> validate_identifier("t; DROP TABLE x")
    Traceback (most recent call last):
    ...
    spine.types.errors.ValidationError: invalid SQL identifier 't; DROP TABLE x': ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spine.types import ValidationError

__all__ = ["IDENTIFIER_PATTERN", "validate_identifier", "validate_identifiers"]

IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
"""A single (unqualified) identifier: letter or underscore, then up to 62 word characters."""

_VALID: set[str] = set()
"""Cache of names already validated (identifiers repeat a lot; validation stays O(1))."""


def validate_identifier(name: str, *, allow_dotted: bool = True) -> str:
    """Return ``name`` unchanged if it is a safe identifier, else raise ``ValidationError``.

    Args:
        name: A table, column or index name; ``schema.table`` is accepted when
            ``allow_dotted`` is true (each part is validated).
        allow_dotted: Accept one ``.`` separating a schema from the name.

    Raises:
        ValidationError: naming the rejected identifier.

    Example:
        >>> validate_identifier("trades_2025")
        'trades_2025'
    """
    if name in _VALID:  # only undotted names are cached
        return name
    if not isinstance(name, str):
        raise ValidationError(f"invalid SQL identifier {name!r}: not a string").with_context(
            identifier=repr(name)
        )
    parts = name.split(".") if allow_dotted else [name]
    if len(parts) > 2 or not all(IDENTIFIER_PATTERN.match(part) for part in parts):
        raise ValidationError(
            f"invalid SQL identifier {name!r}: expected letters, digits and underscores "
            "(at most 63 characters, not starting with a digit)"
            + (", optionally schema-qualified" if allow_dotted else "")
        ).with_context(identifier=name)
    if len(parts) == 1 and len(_VALID) < 100_000:
        _VALID.add(name)
    return name


def validate_identifiers(names: Iterable[str], *, allow_dotted: bool = False) -> tuple[str, ...]:
    """Validate several identifiers (e.g. column names); return them as a tuple.

    Example:
        >>> validate_identifiers(["a", "b"])
        ('a', 'b')
    """
    return tuple(validate_identifier(n, allow_dotted=allow_dotted) for n in names)
