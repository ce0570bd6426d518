"""Corporate-action adjustment chains (splits, reverse splits, cash dividends).

An :class:`Adjustment` takes effect on its ``effective_date`` (the ex-date): values observed
*before* that date are multiplied by its ``price_factor`` (prices) or ``quantity_factor``
(share counts, volumes) to be comparable with values observed on or after it. An
:class:`AdjustmentChain` composes adjustments multiplicatively. All arithmetic is ``Decimal``.

Example:
    >>> import datetime as dt
    >>> chain = AdjustmentChain([
    ...     Adjustment.split(dt.date(2020, 8, 31), 4),  # 4-for-1
    ...     Adjustment.split(dt.date(2014, 6, 9), 7),   # 7-for-1
    ... ])
    >>> chain.adjust_price(645.57, observed_on=dt.date(2014, 6, 6))
    Decimal('23.05607142857142857142857143')
    >>> chain.adjust_quantity(100, observed_on=dt.date(2014, 6, 6))
    Decimal('2800')
    >>> chain.adjust_price(100, observed_on=dt.date(2014, 6, 6), as_of=dt.date(2019, 1, 1))
    Decimal('14.28571428571428571428571429')
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from spine.types import ValidationError

__all__ = ["Adjustment", "AdjustmentChain", "AdjustmentType", "Number"]

Number = Decimal | int | float | str
"""Anything converted exactly to ``Decimal`` (floats through their ``repr``)."""


def _dec(value: Number, what: str) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError(f"{what} must be a number, got bool")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError as exc:
        raise ValidationError(f"{what} is not a number: {value!r}", cause=exc) from exc
    if not d.is_finite():
        raise ValidationError(f"{what} must be finite, got {value!r}")
    return d


class AdjustmentType(StrEnum):
    """Kind of corporate action."""

    SPLIT = "SPLIT"
    REVERSE_SPLIT = "REVERSE_SPLIT"
    CASH_DIVIDEND = "CASH_DIVIDEND"
    STOCK_DIVIDEND = "STOCK_DIVIDEND"
    SPIN_OFF = "SPIN_OFF"
    RIGHTS_ISSUE = "RIGHTS_ISSUE"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One corporate action.

    Attributes:
        effective_date: Ex-date; values observed before it are adjusted.
        price_factor: Multiplier for earlier prices (0.5 for a 2-for-1 split).
        quantity_factor: Multiplier for earlier quantities (2 for a 2-for-1 split).
        adjustment_type: Kind of action.
        description: Free text ("2-for-1 split").
    """

    effective_date: _dt.date
    price_factor: Decimal
    quantity_factor: Decimal = Decimal(1)
    adjustment_type: AdjustmentType = AdjustmentType.OTHER
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.effective_date, _dt.date):
            raise ValidationError("effective_date must be a date")
        pf = _dec(self.price_factor, "price_factor")
        qf = _dec(self.quantity_factor, "quantity_factor")
        if pf <= 0 or qf <= 0:
            raise ValidationError(f"adjustment factors must be > 0, got {pf} and {qf}")
        object.__setattr__(self, "price_factor", pf)
        object.__setattr__(self, "quantity_factor", qf)

    @classmethod
    def split(
        cls, effective_date: _dt.date, new_shares: Number, old_shares: Number = 1
    ) -> Adjustment:
        """A ``new_shares``-for-``old_shares`` split (``split(d, 1, 10)`` is a 1:10 reverse)."""
        new, old = _dec(new_shares, "new_shares"), _dec(old_shares, "old_shares")
        if new <= 0 or old <= 0:
            raise ValidationError("split share counts must be > 0")
        kind = AdjustmentType.SPLIT if new >= old else AdjustmentType.REVERSE_SPLIT
        return cls(effective_date, old / new, new / old, kind, f"{new}-for-{old} split")

    @classmethod
    def cash_dividend(
        cls, effective_date: _dt.date, amount: Number, reference_price: Number
    ) -> Adjustment:
        """A cash dividend: price factor ``(reference_price - amount) / reference_price``.

        ``reference_price`` is the close on the day before the ex-date.
        """
        amt, ref = _dec(amount, "amount"), _dec(reference_price, "reference_price")
        if ref <= 0 or amt < 0 or amt >= ref:
            raise ValidationError("need 0 <= amount < reference_price and reference_price > 0")
        return cls(
            effective_date,
            (ref - amt) / ref,
            Decimal(1),
            AdjustmentType.CASH_DIVIDEND,
            f"cash dividend {amt}",
        )

    def applies_to(self, observed_on: _dt.date, as_of: _dt.date | None = None) -> bool:
        """True when a value observed on ``observed_on`` must be adjusted, seen from ``as_of``."""
        return observed_on < self.effective_date and (as_of is None or self.effective_date <= as_of)


class AdjustmentChain:
    """Adjustments of one instrument, ordered by effective date; immutable.

    Raises:
        ValidationError: two adjustments of the same type on the same date (a likely
            duplicate feed row).
    """

    __slots__ = ("_items",)

    def __init__(self, adjustments: Iterable[Adjustment] = ()) -> None:
        items = sorted(adjustments, key=lambda a: a.effective_date)
        seen: set[tuple[_dt.date, AdjustmentType]] = set()
        for a in items:
            k = (a.effective_date, a.adjustment_type)
            if k in seen:
                raise ValidationError(
                    f"duplicate {a.adjustment_type.value} adjustment on {a.effective_date}"
                )
            seen.add(k)
        self._items: tuple[Adjustment, ...] = tuple(items)

    def add(self, adjustment: Adjustment) -> AdjustmentChain:
        """A new chain with ``adjustment`` included."""
        return AdjustmentChain([*self._items, adjustment])

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        """Adjustments, oldest first."""
        return self._items

    def price_factor(self, observed_on: _dt.date, as_of: _dt.date | None = None) -> Decimal:
        """Product of price factors of adjustments that apply to ``observed_on``."""
        factor = Decimal(1)
        for a in self._items:
            if a.applies_to(observed_on, as_of):
                factor *= a.price_factor
        return factor

    def quantity_factor(self, observed_on: _dt.date, as_of: _dt.date | None = None) -> Decimal:
        """Product of quantity factors of adjustments that apply to ``observed_on``."""
        factor = Decimal(1)
        for a in self._items:
            if a.applies_to(observed_on, as_of):
                factor *= a.quantity_factor
        return factor

    def adjust_price(
        self, price: Number, observed_on: _dt.date, as_of: _dt.date | None = None
    ) -> Decimal:
        """``price`` observed on ``observed_on``, restated as of ``as_of`` (default: today's
        basis, i.e. every later adjustment)."""
        return _dec(price, "price") * self.price_factor(observed_on, as_of)

    def adjust_quantity(
        self, quantity: Number, observed_on: _dt.date, as_of: _dt.date | None = None
    ) -> Decimal:
        """``quantity`` observed on ``observed_on``, restated as of ``as_of``."""
        return _dec(quantity, "quantity") * self.quantity_factor(observed_on, as_of)

    def __iter__(self) -> Iterator[Adjustment]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"AdjustmentChain({len(self._items)} adjustments)"
