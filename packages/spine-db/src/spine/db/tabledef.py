"""Declarative table model: abstract column types, ``Column``, ``Index`` and ``Table``.

Tables are declared once with abstract types and rendered per backend by a
:class:`~spine.db.dialects.Dialect` (``dialect.create_table_sql(table)``).

Abstract types (see ``docs/core-schema.md``):

=========  ==================================================================
``ID``     identifier, ``VARCHAR(64)`` (ULIDs or caller ids up to 64 chars)
``STR(n)`` bounded string, ``VARCHAR(n)``
``TEXT``   unbounded text (``CLOB`` on Oracle/DB2, ``LONGTEXT`` on MySQL)
``INT``    32-bit integer
``BIGINT`` 64-bit integer
``FLOAT``  double precision
``BOOL``   boolean (native on PostgreSQL, 0/1 elsewhere)
``JSON``   canonical JSON text (unbounded)
``TS``     timezone-aware UTC timestamp
``IDENTITY`` auto-increment 64-bit integer primary key
=========  ==================================================================

Columns are ``NOT NULL`` unless declared ``nullable=True``.

Example:
    >>> from spine.db.schema import Column, Index, Table, ID, STR, TS
    >>> trades = Table(
    ...     "trades",
    ...     columns=(
    ...         Column("id", ID),
    ...         Column("symbol", STR(12)),
    ...         Column("traded_at", TS),
    ...         Column("venue", STR(20), nullable=True),
    ...     ),
    ...     primary_key=("id",),
    ...     indexes=(Index("ix_trades_symbol", ("symbol", "traded_at")),),
    ... )
    >>> trades.column_names
    ('id', 'symbol', 'traded_at', 'venue')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from spine.db.identifiers import validate_identifier
from spine.types import ValidationError

__all__ = [
    "BIGINT",
    "BOOL",
    "FLOAT",
    "ID",
    "IDENTITY",
    "INT",
    "JSON",
    "STR",
    "TEXT",
    "TS",
    "Column",
    "ColumnType",
    "DefaultValue",
    "Index",
    "Table",
    "TypeKind",
]


class TypeKind(StrEnum):
    """The abstract column type families a dialect knows how to render."""

    ID = "ID"
    STR = "STR"
    TEXT = "TEXT"
    INT = "INT"
    BIGINT = "BIGINT"
    FLOAT = "FLOAT"
    BOOL = "BOOL"
    JSON = "JSON"
    TS = "TS"
    IDENTITY = "IDENTITY"


@dataclass(frozen=True, slots=True)
class ColumnType:
    """An abstract column type; ``length`` is set for ``STR(n)`` only."""

    kind: TypeKind
    length: int | None = None

    def __post_init__(self) -> None:
        if self.kind is TypeKind.STR:
            if self.length is None or not 1 <= self.length <= 4000:
                raise ValidationError(f"STR(n) needs 1 <= n <= 4000, got {self.length!r}")
        elif self.length is not None:
            raise ValidationError(f"type {self.kind.value} takes no length")

    @property
    def is_text_like(self) -> bool:
        """True for types stored as strings (ID, STR, TEXT, JSON)."""
        return self.kind in {TypeKind.ID, TypeKind.STR, TypeKind.TEXT, TypeKind.JSON}

    @property
    def is_lob(self) -> bool:
        """True for unbounded text (TEXT, JSON): CLOB/LONGTEXT, not indexable."""
        return self.kind in {TypeKind.TEXT, TypeKind.JSON}

    def __repr__(self) -> str:
        return f"STR({self.length})" if self.kind is TypeKind.STR else self.kind.value


ID = ColumnType(TypeKind.ID)
TEXT = ColumnType(TypeKind.TEXT)
INT = ColumnType(TypeKind.INT)
BIGINT = ColumnType(TypeKind.BIGINT)
FLOAT = ColumnType(TypeKind.FLOAT)
BOOL = ColumnType(TypeKind.BOOL)
JSON = ColumnType(TypeKind.JSON)
TS = ColumnType(TypeKind.TS)
IDENTITY = ColumnType(TypeKind.IDENTITY)

ID_LENGTH = 64
"""Length of the ``ID`` type (``VARCHAR(64)``)."""


def STR(length: int) -> ColumnType:  # noqa: N802 - reads like the type it renders
    """A bounded string column type, ``VARCHAR(length)``.

    Example:
        >>> STR(100)
        STR(100)
    """
    return ColumnType(TypeKind.STR, length)


DefaultValue = str | int | float | bool | None
"""A literal column default (rendered per dialect, strings quoted and escaped)."""


@dataclass(frozen=True, slots=True)
class Column:
    """A column: name, abstract type, nullability and an optional literal default.

    Example:
        >>> Column("attempts", INT, default=0)
        Column(name='attempts', type=INT, nullable=False, default=0)
    """

    name: str
    type: ColumnType
    nullable: bool = False
    default: DefaultValue = None

    def __post_init__(self) -> None:
        validate_identifier(self.name, allow_dotted=False)
        if self.type.kind is TypeKind.IDENTITY and (self.nullable or self.default is not None):
            raise ValidationError(f"IDENTITY column {self.name!r} cannot be nullable/defaulted")


@dataclass(frozen=True, slots=True)
class Index:
    """A (possibly unique) index over columns of one table.

    Index names share one namespace per schema on most backends: prefix them with the table.
    Keep names at most 30 characters for older Oracle releases.
    """

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    descending: tuple[str, ...] = ()
    """Columns stored in descending order (``ORDER BY priority DESC, ...`` read straight
    from the index instead of sorting)."""
    sparse: bool = False
    """Leave out rows whose key columns are all NULL (a partial index ``WHERE ... IS NOT
    NULL`` on PostgreSQL and SQLite, ``EXCLUDE NULL KEYS`` on Db2; Oracle never indexes
    all-NULL keys; MySQL indexes them anyway). For lookups by a key most rows lack: the
    index stays small and rows without a key cost no index write. Non-unique only."""

    def __post_init__(self) -> None:
        validate_identifier(self.name, allow_dotted=False)
        if not self.columns:
            raise ValidationError(f"index {self.name!r} has no columns")
        for col in self.columns:
            validate_identifier(col, allow_dotted=False)
        if self.sparse and self.unique:
            raise ValidationError(
                f"index {self.name!r}: a sparse index cannot be unique (conflict targets "
                "would need its predicate)"
            )
        stray = [c for c in self.descending if c not in self.columns]
        if stray:
            raise ValidationError(f"index {self.name!r}: descending {stray} are not its columns")


@dataclass(frozen=True, slots=True)
class Table:
    """A table declaration rendered per dialect.

    Args:
        name: Table name (validated identifier, optionally ``schema.table``).
        columns: Columns in order.
        primary_key: Column names of the primary key (an ``IDENTITY`` column is its own key).
        indexes: Secondary indexes.
        description: Free text, used in docs.
    """

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    indexes: tuple[Index, ...] = ()
    description: str = ""
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        validate_identifier(self.name)
        by_name: dict[str, Column] = {}
        for col in self.columns:
            if col.name.lower() in by_name:
                raise ValidationError(f"table {self.name!r}: duplicate column {col.name!r}")
            by_name[col.name.lower()] = col
        object.__setattr__(self, "_by_name", by_name)
        for col_name in self.primary_key:
            self._require(col_name, "primary key")
            if by_name[col_name.lower()].nullable:
                raise ValidationError(
                    f"table {self.name!r}: primary key column {col_name!r} cannot be nullable"
                )
        identity = [c.name for c in self.columns if c.type.kind is TypeKind.IDENTITY]
        if identity and (len(identity) > 1 or self.primary_key not in ((), (identity[0],))):
            raise ValidationError(
                f"table {self.name!r}: an IDENTITY column must be the whole primary key"
            )
        for index in self.indexes:
            for col_name in index.columns:
                self._require(col_name, f"index {index.name!r}")

    def _require(self, col_name: str, where: str) -> None:
        if col_name.lower() not in self._by_name:
            raise ValidationError(f"table {self.name!r}: {where} names unknown column {col_name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in declaration order."""
        return tuple(c.name for c in self.columns)

    @property
    def identity_column(self) -> Column | None:
        """The ``IDENTITY`` column, if the table has one."""
        for col in self.columns:
            if col.type.kind is TypeKind.IDENTITY:
                return col
        return None

    def __str__(self) -> str:
        """The table name, so ``f"SELECT * FROM {CORE_TABLES['manifest']}"`` reads naturally."""
        return self.name

    def column(self, name: str) -> Column:
        """The column called ``name`` (case-insensitive); ``KeyError`` if absent."""
        return self._by_name[name.lower()]

    def has_column(self, name: str) -> bool:
        """Whether the table declares a column called ``name`` (case-insensitive)."""
        return name.lower() in self._by_name
