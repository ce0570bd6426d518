"""Ready-made workflow shapes for the pipelines data engineers write over and over.

* :func:`etl_workflow` — extract → (validate) → transform → load.
* :func:`fan_out_fan_in` — run a worker per item (bounded), then merge the results.
* :func:`backfill_workflow` — run a worker once per week (``WeekEnding``) between two Fridays;
  failed weeks are reported per week and a resume re-runs only those.
* :func:`quality_gated_publish` — produce → quality gate (spine-ops checks, results stored in
  ``core_quality`` when given a connection) → publish, or an ``on_fail`` step.

Each part (``extract``, ``worker``, ``publish``...) is an operation name (``str``), a plain
function (a function step: parameters filled by name) or a ready :class:`Step`.

Example:
    >>> wf = backfill_workflow("otc.backfill", "finra.otc.ingest_week",
    ...                        start="2025-12-05", end="2025-12-26")
    >>> from spine.orchestration.runnable import OperationResult
    >>> class Ingest:
    ...     def submit_operation_sync(self, name, params, **kw):
    ...         return OperationResult.completed({"week": params["week_ending"]})
    >>> from spine.orchestration import WorkflowRunner
    >>> result = WorkflowRunner(Ingest()).execute(wf)
    >>> [r["week"] for r in result.output("backfill")["results"]]
    ['2025-12-05', '2025-12-12', '2025-12-19', '2025-12-26']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from spine.orchestration.context import WorkflowContext
from spine.orchestration.errors import WorkflowDefinitionError
from spine.orchestration.params import ParamSpec
from spine.orchestration.policy import ErrorPolicy
from spine.orchestration.result import StepResult
from spine.orchestration.steps import Step
from spine.orchestration.workflow import Workflow
from spine.types import Connection, WeekEnding

__all__ = [
    "backfill_workflow",
    "etl_workflow",
    "fan_out_fan_in",
    "quality_gated_publish",
    "weeks_between",
]

Part = str | Step | Callable[..., Any]


def _as_step(name: str, part: Part) -> Step:
    if isinstance(part, Step):
        return part
    if isinstance(part, str):
        return Step.operation(name, part)
    if callable(part):
        return Step.function(name, part)
    raise WorkflowDefinitionError(
        f"step {name!r}: expected an operation name, a function or a Step, "
        f"got {type(part).__name__}",
        step=name,
    )


def etl_workflow(
    name: str,
    *,
    extract: Part,
    transform: Part,
    load: Part,
    validate: Part | None = None,
    policy: ErrorPolicy | str = ErrorPolicy.STOP,
    params_schema: Mapping[str, Any] | None = None,
    description: str = "",
) -> Workflow:
    """Extract → (validate) → transform → load, sequential.

    Steps are named ``extract``, ``validate``, ``transform`` and ``load`` unless a ready
    :class:`Step` is passed. With plain functions, outputs flow by name: ``transform(rows)``
    gets the ``rows`` that ``extract`` returned.

    Example:
        >>> def extract() -> dict: return {"rows": [1, 2, 3]}
        >>> def transform(rows: list[int]) -> dict: return {"clean": [r * 10 for r in rows]}
        >>> def load(clean: list[int]) -> dict: return {"loaded": len(clean)}
        >>> from spine.orchestration import WorkflowRunner
        >>> wf = etl_workflow("demo.etl", extract=extract, transform=transform, load=load)
        >>> WorkflowRunner().execute(wf).output("load")
        {'loaded': 3}
    """
    steps = [_as_step("extract", extract)]
    if validate is not None:
        steps.append(_as_step("validate", validate))
    steps += [_as_step("transform", transform), _as_step("load", load)]
    return Workflow(
        name, steps, policy=policy, params_schema=params_schema, description=description
    )


def fan_out_fan_in(
    name: str,
    *,
    items_from: str | Callable[[WorkflowContext], Sequence[Any]],
    worker: Part,
    merge: Part,
    max_concurrency: int = 4,
    item_param: str = "item",
    on_item_failure: ErrorPolicy | str = ErrorPolicy.STOP,
    params_schema: Mapping[str, Any] | None = None,
    description: str = "",
) -> Workflow:
    """Run ``worker`` once per item (``fan_out``, a map step), then ``merge`` (``fan_in``).

    ``merge`` as a function gets the map's output by name: a ``results`` parameter receives the
    per-item outputs in input order, ``fan_out`` the whole output. ``on_item_failure``
    ``continue`` lets the run finish ``PARTIAL`` (``fan_in`` depends on ``fan_out`` and is then
    skipped).

    Example:
        >>> def square(item: int) -> dict: return {"sq": item * item}
        >>> def total(results: list[dict]) -> dict: return {"total": sum(r["sq"] for r in results)}
        >>> from spine.orchestration import WorkflowRunner
        >>> wf = fan_out_fan_in("sq", items_from="params.numbers", worker=square, merge=total)
        >>> WorkflowRunner().execute(wf, {"numbers": [1, 2, 3]}).output("fan_in")
        {'total': 14}
    """
    fan_out = Step.map(
        "fan_out",
        items_from,
        _as_step("worker", worker),
        max_concurrency,
        item_param=item_param,
        on_error=on_item_failure,
    )
    fan_in = _as_step("fan_in", merge)
    return Workflow(
        name,
        [fan_out, fan_in.with_depends_on([*fan_in.depends_on, "fan_out"])],
        params_schema=params_schema,
        description=description,
    )


def weeks_between(start: Any, end: Any) -> dict[str, list[str]]:
    """``{"weeks": [...]}``: the Fridays from ``start`` to ``end`` inclusive, as ISO dates.

    The planning step of :func:`backfill_workflow`.

    Example:
        >>> weeks_between("2025-12-12", "2025-12-26")
        {'weeks': ['2025-12-12', '2025-12-19', '2025-12-26']}
    """
    return {"weeks": [w.isoformat() for w in WeekEnding.range(start, end)]}


def backfill_workflow(
    name: str,
    worker: Part,
    *,
    start: WeekEnding | date | str,
    end: WeekEnding | date | str,
    item_param: str = "week_ending",
    max_concurrency: int = 1,
    on_week_failure: ErrorPolicy | str = ErrorPolicy.CONTINUE,
    description: str = "",
) -> Workflow:
    """Run ``worker`` once per week from ``start`` to ``end`` (Fridays, inclusive).

    Steps: ``plan`` lists the weeks (params ``start`` / ``end``, defaulting to the given
    bounds, so one workflow serves any range), then ``backfill`` runs ``worker`` per week with
    ``params[item_param]`` set to the week's ISO date, ``max_concurrency`` at once. By default
    a failed week does not stop the others: the run ends ``PARTIAL`` with the failed weeks in
    ``output("backfill")["items"]``, and a tracked resume re-runs only those weeks.
    """
    first, last = WeekEnding(_iso(start)), WeekEnding(_iso(end))
    if first > last:
        raise WorkflowDefinitionError(
            f"backfill {name!r}: start {first} is after end {last}", workflow=name
        )
    worker_step = _as_step("week", worker)
    return Workflow(
        name,
        [
            Step.function("plan", weeks_between),
            Step.map(
                "backfill",
                "outputs.plan.weeks",
                worker_step,
                max_concurrency,
                item_param=item_param,
                on_error=on_week_failure,
            ),
        ],
        params_schema={
            "start": ParamSpec("week_ending", default=first),
            "end": ParamSpec("week_ending", default=last),
        },
        description=description or f"backfill {first} .. {last}",
    )


def _iso(value: WeekEnding | date | str) -> str | date:
    return value.date if isinstance(value, WeekEnding) else value


def quality_gated_publish(
    name: str,
    *,
    produce: Part,
    checks: Sequence[Any],
    publish: Part,
    domain: str,
    conn: Connection | None = None,
    on_fail: Part | None = None,
    fail_on_warn: bool = False,
    partition_params: Sequence[str] = (),
    params_schema: Mapping[str, Any] | None = None,
    description: str = "",
) -> Workflow:
    """Produce data, check it with spine-ops quality checks, publish only if it passes.

    Steps: ``produce`` → ``quality_gate`` → ``publish`` (or, with ``on_fail``, a choice
    ``gate_passed`` between ``publish`` and ``on_fail``).

    The gate runs ``checks`` (:class:`spine.ops.QualityCheck`) against the params merged with
    ``produce``'s output (so a check reading ``"rows"`` sees the rows ``produce`` returned).
    With ``conn`` every result is stored in ``core_quality`` (:class:`spine.ops.QualityRunner`,
    partition from ``partition_params``). Its output is ``{"passed", "failures", "warnings",
    "results"}``. A failing gate without ``on_fail`` fails the run with
    :class:`spine.ops.QualityGateError` (not retried); with ``on_fail`` the run goes on down
    the ``on_fail`` branch. ``fail_on_warn`` treats warnings as failures.
    """
    from spine.ops import QualityCheck

    checks = list(checks)
    for check in checks:
        if not isinstance(check, QualityCheck):
            raise WorkflowDefinitionError(
                f"quality_gated_publish {name!r}: checks must be spine.ops.QualityCheck, got "
                f"{type(check).__name__}",
                workflow=name,
            )
    produce_step = _as_step("produce", produce)
    gate = Step.lambda_(
        "quality_gate",
        _gate(
            produce_step.name,
            checks,
            domain,
            conn,
            fail_on_warn=fail_on_warn,
            partition_params=tuple(partition_params),
            route_failures=on_fail is not None,
        ),
    )
    publish_step = _as_step("publish", publish)
    steps: list[Step] = [produce_step, gate]
    if on_fail is None:
        steps.append(publish_step)
    else:
        fail_step = _as_step("on_fail", on_fail)
        steps += [
            Step.choice(
                "gate_passed", "outputs.quality_gate.passed", publish_step.name, fail_step.name
            ),
            publish_step,
            fail_step,
        ]
    return Workflow(name, steps, params_schema=params_schema, description=description)


def _gate(
    produced_by: str,
    checks: list[Any],
    domain: str,
    conn: Connection | None,
    *,
    fail_on_warn: bool,
    partition_params: tuple[str, ...],
    route_failures: bool,
) -> Callable[[WorkflowContext, Mapping[str, Any]], StepResult]:
    from spine.ops import QualityGateError, QualityResult, QualityRunner, QualityStatus

    def gate(ctx: WorkflowContext, config: Mapping[str, Any]) -> StepResult:
        data = {**ctx.params, **ctx.outputs.get(produced_by, {})}
        results: dict[str, QualityResult]
        if conn is not None:
            runner = QualityRunner(conn, domain, execution_id=ctx.run_id)
            for check in checks:
                runner.add(check)
            partition = {p: ctx.params[p] for p in partition_params if p in ctx.params}
            results = runner.run_all(data, partition or dict(ctx.partition))
        else:
            results = {check.name: check.run(data) for check in checks}
        bad = {QualityStatus.FAIL, QualityStatus.WARN} if fail_on_warn else {QualityStatus.FAIL}
        failures = [n for n, r in results.items() if r.status in bad]
        warnings = [n for n, r in results.items() if r.status is QualityStatus.WARN]
        output = {
            "passed": not failures,
            "failures": failures,
            "warnings": warnings,
            "results": {
                n: {"status": r.status.value, "message": r.message} for n, r in results.items()
            },
        }
        if failures and not route_failures:
            error = QualityGateError(failures).with_context(domain=domain)
            return StepResult.fail(error, output=output)
        return StepResult.ok(output)

    return gate
