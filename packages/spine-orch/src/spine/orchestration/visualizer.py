"""Draw a workflow: Mermaid, box-drawing text, and a summary dict.

::

    visualize_mermaid(workflow)  → str (Mermaid ``graph TD``)
    visualize_ascii(workflow)    → str (box drawing)
    visualize_summary(workflow)  → dict (metadata)

Mermaid shapes per step type:

- operation → ``["name<br/>operation_name"]`` (rectangle)
- lambda / function → ``("name")`` (rounded)
- choice → ``{"name<br/>condition"}`` (diamond); its edges are labelled ``then`` / ``else``
- wait → ``[["name<br/>30s"]]`` (subroutine)
- map → ``[/"name<br/>fan-out"/]`` (parallelogram)

Pass a :class:`~spine.orchestration.WorkflowResult` to colour the nodes by status.

Example:
    >>> from spine.orchestration import Step, Workflow
    >>> wf = Workflow("etl.operation", [
    ...     Step.operation("extract", "data.extract"),
    ...     Step.lambda_("transform", lambda ctx, cfg: {}),
    ...     Step.operation("load", "data.load"),
    ... ])
    >>> print(visualize_mermaid(wf))
    graph TD
        extract["extract<br/>data.extract"]
        transform("transform")
        load["load<br/>data.load"]
        extract --> transform
        transform --> load
    >>> print(visualize_ascii(wf))
    ┌─────────┐    ┌───────────┐    ┌──────┐
    │ extract │───▶│ transform │───▶│ load │
    └─────────┘    └───────────┘    └──────┘
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

from spine.orchestration.expressions import Expression
from spine.orchestration.result import WorkflowResult
from spine.orchestration.steps import (
    ChoiceStep,
    MapStep,
    OperationStep,
    Step,
    StepType,
    WaitStep,
)
from spine.orchestration.workflow import Workflow

__all__ = ["visualize_ascii", "visualize_mermaid", "visualize_summary"]

_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MERMAID_RESERVED = frozenset({"end", "graph", "subgraph", "flowchart", "click", "style", "class"})
_STATUS_STYLES = {
    "completed": "fill:#d4edda,stroke:#28a745",
    "failed": "fill:#f8d7da,stroke:#dc3545",
    "skipped": "fill:#e2e3e5,stroke:#6c757d,stroke-dasharray: 4 2",
    "cancelled": "fill:#fff3cd,stroke:#ffc107",
    "pending": "fill:#ffffff,stroke:#adb5bd",
}


def _ids(workflow: Workflow) -> dict[str, str]:
    """Mermaid node id per step: the name when it is a safe identifier, else a cleaned one."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for name in workflow.step_names():
        base = name if _ID_RE.fullmatch(name) else re.sub(r"\W", "_", name)
        if not _ID_RE.fullmatch(base):
            base = f"s_{base}"
        if base.lower() in _MERMAID_RESERVED:
            base = f"{base}_step"
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}_{n}", n + 1
        used.add(candidate)
        ids[name] = candidate
    return ids


def _escape(text: str) -> str:
    return (
        text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _detail(step: Step) -> str | None:
    """Second label line of a node."""
    if isinstance(step, OperationStep):
        return step.operation_name
    if isinstance(step, ChoiceStep):
        if isinstance(step.condition, Expression):
            return step.condition.source
        return None
    if isinstance(step, WaitStep):
        if step.until is not None:
            return f"until {step.until.isoformat()}"
        return _seconds(step.seconds or 0.0)
    if isinstance(step, MapStep):
        return f"fan-out: {step.step.name}"
    return None


def _node(node_id: str, step: Step) -> str:
    detail = _detail(step)
    label = _escape(step.name) + (f"<br/>{_escape(detail)}" if detail else "")
    kind = step.step_type
    if kind is StepType.OPERATION:
        return f'{node_id}["{label}"]'
    if kind is StepType.CHOICE:
        return f'{node_id}{{"{label}"}}'
    if kind is StepType.WAIT:
        return f'{node_id}[["{label}"]]'
    if kind is StepType.MAP:
        return f'{node_id}[/"{label}"/]'
    return f'{node_id}("{label}")'


def visualize_mermaid(
    workflow: Workflow, *, direction: str = "TD", result: WorkflowResult | None = None
) -> str:
    """The workflow as a Mermaid flowchart (``graph TD``).

    Args:
        direction: ``TD``, ``TB``, ``BT``, ``LR`` or ``RL``.
        result: Colour nodes by the status each step had in this run.
    """
    if direction not in ("TD", "TB", "BT", "LR", "RL"):
        raise ValueError(f"direction must be TD, TB, BT, LR or RL, got {direction!r}")
    plan = workflow._plan
    ids = _ids(workflow)
    lines = [f"graph {direction}"]
    for name in plan.names:
        lines.append(f"    {_node(ids[name], plan.steps[name])}")
    for name in plan.order:
        for dep in plan.graph[name]:
            branch = plan.branch_of.get(name)
            if branch is not None and branch[0] == dep:
                lines.append(f"    {ids[dep]} -->|{branch[1]}| {ids[name]}")
            else:
                lines.append(f"    {ids[dep]} --> {ids[name]}")
    if result is not None:
        used: dict[str, list[str]] = {}
        for name, outcome in result.steps.items():
            if name in ids:
                used.setdefault(outcome.status.value, []).append(ids[name])
        for status, nodes in used.items():
            style = _STATUS_STYLES.get(status)
            if style is not None:
                lines.append(f"    classDef {status} {style}")
                lines.append(f"    class {','.join(nodes)} {status}")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width (East Asian wide characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _box(label: str) -> tuple[str, str, str]:
    inner = _width(label) + 2
    return ("┌" + "─" * inner + "┐", f"│ {label} │", "└" + "─" * inner + "┘")


def _is_chain(workflow: Workflow) -> bool:
    plan = workflow._plan
    previous: str | None = None
    for name in plan.order:
        expected = () if previous is None else (previous,)
        if tuple(plan.graph[name]) != expected:
            return False
        previous = name
    return True


def _row(boxes: list[tuple[str, str, str]], joint: str, gap: str) -> list[str]:
    top = gap.join(b[0] for b in boxes)
    mid = joint.join(b[1] for b in boxes)
    bottom = gap.join(b[2] for b in boxes)
    return [top, mid, bottom]


def visualize_ascii(workflow: Workflow, *, width: int = 100) -> str:
    """The workflow drawn with box-drawing characters.

    A chain is one row of boxes joined by arrows (wrapped at ``width``); any other graph is
    drawn level by level (a step's level is the length of the longest chain before it),
    followed by its edges.
    """
    plan = workflow._plan
    if not plan.order:
        return f"(workflow {workflow.name!r} has no steps)"
    if _is_chain(workflow):
        rows: list[list[tuple[str, str, str]]] = [[]]
        used = 0
        for name in plan.order:
            box = _box(name)
            size = _width(box[1]) + 4
            if rows[-1] and used + size > width:
                rows.append([])
                used = 0
            rows[-1].append(box)
            used += size
        lines: list[str] = []
        for i, row in enumerate(rows):
            drawn = _row(row, "───▶", "    ")
            if i > 0:
                drawn = ["    " + drawn[0], "───▶" + drawn[1], "    " + drawn[2]]
            lines.extend(line.rstrip() for line in drawn)
        return "\n".join(lines)
    level: dict[str, int] = {}
    for name in plan.order:
        level[name] = 1 + max((level[d] for d in plan.graph[name]), default=-1)
    depth = max(level.values()) + 1
    lines = []
    for lvl in range(depth):
        names = [n for n in plan.order if level[n] == lvl]
        prefix = f"{lvl:>2} "
        drawn = _row([_box(n) for n in names], "  ", "  ")
        lines.extend(
            [
                "   " + drawn[0],
                prefix + drawn[1],
                "   " + drawn[2],
            ]
        )
    lines.append("")
    lines.append("edges:")
    for name in plan.order:
        children = plan.dependents[name]
        if not children:
            continue
        plain = [c for c in children if plan.branch_of.get(c, ("",))[0] != name]
        if plain:
            lines.append(f"  {name} ───▶ {', '.join(plain)}")
        for child in children:
            branch = plan.branch_of.get(child)
            if branch is not None and branch[0] == name:
                lines.append(f"  {name} ─{branch[1]}─▶ {child}")
    return "\n".join(line.rstrip() for line in lines)


def visualize_summary(workflow: Workflow) -> dict[str, Any]:
    """Facts about the workflow's shape (for CLIs, docs and dashboards).

    Keys: ``name``, ``description``, ``version``, ``mode`` (``sequential``/``dag``),
    ``policy``, ``max_concurrency``, ``step_count``, ``step_types`` (count per type),
    ``operations``, ``params``, ``entry_steps``, ``terminal_steps``, ``edges``, ``depth``
    (longest chain, in steps), ``max_parallelism`` (widest level), ``critical_path`` (one
    longest chain), ``choices`` (name → then/else).
    """
    plan = workflow._plan
    level: dict[str, int] = {}
    best_parent: dict[str, str | None] = {}
    for name in plan.order:
        deps = plan.graph[name]
        parent = max(deps, key=lambda d: level[d], default=None)
        best_parent[name] = parent
        level[name] = 0 if parent is None else level[parent] + 1
    path: list[str] = []
    if level:
        node: str | None = max(plan.order, key=lambda n: level[n])
        while node is not None:
            path.append(node)
            node = best_parent[node]
        path.reverse()
    widths = Counter(level.values())
    operations: list[str] = []
    for step in workflow.steps:
        inner: Step = step
        while True:
            if isinstance(inner, OperationStep) and inner.operation_name not in operations:
                operations.append(inner.operation_name)
            if not isinstance(inner, MapStep):
                break
            inner = inner.step
    return {
        "name": workflow.name,
        "description": workflow.description,
        "version": workflow.version,
        "mode": "dag" if workflow.is_dag else "sequential",
        "policy": workflow.policy.value,
        "max_concurrency": workflow.max_concurrency,
        "step_count": len(workflow.steps),
        "step_types": dict(Counter(s.step_type.value for s in workflow.steps)),
        "operations": operations,
        "params": list(workflow.params_schema),
        "entry_steps": [n for n in plan.order if not plan.graph[n]],
        "terminal_steps": [n for n in plan.order if not plan.dependents[n]],
        "edges": sum(len(plan.graph[n]) for n in plan.order),
        "depth": len(path),
        "max_parallelism": max(widths.values(), default=0),
        "critical_path": path,
        "choices": {
            s.name: {"then": s.then_step, "else": s.else_step}
            for s in workflow.steps
            if isinstance(s, ChoiceStep)
        },
    }
