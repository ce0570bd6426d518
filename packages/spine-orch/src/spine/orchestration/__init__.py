"""`spine.orchestration`: workflows that resume, lint, step through, record and draw themselves.

A :class:`Workflow` is a named graph of steps (:class:`Step`: operation, lambda, function,
choice, wait, map) run with error policies (:class:`ErrorPolicy` STOP / CONTINUE / RETRY):

- :class:`WorkflowRunner` runs it in memory (sequentially, or as a DAG in parallel up to
  ``max_concurrency``) and returns a :class:`WorkflowResult`; operation steps go through a
  :class:`Runnable` (spine-exec's dispatcher by default).
- :class:`TrackedWorkflowRunner` checkpoints every step in a run store, resumes a failed or
  crashed run at its failed step, skips a partition already completed, reruns from any step
  (:meth:`~TrackedWorkflowRunner.rerun_from`) and cancels.
- :func:`chain`, :func:`parallel`, :func:`conditional`, :func:`merge_workflows` compose
  workflows; :func:`load_workflow` / :func:`dump_workflow` read and write YAML/JSON files.
- :func:`lint_workflow` checks a workflow statically, :class:`WorkflowPlayground` steps
  through it, :class:`RecordingRunner` / :func:`replay` record a run and compare a later one,
  :func:`visualize_mermaid` / :func:`visualize_ascii` / :func:`visualize_summary` draw it;
  templates build the common shapes (:func:`etl_workflow`, :func:`fan_out_fan_in`,
  :func:`backfill_workflow`, :func:`quality_gated_publish`).

Only the errors are imported eagerly; every other name loads from its submodule on first use
(PEP 562), so ``import spine.orchestration`` stays cheap.

Example:
    >>> from spine.orchestration import Step, Workflow, WorkflowRunner
    >>> wf = Workflow("hello", [Step.lambda_("greet", lambda ctx, cfg: {"hi": ctx.params["who"]})])
    >>> WorkflowRunner().execute(wf, {"who": "spine"}).output("greet")
    {'hi': 'spine'}
"""

from __future__ import annotations

from spine.orchestration.errors import (
    DuplicateStepError,
    ExpressionError,
    ExpressionEvaluationError,
    InvalidStepResultError,
    RunClaimedError,
    RunNotFoundError,
    RunStateError,
    StepExecutionError,
    StepTimeoutError,
    UnknownOperationError,
    UnknownStepError,
    WorkflowCycleError,
    WorkflowDefinitionError,
    WorkflowFileError,
    WorkflowParamsError,
)
from spine.types.lazy import lazy_exports

# Keep the root import free of ``typing``: type checkers treat this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from spine.orchestration.composition import (
        chain,
        conditional,
        merge_workflows,
        parallel,
    )
    from spine.orchestration.context import (
        WorkflowContext,
    )
    from spine.orchestration.dispatcher_runnable import (
        DispatcherRunnable,
        default_dispatcher,
    )
    from spine.orchestration.expressions import (
        Expression,
    )
    from spine.orchestration.files import (
        dump_workflow,
        dumps_workflow,
        load_workflow,
        loads_workflow,
    )
    from spine.orchestration.linter import (
        LintContext,
        LintDiagnostic,
        LintResult,
        LintSeverity,
        lint_workflow,
        register_lint_rule,
        unregister_lint_rule,
    )
    from spine.orchestration.params import (
        ParamSpec,
        ParamType,
    )
    from spine.orchestration.playground import (
        StepSnapshot,
        WorkflowPlayground,
    )
    from spine.orchestration.policy import (
        ErrorPolicy,
    )
    from spine.orchestration.recorder import (
        RecordingRunner,
        ReplayResult,
        StepDiff,
        StepRecording,
        WorkflowRecording,
        replay,
    )
    from spine.orchestration.result import (
        SkipReason,
        StepOutcome,
        StepResult,
        WorkflowResult,
    )
    from spine.orchestration.run_store import (
        RunEvent,
        RunEventType,
        StepCheckpoint,
        WorkflowRunRecord,
        WorkflowRunStore,
    )
    from spine.orchestration.runnable import (
        OperationCatalog,
        OperationResult,
        Runnable,
    )
    from spine.orchestration.runner import (
        RunObserver,
        WorkflowRunner,
    )
    from spine.orchestration.sql_store import (
        SqlRunStore,
        open_run_store,
    )
    from spine.orchestration.steps import (
        ChoiceStep,
        FunctionStep,
        LambdaStep,
        MapStep,
        OperationStep,
        Step,
        StepType,
        WaitStep,
    )
    from spine.orchestration.templates import (
        backfill_workflow,
        etl_workflow,
        fan_out_fan_in,
        quality_gated_publish,
    )
    from spine.orchestration.tracked import (
        TrackedWorkflowRunner,
    )
    from spine.orchestration.visualizer import (
        visualize_ascii,
        visualize_mermaid,
        visualize_summary,
    )
    from spine.orchestration.workflow import (
        Workflow,
    )

_LAZY: dict[str, str] = {
    "WorkflowContext": "spine.orchestration.context",
    "SkipReason": "spine.orchestration.result",
    "StepOutcome": "spine.orchestration.result",
    "StepResult": "spine.orchestration.result",
    "WorkflowResult": "spine.orchestration.result",
    "ErrorPolicy": "spine.orchestration.policy",
    "ChoiceStep": "spine.orchestration.steps",
    "FunctionStep": "spine.orchestration.steps",
    "LambdaStep": "spine.orchestration.steps",
    "MapStep": "spine.orchestration.steps",
    "OperationStep": "spine.orchestration.steps",
    "Step": "spine.orchestration.steps",
    "StepType": "spine.orchestration.steps",
    "WaitStep": "spine.orchestration.steps",
    "Expression": "spine.orchestration.expressions",
    "ParamSpec": "spine.orchestration.params",
    "ParamType": "spine.orchestration.params",
    "Workflow": "spine.orchestration.workflow",
    "OperationCatalog": "spine.orchestration.runnable",
    "OperationResult": "spine.orchestration.runnable",
    "Runnable": "spine.orchestration.runnable",
    "DispatcherRunnable": "spine.orchestration.dispatcher_runnable",
    "default_dispatcher": "spine.orchestration.dispatcher_runnable",
    "RunObserver": "spine.orchestration.runner",
    "WorkflowRunner": "spine.orchestration.runner",
    "TrackedWorkflowRunner": "spine.orchestration.tracked",
    "RunEvent": "spine.orchestration.run_store",
    "RunEventType": "spine.orchestration.run_store",
    "StepCheckpoint": "spine.orchestration.run_store",
    "WorkflowRunRecord": "spine.orchestration.run_store",
    "WorkflowRunStore": "spine.orchestration.run_store",
    "SqlRunStore": "spine.orchestration.sql_store",
    "open_run_store": "spine.orchestration.sql_store",
    "chain": "spine.orchestration.composition",
    "conditional": "spine.orchestration.composition",
    "merge_workflows": "spine.orchestration.composition",
    "parallel": "spine.orchestration.composition",
    "dump_workflow": "spine.orchestration.files",
    "dumps_workflow": "spine.orchestration.files",
    "load_workflow": "spine.orchestration.files",
    "loads_workflow": "spine.orchestration.files",
    "LintContext": "spine.orchestration.linter",
    "LintDiagnostic": "spine.orchestration.linter",
    "LintResult": "spine.orchestration.linter",
    "LintSeverity": "spine.orchestration.linter",
    "lint_workflow": "spine.orchestration.linter",
    "register_lint_rule": "spine.orchestration.linter",
    "unregister_lint_rule": "spine.orchestration.linter",
    "StepSnapshot": "spine.orchestration.playground",
    "WorkflowPlayground": "spine.orchestration.playground",
    "RecordingRunner": "spine.orchestration.recorder",
    "ReplayResult": "spine.orchestration.recorder",
    "StepDiff": "spine.orchestration.recorder",
    "StepRecording": "spine.orchestration.recorder",
    "WorkflowRecording": "spine.orchestration.recorder",
    "replay": "spine.orchestration.recorder",
    "visualize_ascii": "spine.orchestration.visualizer",
    "visualize_mermaid": "spine.orchestration.visualizer",
    "visualize_summary": "spine.orchestration.visualizer",
    "backfill_workflow": "spine.orchestration.templates",
    "etl_workflow": "spine.orchestration.templates",
    "fan_out_fan_in": "spine.orchestration.templates",
    "quality_gated_publish": "spine.orchestration.templates",
}

__all__ = [
    "ChoiceStep",
    "DispatcherRunnable",
    "DuplicateStepError",
    "ErrorPolicy",
    "Expression",
    "ExpressionError",
    "ExpressionEvaluationError",
    "FunctionStep",
    "InvalidStepResultError",
    "LambdaStep",
    "LintContext",
    "LintDiagnostic",
    "LintResult",
    "LintSeverity",
    "MapStep",
    "OperationCatalog",
    "OperationResult",
    "OperationStep",
    "ParamSpec",
    "ParamType",
    "RecordingRunner",
    "ReplayResult",
    "RunClaimedError",
    "RunEvent",
    "RunEventType",
    "RunNotFoundError",
    "RunObserver",
    "RunStateError",
    "Runnable",
    "SkipReason",
    "SqlRunStore",
    "Step",
    "StepCheckpoint",
    "StepDiff",
    "StepExecutionError",
    "StepOutcome",
    "StepRecording",
    "StepResult",
    "StepSnapshot",
    "StepTimeoutError",
    "StepType",
    "TrackedWorkflowRunner",
    "UnknownOperationError",
    "UnknownStepError",
    "WaitStep",
    "Workflow",
    "WorkflowContext",
    "WorkflowCycleError",
    "WorkflowDefinitionError",
    "WorkflowFileError",
    "WorkflowParamsError",
    "WorkflowPlayground",
    "WorkflowRecording",
    "WorkflowResult",
    "WorkflowRunRecord",
    "WorkflowRunStore",
    "WorkflowRunner",
    "backfill_workflow",
    "chain",
    "conditional",
    "default_dispatcher",
    "dump_workflow",
    "dumps_workflow",
    "etl_workflow",
    "fan_out_fan_in",
    "lint_workflow",
    "load_workflow",
    "loads_workflow",
    "merge_workflows",
    "open_run_store",
    "parallel",
    "quality_gated_publish",
    "register_lint_rule",
    "replay",
    "unregister_lint_rule",
    "visualize_ascii",
    "visualize_mermaid",
    "visualize_summary",
]

__getattr__, __dir__ = lazy_exports("spine.orchestration", _LAZY, globals())
