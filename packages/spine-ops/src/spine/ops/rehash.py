"""Convert a table's stored content hashes from one :class:`~spine.types.HashScheme` to the other.

Tables written before the fast scheme existed store ``sha256`` hashes (``compute_hash``, 64
hex characters); spine-ops keeps using that scheme on them (it reads the scheme from a stored
hash), so nothing breaks and nothing needs converting. :func:`rehash_table` converts such a
table to ``blake2b-128`` (``compute_hash_fast``, 32 characters: faster to compute, half the
index) - or back, with ``to="sha256"``.

Every row is **verified** before it is converted: its stored hash must be what the source
scheme computes from the values read back from the table. A value that does not read back as
it was ingested (a ``date`` ingested into a text column comes back as ``str``, a ``Decimal``
as ``float``...) would otherwise get a new hash that no later ingest reproduces; such a row
stops the conversion with :class:`~spine.types.ValidationError` naming it (pass ``decode`` to
rebuild the ingested values from a stored row). A row whose new hash another row already has
(the same record stored once under each scheme) stops it with
:class:`~spine.types.ConstraintError`.

Rows are read in ``batch_size`` pages in hash order (keyset paging on the indexed hash
column) and updated with one ``executemany`` per page. By default the whole conversion is
**one transaction** (all or nothing; readers and writers never see a half-converted table).
With ``commit_every=n`` it commits every ``n`` pages instead (bounded transactions for very
large tables): it is **resumable** - rows already converted are skipped, so run it again
after an interruption - but until it completes the table holds both schemes, so do not
ingest into the table meanwhile.

Example:
    >>> from spine.db.testing import memory_connection
    >>> from spine.types import compute_hash, compute_hash_fast
    >>> conn = memory_connection()
    >>> _ = conn.execute("CREATE TABLE bronze (week TEXT, symbol TEXT, record_hash TEXT)")
    >>> _ = conn.execute("INSERT INTO bronze VALUES ('2025-12-26', 'AAPL', ?)",
    ...                  (compute_hash("2025-12-26", "AAPL"),))
    >>> rehash_table(conn, "bronze", ["week", "symbol"])
    RehashResult(rehashed=1, scheme=<HashScheme.BLAKE2B_128: 'blake2b-128'>)
    >>> conn.execute("SELECT record_hash FROM bronze").fetchone()[0] == compute_hash_fast(
    ...     "2025-12-26", "AAPL")
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spine.db import BaseRepository, write
from spine.ops._checks import ident
from spine.ops._observe import observed
from spine.types import Connection, ConstraintError, HashScheme, ValidationError

__all__ = ["RehashResult", "rehash_table"]

_SYSTEM_COLUMNS = frozenset({"system_from", "system_to"})
_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RehashResult:
    """Outcome of :func:`rehash_table`.

    Attributes:
        rehashed: Rows converted by this call (0 when the table was already converted).
        scheme: The scheme the table's hashes are in now.
    """

    rehashed: int
    scheme: HashScheme


class _Rehasher:
    """One :func:`rehash_table` call: pages through the table, verifies, converts."""

    def __init__(
        self,
        conn: Connection,
        table: str,
        natural_key: Sequence[str] | None,
        hash_column: str,
        target: HashScheme,
        batch_size: int,
        decode: Callable[[dict[str, Any]], Any] | None,
    ) -> None:
        self.repo = d = BaseRepository(conn)
        self.table, self.hc, self.keys = table, hash_column, natural_key
        self.target = target
        self.source = next(s for s in HashScheme if s is not target)
        self.decode = decode
        t, c = d.q(table), d.q(hash_column)
        cols = (
            ", ".join(f"{d.q(k)} AS {d.q(k)}" for k in [*natural_key, hash_column])
            if natural_key is not None
            else "*"
        )
        page = d.dialect.limit_offset(batch_size)
        self.first_sql = f"SELECT {cols} FROM {t} WHERE {c} IS NOT NULL ORDER BY {c} {page}"  # noqa: S608 - validated identifiers
        self.next_sql = (
            f"SELECT {cols} FROM {t} WHERE {c} > {d.dialect.placeholder(0)} "  # noqa: S608 - validated identifiers, bound values
            f"ORDER BY {c} {page}"
        )
        self.update_sql = (
            f"UPDATE {t} SET {c} = {d.dialect.placeholder(0)} "  # noqa: S608 - validated identifiers, bound values
            f"WHERE {c} = {d.dialect.placeholder(1)}"
        )
        self.exists_sql = f"SELECT {c} AS h FROM {t} WHERE {c} IN "  # noqa: S608 - validated identifiers
        self.cursor: str | None = None
        self.rehashed = 0

    def _values(self, row: dict[str, Any]) -> tuple[Any, ...]:
        if self.decode is not None:
            got = self.decode(row)
            if self.keys is None:
                return (dict(got),)
            return tuple(got)
        if self.keys is None:
            hc = self.hc.lower()
            content = {
                k: v for k, v in row.items() if k.lower() not in _SYSTEM_COLUMNS and k.lower() != hc
            }
            return (content,)
        return tuple(row[k] if k in row else row[k.lower()] for k in self.keys)

    def _stored(self, row: Mapping[str, Any]) -> str:
        value = row.get(self.hc, row.get(self.hc.lower()))
        return value.decode("ascii") if isinstance(value, bytes) else str(value)

    def page(self) -> bool:
        """Convert one page; False when the table has no more rows past the cursor."""
        d = self.repo
        if self.cursor is None:
            rows = d.query(self.first_sql)
        else:
            rows = d.query(self.next_sql, (self.cursor,))
        if not rows:
            return False
        self.cursor = self._stored(rows[-1])
        pairs: list[tuple[str, str]] = []
        for row in rows:
            old = self._stored(row)
            scheme = HashScheme.of_hash(old)
            if scheme is self.target:
                continue  # converted already (by this call: its new hash sorts later, or before)
            values = self._values(row)
            if self.source.compute(*values) != old:
                raise ValidationError(
                    f"{self.table}: the row with {self.hc}={old!r} does not reproduce its "
                    f"{self.source.value} hash from the values read back ({values!r}): a value "
                    "reads back as another type than was ingested (a date as text, a Decimal "
                    "as float...). Pass decode=<stored row -> the values as ingested>; "
                    "nothing of this page was converted"
                )
            pairs.append((self.target.compute(*values), old))
        if pairs:
            self._check_clashes([new for new, _ in pairs])
            d.conn.executemany(self.update_sql, pairs)
            self.rehashed += len(pairs)
        return True

    def _check_clashes(self, new_hashes: list[str]) -> None:
        d = self.repo
        for i in range(0, len(new_hashes), _IN_CHUNK):
            chunk = new_hashes[i : i + _IN_CHUNK]
            found = d.query(self.exists_sql + f"({d.ph(len(chunk))})", chunk)
            if found:
                raise ConstraintError(
                    f"{self.table}: {len(found)} record(s) are stored twice, once per hash "
                    f"scheme (e.g. {self.hc}={found[0]['h']!r}); an ingest ran with the other "
                    "scheme while the table was half converted. Delete the duplicates "
                    f"(the rows whose {self.hc} has {self.source.hex_length} characters and "
                    "whose record the other rows hold), then run rehash_table again"
                )


@observed("rehash_table", fields=("table", "hash_column"))
def rehash_table(
    conn: Connection,
    table: str,
    natural_key: Sequence[str] | None,
    *,
    hash_column: str = "record_hash",
    to: HashScheme | str = HashScheme.BLAKE2B_128,
    batch_size: int = 5_000,
    commit_every: int | None = None,
    decode: Callable[[dict[str, Any]], Any] | None = None,
) -> RehashResult:
    """Convert ``table``'s ``hash_column`` to the scheme ``to`` (see the module docs).

    Args:
        conn: A spine connection.
        table: An L2 table (hash of ``natural_key``) or a restatement table.
        natural_key: The columns the L2 hash was computed from, in order (as passed to
            ``ingest_l2``); ``None`` for a restatement table (the row hash covers every
            column but ``system_from``, ``system_to`` and ``hash_column``).
        hash_column: The hash column (``"row_hash"`` for restatement tables).
        to: The target scheme (default ``"blake2b-128"``; ``"sha256"`` converts back).
        batch_size: Rows per page (one read, one ``executemany`` of updates).
        commit_every: ``None``: one transaction for the whole table (a savepoint inside the
            caller's open transaction). ``n``: commit every ``n`` pages (resumable; the
            table holds both schemes until the call completes).
        decode: ``stored row (dict) -> values as ingested``: the natural-key values in order
            (L2), or the content dict (restatement). Default: the values as read.

    Returns:
        :class:`RehashResult`; running it again on a converted table converts nothing.

    Raises:
        ValidationError: bad identifiers or arguments, a stored value that is no spine
            hash, or a row whose stored hash its values do not reproduce (nothing of that
            page, or of the whole call without ``commit_every``, is converted).
        ConstraintError: a record stored once under each scheme.
    """
    t = ident(table)
    hc = ident(hash_column)
    if isinstance(natural_key, str):
        raise ValidationError("natural_key must be a list of column names, not a str")
    keys = [ident(c) for c in natural_key] if natural_key is not None else None
    if keys is not None and not keys:
        raise ValidationError("natural_key needs at least one column (None: a restatement table)")
    target = HashScheme.coerce(to)
    for name, value in (("batch_size", batch_size), ("commit_every", commit_every)):
        if value is None and name == "commit_every":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError(f"{name} must be an int >= 1, got {value!r}")
    job = _Rehasher(conn, t, keys, hc, target, batch_size, decode)
    if commit_every is None:
        with write(job.repo.conn):
            while job.page():
                pass
    else:
        more = True
        while more:
            with write(job.repo.conn):
                for _ in range(commit_every):
                    more = job.page()
                    if not more:
                        break
    return RehashResult(job.rehashed, target)
