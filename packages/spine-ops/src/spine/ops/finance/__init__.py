"""Finance domain helpers: corporate-action adjustment chains and a correction taxonomy."""

from __future__ import annotations

from spine.ops.finance.adjustments import Adjustment, AdjustmentChain, AdjustmentType
from spine.ops.finance.corrections import CorrectionReason, CorrectionRecord

__all__ = [
    "Adjustment",
    "AdjustmentChain",
    "AdjustmentType",
    "CorrectionReason",
    "CorrectionRecord",
]
