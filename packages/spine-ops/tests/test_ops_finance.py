"""Adjustment chains and the correction taxonomy."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from spine.ops import (
    Adjustment,
    AdjustmentChain,
    AdjustmentType,
    CorrectionReason,
    CorrectionRecord,
)
from spine.types import ValidationError

D = dt.date


def _aapl() -> AdjustmentChain:
    return AdjustmentChain(
        [Adjustment.split(D(2020, 8, 31), 4), Adjustment.split(D(2014, 6, 9), 7)]
    )


def test_splits_compose_multiplicatively() -> None:
    chain = _aapl()
    assert [a.effective_date for a in chain] == [D(2014, 6, 9), D(2020, 8, 31)]
    assert chain.quantity_factor(D(2014, 6, 6)) == Decimal(28)
    assert chain.price_factor(D(2014, 6, 6)) * 28 == Decimal(1)
    assert chain.adjust_quantity(100, observed_on=D(2014, 6, 6)) == Decimal(2800)


def test_adjustment_applies_only_before_effective_date() -> None:
    chain = _aapl()
    assert chain.price_factor(D(2020, 8, 31)) == Decimal(1)  # on the ex-date: already split
    assert chain.quantity_factor(D(2020, 8, 28)) == Decimal(4)
    assert chain.adjust_price("500", observed_on=D(2020, 8, 28)) == Decimal(125)


def test_as_of_ignores_later_actions() -> None:
    chain = _aapl()
    assert chain.quantity_factor(D(2014, 6, 6), as_of=D(2019, 1, 1)) == Decimal(7)
    assert chain.quantity_factor(D(2014, 6, 6), as_of=D(2014, 6, 8)) == Decimal(1)


def test_reverse_split_and_cash_dividend() -> None:
    rs = Adjustment.split(D(2023, 1, 3), 1, 10)
    assert rs.adjustment_type is AdjustmentType.REVERSE_SPLIT
    assert rs.price_factor == Decimal(10)
    div = Adjustment.cash_dividend(D(2023, 2, 1), "1.00", "100.00")
    assert div.price_factor == Decimal("0.99")
    chain = AdjustmentChain([rs, div])
    assert chain.adjust_price(2, observed_on=D(2022, 12, 30)) == Decimal("19.80")
    assert chain.add(Adjustment.split(D(2024, 1, 2), 2)).quantity_factor(D(2022, 1, 1)) == Decimal(
        "0.2"
    )
    assert len(chain) == 2  # add() returned a new chain


def test_float_inputs_are_converted_exactly_through_repr() -> None:
    chain = AdjustmentChain([Adjustment.split(D(2020, 1, 2), 2)])
    assert chain.adjust_price(0.1, observed_on=D(2020, 1, 1)) == Decimal("0.05")


@pytest.mark.parametrize(
    "build",
    [
        lambda: Adjustment(D(2020, 1, 1), Decimal(0)),
        lambda: Adjustment(D(2020, 1, 1), Decimal(-1)),
        lambda: Adjustment.split(D(2020, 1, 1), 0),
        lambda: Adjustment.cash_dividend(D(2020, 1, 1), 5, 5),
        lambda: Adjustment(D(2020, 1, 1), "nan"),  # type: ignore[arg-type]
        lambda: AdjustmentChain([Adjustment.split(D(2020, 1, 1), 2)] * 2),
    ],
)
def test_invalid_adjustments_rejected(build: object) -> None:
    with pytest.raises(ValidationError):
        build()  # type: ignore[operator]


def test_correction_record_delta_and_round_trip() -> None:
    rec = CorrectionRecord.create(
        entity="otc_weekly_volume",
        field="total_shares",
        partition_key={"week_ending": "2025-12-26", "symbol": "AAPL"},
        reason=CorrectionReason.LATE_REPORT,
        old_value=1000,
        new_value=1250,
        corrected_by="finra-sync",
    )
    assert rec.delta == 250.0
    assert rec.pct_change == pytest.approx(0.25)
    data = json.loads(json.dumps(rec.to_dict()))
    assert data["partition_key"] == '{"symbol":"AAPL","week_ending":"2025-12-26"}'
    back = CorrectionRecord.from_dict(data)
    assert back == rec


def test_correction_taxonomy() -> None:
    assert CorrectionReason.RESTATEMENT.is_source_driven
    assert not CorrectionReason.CALCULATION_ERROR.is_source_driven
    assert CorrectionReason.MANUAL_OVERRIDE.requires_note
    with pytest.raises(ValidationError):
        CorrectionRecord.create(
            entity="e",
            field="f",
            partition_key={},
            reason=CorrectionReason.MANUAL_OVERRIDE,
            old_value=1,
            new_value=2,
        )
    with pytest.raises(ValidationError):
        CorrectionRecord.create(
            entity="e",
            field="f",
            partition_key=["x"],  # type: ignore[arg-type]
            reason=CorrectionReason.DATA_ERROR,
            old_value=1,
            new_value=2,
        )


def test_non_numeric_delta_is_none() -> None:
    rec = CorrectionRecord.create(
        entity="e",
        field="f",
        partition_key={},
        reason=CorrectionReason.DATA_ERROR,
        old_value="a",
        new_value="b",
    )
    assert rec.delta is None
    assert rec.pct_change is None
