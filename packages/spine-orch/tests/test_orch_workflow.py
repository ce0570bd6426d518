"""Workflow construction: graph validation, order, modes and serialisation."""

from __future__ import annotations

import pytest

from spine.orchestration import (
    DuplicateStepError,
    ErrorPolicy,
    ExpressionError,
    ParamSpec,
    Step,
    UnknownStepError,
    Workflow,
    WorkflowCycleError,
    WorkflowDefinitionError,
)


def op(name: str, **kw: object) -> Step:
    return Step.operation(name, f"test.{name}", **kw)  # type: ignore[arg-type]


def test_sequential_workflow_keeps_list_order_and_implies_a_chain() -> None:
    wf = Workflow("etl", [op("extract"), op("transform"), op("load")])
    assert not wf.is_dag
    assert wf.topological_order() == ["extract", "transform", "load"]
    assert wf.dependency_graph() == {"extract": [], "transform": ["extract"], "load": ["transform"]}


def test_any_depends_on_makes_a_dag_ordered_stably_by_list_position() -> None:
    wf = Workflow(
        "dag",
        [
            op("publish", depends_on=["b", "a"]),
            op("b", depends_on=["root"]),
            op("a", depends_on=["root"]),
            op("root"),
        ],
    )
    assert wf.is_dag
    assert wf.topological_order() == ["root", "b", "a", "publish"]
    assert wf.dependency_graph()["publish"] == ["b", "a"]


def test_dag_flag_runs_independent_steps_as_a_dag_and_false_forbids_depends_on() -> None:
    assert Workflow("p", [op("a"), op("b")], dag=True).is_dag
    with pytest.raises(WorkflowDefinitionError, match="dag=False"):
        Workflow("s", [op("a"), op("b", depends_on=["a"])], dag=False)


def test_duplicate_step_names_are_rejected_naming_the_step() -> None:
    with pytest.raises(DuplicateStepError, match="two steps named 'load'") as info:
        Workflow("w", [op("load"), op("load")])
    assert info.value.step == "load"


def test_unknown_dependency_is_rejected_with_a_suggestion() -> None:
    with pytest.raises(UnknownStepError, match=r"unknown step 'lod' \(did you mean 'load'\?\)"):
        Workflow("w", [op("load"), op("b", depends_on=["lod"])])


def test_cycle_is_rejected_naming_every_step_of_the_cycle() -> None:
    with pytest.raises(WorkflowCycleError) as info:
        Workflow(
            "w",
            [
                op("a", depends_on=["c"]),
                op("b", depends_on=["a"]),
                op("c", depends_on=["b"]),
                op("d", depends_on=["a"]),
            ],
        )
    assert info.value.cycle == ("a", "b", "c", "a")
    assert "a -> b -> c -> a" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_self_dependency_is_rejected() -> None:
    with pytest.raises(WorkflowDefinitionError, match="depends on itself"):
        op("a", depends_on=["a"])


def test_choice_targets_must_exist_and_follow_the_choice_in_a_sequential_workflow() -> None:
    with pytest.raises(UnknownStepError, match="branches \\(then\\) to unknown step 'x'"):
        Workflow("w", [Step.choice("c", "true", "x")])
    with pytest.raises(WorkflowDefinitionError, match="comes before its choice"):
        Workflow("w", [op("a"), Step.choice("c", "true", "a")])


def test_a_step_cannot_be_the_branch_of_two_choices() -> None:
    with pytest.raises(WorkflowDefinitionError, match="branch of both"):
        Workflow(
            "w",
            [Step.choice("c1", "true", "a"), Step.choice("c2", "true", "a"), op("a")],
        )


def test_choice_targets_depend_on_the_choice_in_a_dag() -> None:
    wf = Workflow(
        "w",
        [op("a"), Step.choice("c", "true", "b", depends_on=["a"]), op("b")],
    )
    assert wf.dependency_graph()["b"] == ["c"]
    assert wf.topological_order() == ["a", "c", "b"]


def test_expressions_may_only_read_outputs_of_existing_steps() -> None:
    with pytest.raises(UnknownStepError, match=r"reads outputs.ingst .*did you mean 'ingest'"):
        Workflow("w", [op("ingest"), Step.choice("c", "outputs.ingst.rows > 0", "p"), op("p")])


def test_bad_expression_is_rejected_at_construction() -> None:
    with pytest.raises(ExpressionError, match="syntax error"):
        Step.choice("c", "outputs.a.b >", "x")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"policy": "sometimes"}, "policy"),
        ({"version": 0}, "version"),
    ],
)
def test_workflow_options_are_validated(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(WorkflowDefinitionError, match=message):
        Workflow("w", [op("a")], **kwargs)  # type: ignore[arg-type]


def test_workflow_is_immutable_and_replace_revalidates() -> None:
    wf = Workflow("w", [op("a")])
    with pytest.raises(AttributeError):
        wf.name = "x"  # type: ignore[misc]
    assert wf.replace(policy="continue").policy is ErrorPolicy.CONTINUE
    with pytest.raises(DuplicateStepError):
        wf.replace(steps=[op("a"), op("a")])


def test_to_dict_from_dict_round_trips_every_serialisable_step_type() -> None:
    from spine.types.retry import RetryStrategy

    wf = Workflow(
        "otc.weekly",
        [
            op("ingest", retry=RetryStrategy.constant(max_retries=2, delay=0.5), timeout=30),
            Step.choice("route", "outputs.ingest.rows > 0", "publish", "alert"),
            op("publish", on_error="continue"),
            op("alert"),
            Step.wait("pause", 1.5),
            Step.wait("until", until="2030-01-01T00:00:00+00:00"),
            Step.map("venues", "outputs.ingest.venues", op("venue"), 8, item_param="venue"),
        ],
        policy="continue",
        params_schema={"week": "week_ending", "tier": ParamSpec("str", default="OTC")},
        max_concurrency=2,
        description="weekly",
        version=3,
    )
    data = wf.to_dict()
    assert Workflow.from_dict(data) == wf
    assert data["params"] == {
        "week": {"type": "week_ending"},
        "tier": {"type": "str", "default": "OTC"},
    }


def test_from_dict_names_the_wrong_field() -> None:
    with pytest.raises(
        WorkflowDefinitionError, match=r"steps\[0\].timeout: Input should be greater"
    ):
        Workflow.from_dict({"name": "w", "steps": [{"name": "a", "operation": "x", "timeout": 0}]})


def test_get_step_and_membership() -> None:
    wf = Workflow("w", [op("a")])
    assert wf.get_step("a").name == "a"
    assert "a" in wf
    assert "b" not in wf
    assert len(wf) == 1
    with pytest.raises(KeyError, match="has no step 'b'"):
        wf.get_step("b")
