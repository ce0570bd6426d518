"""Why a published number changed: a correction taxonomy and an audit record.

Example:
    >>> rec = CorrectionRecord.create(
    ...     entity="otc_weekly_volume", field="total_shares",
    ...     partition_key={"week_ending": "2025-12-26", "symbol": "AAPL"},
    ...     reason=CorrectionReason.LATE_REPORT, old_value=1000, new_value=1250,
    ...     corrected_by="finra-sync",
    ... )
    >>> rec.delta, rec.pct_change
    (250.0, 0.25)
    >>> CorrectionReason.LATE_REPORT.is_source_driven
    True
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from spine.db.encoding import canonical_partition_key, decode_partition_key
from spine.types import ValidationError, generate_ulid, utc_now

__all__ = ["CorrectionReason", "CorrectionRecord"]


class CorrectionReason(StrEnum):
    """Why a value was corrected."""

    DATA_ERROR = "DATA_ERROR"
    """The source published a wrong value and fixed it."""
    LATE_REPORT = "LATE_REPORT"
    """Data arrived after the first publication (late trades, late filers)."""
    RESTATEMENT = "RESTATEMENT"
    """The reporting entity formally restated the figure (e.g. a 10-K/A)."""
    METHODOLOGY_CHANGE = "METHODOLOGY_CHANGE"
    """Our calculation changed; history recomputed under the new method."""
    CALCULATION_ERROR = "CALCULATION_ERROR"
    """A bug in our pipeline produced a wrong value."""
    CORPORATE_ACTION = "CORPORATE_ACTION"
    """A split/dividend adjustment changed historical values."""
    DUPLICATE_REMOVED = "DUPLICATE_REMOVED"
    """Duplicate source records were removed."""
    MANUAL_OVERRIDE = "MANUAL_OVERRIDE"
    """An operator set the value by hand."""
    OTHER = "OTHER"
    """Anything else (explain in the note)."""

    @property
    def is_source_driven(self) -> bool:
        """True when the change originates at the data source, not in our pipeline."""
        return self in {
            CorrectionReason.DATA_ERROR,
            CorrectionReason.LATE_REPORT,
            CorrectionReason.RESTATEMENT,
            CorrectionReason.CORPORATE_ACTION,
            CorrectionReason.DUPLICATE_REMOVED,
        }

    @property
    def requires_note(self) -> bool:
        """True for reasons that are meaningless without an explanation."""
        return self in {CorrectionReason.MANUAL_OVERRIDE, CorrectionReason.OTHER}


def _numeric(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float | Decimal):
        return float(v)
    return None


@dataclass(frozen=True, slots=True)
class CorrectionRecord:
    """One corrected value, for the audit trail.

    Attributes:
        correction_id: ULID.
        entity: Dataset or table ("otc_weekly_volume").
        field: Corrected field ("total_shares").
        partition_key: Which record (canonical JSON on :meth:`to_dict`).
        reason: :class:`CorrectionReason`.
        old_value / new_value: Before and after.
        corrected_at: Aware UTC time.
        corrected_by: Who or what made the change.
        note: Explanation (required for MANUAL_OVERRIDE and OTHER).
        source_ref: Where the correction came from (file, URL, ticket).
    """

    correction_id: str
    entity: str
    field: str
    partition_key: Mapping[str, Any]
    reason: CorrectionReason
    old_value: Any
    new_value: Any
    corrected_at: _dt.datetime
    corrected_by: str | None = None
    note: str | None = None
    source_ref: str | None = None
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.entity or not self.field:
            raise ValidationError("a correction needs an entity and a field")
        canonical_partition_key(self.partition_key)  # validates the key
        reason = CorrectionReason(self.reason)
        object.__setattr__(self, "reason", reason)
        if reason.requires_note and not (self.note and self.note.strip()):
            raise ValidationError(f"a {reason.value} correction needs a note")
        if self.corrected_at.tzinfo is None:
            raise ValidationError("corrected_at must be timezone-aware")

    @classmethod
    def create(
        cls,
        *,
        entity: str,
        field: str,
        partition_key: Mapping[str, Any],
        reason: CorrectionReason,
        old_value: Any,
        new_value: Any,
        corrected_by: str | None = None,
        note: str | None = None,
        source_ref: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> CorrectionRecord:
        """New record with a fresh ULID and ``corrected_at = utc_now()``."""
        canonical_partition_key(partition_key)  # a typed error for non-dict keys
        return cls(
            generate_ulid(),
            entity,
            field,
            dict(partition_key),
            reason,
            old_value,
            new_value,
            utc_now(),
            corrected_by,
            note,
            source_ref,
            dict(metadata or {}),
        )

    @property
    def delta(self) -> float | None:
        """``new - old`` when both are numbers."""
        old, new = _numeric(self.old_value), _numeric(self.new_value)
        return None if old is None or new is None else new - old

    @property
    def pct_change(self) -> float | None:
        """``(new - old) / |old|`` when both are numbers and ``old != 0``."""
        old, d = _numeric(self.old_value), self.delta
        return None if old is None or d is None or old == 0 else d / abs(old)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``partition_key`` as canonical JSON text)."""
        return {
            "correction_id": self.correction_id,
            "entity": self.entity,
            "field": self.field,
            "partition_key": canonical_partition_key(self.partition_key),
            "reason": self.reason.value,
            "old_value": self.old_value,
            "new_value": self.new_value,
            "corrected_at": self.corrected_at.isoformat(),
            "corrected_by": self.corrected_by,
            "note": self.note,
            "source_ref": self.source_ref,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CorrectionRecord:
        """Inverse of :meth:`to_dict`."""
        pk = data["partition_key"]
        return cls(
            str(data["correction_id"]),
            str(data["entity"]),
            str(data["field"]),
            decode_partition_key(pk) if isinstance(pk, str) else dict(pk),
            CorrectionReason(data["reason"]),
            data.get("old_value"),
            data.get("new_value"),
            _dt.datetime.fromisoformat(str(data["corrected_at"])),
            data.get("corrected_by"),
            data.get("note"),
            data.get("source_ref"),
            dict(data.get("metadata") or {}),
        )
