"""Composition: build workflows from steps and smaller workflows.

* :func:`chain` — parts one after another.
* :func:`parallel` — parts side by side (a DAG), optionally joined by a ``merge`` step.
* :func:`conditional` — a choice between two branches.
* :func:`merge_workflows` — several workflows in one run, side by side.

A part is a :class:`~spine.orchestration.Step` or a :class:`~spine.orchestration.Workflow`.
Step names must stay unique across the parts (a clash raises
:class:`~spine.orchestration.errors.DuplicateStepError`; rename the step). Declared params of
the parts are merged (the same name declared two different ways is an error).

When a sequential workflow becomes part of a DAG, the order it implied turns into explicit
``depends_on`` (its :meth:`~spine.orchestration.Workflow.dependency_graph`): inside the DAG a
failed step then skips what follows it under ``CONTINUE``, as everywhere in a DAG.

Example:
    >>> from spine.orchestration import Step
    >>> ingest = chain("ingest", Step.operation("fetch", "otc.fetch"),
    ...                Step.operation("store", "otc.store"))
    >>> wf = parallel("weekly", ingest, Step.operation("refdata", "ref.load"),
    ...               merge=Step.operation("publish", "otc.publish"))
    >>> wf.dependency_graph()
    {'fetch': [], 'store': ['fetch'], 'refdata': [], 'publish': ['store', 'refdata']}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from spine.orchestration.errors import WorkflowDefinitionError
from spine.orchestration.params import ParamSpec
from spine.orchestration.policy import ErrorPolicy
from spine.orchestration.steps import Condition, Step
from spine.orchestration.workflow import Workflow

__all__ = ["chain", "conditional", "merge_workflows", "parallel"]

Part = Step | Workflow


def _explicit(part: Part) -> list[Step]:
    """The part's steps with their order written out as ``depends_on``."""
    if isinstance(part, Step):
        return [part]
    graph = part.dependency_graph()
    return [s.with_depends_on(graph[s.name]) for s in part.steps]


def _ends(steps: Sequence[Step]) -> tuple[list[str], list[str]]:
    """(roots, sinks) of an explicit step list."""
    names = {s.name for s in steps}
    used = {d for s in steps for d in s.depends_on if d in names}
    roots = [s.name for s in steps if not any(d in names for d in s.depends_on)]
    sinks = [s.name for s in steps if s.name not in used]
    return roots, sinks


def _check_parts(what: str, parts: Sequence[Any]) -> None:
    for part in parts:
        if not isinstance(part, Step | Workflow):
            raise WorkflowDefinitionError(
                f"{what}() takes steps and workflows, got {type(part).__name__}"
            )


def _merged_schema(name: str, parts: Sequence[Any]) -> dict[str, ParamSpec]:
    schema: dict[str, ParamSpec] = {}
    for part in parts:
        if not isinstance(part, Workflow):
            continue
        for param, spec in part.params_schema.items():
            if param in schema and schema[param] != spec:
                raise WorkflowDefinitionError(
                    f"workflow {name!r}: param {param!r} is declared differently by the parts "
                    f"({schema[param]} and {spec})",
                    workflow=name,
                )
            schema[param] = spec
    return schema


def _defaults(
    parts: Sequence[Any], policy: ErrorPolicy | str | None, max_concurrency: int | None
) -> tuple[ErrorPolicy | str, int]:
    workflows = [p for p in parts if isinstance(p, Workflow)]
    if policy is None:
        policy = workflows[0].policy if workflows else ErrorPolicy.STOP
    if max_concurrency is None:
        max_concurrency = max((w.max_concurrency for w in workflows), default=4)
    return policy, max_concurrency


def chain(
    name: str,
    *parts: Part,
    policy: ErrorPolicy | str | None = None,
    max_concurrency: int | None = None,
    description: str = "",
) -> Workflow:
    """Run ``parts`` one after another.

    With only steps and sequential workflows the result is a sequential workflow (their steps
    in order). If a part is a DAG, the result is a DAG whose every part starts after the
    previous part's last steps.

    Example:
        >>> wf = chain("etl", Step.operation("e", "x.extract"), Step.operation("l", "x.load"))
        >>> wf.is_dag, wf.topological_order()
        (False, ['e', 'l'])
    """
    _check_parts("chain", parts)
    if not parts:
        raise WorkflowDefinitionError(f"chain {name!r} needs at least one step or workflow")
    policy, max_concurrency = _defaults(parts, policy, max_concurrency)
    schema = _merged_schema(name, parts)
    sequential = not any(isinstance(p, Workflow) and p.is_dag for p in parts)
    steps: list[Step] = []
    previous: list[str] = []
    for part in parts:
        if sequential:
            steps.extend([part] if isinstance(part, Step) else part.steps)
            continue
        explicit = _explicit(part)
        roots, sinks = _ends(explicit)
        for step in explicit:
            if step.name in roots and previous:
                step = step.with_depends_on([*step.depends_on, *previous])
            steps.append(step)
        previous = sinks
    return Workflow(
        name,
        steps,
        policy=policy,
        params_schema=schema,
        max_concurrency=max_concurrency,
        description=description,
        dag=None if sequential else True,
    )


def parallel(
    name: str,
    *parts: Part,
    merge: Step | Callable[..., Any] | None = None,
    policy: ErrorPolicy | str | None = None,
    max_concurrency: int | None = None,
    description: str = "",
) -> Workflow:
    """Run ``parts`` side by side (a DAG, up to ``max_concurrency`` steps at once).

    Args:
        merge: A step (or a ``fn(ctx, config)`` lambda, named ``merge``) that runs after
            every part has finished and can read all their outputs.
    """
    _check_parts("parallel", parts)
    if not parts:
        raise WorkflowDefinitionError(f"parallel {name!r} needs at least one step or workflow")
    policy, max_concurrency = _defaults(parts, policy, max_concurrency)
    steps: list[Step] = []
    sinks: list[str] = []
    for part in parts:
        explicit = _explicit(part)
        steps.extend(explicit)
        sinks.extend(_ends(explicit)[1])
    if merge is not None:
        merge_step = merge if isinstance(merge, Step) else Step.lambda_("merge", merge)
        steps.append(merge_step.with_depends_on([*merge_step.depends_on, *sinks]))
    return Workflow(
        name,
        steps,
        policy=policy,
        params_schema=_merged_schema(name, parts),
        max_concurrency=max_concurrency,
        description=description,
        dag=True,
    )


def _branch(label: str, branch: Part | Sequence[Step]) -> list[Step]:
    if isinstance(branch, Step | Workflow):
        steps = _explicit(branch)
    else:
        steps = []
        for i, step in enumerate(branch):
            if not isinstance(step, Step):
                raise WorkflowDefinitionError(f"{label} branch: item {i} is not a step")
            steps.append(step.with_depends_on([steps[-1].name]) if steps else step)
    if not steps:
        raise WorkflowDefinitionError(f"the {label} branch is empty")
    roots, _ = _ends(steps)
    if len(roots) != 1:
        raise WorkflowDefinitionError(
            f"the {label} branch must start with one step, it starts with {roots}"
        )
    return steps


def conditional(
    name: str,
    condition: str | Condition,
    then_steps: Part | Sequence[Step],
    else_steps: Part | Sequence[Step] | None = None,
    *,
    choice_name: str = "branch",
    policy: ErrorPolicy | str | None = None,
    max_concurrency: int | None = None,
    description: str = "",
) -> Workflow:
    """A choice (named ``choice_name``) between a then-branch and an optional else-branch.

    A branch is a step, a list of steps (run in order) or a workflow that starts with one
    step. Exactly one branch runs; the other is recorded ``SKIPPED``.

    Example:
        >>> wf = conditional("gate", "params.quality_ok",
        ...                  Step.operation("publish", "otc.publish"),
        ...                  Step.operation("quarantine", "otc.quarantine"))
        >>> [s.name for s in wf.steps]
        ['branch', 'publish', 'quarantine']
    """
    then_branch = _branch("then", then_steps)
    else_branch = _branch("else", else_steps) if else_steps is not None else []
    parts: list[Any] = [p for p in (then_steps, else_steps) if isinstance(p, Workflow)]
    policy, max_concurrency = _defaults(parts, policy, max_concurrency)
    choice = Step.choice(
        choice_name,
        condition,
        _ends(then_branch)[0][0],
        _ends(else_branch)[0][0] if else_branch else None,
    )
    steps = [choice, *then_branch, *else_branch]
    sequential = not any(s.depends_on for s in steps)  # single-step branches
    return Workflow(
        name,
        steps,
        policy=policy,
        params_schema=_merged_schema(name, parts),
        max_concurrency=max_concurrency,
        description=description,
        dag=None if sequential else True,
    )


def merge_workflows(
    name: str,
    *workflows: Workflow,
    policy: ErrorPolicy | str | None = None,
    max_concurrency: int | None = None,
    description: str = "",
    params_schema: Mapping[str, Any] | None = None,
) -> Workflow:
    """Several workflows in one run, side by side, each keeping its own order.

    Use :func:`chain` to run them one after another instead.
    """
    for wf in workflows:
        if not isinstance(wf, Workflow):
            raise WorkflowDefinitionError(
                f"merge_workflows() takes workflows, got {type(wf).__name__}"
            )
    if len(workflows) < 1:
        raise WorkflowDefinitionError(f"merge_workflows {name!r} needs at least one workflow")
    merged = parallel(
        name,
        *workflows,
        policy=policy,
        max_concurrency=max_concurrency,
        description=description,
    )
    if params_schema is not None:
        merged = merged.replace(params_schema={**merged.params_schema, **params_schema})
    return merged
