"""Step factories: validation and serialisation of each step type."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spine.orchestration import (
    ChoiceStep,
    ErrorPolicy,
    Expression,
    FunctionStep,
    MapStep,
    Step,
    StepType,
    WorkflowDefinitionError,
)
from spine.orchestration.steps import callable_ref, resolve_callable_ref


def module_handler(ctx: object, config: object) -> dict[str, int]:
    return {"x": 1}


def module_function(rows: list[int]) -> dict[str, int]:
    return {"n": len(rows)}


@pytest.mark.parametrize("name", ["", "has space", "a.b", "x" * 101, "é"])
def test_invalid_step_names_are_rejected(name: str) -> None:
    with pytest.raises(WorkflowDefinitionError, match="invalid step name"):
        Step.operation(name, "a.b")


def test_operation_step_freezes_its_config() -> None:
    config = {"tier": "OTC"}
    step = Step.operation("ingest", "otc.ingest", config)
    config["tier"] = "changed"
    assert step.config == {"tier": "OTC"}
    with pytest.raises(TypeError):
        step.config["tier"] = "x"  # type: ignore[index]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Step.operation("a", ""), "needs an operation name"),
        (lambda: Step.operation("a", "x", timeout=0), "timeout must be a positive"),
        (lambda: Step.operation("a", "x", on_error="maybe"), "on_error must be one of"),
        (lambda: Step.operation("a", "x", after_retries="retry"), "after_retries must be"),
        (lambda: Step.lambda_("a", 42), "needs a callable"),  # type: ignore[arg-type]
        (lambda: Step.choice("a", "true", "a2", "a2"), "both 'a2'"),
        (lambda: Step.choice("a", 42, "b"), "condition must be"),  # type: ignore[arg-type]
        (lambda: Step.wait("a"), "exactly one of seconds or until"),
        (lambda: Step.wait("a", -1), "seconds must be a number >= 0"),
        (lambda: Step.wait("a", until=datetime(2030, 1, 1)), "timezone-aware"),
        (lambda: Step.map("a", "params.x", Step.operation("b", "x"), 0), "max_concurrency"),
        (
            lambda: Step.map("a", "params.x", Step.choice("c", "true", "d")),
            "a choice cannot run per item",
        ),
        (
            lambda: Step.map("a", "params.x", Step.operation("b", "x", depends_on=["z"])),
            "cannot have depends_on",
        ),
    ],
)
def test_bad_step_arguments_raise_definition_errors(make: object, message: str) -> None:
    with pytest.raises(WorkflowDefinitionError, match=message):
        make()  # type: ignore[operator]


def test_choice_compiles_string_conditions_and_lists_its_targets() -> None:
    step = Step.choice("route", "outputs.a.n > 0", "yes", "no")
    assert isinstance(step, ChoiceStep)
    assert isinstance(step.condition, Expression)
    assert step.targets == ("yes", "no")


def test_function_step_rejects_functions_that_cannot_be_called_by_name() -> None:
    def star(*rows: int) -> None: ...

    def positional(rows: int, /) -> None: ...

    with pytest.raises(WorkflowDefinitionError, match="cannot be filled by name"):
        Step.function("f", star)
    with pytest.raises(WorkflowDefinitionError, match="cannot be filled by name"):
        Step.function("f", positional)


def test_function_step_records_required_parameters() -> None:
    def f(a: int, b: str = "x") -> None: ...

    step = Step.function("f", f)
    assert isinstance(step, FunctionStep)
    assert [(p.name, p.required) for p in step.spec.params] == [("a", True), ("b", False)]


def test_callable_refs_round_trip_module_functions_but_not_inline_callables() -> None:
    ref = callable_ref(module_handler)
    assert ref == f"{__name__}:module_handler"
    assert resolve_callable_ref(ref) is module_handler
    assert callable_ref(lambda ctx, cfg: {}) is None
    with pytest.raises(WorkflowDefinitionError, match="cannot import"):
        resolve_callable_ref("no.such.module:fn")
    with pytest.raises(WorkflowDefinitionError, match="must look like"):
        resolve_callable_ref("nocolon")


@pytest.mark.parametrize(
    "step",
    [
        Step.operation("a", "x.y", {"k": [1, 2]}, depends_on=["z"], on_error="continue"),
        Step.lambda_("a", module_handler, {"k": 1}),
        Step.lambda_("a", None),
        Step.function("a", module_function, {"rows": [1]}, check_types=False),
        Step.choice("a", "params.x == 1", "b"),
        Step.choice("a", module_handler, "b", "c"),
        Step.wait("a", 2),
        Step.wait("a", until=datetime(2030, 1, 1, tzinfo=UTC)),
        Step.map("a", "params.items", Step.function("b", module_function), 3, item_param="row"),
        Step.map("a", module_handler, Step.operation("b", "x.y")),
    ],
    ids=lambda s: f"{s.step_type.value}",
)
def test_every_step_type_round_trips_through_a_dict(step: Step) -> None:
    assert Step.from_dict(step.to_dict()) == step


def test_inline_callables_cannot_be_serialised() -> None:
    with pytest.raises(WorkflowDefinitionError, match="inline callable"):
        Step.lambda_("a", lambda ctx, cfg: {}).to_dict()


def test_from_dict_rejects_unknown_types_and_fields() -> None:
    with pytest.raises(WorkflowDefinitionError, match="a step needs a 'type'"):
        Step.from_dict({"name": "a", "type": "teleport"})
    with pytest.raises(WorkflowDefinitionError, match="Extra inputs"):
        Step.from_dict({"name": "a", "type": "operation", "operation": "x", "colour": "red"})


def test_step_type_is_inferred_from_the_keys_of_a_document() -> None:
    assert Step.from_dict({"name": "a", "operation": "x.y"}).step_type is StepType.OPERATION
    assert Step.from_dict({"name": "a", "seconds": 1}).step_type is StepType.WAIT
    step = Step.from_dict(
        {"name": "a", "items_from": "params.x", "step": {"name": "b", "operation": "x"}}
    )
    assert isinstance(step, MapStep)


def test_retry_step_defaults_to_the_retry_policy() -> None:
    from spine.orchestration import Workflow
    from spine.orchestration._engine import _policies
    from spine.types.retry import RetryStrategy

    strategy = RetryStrategy.constant(max_retries=1, delay=0)
    step = Step.operation("a", "x", retry=strategy)
    wf = Workflow("w", [step])
    assert _policies(wf, step) == (strategy, ErrorPolicy.STOP)
    explicit = Step.operation("b", "x", retry=strategy, on_error="continue")
    assert _policies(wf, explicit) == (None, ErrorPolicy.CONTINUE)
