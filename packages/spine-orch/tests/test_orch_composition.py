"""Composition: chain, parallel, conditional, merge_workflows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from spine.orchestration import (
    DuplicateStepError,
    ParamSpec,
    Step,
    Workflow,
    WorkflowContext,
    WorkflowDefinitionError,
    WorkflowRunner,
    chain,
    conditional,
    merge_workflows,
    parallel,
)
from spine.types import RunStatus


def lam(name: str, calls: list[str] | None = None) -> Step:
    def fn(ctx: WorkflowContext, cfg: Mapping[str, Any]) -> dict[str, Any]:
        if calls is not None:
            calls.append(name)
        return {"from": name}

    return Step.lambda_(name, fn)


def test_chain_of_steps_and_sequential_workflows_stays_sequential() -> None:
    calls: list[str] = []
    first = Workflow("first", [lam("a", calls), lam("b", calls)], params_schema={"week": "str"})
    wf = chain("all", first, lam("c", calls))
    assert not wf.is_dag
    assert wf.topological_order() == ["a", "b", "c"]
    assert wf.params_schema == {"week": ParamSpec("str")}
    WorkflowRunner().execute(wf, {"week": "w"})
    assert calls == ["a", "b", "c"]


def test_chain_with_a_dag_part_starts_each_part_after_the_previous_parts_last_steps() -> None:
    dag = Workflow("d", [lam("x"), lam("y")], dag=True)
    wf = chain("c", lam("start"), dag, lam("end"))
    assert wf.is_dag
    graph = wf.dependency_graph()
    assert graph["x"] == ["start"]
    assert graph["y"] == ["start"]
    assert graph["end"] == ["x", "y"]


def test_parallel_runs_parts_side_by_side_and_merge_waits_for_all() -> None:
    seq = Workflow("s", [lam("fetch"), lam("store")])
    wf = parallel("p", seq, lam("refdata"), merge=lambda ctx, cfg: {"n": len(ctx.outputs)})
    assert wf.dependency_graph() == {
        "fetch": [],
        "refdata": [],
        "store": ["fetch"],
        "merge": ["store", "refdata"],
    }
    result = WorkflowRunner().execute(wf)
    assert result.output("merge") == {"n": 3}


def test_conditional_with_single_steps_runs_one_branch() -> None:
    calls: list[str] = []
    wf = conditional("gate", "params.ok", lam("publish", calls), lam("quarantine", calls))
    assert not wf.is_dag
    WorkflowRunner().execute(wf, {"ok": False})
    assert calls == ["quarantine"]


def test_conditional_with_multi_step_branches_skips_the_whole_other_branch() -> None:
    calls: list[str] = []
    wf = conditional(
        "gate",
        "params.ok",
        [lam("stage", calls), lam("publish", calls)],
        Workflow("fail", [lam("alert", calls), lam("page", calls)]),
    )
    assert wf.is_dag
    result = WorkflowRunner().execute(wf, {"ok": True})
    assert calls == ["stage", "publish"]
    assert result.skipped_steps == ["alert", "page"]
    assert result.status is RunStatus.COMPLETED


def test_a_branch_must_start_with_one_step() -> None:
    with pytest.raises(WorkflowDefinitionError, match="must start with one step"):
        conditional("g", "params.ok", Workflow("two", [lam("a"), lam("b")], dag=True))


def test_merge_workflows_puts_workflows_side_by_side_keeping_their_order() -> None:
    a = Workflow("a", [lam("a1"), lam("a2")], params_schema={"week": "str"})
    b = Workflow("b", [lam("b1")], params_schema={"tier": "str"})
    wf = merge_workflows("both", a, b)
    assert wf.is_dag
    assert wf.dependency_graph() == {"a1": [], "b1": [], "a2": ["a1"]}
    assert set(wf.params_schema) == {"week", "tier"}


def test_clashing_step_names_and_param_declarations_are_errors() -> None:
    with pytest.raises(DuplicateStepError):
        chain("c", lam("a"), lam("a"))
    with pytest.raises(WorkflowDefinitionError, match="declared differently"):
        merge_workflows(
            "m",
            Workflow("x", [lam("x")], params_schema={"week": "str"}),
            Workflow("y", [lam("y")], params_schema={"week": "date"}),
        )
    with pytest.raises(WorkflowDefinitionError, match="takes steps and workflows"):
        chain("c", "not a step")  # type: ignore[arg-type]
    with pytest.raises(WorkflowDefinitionError, match="at least one"):
        parallel("p")


def test_sequential_choices_keep_their_meaning_inside_a_dag() -> None:
    calls: list[str] = []
    routed = Workflow(
        "routed",
        [
            Step.choice("route", "params.big", "heavy", "light"),
            lam("heavy", calls),
            lam("light", calls),
            lam("after", calls),
        ],
    )
    wf = parallel("p", routed, lam("other", calls))
    WorkflowRunner().execute(wf, {"big": True})
    assert sorted(calls) == ["after", "heavy", "other"]
