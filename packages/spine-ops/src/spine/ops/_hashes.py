"""One content-hash scheme per table: read it from the stored hashes, never mix two.

A table's hash column holds digests of one :class:`~spine.types.HashScheme`: ``sha256``
(:func:`~spine.types.compute_hash`, 64 hex characters; every table written before the fast
scheme existed) or ``blake2b-128`` (:func:`~spine.types.compute_hash_fast`, 32 hex
characters; the default for new tables). The scheme of a table is read from one stored hash
(its length); an empty table takes the caller's choice or the default. Converting a table
from one scheme to the other is :func:`spine.ops.rehash_table`.
"""

from __future__ import annotations

from spine.db import BaseRepository, reading
from spine.types import HashScheme, ValidationError

__all__ = ["DEFAULT_HASH_SCHEME", "resolve_scheme", "stored_scheme"]

DEFAULT_HASH_SCHEME = HashScheme.BLAKE2B_128
"""The scheme of a table that stores no hash yet."""


def stored_scheme(
    repo: BaseRepository, table: str, column: str, *, strict: bool = True
) -> HashScheme | None:
    """The scheme of the hashes stored in ``table.column`` (``None``: no hash stored, or -
    with ``strict=False`` - a stored value that is no spine hash).

    One indexed look-up of any non-NULL value (validated identifiers).

    Raises:
        ValidationError: with ``strict``, the stored value is not a spine hash (64 or 32
            characters).
    """
    d = repo.dialect
    c = repo.q(column)
    sql = (
        f"SELECT {c} AS h FROM {repo.q(table)} WHERE {c} IS NOT NULL "  # noqa: S608 - validated identifiers
        f"{d.limit_offset(1)}"
    )
    with reading(repo.conn):
        row = repo.query_one(sql)
    if row is None:
        return None
    try:
        return HashScheme.of_hash(row["h"])
    except ValidationError:
        if not strict:
            return None
        raise ValidationError(
            f"{table}.{column} holds {row['h']!r}, not a spine content hash (64 hex characters: "
            "sha256, 32: blake2b-128); spine cannot tell which hash to compute for it"
        ) from None


def resolve_scheme(
    repo: BaseRepository,
    table: str,
    column: str,
    wanted: HashScheme | str | None,
    *,
    strict: bool = True,
) -> HashScheme:
    """The scheme to hash new rows of ``table.column`` with: the stored one; the caller's
    ``wanted`` scheme (or :data:`DEFAULT_HASH_SCHEME`) when nothing is stored yet (or, with
    ``strict=False``, when the stored value sampled is no spine hash).

    Raises:
        ValidationError: ``wanted`` differs from the stored scheme (the table would mix two
            schemes: convert it with ``rehash_table`` first), or an unknown scheme name.
    """
    want = HashScheme.coerce(wanted) if wanted is not None else None
    have = stored_scheme(repo, table, column, strict=strict)
    if have is None:
        return want or DEFAULT_HASH_SCHEME
    if want is not None and want is not have:
        raise ValidationError(
            f"{table}.{column} stores {have.value} hashes, not {want.value}: one table never "
            f"mixes hash schemes; pass hash_scheme={have.value!r} (or None to follow the table), "
            f"or convert the table first with spine.ops.rehash_table(..., to={want.value!r})"
        )
    return have
