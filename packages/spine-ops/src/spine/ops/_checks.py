"""Validation helpers shared by the persistent primitives.

Every caller-supplied identifier passes through :func:`ident` (spine-db's
``validate_identifier``) or ``dialect.quote``; names stored as values (domain, source, stage)
through :func:`check_name`. How primitives talk to the database is spine-db's: a
:class:`~spine.db.SpineConnection` with a :class:`~spine.db.BaseRepository` on top, writes in
:func:`spine.db.write` / :func:`spine.db.write_retrying` (a savepoint inside the caller's
open transaction), reads in :func:`spine.db.reading`.
"""

from __future__ import annotations

from spine.db import validate_identifier
from spine.types import ValidationError

__all__ = ["check_name", "ident"]


def ident(name: str) -> str:
    """Validate a caller-supplied identifier (table or column) and return it unchanged.

    Raises:
        ValidationError: not a plain identifier (``"t; DROP TABLE x"``, quotes, spaces...).
    """
    validate_identifier(name)
    return name


def check_name(value: object, what: str, max_len: int) -> str:
    """Return ``value`` when it is a str of 1..``max_len`` chars (a domain, source, stage...).

    Raises:
        ValidationError: anything else, naming ``what``.
    """
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise ValidationError(f"{what} must be a str of 1..{max_len} chars, got {value!r}")
    return value
