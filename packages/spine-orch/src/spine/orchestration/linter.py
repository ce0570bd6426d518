"""Static checks of a workflow: find mistakes before a run does.

::

    lint_workflow(workflow)
    ├── empty workflow                      E001
    ├── missing handlers                    E002 (lambda without fn, choice without condition)
    ├── unknown operations                  E003 (when given the operations that exist)
    ├── function parameters nobody provides E004
    ├── choice completeness                 W001 (no else branch, constant condition)
    ├── unreachable steps                   W002
    ├── deep chains                         W003
    ├── operation naming                    W004 (``domain.action``, lower case)
    ├── similar step names                  W005
    ├── outputs read before they exist      W006
    └── custom rules (register_lint_rule)
    │
    ▼
    LintResult: diagnostics, passed (no errors), errors / warnings / infos, summary()

Example:
    >>> from spine.orchestration import Step, Workflow
    >>> wf = Workflow("my.operation", [
    ...     Step.operation("ingest", "my.ingest"),
    ...     Step.lambda_("validate", None),  # missing handler!
    ... ])
    >>> result = lint_workflow(wf)
    >>> result.passed
    False
    >>> [f"[{d.code}] {d.message}" for d in result.errors]
    ["[E002] lambda step 'validate' has no handler"]
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from spine.orchestration._engine import function_param_problems
from spine.orchestration.expressions import Expression
from spine.orchestration.runnable import OperationCatalog
from spine.orchestration.steps import ChoiceStep, LambdaStep, MapStep, OperationStep, Step
from spine.orchestration.workflow import Workflow
from spine.types import StepStatus

__all__ = [
    "LintContext",
    "LintDiagnostic",
    "LintResult",
    "LintRule",
    "LintSeverity",
    "lint_workflow",
    "register_lint_rule",
    "unregister_lint_rule",
]

OPERATION_NAME_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
MAX_CHOICE_WORLDS = 4096


class LintSeverity(StrEnum):
    """How bad a finding is: an ``ERROR`` fails :attr:`LintResult.passed`."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class LintDiagnostic:
    """One finding.

    Attributes:
        code: Stable code (``E002``); custom rules choose their own.
        severity: :class:`LintSeverity`.
        message: What is wrong.
        step: The step it is about, if any.
        hint: How to fix it.
    """

    code: str
    severity: LintSeverity
    message: str
    step: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        text = f"[{self.code}] {self.severity.value}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


@dataclass(frozen=True, slots=True)
class LintResult:
    """All findings for one workflow."""

    workflow_name: str
    diagnostics: tuple[LintDiagnostic, ...]

    def _of(self, severity: LintSeverity) -> list[LintDiagnostic]:
        return [d for d in self.diagnostics if d.severity is severity]

    @property
    def errors(self) -> list[LintDiagnostic]:
        """Findings of severity ``ERROR``."""
        return self._of(LintSeverity.ERROR)

    @property
    def warnings(self) -> list[LintDiagnostic]:
        """Findings of severity ``WARNING``."""
        return self._of(LintSeverity.WARNING)

    @property
    def infos(self) -> list[LintDiagnostic]:
        """Findings of severity ``INFO``."""
        return self._of(LintSeverity.INFO)

    @property
    def passed(self) -> bool:
        """No errors (warnings and infos allowed)."""
        return not self.errors

    def codes(self) -> list[str]:
        """Codes of all findings, in order."""
        return [d.code for d in self.diagnostics]

    def summary(self) -> str:
        """A short report: counts, then one line per finding."""
        counts = (
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s), "
            f"{len(self.infos)} info(s)"
        )
        head = (
            f"workflow {self.workflow_name!r}: {'passed' if self.passed else 'FAILED'} — {counts}"
        )
        return "\n".join([head, *(f"  {d}" for d in self.diagnostics)])


@dataclass(frozen=True, slots=True)
class LintContext:
    """What rules may consult besides the workflow.

    Attributes:
        operations: Operations known to exist (``None``: not checked).
        max_depth: Longest acceptable dependency chain.
    """

    operations: OperationCatalog | Collection[str] | None = None
    max_depth: int = 20

    def has_operation(self, name: str) -> bool | None:
        """Whether ``name`` exists (``None`` when unknown)."""
        ops = self.operations
        if ops is None:
            return None
        if isinstance(ops, OperationCatalog):
            return ops.has_operation(name)
        return name in ops


LintRule = Callable[[Workflow, LintContext], Iterable[LintDiagnostic]]
"""``rule(workflow, context) -> diagnostics``."""


def _diag(
    code: str,
    severity: LintSeverity,
    message: str,
    step: str | None = None,
    hint: str | None = None,
) -> LintDiagnostic:
    return LintDiagnostic(code, severity, message, step, hint)


def _all_steps(workflow: Workflow) -> list[Step]:
    found: list[Step] = []
    for step in workflow.steps:
        found.append(step)
        inner: Step = step
        while isinstance(inner, MapStep):
            inner = inner.step
            found.append(inner)
    return found


# -- built-in rules -------------------------------------------------------------------------


def _check_empty_workflow(workflow: Workflow, context: LintContext) -> Iterable[LintDiagnostic]:
    if not workflow.steps:
        yield _diag("E001", LintSeverity.ERROR, "workflow has no steps", hint="add a step")


def _check_missing_handlers(workflow: Workflow, context: LintContext) -> Iterable[LintDiagnostic]:
    for step in _all_steps(workflow):
        if isinstance(step, LambdaStep) and step.fn is None:
            yield _diag(
                "E002",
                LintSeverity.ERROR,
                f"lambda step {step.name!r} has no handler",
                step.name,
                "pass fn(ctx, config) to Step.lambda_",
            )
        if isinstance(step, ChoiceStep) and step.condition is None:
            yield _diag(
                "E002",
                LintSeverity.ERROR,
                f"choice step {step.name!r} has no condition",
                step.name,
                "give an expression such as 'outputs.check.ok'",
            )
        if isinstance(step, OperationStep) and context.has_operation(step.operation_name) is False:
            yield _diag(
                "E003",
                LintSeverity.ERROR,
                f"step {step.name!r} runs operation {step.operation_name!r}, which is not "
                "registered",
                step.name,
                "register a handler under that name, or fix the name",
            )


def _check_function_params(workflow: Workflow, context: LintContext) -> Iterable[LintDiagnostic]:
    for problem in function_param_problems(workflow, None):
        yield _diag(
            "E004",
            LintSeverity.ERROR,
            problem,
            hint="declare the param in params_schema, set it in config, or return it upstream",
        )


def _check_choice_completeness(
    workflow: Workflow, context: LintContext
) -> Iterable[LintDiagnostic]:
    for step in workflow.steps:
        if not isinstance(step, ChoiceStep):
            continue
        if step.else_step is None:
            yield _diag(
                "W001",
                LintSeverity.WARNING,
                f"choice {step.name!r} has no else branch: when its condition is false, "
                f"{step.then_step!r} is skipped and nothing runs in its place",
                step.name,
                "add else_step, or ignore if skipping is intended",
            )
        if isinstance(step.condition, Expression) and step.condition.is_constant:
            yield _diag(
                "W001",
                LintSeverity.WARNING,
                f"choice {step.name!r} has a constant condition {step.condition.source!r}: it "
                "always takes the same branch",
                step.name,
                "read params or outputs in the condition",
            )


def _worlds(workflow: Workflow) -> Iterable[dict[str, str | None]]:
    """Every combination of branch decisions (constant conditions fixed)."""
    options: list[tuple[str, list[str | None]]] = []
    for step in workflow.steps:
        if not isinstance(step, ChoiceStep):
            continue
        both: list[str | None] = [step.then_step, step.else_step]
        if isinstance(step.condition, Expression) and step.condition.is_constant:
            try:
                value = bool(step.condition.evaluate({}, {}))
            except Exception:  # evaluated at run time; keep both
                value = None
            if value is not None:
                both = [step.then_step if value else step.else_step]
        options.append((step.name, both))
    names = [n for n, _ in options]
    for combo in itertools.islice(itertools.product(*(o for _, o in options)), MAX_CHOICE_WORLDS):
        yield dict(zip(names, combo, strict=True))


def _check_unreachable_steps(workflow: Workflow, context: LintContext) -> Iterable[LintDiagnostic]:
    plan = workflow._plan
    if not any(isinstance(s, ChoiceStep) for s in workflow.steps):
        return
    reachable: set[str] = set()
    for chosen in _worlds(workflow):
        status: dict[str, StepStatus] = {}
        reasons: dict[str, str | None] = {}
        for name in plan.order:
            reason = plan.decide(name, status, reasons, chosen)
            if reason is None:
                status[name] = StepStatus.COMPLETED
                reachable.add(name)
            else:
                status[name] = StepStatus.SKIPPED
                reasons[name] = reason
    for name in plan.order:
        if name not in reachable:
            yield _diag(
                "W002",
                LintSeverity.WARNING,
                f"step {name!r} can never run: every branch decision skips it",
                name,
                "check the choices that lead to it and its depends_on",
            )


def _check_deep_chains(workflow: Workflow, context: LintContext) -> Iterable[LintDiagnostic]:
    plan = workflow._plan
    depth: dict[str, int] = {}
    for name in plan.order:
        depth[name] = 1 + max((depth[d] for d in plan.graph[name]), default=0)
    deepest = max(depth.items(), key=lambda kv: kv[1], default=None)
    if deepest is not None and deepest[1] > context.max_depth:
        yield _diag(
            "W003",
            LintSeverity.WARNING,
            f"dependency chain of {deepest[1]} steps ends at {deepest[0]!r} "
            f"(more than {context.max_depth})",
            deepest[0],
            "split the workflow (chain() smaller ones) or run independent steps in parallel",
        )


def _check_operation_naming(workflow: Workflow, context: LintContext) -> Iterable[LintDiagnostic]:
    for step in _all_steps(workflow):
        if isinstance(step, OperationStep) and not OPERATION_NAME_RE.fullmatch(step.operation_name):
            yield _diag(
                "W004",
                LintSeverity.WARNING,
                f"operation {step.operation_name!r} of step {step.name!r} is not named "
                "'domain.action' in lower case",
                step.name,
                "e.g. 'finra.otc.ingest'",
            )


def _normal(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def _check_similar_names(workflow: Workflow, context: LintContext) -> Iterable[LintDiagnostic]:
    names = workflow.step_names()
    for a, b in itertools.combinations(names, 2):
        if _normal(a) == _normal(b) or (
            min(len(a), len(b)) >= 4 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.88
        ):
            yield _diag(
                "W005",
                LintSeverity.WARNING,
                f"step names {a!r} and {b!r} are easy to confuse",
                b,
                "rename one of them",
            )


def _check_output_refs(workflow: Workflow, context: LintContext) -> Iterable[LintDiagnostic]:
    plan = workflow._plan
    for step in workflow.steps:
        exprs: list[Expression] = []
        if isinstance(step, ChoiceStep) and isinstance(step.condition, Expression):
            exprs.append(step.condition)
        if isinstance(step, MapStep) and isinstance(step.items_from, Expression):
            exprs.append(step.items_from)
        upstream = set(plan.upstream[step.name])
        for expr in exprs:
            for ref in sorted(expr.output_refs - upstream):
                yield _diag(
                    "W006",
                    LintSeverity.WARNING,
                    f"step {step.name!r} reads outputs.{ref} but {ref!r} does not always finish "
                    "before it",
                    step.name,
                    f"make {step.name!r} depend on {ref!r}",
                )


_BUILTIN: dict[str, LintRule] = {
    "empty_workflow": _check_empty_workflow,
    "missing_handlers": _check_missing_handlers,
    "function_params": _check_function_params,
    "choice_completeness": _check_choice_completeness,
    "unreachable_steps": _check_unreachable_steps,
    "deep_chains": _check_deep_chains,
    "operation_naming": _check_operation_naming,
    "similar_names": _check_similar_names,
    "output_refs": _check_output_refs,
}
_CUSTOM: dict[str, LintRule] = {}


def register_lint_rule(rule: LintRule | None = None, *, name: str | None = None) -> Any:
    """Add a rule run by every :func:`lint_workflow` call (usable as a decorator).

    A rule is ``rule(workflow, context) -> iterable of LintDiagnostic``; registering another
    rule under the same name replaces it.

    Example:
        >>> @register_lint_rule(name="needs_description")
        ... def needs_description(workflow, context):
        ...     if not workflow.description:
        ...         yield LintDiagnostic("X001", LintSeverity.INFO, "no description")
        >>> from spine.orchestration import Step, Workflow
        >>> lint_workflow(Workflow("a.b", [Step.operation("s", "a.b")])).codes()
        ['X001']
        >>> unregister_lint_rule("needs_description")
    """

    def add(fn: LintRule) -> LintRule:
        if not callable(fn):
            raise TypeError(f"a lint rule must be callable, got {type(fn).__name__}")
        key = name or getattr(fn, "__qualname__", None) or repr(fn)
        if key in _BUILTIN:
            raise ValueError(f"{key!r} is a built-in rule name")
        _CUSTOM[key] = fn
        return fn

    return add(rule) if rule is not None else add


def unregister_lint_rule(name: str) -> None:
    """Remove a custom rule (``KeyError`` if there is none by that name)."""
    try:
        del _CUSTOM[name]
    except KeyError:
        raise KeyError(f"no custom lint rule named {name!r}") from None


def lint_workflow(
    workflow: Workflow,
    *,
    operations: OperationCatalog | Collection[str] | None = None,
    max_depth: int = 20,
    rules: Iterable[LintRule] | None = None,
) -> LintResult:
    """Run the built-in and registered rules (or only ``rules``) against ``workflow``.

    Args:
        operations: The operations that exist (a runnable or registry with
            ``has_operation``, or a collection of names); enables E003.
        max_depth: Longest dependency chain before W003.
        rules: Run these rules instead of the built-in and registered ones.
    """
    if not isinstance(workflow, Workflow):
        raise TypeError(f"expected a Workflow, got {type(workflow).__name__}")
    context = LintContext(operations, max_depth)
    chosen = list(rules) if rules is not None else [*_BUILTIN.values(), *_CUSTOM.values()]
    found: list[LintDiagnostic] = []
    for rule in chosen:
        for diagnostic in rule(workflow, context):
            if not isinstance(diagnostic, LintDiagnostic):
                raise TypeError(
                    f"lint rule {getattr(rule, '__qualname__', rule)!r} yielded "
                    f"{type(diagnostic).__name__}, expected LintDiagnostic"
                )
            found.append(diagnostic)
    return LintResult(workflow.name, tuple(found))
