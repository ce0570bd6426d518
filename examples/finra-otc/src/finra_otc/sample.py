"""A synthetic but realistic FINRA OTC source: twelve Fridays of weekly files, three tiers.

The files have FINRA's exact format and naming conventions (see :mod:`finra_otc.source`):
real tickers and ATS names, volumes that follow each symbol's own drift (so the rolling
trends go up, down and sideways), and what real files have:

* a few bad rows of every kind in every week (missing MPID, invalid symbol, a number that is
  not a number, negative volume, more trades than shares, a malformed date, a row of the
  wrong tier, a row with the wrong number of fields, the same symbol and venue twice);
* a week where one venue sends a batch of garbage (the reject rate WARNs), and a week where
  Tier 2 volume nearly doubles (the volume-change check WARNs);
* a week whose OTC file is first published cut short (the row-count gate FAILs and the week
  stops) and published complete later;
* a week republished later with corrections: a few rows with new volumes and a later
  ``lastUpdateDate`` (a restatement: a new version, the old one kept).

FINRA publishes over time, so the source has **releases**: release 1 is the weekly files as
first published, release 2 the complete OTC file and the corrections. :meth:`write_release`
writes a release into a directory, the way a download job would. Everything is a pure
function of the seed, so a second run sees byte-identical files.

``rows_per_week`` scales the universe (more symbols) for benchmarks: ``--scale 100000``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from finra_otc.source import HEADER, TIERS, file_name
from spine.types import WeekEnding

__all__ = ["Release", "SampleSource"]

# ticker, issue name
_T1 = [
    ("AAPL", "Apple Inc. Common Stock"),
    ("MSFT", "Microsoft Corporation Common Stock"),
    ("NVDA", "NVIDIA Corporation Common Stock"),
    ("AMZN", "Amazon.com, Inc. Common Stock"),
    ("GOOGL", "Alphabet Inc. Class A Common Stock"),
    ("META", "Meta Platforms, Inc. Class A"),
    ("TSLA", "Tesla, Inc. Common Stock"),
    ("AVGO", "Broadcom Inc. Common Stock"),
    ("JPM", "JPMorgan Chase & Co. Common Stock"),
    ("V", "Visa Inc. Class A Common Stock"),
    ("XOM", "Exxon Mobil Corporation Common Stock"),
    ("UNH", "UnitedHealth Group Inc."),
    ("WMT", "Walmart Inc. Common Stock"),
    ("PG", "Procter & Gamble Company (The)"),
    ("HD", "Home Depot, Inc. (The) Common Stock"),
    ("BAC", "Bank of America Corporation"),
    ("KO", "Coca-Cola Company (The) Common Stock"),
    ("PFE", "Pfizer, Inc. Common Stock"),
    ("INTC", "Intel Corporation Common Stock"),
    ("AMD", "Advanced Micro Devices, Inc."),
    ("F", "Ford Motor Company Common Stock"),
    ("T", "AT&T Inc. Common Stock"),
    ("CSCO", "Cisco Systems, Inc. Common Stock"),
    ("ORCL", "Oracle Corporation Common Stock"),
    ("NFLX", "Netflix, Inc. Common Stock"),
    ("DIS", "Walt Disney Company (The)"),
    ("PLTR", "Palantir Technologies Inc. Class A"),
    ("UBER", "Uber Technologies, Inc."),
    ("SPY", "SPDR S&P 500 ETF Trust"),
    ("QQQ", "Invesco QQQ Trust, Series 1"),
    ("IWM", "iShares Russell 2000 ETF"),
    ("TLT", "iShares 20+ Year Treasury Bond ETF"),
]
_T2 = [
    ("AAOI", "Applied Optoelectronics, Inc. Common Stock"),
    ("SOUN", "SoundHound AI, Inc."),
    ("RIOT", "Riot Platforms, Inc. Common Stock"),
    ("MARA", "MARA Holdings, Inc."),
    ("PLUG", "Plug Power, Inc. Common Stock"),
    ("LCID", "Lucid Group, Inc. Common Stock"),
    ("OPEN", "Opendoor Technologies Inc"),
    ("SNDL", "SNDL Inc. Common Shares"),
    ("BBAI", "BigBear.ai Holdings, Inc."),
    ("CLSK", "CleanSpark, Inc. Common Stock"),
    ("RKLB", "Rocket Lab USA, Inc. Common Stock"),
    ("IONQ", "IonQ, Inc. Common Stock"),
    ("HIMS", "Hims & Hers Health, Inc. Class A"),
    ("ACHR", "Archer Aviation Inc. Class A"),
    ("JOBY", "Joby Aviation, Inc. Common Stock"),
    ("QBTS", "D-Wave Quantum Inc."),
    ("RGTI", "Rigetti Computing, Inc. Common Stock"),
    ("NKLA", "Nikola Corporation"),
    ("GSAT", "Globalstar, Inc. Common Stock"),
    ("TELL", "Tellurian Inc. Common Stock"),
    ("BTBT", "Bit Digital, Inc. Ordinary Shares"),
    ("CIFR", "Cipher Mining Inc."),
    ("WULF", "TeraWulf Inc. Common Stock"),
    ("HUT", "Hut 8 Corp. Common Stock"),
]
_OTC = [
    ("AABB", "Asia Broadband Inc Common Stock"),
    ("TCEHY", "Tencent Holdings Ltd ADR"),
    ("NTDOY", "Nintendo Co., Ltd. Unsponsored ADR"),
    ("RHHBY", "Roche Holding Ltd ADR"),
    ("ADYEY", "Adyen N.V. Unsponsored ADR (Netherlands)"),
    ("NSRGY", "Nestle S.A. ADR"),
    ("BYDDY", "BYD Co. Ltd Unsponsored ADR"),
    ("HESAY", "Hermes International ADR"),
    ("LVMUY", "LVMH Moet Hennessy Louis Vuitton ADR"),
    ("SFTBY", "SoftBank Group Corp ADR"),
    ("ABBNY", "ABB LTD American Depositary Receipts"),
    ("ADDYY", "adidas AG Sponsored ADR"),
    ("AFLYY", "Air France ADS ADS"),
    ("HMNY", "Helios and Matheson Analytics Inc"),
    ("GBTC", "Grayscale Bitcoin Trust"),
    ("OZSC", "Ozop Energy Solutions, Inc."),
    ("ALPP", "Alpine 4 Holdings, Inc."),
    ("PHIL", "PHI Group, Inc. Common Stock"),
]
# MPID, market participant name (FINRA prefixes the name with the MPID)
_NMS_VENUES = [
    ("UBSA", "UBS ATS"),
    ("SGMT", "SIGMA X2"),
    ("JPMX", "JPM-X"),
    ("INCR", "INTELLIGENT CROSS"),
    ("EBXL", "LEVEL ATS"),
    ("MLIX", "INSTINCT X"),
    ("CROS", "CROSSFINDER"),
    ("BIDS", "BIDS TRADING"),
    ("DBAX", "SUPERX ATS"),
    ("MSPL", "MS POOL (ATS-4)"),
    ("IATS", "IBKR ATS"),
    ("XSTM", "CROSSSTREAM"),
    ("KCGM", "VIRTU MATCHIT"),
    ("LQNT", "LIQUIDNET H2O ATS"),
]
_OTC_VENUES = [
    ("OTCN", "OTC LINK NQB IDQS"),
    ("OTCX", "OTC LINK ECN ATS"),
    ("ARCA", "ARCA GLOBAL OTC"),
    ("PPEX", "NORTH CAPITAL PRIVATE SECURITIES CORPORATION"),
]
_SHARE = {"T1": 0.45, "T2": 0.35, "OTC": 0.20}
_VENUES_PER_SYMBOL = {"T1": 10, "T2": 7, "OTC": 2.5}
_DELAY_WEEKS = {"T1": 2, "T2": 4, "OTC": 4}


@dataclass(frozen=True, slots=True)
class Release:
    """One publication by the source: its number, when, and what it changes."""

    number: int
    published_at: dt.datetime
    description: str


@dataclass
class SampleSource:
    """The synthetic FINRA source (deterministic for a seed).

    Args:
        weeks: Number of Fridays, ending at ``last_week``.
        last_week: The newest week.
        seed: Seed of every random choice.
        rows_per_week: Approximate rows per week over all tiers (``None``: the small sample,
            about 1,000 rows a week).
    """

    weeks: int = 12
    last_week: WeekEnding = field(default_factory=lambda: WeekEnding("2025-12-26"))
    seed: int = 7
    rows_per_week: int | None = None

    def __post_init__(self) -> None:
        if self.weeks < 6:
            raise ValueError("the sample needs at least 6 weeks (the rolling window)")
        self.week_list = self.last_week.window(self.weeks)
        n = self.weeks  # for 12 weeks: the 4th, 7th, 8th and 9th
        self.truncated_week = self.week_list[n * 3 // 12]
        self.garbage_week = self.week_list[n * 6 // 12]
        self.corrected_week = self.week_list[n * 7 // 12]
        self.spike_week = self.week_list[n * 8 // 12]
        self._universe = {tier: self._symbols(tier) for tier in TIERS}

    # -- releases -----------------------------------------------------------------------------

    @property
    def releases(self) -> list[Release]:
        """Release 1: the weeks as first published; release 2: the late fixes."""
        first = max(self._published(w, t) for w in self.week_list for t in TIERS)
        later = dt.datetime.combine(first + dt.timedelta(days=7), dt.time(18), tzinfo=dt.UTC)
        return [
            Release(
                1,
                dt.datetime.combine(first, dt.time(18), tzinfo=dt.UTC),
                f"{self.weeks} weeks as first published (the {self.truncated_week} OTC file "
                "cut short)",
            ),
            Release(
                2,
                later,
                f"the complete {self.truncated_week} OTC file, and corrections to "
                f"{self.corrected_week} Tier 1",
            ),
        ]

    def write_release(self, number: int, directory: Path) -> list[Path]:
        """Write the files release ``number`` publishes into ``directory``; returns them.

        Release 1 writes every file; release 2 rewrites the two files it changes.
        """
        directory.mkdir(parents=True, exist_ok=True)
        if number == 1:
            targets = [(w, t) for w in self.week_list for t in TIERS]
        elif number == 2:
            targets = [(self.truncated_week, "OTC"), (self.corrected_week, "T1")]
        else:
            raise ValueError(f"the sample has releases 1 and 2, not {number}")
        written = []
        for week, tier in targets:
            path = directory / file_name(tier, week)
            path.write_text(self.file_text(week, tier, release=number), encoding="utf-8")
            written.append(path)
        return written

    def write_all(self, directory: Path) -> list[Path]:
        """Every file as of the last release (what a download of today would hold)."""
        self.write_release(1, directory)
        self.write_release(2, directory)
        return sorted(directory.iterdir())

    # -- content ------------------------------------------------------------------------------

    def file_text(self, week: WeekEnding, tier: str, *, release: int) -> str:
        """The text of one weekly file as of ``release``."""
        lines = list(self._lines(week, tier, release))
        return "\n".join(["|".join(HEADER), *lines]) + "\n"

    def _published(self, week: WeekEnding, tier: str) -> dt.date:
        monday = week.to_date() + dt.timedelta(days=3)
        return monday + dt.timedelta(weeks=_DELAY_WEEKS[tier])

    def _symbols(self, tier: str) -> list[tuple[str, str]]:
        base = {"T1": _T1, "T2": _T2, "OTC": _OTC}[tier]
        if self.rows_per_week is None:
            return list(base)
        wanted = max(
            len(base),
            math.ceil(self.rows_per_week * _SHARE[tier] / _VENUES_PER_SYMBOL[tier]),
        )
        rng = random.Random(f"{self.seed}:universe:{tier}")
        taken = {s for s, _ in _T1 + _T2 + _OTC}
        symbols = list(base)
        while len(symbols) < wanted:
            length = 5 if tier == "OTC" else rng.choice((3, 4, 4))
            ticker = "".join(rng.choices(string.ascii_uppercase, k=length))
            if ticker not in taken:
                taken.add(ticker)
                symbols.append((ticker, f"{ticker.title()} Holdings Inc. Common Stock"))
        return symbols

    def _venues(self, tier: str) -> list[tuple[str, str]]:
        return _OTC_VENUES if tier == "OTC" else _NMS_VENUES

    def _lines(self, week: WeekEnding, tier: str, release: int) -> Iterator[str]:
        rng = random.Random(f"{self.seed}:{week}:{tier}")
        desc = TIERS[tier]
        updated = self._published(week, tier).isoformat()
        venues = self._venues(tier)
        index = self.week_list.index(week)
        good: list[list[str]] = []
        for rank, (symbol, name) in enumerate(self._universe[tier]):
            srng = random.Random(f"{self.seed}:{symbol}")
            mean = {"T1": 16.0, "T2": 14.0, "OTC": 12.5}[tier]
            base = srng.lognormvariate(mean, 1.0) / (1 + rank / 40)
            drift = srng.uniform(-0.06, 0.06)
            level = base * math.exp(drift * index) * rng.uniform(0.92, 1.08)
            if tier == "T2" and week == self.spike_week:
                level *= 1.9
            k = max(1, min(len(venues), round(srng.gauss(_VENUES_PER_SYMBOL[tier], 1.5))))
            chosen = srng.sample(venues, k)
            weights = [srng.uniform(0.3, 1.7) for _ in chosen]
            if len(chosen) > 2 and rng.random() < 0.2:  # a venue with no trades this week
                drop = rng.randrange(len(chosen))
                chosen, weights = (
                    chosen[:drop] + chosen[drop + 1 :],
                    weights[:drop] + weights[drop + 1 :],
                )
            total_weight = sum(weights)
            for (mpid, vname), weight in zip(chosen, weights, strict=True):
                shares = max(1, int(level * weight / total_weight * rng.uniform(0.9, 1.1)))
                trades = max(1, shares // srng.randint(80, 400))
                row = [
                    desc,
                    symbol,
                    name,
                    f"{mpid} {vname}",
                    mpid,
                    str(shares),
                    str(trades),
                    updated,
                ]
                good.append(row)
        if release >= 2 and week == self.corrected_week and tier == "T1":
            fix = random.Random(f"{self.seed}:{week}:correction")
            later = (self._published(week, tier) + dt.timedelta(weeks=3)).isoformat()
            for i in fix.sample(range(len(good)), 6):
                row = good[i]
                row[5] = str(int(row[5]) + fix.randint(50_000, 400_000))
                row[6] = str(max(1, int(row[5]) // fix.randint(80, 400)))
                row[7] = later
        lines = ["|".join(r) for r in good]
        lines += self._bad_lines(week, tier, rng, good, updated)
        rng.shuffle(lines)
        if tier == "OTC" and week == self.truncated_week and release == 1:
            lines = lines[: max(3, len(lines) * 3 // 10)]
        return iter(lines)

    def _bad_lines(
        self,
        week: WeekEnding,
        tier: str,
        rng: random.Random,
        good: list[list[str]],
        updated: str,
    ) -> list[str]:
        """A few bad rows of each kind (and a batch of garbage in the garbage week)."""
        desc = TIERS[tier]
        symbol, name = self._universe[tier][0]
        mpid, vname = self._venues(tier)[0]
        venue = f"{mpid} {vname}"
        bad = []
        kinds = [
            [desc, symbol, name, venue, "", "1200", "4", updated],  # missing MPID
            [desc, "BAD$YM", "Bad Symbol Inc", venue, mpid, "1000", "3", updated],  # symbol
            [desc, symbol, name, venue, mpid, "12,5k", "9", updated],  # not a number
            [desc, symbol, name, venue, mpid, "-500", "2", updated],  # negative volume
            [desc, symbol, name, venue, mpid, "40", "90", updated],  # trades > shares
            [desc, symbol, name, venue, mpid, "700", "3", "2025-13-45"],  # bad date
            ["NMS Tier 3", symbol, name, venue, mpid, "800", "5", updated],  # wrong tier
        ]
        kinds.append([desc, symbol, name, venue, mpid, "1500"])  # malformed: 6 fields
        if good:  # the same symbol and venue twice, with different volumes
            twin = list(rng.choice(good))
            twin[5] = str(int(twin[5]) + 1)
            kinds.append(twin)
        offset = self.week_list.index(week) + list(TIERS).index(tier)
        for i, row in enumerate(kinds):
            if (i + offset) % len(TIERS) == 0:  # each kind once a week, tiers in turn
                bad.append("|".join(row))
        if week == self.garbage_week and tier == "T1":
            for i in range(max(30, len(good) // 25)):
                bad.append("|".join([desc, symbol, name, venue, mpid, f"n/a{i}", "x", updated]))
        return bad
