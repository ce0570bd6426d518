"""FINRA's weekly OTC transparency files: the format, the tiers, finding the files of a week.

FINRA publishes, for every week and tier, one pipe-delimited file with this header::

    tierDescription|issueSymbolIdentifier|issueName|marketParticipantName|MPID|
    totalWeeklyShareQuantity|totalWeeklyTradeCount|lastUpdateDate

one row per symbol and market participant (an ATS or a member firm). ``tierDescription`` is
``NMS Tier 1`` (S&P 500, Russell 1000 and selected ETPs; published on a two-week delay),
``NMS Tier 2`` (every other NMS stock) or ``OTC`` (OTC equity securities; both on a
four-week delay). ``lastUpdateDate`` is the date FINRA last updated the row: a row that
FINRA corrects later comes back with a later date.

Files are recognised by name: a tier token (``tier1``/``T1``, ``tier2``/``T2``,
``otc``/``OTCE``) and a date (``YYYYMMDD`` or ``YYYY-MM-DD``) anywhere in the name, any
extension (``.txt``, ``.csv``, ``.psv``). The date places the file in its week (FINRA
partitions the weekly data by the Monday that starts the week; any date of the week works)
and the week is named by its Friday, the ``week_ending``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from spine.types import ParseError, WeekEnding

__all__ = [
    "HEADER",
    "TIERS",
    "TIER_CODES",
    "WeeklyFile",
    "discover_files",
    "file_name",
    "week_of",
]

HEADER = (
    "tierDescription",
    "issueSymbolIdentifier",
    "issueName",
    "marketParticipantName",
    "MPID",
    "totalWeeklyShareQuantity",
    "totalWeeklyTradeCount",
    "lastUpdateDate",
)
"""The columns of a weekly file, in order."""

TIERS = {"T1": "NMS Tier 1", "T2": "NMS Tier 2", "OTC": "OTC"}
"""Tier code -> FINRA's ``tierDescription``."""

TIER_CODES = {v: k for k, v in TIERS.items()}
"""FINRA's ``tierDescription`` -> tier code."""

_TIER_TOKEN = re.compile(r"(?<![a-z0-9])(tier[_-]?1|t1|tier[_-]?2|t2|otce|otc)(?![a-z0-9])", re.I)
_DATE_TOKEN = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_TOKEN_CODES = {"tier1": "T1", "t1": "T1", "tier2": "T2", "t2": "T2", "otce": "OTC", "otc": "OTC"}
_SUFFIXES = {".txt", ".csv", ".psv"}


def week_of(day: dt.date) -> WeekEnding:
    """The week (its Friday) a date belongs to; Saturday and Sunday belong to the week before."""
    friday = day + dt.timedelta(days=4 - day.weekday())
    return WeekEnding(friday)


def file_name(tier: str, week: WeekEnding) -> str:
    """The name the sample generator gives a file: tier code and the week's Monday."""
    token = {"T1": "tier1", "T2": "tier2", "OTC": "otc"}[tier]
    monday = week.to_date() - dt.timedelta(days=4)
    return f"finra_otc_weekly_{token}_{monday:%Y%m%d}.csv"


@dataclass(frozen=True, slots=True)
class WeeklyFile:
    """One file of one week and tier.

    Attributes:
        path: Where it is.
        week: The week it reports (its Friday).
        tier: Tier code (``T1``, ``T2``, ``OTC``).
        checksum: sha256 of the bytes: an unchanged file is recognised by it.
        size: Bytes.
    """

    path: Path
    week: WeekEnding
    tier: str
    checksum: str
    size: int

    @property
    def name(self) -> str:
        return self.path.name

    def lines(self) -> Iterator[tuple[int, str]]:
        """``(line_number, text)`` of every data line (the header is line 1 and checked).

        Raises:
            ParseError: the file does not start with FINRA's header.
        """
        with self.path.open(encoding="utf-8-sig", newline="") as fh:
            header = fh.readline().rstrip("\r\n")
            if tuple(header.split("|")) != HEADER:
                raise ParseError(
                    f"{self.path.name}: not a FINRA weekly OTC file (header {header[:80]!r}); "
                    f"expected {'|'.join(HEADER)}"
                )
            for number, line in enumerate(fh, start=2):
                text = line.rstrip("\r\n")
                if text.strip():
                    yield number, text


def _checksum(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _classify(path: Path) -> tuple[str, WeekEnding] | None:
    name = path.name
    tiers = _TIER_TOKEN.findall(name)  # the last one: "finra_otc_weekly_tier1_..." is T1
    date_match = _DATE_TOKEN.search(name)
    if not tiers or date_match is None:
        return None
    tier = _TOKEN_CODES[tiers[-1].lower().replace("_", "").replace("-", "")]
    try:
        day = dt.date(*(int(g) for g in date_match.groups()))
    except ValueError:
        return None
    return tier, week_of(day)


def discover_files(
    directory: Path, *, weeks: Iterable[WeekEnding] | None = None
) -> list[WeeklyFile]:
    """The weekly files in ``directory`` (not recursive), by week then tier.

    Raises:
        SourceNotFoundError: the directory does not exist.
        ParseError: two files claim the same week and tier.
    """
    from spine.types import SourceNotFoundError

    if not directory.is_dir():
        raise SourceNotFoundError(f"input directory {str(directory)!r} does not exist")
    wanted = set(weeks) if weeks is not None else None
    found: dict[tuple[WeekEnding, str], WeeklyFile] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.suffix.lower() not in _SUFFIXES:
            continue
        classified = _classify(path)
        if classified is None:
            continue
        tier, week = classified
        if wanted is not None and week not in wanted:
            continue
        if (week, tier) in found:
            raise ParseError(
                f"{path.name} and {found[(week, tier)].name} are both {tier} files of week "
                f"{week}; keep one file per week and tier"
            )
        checksum, size = _checksum(path)
        found[(week, tier)] = WeeklyFile(path, week, tier, checksum, size)
    return [found[k] for k in sorted(found, key=lambda k: (str(k[0]), k[1]))]
