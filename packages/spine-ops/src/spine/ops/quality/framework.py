"""Quality check framework: checks, results, a persisting runner and gates.

A :class:`QualityCheck` is a name, a :class:`QualityCategory` and a function
``context -> QualityResult``. A :class:`QualityRunner` runs its checks in order against one
context (a dict: rows, counts, whatever the checks read), records every result in
``core_quality`` in one round trip and remembers failures. A check that raises is recorded as
a FAIL carrying its error, and the remaining checks still run. :meth:`QualityRunner.gate`
raises :class:`~spine.ops.errors.QualityGateError` when anything failed.

Example:
    >>> from spine.db.testing import memory_connection
    >>> conn = memory_connection()
    >>> def shares_sum(ctx):
    ...     total = sum(r["share"] for r in ctx["rows"])
    ...     status = QualityStatus.PASS if abs(total - 100) < 0.01 else QualityStatus.FAIL
    ...     return QualityResult(status, f"sum={total}", total, 100)
    >>> runner = QualityRunner(conn, domain="otc", execution_id="exec-1")
    >>> _ = runner.add(QualityCheck("share_sum", QualityCategory.BUSINESS_RULE, shares_sum))
    >>> ctx = {"rows": [{"share": 60.0}, {"share": 40.0}]}
    >>> results = runner.run_all(ctx, {"week": "2025-12-26"})
    >>> results["share_sum"].status.value, runner.has_failures()
    ('pass', False)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from spine.db import BaseRepository, write
from spine.db.encoding import encode_partition_key
from spine.ops import _json
from spine.ops._checks import check_name
from spine.ops._enums import StoredEnum
from spine.ops._observe import observe
from spine.ops.errors import QualityGateError
from spine.types import Connection, ValidationError, generate_ulid, utc_now

__all__ = [
    "QualityCategory",
    "QualityCheck",
    "QualityResult",
    "QualityRunner",
    "QualityStatus",
    "run_gate",
]

_log = logging.getLogger(__name__)


class QualityCategory(StoredEnum):
    """What a check protects."""

    INTEGRITY = "integrity"
    """Keys, uniqueness, referential links."""
    COMPLETENESS = "completeness"
    """Row counts, null rates, missing periods."""
    VALIDITY = "validity"
    """Values within allowed ranges and formats."""
    CONSISTENCY = "consistency"
    """Agreement between related values or datasets."""
    FRESHNESS = "freshness"
    """Data recent enough."""
    BUSINESS_RULE = "business_rule"
    """Domain rules (shares sum to 100%)."""


class QualityStatus(StoredEnum):
    """Outcome of a check; only FAIL blocks a gate (WARN blocks with ``fail_on_warn``)."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class QualityResult:
    """What a check found.

    Attributes:
        status: PASS / WARN / FAIL.
        message: Human readable summary.
        actual_value: What was measured (JSON-serialisable).
        expected_value: The threshold or target.
        details: Extra structured data (samples of bad rows, the error of a crashed check).
    """

    status: QualityStatus
    message: str = ""
    actual_value: Any = None
    expected_value: Any = None
    details: Mapping[str, Any] | None = None

    @property
    def passed(self) -> bool:
        """True for PASS."""
        return self.status is QualityStatus.PASS

    @property
    def failed(self) -> bool:
        """True for FAIL."""
        return self.status is QualityStatus.FAIL


CheckFn = Callable[[Mapping[str, Any]], QualityResult]


@dataclass(frozen=True, slots=True)
class QualityCheck:
    """A named check.

    Attributes:
        name: Unique within a runner; stored as ``check_name`` (<= 200 chars).
        category: :class:`QualityCategory`.
        check_fn: ``context -> QualityResult``.
        description: Optional documentation.
    """

    name: str
    category: QualityCategory
    check_fn: CheckFn = field(repr=False)
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 200:
            raise ValidationError(f"check name must be a non-empty str <= 200 chars: {self.name!r}")
        object.__setattr__(self, "category", QualityCategory(self.category))

    def run(self, context: Mapping[str, Any]) -> QualityResult:
        """Run the check; an exception or a wrong return type becomes a FAIL result."""
        try:
            result: object = self.check_fn(context)
        except Exception as exc:  # a broken check must not hide the others
            _log.warning("quality check %s raised %s", self.name, type(exc).__name__)
            return QualityResult(
                QualityStatus.FAIL,
                f"check raised {type(exc).__name__}: {exc}",
                details={"error_type": type(exc).__name__, "error": str(exc)},
            )
        if not isinstance(result, QualityResult):
            return QualityResult(
                QualityStatus.FAIL,
                f"check returned {type(result).__name__}, expected QualityResult",
                details={"error_type": "TypeError"},
            )
        return result


def _sample(result: QualityResult) -> Any:
    """What a gate error shows of a failed result: ``details["sample"]`` when the check
    gave one (stock checks do), else the measured value against the expected one, else the
    details."""
    details = dict(result.details or {})
    if details.get("sample") is not None:
        return details["sample"]
    if result.actual_value is not None or result.expected_value is not None:
        return {"actual": result.actual_value, "expected": result.expected_value}
    return details or None


class QualityRunner:
    """Runs checks against a context, persists results to ``core_quality``, gates on failure.

    Args:
        conn: A spine connection (``spine.db.create_connection``).
        domain: Domain name (``"finra.otc"``).
        execution_id: Execution the results belong to (``exec_id`` is accepted as an alias).
        batch_id: Optional batch correlation.
        persist: ``False`` runs checks without writing (dry runs, tests).

    ``run_all`` writes all results in one statement and commits (a savepoint inside a caller's
    ``spine.db.transaction`` block); the results of the latest run are kept on the runner.
    """

    def __init__(
        self,
        conn: Connection,
        domain: str,
        execution_id: str | None = None,
        *,
        batch_id: str | None = None,
        persist: bool = True,
        exec_id: str | None = None,
    ) -> None:
        check_name(domain, "domain", 100)
        self._repo = BaseRepository(conn)
        self.conn = self._repo.conn
        self.domain = domain
        self.execution_id = execution_id if execution_id is not None else exec_id
        self.batch_id = batch_id
        self.persist = persist
        self.table = "core_quality"
        self._checks: list[QualityCheck] = []
        self._results: dict[str, QualityResult] = {}

    def add(self, check: QualityCheck) -> QualityRunner:
        """Add a check (chainable). Duplicate names raise ``ValidationError``."""
        if not isinstance(check, QualityCheck):
            raise ValidationError(f"expected QualityCheck, got {type(check).__name__}")
        if any(c.name == check.name for c in self._checks):
            raise ValidationError(f"duplicate quality check name {check.name!r}")
        self._checks.append(check)
        return self

    @property
    def checks(self) -> tuple[QualityCheck, ...]:
        """Registered checks, in run order."""
        return tuple(self._checks)

    def run_all(
        self, context: Mapping[str, Any], partition_key: Mapping[str, Any]
    ) -> dict[str, QualityResult]:
        """Run every check, persist all results in one batch, return ``{name: result}``.

        Raises:
            ValidationError: ``partition_key`` is not a dict of scalars (nothing runs).
        """
        pk_text, pk_hash = encode_partition_key(partition_key)
        with observe("quality.run", domain=self.domain, partition_key=pk_text) as counts:
            results = self._run(context, pk_text, pk_hash)
            statuses = [r.status for r in results.values()]
            counts.update(
                checks=len(results),
                passed=statuses.count(QualityStatus.PASS),
                warned=statuses.count(QualityStatus.WARN),
                failed=statuses.count(QualityStatus.FAIL),
                failures=[n for n, r in results.items() if r.failed],
                persisted=len(results) if self.persist else 0,
            )
        return dict(results)

    def _run(
        self, context: Mapping[str, Any], pk_text: str, pk_hash: str
    ) -> dict[str, QualityResult]:
        results: dict[str, QualityResult] = {}
        for check in self._checks:
            results[check.name] = check.run(context)
        self._results = results
        if self.persist and results:
            now = self._repo.dialect.encode_timestamp(utc_now())
            by_name = {c.name: c for c in self._checks}
            rows = [
                {
                    "id": generate_ulid(),
                    "domain": self.domain,
                    "partition_key": pk_text,
                    "partition_hash": pk_hash,
                    "check_name": name,
                    "category": by_name[name].category.value,
                    "status": r.status.value,
                    "message": r.message,
                    "actual_json": _json.dumps(r.actual_value),
                    "expected_json": _json.dumps(r.expected_value),
                    "details_json": _json.dumps(dict(r.details) if r.details else None),
                    "execution_id": self.execution_id,
                    "batch_id": self.batch_id,
                    "created_at": now,
                }
                for name, r in results.items()
            ]
            with write(self.conn):
                self._repo.insert_many(self.table, rows)
        return results

    @property
    def results(self) -> dict[str, QualityResult]:
        """Results of the latest :meth:`run_all`."""
        return dict(self._results)

    def has_failures(self, *, fail_on_warn: bool = False) -> bool:
        """True when the latest run had a FAIL (or a WARN with ``fail_on_warn``)."""
        return bool(self.failures(fail_on_warn=fail_on_warn))

    def failures(self, *, fail_on_warn: bool = False) -> list[str]:
        """Names of failing checks in the latest run."""
        bad = {QualityStatus.FAIL, QualityStatus.WARN} if fail_on_warn else {QualityStatus.FAIL}
        return [n for n, r in self._results.items() if r.status in bad]

    def warnings(self) -> list[str]:
        """Names of checks that warned in the latest run."""
        return [n for n, r in self._results.items() if r.status is QualityStatus.WARN]

    def gate(self, *, fail_on_warn: bool = False) -> None:
        """Raise :class:`QualityGateError` when the latest run failed."""
        with observe("quality.gate", domain=self.domain, fail_on_warn=fail_on_warn) as counts:
            counts.update(
                checks=len(self._results), failures=self.failures(fail_on_warn=fail_on_warn)
            )
            self._gate(counts["failures"])

    def _gate(self, failed: list[str]) -> None:
        if failed:
            raise QualityGateError(
                failed,
                messages={n: self._results[n].message for n in failed},
                samples={n: _sample(self._results[n]) for n in failed},
            ).with_context(domain=self.domain, execution_id=self.execution_id)

    def run_gate(
        self,
        context: Mapping[str, Any],
        partition_key: Mapping[str, Any],
        *,
        fail_on_warn: bool = False,
    ) -> dict[str, QualityResult]:
        """:meth:`run_all` then :meth:`gate`; returns the results when the gate passes."""
        results = self.run_all(context, partition_key)
        self.gate(fail_on_warn=fail_on_warn)
        return results


def run_gate(
    conn: Connection,
    domain: str,
    checks: list[QualityCheck],
    context: Mapping[str, Any],
    partition_key: Mapping[str, Any],
    *,
    execution_id: str | None = None,
    fail_on_warn: bool = False,
) -> dict[str, QualityResult]:
    """One-call gate: run ``checks``, persist results, raise :class:`QualityGateError` on FAIL.

    Example:
        >>> from spine.db.testing import memory_connection
        >>> from spine.ops.quality.checks import row_count_check
        >>> run_gate(memory_connection(), "otc", [row_count_check(min_rows=1)], {"rows": []}, {})
        Traceback (most recent call last):
        ...
        spine.ops.errors.QualityGateError: quality gate failed: row_count: 0 rows < min 1 (sample: {'actual': 0, 'expected': {'max': None, 'min': 1}})
    """  # noqa: E501
    runner = QualityRunner(conn, domain, execution_id)
    for check in checks:
        runner.add(check)
    return runner.run_gate(context, partition_key, fail_on_warn=fail_on_warn)
