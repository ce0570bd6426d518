"""Quality checks and gates: the framework and stock checks over lists of dict rows."""

from __future__ import annotations

from spine.ops.errors import QualityGateError
from spine.ops.quality.checks import (
    null_rate_check,
    row_count_check,
    sum_to_check,
    uniqueness_check,
    value_range_check,
)
from spine.ops.quality.framework import (
    QualityCategory,
    QualityCheck,
    QualityResult,
    QualityRunner,
    QualityStatus,
    run_gate,
)

__all__ = [
    "QualityCategory",
    "QualityCheck",
    "QualityGateError",
    "QualityResult",
    "QualityRunner",
    "QualityStatus",
    "null_rate_check",
    "row_count_check",
    "run_gate",
    "sum_to_check",
    "uniqueness_check",
    "value_range_check",
]
