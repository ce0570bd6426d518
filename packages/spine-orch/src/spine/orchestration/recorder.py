"""Record a workflow run and replay it later against a (possibly changed) workflow.

::

    RecordingRunner (wraps WorkflowRunner)
    ├── execute(workflow, params)
    │   ├── before each step → params snapshot
    │   └── after each step  → status, output, outputs snapshot, timing → StepRecording
    └── last_recording → WorkflowRecording
        ├── to_dict() / to_json(), from_dict() / from_json()
        └── replay(workflow) → ReplayResult (diffs: list[StepDiff], all_match)

A replay runs the workflow again with the recorded params and compares each step's status,
output (key by key) and error with the recording; steps that appeared or disappeared are
reported too. With ``stub_operations=True`` operation steps return their recorded outputs
instead of running, so a replay checks your own step logic without touching sources.

Example:
    >>> from spine.orchestration import Step, StepResult, Workflow
    >>> def validate(ctx, config):
    ...     return StepResult.ok({"valid": ctx.params["date"] > "2026"})
    >>> workflow = Workflow("test.operation", [Step.lambda_("validate", validate)])
    >>> recorder = RecordingRunner()
    >>> _ = recorder.execute(workflow, params={"date": "2026-01-15"})
    >>> loaded = WorkflowRecording.from_json(recorder.last_recording.to_json())
    >>> replay(loaded, workflow).all_match
    True
    >>> changed = Workflow("test.operation", [
    ...     Step.lambda_("validate", lambda ctx, cfg: {"valid": False})])
    >>> [str(d) for d in replay(loaded, changed).diffs]
    ['validate: output.valid: expected True, got False']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spine.db.encoding import canonical_json
from spine.orchestration.context import WorkflowContext
from spine.orchestration.result import StepOutcome, StepResult, WorkflowResult
from spine.orchestration.runnable import OperationResult, Runnable
from spine.orchestration.runner import WorkflowRunner
from spine.orchestration.workflow import Workflow
from spine.types import ExecutionStatus, OperationError, StepStatus, ValidationError

__all__ = [
    "RecordingRunner",
    "ReplayResult",
    "StepDiff",
    "StepRecording",
    "WorkflowRecording",
    "replay",
]

FORMAT_VERSION = 1
MAX_DIFFS_PER_STEP = 50


def _plain(value: Any) -> Any:
    """JSON form of ``value`` (what a recording stores and compares)."""
    return json.loads(canonical_json(value, lenient=True))


@dataclass(frozen=True, slots=True)
class StepRecording:
    """What one step did in a recorded run.

    Attributes:
        step_name / step_type: The step.
        status: Its status (``"completed"``, ``"failed"``, ``"skipped"``...).
        params_snapshot: The params it saw (before it ran).
        outputs_snapshot: All outputs after it finished.
        output: Its own output.
        error: Failure message.
        duration_ms / attempts / skip_reason: As in the run.
    """

    step_name: str
    step_type: str
    status: str
    params_snapshot: Mapping[str, Any] = field(default_factory=dict)
    outputs_snapshot: Mapping[str, Any] = field(default_factory=dict)
    output: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    duration_ms: float = 0.0
    attempts: int = 0
    skip_reason: str | None = None

    @property
    def result(self) -> StepResult:
        """The step's result as a :class:`StepResult`."""
        if self.status == StepStatus.SKIPPED.value:
            return StepResult.skip(self.skip_reason or "requested")
        if self.status == StepStatus.COMPLETED.value:
            return StepResult.ok(self.output)
        return StepResult.fail(self.error or self.status, output=self.output)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {
            "step_name": self.step_name,
            "step_type": self.step_type,
            "status": self.status,
            "params_snapshot": dict(self.params_snapshot),
            "outputs_snapshot": dict(self.outputs_snapshot),
            "output": dict(self.output),
            "error": self.error,
            "duration_ms": self.duration_ms,
            "attempts": self.attempts,
            "skip_reason": self.skip_reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepRecording:
        """Rebuild from :meth:`to_dict` output."""
        try:
            return cls(
                step_name=str(data["step_name"]),
                step_type=str(data["step_type"]),
                status=str(data["status"]),
                params_snapshot=dict(data.get("params_snapshot") or {}),
                outputs_snapshot=dict(data.get("outputs_snapshot") or {}),
                output=dict(data.get("output") or {}),
                error=data.get("error"),
                duration_ms=float(data.get("duration_ms") or 0.0),
                attempts=int(data.get("attempts") or 0),
                skip_reason=data.get("skip_reason"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"not a step recording ({exc!r}): {dict(data)!r}") from None


@dataclass(frozen=True, slots=True)
class WorkflowRecording:
    """A recorded run: its params, status and one :class:`StepRecording` per step run."""

    workflow_name: str
    run_id: str
    params: Mapping[str, Any]
    status: str
    started_at: str
    finished_at: str
    steps: tuple[StepRecording, ...]

    def step(self, name: str) -> StepRecording:
        """The recording of step ``name`` (``KeyError`` if it did not run)."""
        for rec in self.steps:
            if rec.step_name == name:
                return rec
        raise KeyError(f"recording of {self.workflow_name!r} has no step {name!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        return {
            "format_version": FORMAT_VERSION,
            "workflow_name": self.workflow_name,
            "run_id": self.run_id,
            "params": dict(self.params),
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "steps": [s.to_dict() for s in self.steps],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The recording as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkflowRecording:
        """Rebuild from :meth:`to_dict` output.

        Raises:
            ValidationError: not a recording, or one of a newer format.
        """
        if not isinstance(data, Mapping):
            raise ValidationError(f"a recording is a mapping, got {type(data).__name__}")
        version = data.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ValidationError(
                f"recording format {version!r} is not supported (this spine reads {FORMAT_VERSION})"
            )
        try:
            return cls(
                workflow_name=str(data["workflow_name"]),
                run_id=str(data["run_id"]),
                params=dict(data.get("params") or {}),
                status=str(data["status"]),
                started_at=str(data.get("started_at", "")),
                finished_at=str(data.get("finished_at", "")),
                steps=tuple(StepRecording.from_dict(s) for s in data.get("steps") or ()),
            )
        except (KeyError, TypeError) as exc:
            raise ValidationError(f"not a workflow recording: missing {exc}") from None

    @classmethod
    def from_json(cls, text: str) -> WorkflowRecording:
        """Rebuild from :meth:`to_json` text."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"recording is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    def replay(
        self,
        workflow: Workflow,
        *,
        runnable: Runnable | None = None,
        stub_operations: bool = False,
    ) -> ReplayResult:
        """Same as :func:`replay` (``replay(self, workflow, ...)``)."""
        return replay(self, workflow, runnable=runnable, stub_operations=stub_operations)


class _Recorder:
    """Observer that snapshots each step."""

    def __init__(self) -> None:
        self.steps: list[StepRecording] = []
        self._before: dict[str, Any] = {}

    def step_started(self, name: str, ctx: WorkflowContext) -> None:
        self._before[name] = _plain(dict(ctx.params))

    def step_finished(self, outcome: StepOutcome, ctx: WorkflowContext) -> None:
        params = self._before.pop(outcome.name, None)
        self.steps.append(
            StepRecording(
                step_name=outcome.name,
                step_type=outcome.step_type,
                status=outcome.status.value,
                params_snapshot=params if params is not None else _plain(dict(ctx.params)),
                outputs_snapshot=_plain({k: dict(v) for k, v in ctx.outputs.items()}),
                output=_plain(dict(outcome.output)),
                error=outcome.error,
                duration_ms=round(outcome.duration_ms, 3),
                attempts=outcome.attempts,
                skip_reason=outcome.skip_reason,
            )
        )


class RecordingRunner:
    """A :class:`WorkflowRunner` that records every run (``last_recording``).

    Args:
        runner: Take the runnable of this runner (alternative to ``runnable``).
        runnable: Runs operation steps (default: spine-exec's dispatcher).
    """

    def __init__(
        self, runner: WorkflowRunner | None = None, *, runnable: Runnable | None = None
    ) -> None:
        if runner is not None and runnable is None:
            runnable = runner._runnable
        self._runnable = runnable
        self.last_recording: WorkflowRecording | None = None
        self.recordings: list[WorkflowRecording] = []

    def execute(
        self, workflow: Workflow, params: Mapping[str, Any] | None = None, **options: Any
    ) -> WorkflowResult:
        """Run and record (``options`` as for :meth:`WorkflowRunner.execute`)."""
        recorder = _Recorder()
        runner = WorkflowRunner(self._runnable, observer=recorder)
        result = runner.execute(workflow, params, **options)
        if self._runnable is None:
            self._runnable = runner._runnable
        recording = WorkflowRecording(
            workflow_name=workflow.name,
            run_id=result.run_id,
            params=_plain(dict(params or {})),
            status=result.status.value,
            started_at=result.started_at.isoformat(),
            finished_at=result.finished_at.isoformat(),
            steps=tuple(recorder.steps),
        )
        self.last_recording = recording
        self.recordings.append(recording)
        return result


@dataclass(frozen=True, slots=True)
class StepDiff:
    """One difference between a recording and a replay.

    Attributes:
        step_name: The step.
        kind: ``"status"``, ``"output"``, ``"error"``, ``"missing"`` (recorded, did not run
            now) or ``"added"`` (runs now, was not recorded).
        path: Inside the output, where it differs (``"rows[2].symbol"``).
        expected: The recorded value.
        actual: The replayed value.
    """

    step_name: str
    kind: str
    expected: Any = None
    actual: Any = None
    path: str | None = None

    def __str__(self) -> str:
        where = f"{self.kind}.{self.path}" if self.path else self.kind
        if self.kind == "missing":
            return f"{self.step_name}: recorded ({self.expected}) but did not run"
        if self.kind == "added":
            return f"{self.step_name}: not in the recording, now {self.actual}"
        return f"{self.step_name}: {where}: expected {self.expected!r}, got {self.actual!r}"


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """Outcome of :func:`replay`: the new run and how it differs from the recording."""

    recording: WorkflowRecording
    result: WorkflowResult
    diffs: tuple[StepDiff, ...]

    @property
    def all_match(self) -> bool:
        """No step differs."""
        return not self.diffs

    def diffs_for(self, step_name: str) -> list[StepDiff]:
        """Differences of one step."""
        return [d for d in self.diffs if d.step_name == step_name]

    @property
    def changed_steps(self) -> list[str]:
        """Names of the steps that differ, in order."""
        return list(dict.fromkeys(d.step_name for d in self.diffs))

    def summary(self) -> str:
        """A short report."""
        if self.all_match:
            name = self.recording.workflow_name
            return f"replay of {name!r}: all {len(self.result.steps)} steps match"
        lines = [
            f"replay of {self.recording.workflow_name!r}: {len(self.changed_steps)} step(s) differ"
        ]
        lines.extend(f"  {d}" for d in self.diffs)
        return "\n".join(lines)


class _RecordedOperations:
    """A runnable answering operation steps from a recording."""

    def __init__(self, recording: WorkflowRecording, workflow: Workflow) -> None:
        from spine.orchestration.steps import MapStep

        self._recording = {s.step_name: s for s in recording.steps}
        self._inner: dict[str, tuple[str, str]] = {}
        for step in workflow.steps:
            if isinstance(step, MapStep):
                self._inner[step.step.name] = (step.name, f"{step.item_param}_index")

    def submit_operation_sync(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        parent_run_id: str | None = None,
        step_name: str | None = None,
        timeout: float | None = None,
    ) -> OperationResult:
        rec = self._recording.get(step_name or "")
        if rec is not None:
            if rec.status == StepStatus.COMPLETED.value:
                return OperationResult.completed(rec.output)
            return OperationResult.failed(OperationError(rec.error or "failed in the recording"))
        inner = self._inner.get(step_name or "")
        if inner is not None and inner[0] in self._recording:
            items = self._recording[inner[0]].output.get("items") or []
            index = params.get(inner[1])
            for item in items:
                if item.get("index") == index:
                    if item.get("status") == StepStatus.COMPLETED.value:
                        return OperationResult.completed(item.get("output") or {})
                    return OperationResult.failed(
                        OperationError(item.get("error") or "failed in the recording")
                    )
        return OperationResult.failed(
            OperationError(f"no recorded result for step {step_name!r} ({operation_name!r})"),
            status=ExecutionStatus.FAILED,
        )


def _diff_values(step: str, expected: Any, actual: Any, path: str, out: list[StepDiff]) -> None:
    if len(out) >= MAX_DIFFS_PER_STEP:
        return
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in list(dict.fromkeys([*expected, *actual])):
            sub = f"{path}.{key}" if path else str(key)
            _diff_values(step, expected.get(key, _ABSENT), actual.get(key, _ABSENT), sub, out)
        return
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _diff_values(step, e, a, f"{path}[{i}]", out)
        return
    if expected != actual:
        out.append(
            StepDiff(
                step,
                "output",
                None if expected is _ABSENT else expected,
                None if actual is _ABSENT else actual,
                path or None,
            )
        )


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT: Any = _Absent()


def replay(
    recording: WorkflowRecording,
    workflow: Workflow,
    *,
    runnable: Runnable | None = None,
    stub_operations: bool = False,
) -> ReplayResult:
    """Run ``workflow`` with the recording's params and compare every step with it.

    Args:
        recording: What to compare against.
        workflow: The workflow now (the same or a changed one).
        runnable: Runs operation steps (default: spine-exec's dispatcher).
        stub_operations: Answer operation steps from the recording instead of running them.
    """
    if stub_operations:
        runnable = _RecordedOperations(recording, workflow)
    result = WorkflowRunner(runnable).execute(workflow, recording.params)
    diffs: list[StepDiff] = []
    recorded = {s.step_name: s for s in recording.steps}
    for name, outcome in result.steps.items():
        rec = recorded.get(name)
        ran = outcome.status is not StepStatus.PENDING
        if rec is None:
            if ran:
                diffs.append(StepDiff(name, "added", None, outcome.status.value))
            continue
        if not ran:
            diffs.append(StepDiff(name, "missing", rec.status, None))
            continue
        if rec.status != outcome.status.value:
            diffs.append(StepDiff(name, "status", rec.status, outcome.status.value))
        step_diffs: list[StepDiff] = []
        _diff_values(name, dict(rec.output), _plain(dict(outcome.output)), "", step_diffs)
        diffs.extend(step_diffs)
        if (
            rec.status == outcome.status.value == StepStatus.FAILED.value
            and rec.error != outcome.error
        ):
            diffs.append(StepDiff(name, "error", rec.error, outcome.error))
    for name, rec in recorded.items():
        if name not in result.steps:
            diffs.append(StepDiff(name, "missing", rec.status, None))
    return ReplayResult(recording, result, tuple(diffs))
