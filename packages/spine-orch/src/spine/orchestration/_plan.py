"""The execution plan of a workflow: its graph, order and branch rules (internal).

Built once when a :class:`~spine.orchestration.workflow.Workflow` is constructed; every runner,
the linter, the playground and the visualizer read the same plan, so they agree on what a
workflow does.

Two modes:

* **sequential** (no step has ``depends_on``): steps run one at a time in list order. A
  choice gates its branch steps (they must come after it); nothing else links the steps, so
  under ``CONTINUE`` the steps after a failed one still run.
* **DAG** (some step has ``depends_on``, or the workflow says ``dag=True``): a step runs when
  its dependencies are done (a step without ``depends_on`` starts at once); a choice
  branch step also depends on its choice. Independent steps run in parallel.

When a step's turn comes, :meth:`Plan.decide` says whether it runs or is skipped:

1. a dependency failed, was cancelled, or was skipped because of a failure → ``upstream_failed``;
2. the step is a branch of a finished choice that chose the other branch → ``branch_not_taken``;
3. it has dependencies and every one was skipped → skipped with the same reason family
   (``branch_not_taken`` if one of them was, else ``upstream_skipped``);
4. otherwise it runs — so a join after a choice (depending on both branches) runs once
   the taken branch completes.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from spine.orchestration.errors import (
    UnknownStepError,
    WorkflowCycleError,
    WorkflowDefinitionError,
)
from spine.orchestration.expressions import Expression
from spine.orchestration.result import SkipReason
from spine.orchestration.steps import ChoiceStep, MapStep, Step
from spine.types import StepStatus

__all__ = ["Plan", "build_plan", "did_you_mean"]

_FAILED_LIKE = frozenset({StepStatus.FAILED, StepStatus.CANCELLED})


def did_you_mean(name: str, candidates: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or ``""``."""
    import difflib

    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True, slots=True)
class Plan:
    """Compiled graph of a workflow (internal; read through Workflow and the runners)."""

    names: tuple[str, ...]
    """Step names in list order."""
    order: tuple[str, ...]
    """Plan order: list order (sequential) or a stable topological order (DAG)."""
    steps: Mapping[str, Step]
    is_dag: bool
    deps: Mapping[str, tuple[str, ...]]
    """Dependencies that gate a step: ``depends_on`` (DAG) plus its choice for a branch step."""
    graph: Mapping[str, tuple[str, ...]]
    """Display/analysis graph: ``deps`` for a DAG, the implied chain for a sequential one."""
    dependents: Mapping[str, tuple[str, ...]]
    """Reverse of ``graph``."""
    branch_of: Mapping[str, tuple[str, str]]
    """Branch step -> (choice step, ``"then"`` or ``"else"``)."""
    upstream: Mapping[str, tuple[str, ...]]
    """Steps that finish before a step (ancestors in ``graph``), nearest first."""
    index: Mapping[str, int]

    def decide(
        self,
        name: str,
        status: Mapping[str, StepStatus],
        skip_reasons: Mapping[str, str | None],
        chosen: Mapping[str, str | None],
    ) -> str | None:
        """``None`` when ``name`` should run now, else the skip reason (module docs)."""
        deps = self.deps[name]
        all_skipped = bool(deps)
        any_branch = False
        for dep in deps:
            st = status.get(dep)
            if st in _FAILED_LIKE:
                return SkipReason.UPSTREAM_FAILED
            if st is StepStatus.SKIPPED:
                reason = skip_reasons.get(dep)
                if reason == SkipReason.UPSTREAM_FAILED:
                    return SkipReason.UPSTREAM_FAILED
                if reason == SkipReason.BRANCH_NOT_TAKEN:
                    any_branch = True
            else:
                all_skipped = False
        branch = self.branch_of.get(name)
        if branch is not None:
            choice = branch[0]
            if status.get(choice) is StepStatus.COMPLETED and chosen.get(choice) != name:
                return SkipReason.BRANCH_NOT_TAKEN
        if all_skipped:
            return SkipReason.BRANCH_NOT_TAKEN if any_branch else SkipReason.UPSTREAM_SKIPPED
        return None

    def downstream(self, name: str) -> list[str]:
        """``name`` and every step after it (its descendants in ``graph``; in a sequential
        workflow, every later step), in plan order."""
        if not self.is_dag:
            return list(self.order[self.order.index(name) :])
        seen = {name}
        stack = [name]
        while stack:
            for child in self.dependents[stack.pop()]:
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return [n for n in self.order if n in seen]


def build_plan(workflow_name: str, steps: Sequence[Step], dag: bool | None = None) -> Plan:
    """Validate the step graph and compile it.

    Raises:
        DuplicateStepError, UnknownStepError, WorkflowCycleError, WorkflowDefinitionError.
    """
    from spine.orchestration.errors import DuplicateStepError

    by_name: dict[str, Step] = {}
    for step in steps:
        if not isinstance(step, Step):
            raise WorkflowDefinitionError(
                f"workflow {workflow_name!r}: steps must be Step objects, "
                f"got {type(step).__name__}",
                workflow=workflow_name,
            )
        if step.name in by_name:
            raise DuplicateStepError(
                f"workflow {workflow_name!r} has two steps named {step.name!r}",
                workflow=workflow_name,
                step=step.name,
                field="name",
            )
        by_name[step.name] = step
    names = tuple(by_name)
    index = {n: i for i, n in enumerate(names)}
    has_deps = any(s.depends_on for s in steps)
    if dag is False and has_deps:
        raise WorkflowDefinitionError(
            f"workflow {workflow_name!r} is declared sequential (dag=False) but steps have "
            "depends_on",
            workflow=workflow_name,
        )
    is_dag = has_deps if dag is None else dag

    branch_of = _branches(workflow_name, by_name, index, is_dag)
    _check_references(workflow_name, by_name)

    deps: dict[str, tuple[str, ...]] = {}
    for name, step in by_name.items():
        gate = (branch_of[name][0],) if name in branch_of else ()
        own = step.depends_on if is_dag else ()
        deps[name] = tuple(dict.fromkeys((*own, *gate)))
    if is_dag:
        _check_cycles(workflow_name, names, deps)
        order = _topological(names, deps, index)
        graph = deps
    else:
        order = names
        graph = _sequential_graph(names, by_name, branch_of)
    dependents: dict[str, list[str]] = {n: [] for n in names}
    for name in order:
        for dep in graph[name]:
            dependents[dep].append(name)
    upstream = _upstream(order, graph)
    return Plan(
        names=names,
        order=order,
        steps=by_name,
        is_dag=is_dag,
        deps=deps,
        graph=graph,
        dependents={k: tuple(v) for k, v in dependents.items()},
        branch_of=branch_of,
        upstream=upstream,
        index=index,
    )


def _unknown(
    workflow: str, step: str, what: str, target: str, names: Sequence[str], field: str
) -> None:
    raise UnknownStepError(
        f"workflow {workflow!r}: step {step!r} {what} unknown step {target!r}"
        f"{did_you_mean(target, names)}",
        workflow=workflow,
        step=step,
        field=field,
    )


def _branches(
    workflow: str, by_name: Mapping[str, Step], index: Mapping[str, int], is_dag: bool
) -> dict[str, tuple[str, str]]:
    branch_of: dict[str, tuple[str, str]] = {}
    names = list(by_name)
    for step in by_name.values():
        for dep in step.depends_on:
            if dep not in by_name:
                _unknown(workflow, step.name, "depends on", dep, names, "depends_on")
        if not isinstance(step, ChoiceStep):
            continue
        for side, target in (("then", step.then_step), ("else", step.else_step)):
            if target is None:
                continue
            if target not in by_name:
                _unknown(workflow, step.name, f"branches ({side}) to", target, names, side)
            if target == step.name:
                raise WorkflowDefinitionError(
                    f"workflow {workflow!r}: choice {step.name!r} branches to itself",
                    workflow=workflow,
                    step=step.name,
                    field=side,
                )
            if target in branch_of:
                raise WorkflowDefinitionError(
                    f"workflow {workflow!r}: step {target!r} is a branch of both "
                    f"{branch_of[target][0]!r} and {step.name!r}; give each choice its own "
                    "branch step",
                    workflow=workflow,
                    step=target,
                )
            if not is_dag and index[target] < index[step.name]:
                raise WorkflowDefinitionError(
                    f"workflow {workflow!r}: branch step {target!r} comes before its choice "
                    f"{step.name!r}; in a sequential workflow branch steps follow their choice",
                    workflow=workflow,
                    step=target,
                )
            branch_of[target] = (step.name, side)
    return branch_of


def _expressions(step: Step) -> list[tuple[str, Expression]]:
    """(field, expression) pairs of a step (a map's inner step included)."""
    found: list[tuple[str, Expression]] = []
    if isinstance(step, ChoiceStep) and isinstance(step.condition, Expression):
        found.append(("condition", step.condition))
    if isinstance(step, MapStep):
        if isinstance(step.items_from, Expression):
            found.append(("items_from", step.items_from))
        found.extend((f"step.{f}", e) for f, e in _expressions(step.step))
    return found


def _check_references(workflow: str, by_name: Mapping[str, Step]) -> None:
    """Expressions may only read outputs of steps that exist."""
    names = list(by_name)
    for step in by_name.values():
        for field, expr in _expressions(step):
            for ref in sorted(expr.output_refs):
                if ref not in by_name:
                    raise UnknownStepError(
                        f"workflow {workflow!r}: step {step.name!r} reads outputs.{ref} in "
                        f"{expr.source!r} but there is no step {ref!r}"
                        f"{did_you_mean(ref, names)}",
                        workflow=workflow,
                        step=step.name,
                        field=field,
                    )


def _check_cycles(workflow: str, names: Sequence[str], deps: Mapping[str, tuple[str, ...]]) -> None:
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(names, white)
    for root in names:
        if color[root] != white:
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, i = stack.pop()
            if i == 0:
                color[node] = grey
                path.append(node)
            children = deps[node]
            if i < len(children):
                stack.append((node, i + 1))
                child = children[i]
                if color[child] == grey:
                    start = path.index(child)
                    # ``path`` follows "depends on" edges; report in run order.
                    cycle = list(reversed([*path[start:], child]))
                    raise WorkflowCycleError(cycle, workflow=workflow)
                if color[child] == white:
                    stack.append((child, 0))
            else:
                color[node] = black
                path.pop()


def _topological(
    names: Sequence[str], deps: Mapping[str, tuple[str, ...]], index: Mapping[str, int]
) -> tuple[str, ...]:
    remaining = {n: len(deps[n]) for n in names}
    children: dict[str, list[str]] = {n: [] for n in names}
    for n in names:
        for d in deps[n]:
            children[d].append(n)
    heap = [index[n] for n in names if remaining[n] == 0]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        name = names[heapq.heappop(heap)]
        order.append(name)
        for child in children[name]:
            remaining[child] -= 1
            if remaining[child] == 0:
                heapq.heappush(heap, index[child])
    return tuple(order)


def _sequential_graph(
    names: Sequence[str],
    by_name: Mapping[str, Step],
    branch_of: Mapping[str, tuple[str, str]],
) -> dict[str, tuple[str, ...]]:
    """The dependencies a sequential workflow implies (for display, analysis, composition).

    Each step follows the previous one, except that branch steps follow their choice and the
    step after a choice's branches follows all of them (and the choice itself when it has no
    else branch, since then nothing may run in between).
    """
    graph: dict[str, tuple[str, ...]] = {}
    frontier: list[str] = []
    seen_branches: dict[str, list[str]] = {}
    for name in names:
        branch = branch_of.get(name)
        if branch is None:
            graph[name] = tuple(frontier)
            frontier = [name]
            continue
        choice = branch[0]
        graph[name] = (choice,)
        seen = seen_branches.setdefault(choice, [])
        seen.append(name)
        choice_step = by_name[choice]
        assert isinstance(choice_step, ChoiceStep)
        frontier = [*seen, *([choice] if choice_step.else_step is None else [])]
    return graph


def _upstream(
    order: Sequence[str], graph: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    position = {n: i for i, n in enumerate(order)}
    ancestors: dict[str, set[str]] = {}
    for name in order:
        acc: set[str] = set()
        for dep in graph[name]:
            acc.add(dep)
            acc |= ancestors[dep]
        ancestors[name] = acc
    return {name: tuple(sorted(acc, key=lambda n: -position[n])) for name, acc in ancestors.items()}
