"""lint_workflow: every built-in rule, custom rules, the result."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from spine.orchestration import (
    LintContext,
    LintDiagnostic,
    LintSeverity,
    Step,
    Workflow,
    lint_workflow,
    register_lint_rule,
    unregister_lint_rule,
)


def noop(ctx: Any, cfg: Any) -> dict[str, Any]:
    return {}


def codes(wf: Workflow, **kw: Any) -> list[str]:
    return lint_workflow(wf, **kw).codes()


def test_a_clean_workflow_passes_with_no_findings() -> None:
    wf = Workflow(
        "otc.weekly",
        [
            Step.operation("ingest", "finra.otc.ingest"),
            Step.choice("route", "outputs.ingest.rows > 0", "publish", "alert"),
            Step.operation("publish", "finra.otc.publish"),
            Step.operation("alert", "ops.alert"),
        ],
    )
    result = lint_workflow(wf, operations={"finra.otc.ingest", "finra.otc.publish", "ops.alert"})
    assert result.passed
    assert result.diagnostics == ()
    assert "passed" in result.summary()


def test_the_spec_example_fails_on_the_missing_handler() -> None:
    wf = Workflow(
        "my.operation",
        [Step.operation("ingest", "my.ingest"), Step.lambda_("validate", None)],
    )
    result = lint_workflow(wf)
    assert not result.passed
    assert [(d.code, d.step) for d in result.errors] == [("E002", "validate")]
    assert "FAILED" in result.summary()
    assert "[E002]" in result.summary()


def test_empty_workflow() -> None:
    assert codes(Workflow("a.b", [])) == ["E001"]


def test_choice_without_condition_is_a_missing_handler() -> None:
    wf = Workflow(
        "a.b", [Step.choice("c", None, "x", "y"), Step.lambda_("x", noop), Step.lambda_("y", noop)]
    )
    assert "E002" in codes(wf)


def test_unknown_operations_are_errors_when_the_operations_are_known() -> None:
    wf = Workflow("a.b", [Step.operation("s", "otc.ingset")])
    assert codes(wf) == []
    result = lint_workflow(wf, operations=["otc.ingest"])
    assert result.codes() == ["E003"]
    assert "otc.ingset" in result.errors[0].message


def test_operations_may_come_from_a_runnable_that_knows_them() -> None:
    from spine.execution import Dispatcher
    from spine.orchestration import DispatcherRunnable

    dispatcher = Dispatcher()
    dispatcher.registry.register("otc.ingest", lambda params: {})
    wf = Workflow("a.b", [Step.operation("s", "otc.ingest"), Step.operation("t", "otc.other")])
    assert lint_workflow(wf, operations=DispatcherRunnable(dispatcher)).codes() == ["E003"]


def test_function_parameters_nothing_provides() -> None:
    def needs(week: str) -> None: ...

    assert codes(Workflow("a.b", [Step.function("f", needs)])) == ["E004"]
    declared = Workflow("a.b", [Step.function("f", needs)], params_schema={"week": "str"})
    assert codes(declared) == []


def test_choice_without_else_and_constant_conditions_warn() -> None:
    wf = Workflow("a.b", [Step.choice("c", "params.go", "x"), Step.lambda_("x", noop)])
    assert codes(wf) == ["W001"]
    constant = Workflow(
        "a.b",
        [Step.choice("c", "1 > 2", "x", "y"), Step.lambda_("x", noop), Step.lambda_("y", noop)],
    )
    result = lint_workflow(constant)
    assert result.codes() == ["W001", "W002"]
    assert result.warnings[1].step == "x"  # never taken


def test_steps_needing_both_branches_of_one_choice_are_unreachable() -> None:
    wf = Workflow(
        "a.b",
        [
            Step.choice("c", "params.go", "x", "y"),
            Step.lambda_("x", noop),
            Step.lambda_("y", noop),
            Step.lambda_("x_only", noop, depends_on=["x"]),
            Step.lambda_("join", noop, depends_on=["x", "y"]),
        ],
    )
    assert codes(wf) == []  # a join runs whichever branch is taken
    dead = Workflow(
        "a.b",
        [
            Step.choice("c", "params.go", "x", "y"),
            Step.lambda_("x", noop),
            Step.lambda_("y", noop),
            Step.choice("c2", "params.go", "x2"),
            Step.lambda_("x2", noop, depends_on=["x", "y"]),
        ],
    )
    assert "W002" not in codes(dead)


def test_deep_chains_warn() -> None:
    wf = Workflow("a.b", [Step.lambda_(f"s{i}", noop) for i in range(6)])
    assert codes(wf, max_depth=5) == ["W003"]
    assert codes(wf, max_depth=6) == []


def test_operation_names_should_be_dotted_lower_case() -> None:
    wf = Workflow("a.b", [Step.operation("s", "Ingest"), Step.operation("t", "otc.Ingest")])
    assert codes(wf) == ["W004", "W004"]


def test_similar_step_names_warn() -> None:
    wf = Workflow("a.b", [Step.lambda_("load_week", noop), Step.lambda_("load-week", noop)])
    assert codes(wf) == ["W005"]
    near = Workflow("a.b", [Step.lambda_("normalize", noop), Step.lambda_("normalise", noop)])
    assert codes(near) == ["W005"]


def test_reading_outputs_of_a_step_that_may_not_have_run_warns() -> None:
    wf = Workflow(
        "a.b",
        [
            Step.lambda_("a", noop),
            Step.lambda_("b", noop),
            Step.choice("c", "outputs.b.ok", "d", depends_on=["a"]),
            Step.lambda_("d", noop),
        ],
    )
    assert "W006" in codes(wf)


def test_custom_rules_run_with_the_builtins_until_unregistered() -> None:
    @register_lint_rule(name="tagged")
    def tagged(workflow: Workflow, context: LintContext) -> Iterable[LintDiagnostic]:
        if not workflow.description:
            yield LintDiagnostic("X100", LintSeverity.INFO, "describe the workflow")

    try:
        result = lint_workflow(Workflow("a.b", []))
        assert result.codes() == ["E001", "X100"]
        assert [d.code for d in result.infos] == ["X100"]
    finally:
        unregister_lint_rule("tagged")
    assert lint_workflow(Workflow("a.b", [])).codes() == ["E001"]
    with pytest.raises(KeyError):
        unregister_lint_rule("tagged")
    with pytest.raises(ValueError, match="built-in"):
        register_lint_rule(tagged, name="deep_chains")


def test_only_the_given_rules_run_and_they_must_yield_diagnostics() -> None:
    def bad(workflow: Workflow, context: LintContext) -> Iterable[Any]:
        yield "not a diagnostic"

    assert lint_workflow(Workflow("a.b", []), rules=[]).codes() == []
    with pytest.raises(TypeError, match="expected LintDiagnostic"):
        lint_workflow(Workflow("a.b", []), rules=[bad])
