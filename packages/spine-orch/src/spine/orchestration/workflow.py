"""Workflow: a named, validated graph of steps with an error policy and declared params.

A workflow is sequential by default (steps run one at a time in list order). Give any step
``depends_on`` and it becomes a DAG: a step runs when its dependencies are done, independent
steps run in parallel up to ``max_concurrency``. Construction validates the whole graph —
duplicate names, references to unknown steps (``depends_on``, choice branches, ``outputs.X``
in expressions) and cycles (named step by step) raise typed errors before anything runs.

Example:
    >>> wf = Workflow(
    ...     name="otc.weekly",
    ...     steps=[
    ...         Step.operation("ingest", "otc.ingest"),
    ...         Step.operation("tier1", "otc.aggregate", {"tier": 1}, depends_on=["ingest"]),
    ...         Step.operation("tier2", "otc.aggregate", {"tier": 2}, depends_on=["ingest"]),
    ...         Step.operation("publish", "otc.publish", depends_on=["tier1", "tier2"]),
    ...     ],
    ...     max_concurrency=2,
    ... )
    >>> wf.topological_order()
    ['ingest', 'tier1', 'tier2', 'publish']
    >>> wf.dependency_graph()["publish"]
    ['tier1', 'tier2']
    >>> Workflow("bad", [Step.operation("a", "x", depends_on=["b"]),
    ...                  Step.operation("b", "x", depends_on=["a"])])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spine.orchestration.errors.WorkflowCycleError: workflow 'bad' has a ...: a -> b -> a
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from spine.orchestration._plan import Plan, build_plan
from spine.orchestration.errors import WorkflowDefinitionError
from spine.orchestration.params import ParamSpec, normalize_schema
from spine.orchestration.policy import ErrorPolicy
from spine.orchestration.steps import Step

__all__ = ["Workflow"]

T = TypeVar("T")

MAX_NAME_LENGTH = 200


class Workflow:
    """A named graph of steps.

    Args:
        name: Workflow name (``"finra.otc.weekly"``), 1-200 characters.
        steps: The steps, in order.
        policy: Default :class:`ErrorPolicy` of its steps (``STOP``).
        params_schema: Declared params (:mod:`spine.orchestration.params`); ``None`` accepts
            any params.
        max_concurrency: Steps of a DAG running at once (>= 1).
        description: Free text.
        version: Version of the definition (an int you bump when it changes meaning).
        dag: ``None`` (default): a DAG when some step has ``depends_on``, else sequential.
            ``True``: a DAG even without dependencies (independent steps run in parallel).
            ``False``: sequential (``depends_on`` is then an error).

    Raises:
        DuplicateStepError, UnknownStepError, WorkflowCycleError, WorkflowDefinitionError.
    """

    __slots__ = (
        "_cache",
        "_plan",
        "dag",
        "description",
        "max_concurrency",
        "name",
        "params_schema",
        "policy",
        "steps",
        "version",
    )

    name: str
    steps: tuple[Step, ...]
    policy: ErrorPolicy
    params_schema: Mapping[str, ParamSpec]
    max_concurrency: int
    description: str
    version: int
    dag: bool | None
    _plan: Plan
    _cache: dict[str, Any]

    def __init__(
        self,
        name: str,
        steps: Sequence[Step],
        *,
        policy: ErrorPolicy | str = ErrorPolicy.STOP,
        params_schema: Mapping[str, Any] | None = None,
        max_concurrency: int = 4,
        description: str = "",
        version: int = 1,
        dag: bool | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
            raise WorkflowDefinitionError(
                f"workflow name must be a non-empty str of at most {MAX_NAME_LENGTH} "
                f"characters, got {name!r}"
            )
        if isinstance(steps, Step) or not isinstance(steps, Sequence):
            raise WorkflowDefinitionError(
                f"workflow {name!r}: steps must be a list of steps", workflow=name
            )
        try:
            policy = ErrorPolicy(policy)
        except ValueError:
            raise WorkflowDefinitionError(
                f"workflow {name!r}: policy must be stop, continue or retry, got {policy!r}",
                workflow=name,
            ) from None
        if (
            not isinstance(max_concurrency, int)
            or isinstance(max_concurrency, bool)
            or max_concurrency < 1
        ):
            raise WorkflowDefinitionError(
                f"workflow {name!r}: max_concurrency must be an int >= 1, got {max_concurrency!r}",
                workflow=name,
            )
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise WorkflowDefinitionError(
                f"workflow {name!r}: version must be an int >= 1, got {version!r}", workflow=name
            )
        try:
            schema = normalize_schema(params_schema)
        except WorkflowDefinitionError as exc:
            raise WorkflowDefinitionError(
                f"workflow {name!r}: {exc.message}", workflow=name
            ) from None
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "steps", tuple(steps))
        set_(self, "policy", policy)
        set_(self, "params_schema", schema)
        set_(self, "max_concurrency", max_concurrency)
        set_(self, "description", str(description or ""))
        set_(self, "version", version)
        if dag is not None and not isinstance(dag, bool):
            raise WorkflowDefinitionError(
                f"workflow {name!r}: dag must be True, False or None, got {dag!r}", workflow=name
            )
        set_(self, "dag", dag)
        set_(self, "_plan", build_plan(name, self.steps, dag))
        set_(self, "_cache", {})

    def _memo(self, key: str, compute: Callable[[Workflow], T]) -> T:
        """Derived data computed once per workflow (it is immutable)."""
        try:
            value: T = self._cache[key]
        except KeyError:
            value = self._cache[key] = compute(self)
        return value

    # -- graph ----------------------------------------------------------------------------

    @property
    def is_dag(self) -> bool:
        """Whether steps run as a DAG (in parallel where independent)."""
        return self._plan.is_dag

    def dependency_graph(self) -> dict[str, list[str]]:
        """Each step -> the steps it comes after, in plan order.

        For a DAG these are its ``depends_on`` (plus its choice, for a branch step); for a
        sequential workflow, the chain its order implies (branch steps follow their choice,
        and the step after the branches follows them all).
        """
        plan = self._plan
        return {name: list(plan.graph[name]) for name in plan.order}

    def topological_order(self) -> list[str]:
        """Step names in the order a run considers them (list order when sequential)."""
        return list(self._plan.order)

    def step_names(self) -> list[str]:
        """Step names in list order."""
        return list(self._plan.names)

    def get_step(self, name: str) -> Step:
        """The step called ``name`` (``KeyError`` naming the workflow when absent)."""
        try:
            return self._plan.steps[name]
        except KeyError:
            raise KeyError(f"workflow {self.name!r} has no step {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._plan.steps

    def __len__(self) -> int:
        return len(self.steps)

    # -- copies ---------------------------------------------------------------------------

    def replace(self, **changes: Any) -> Workflow:
        """A copy with some constructor arguments changed (validated again)."""
        args: dict[str, Any] = {
            "name": self.name,
            "steps": self.steps,
            "policy": self.policy,
            "params_schema": self.params_schema,
            "max_concurrency": self.max_concurrency,
            "description": self.description,
            "version": self.version,
            "dag": self.dag,
        }
        unknown = set(changes) - set(args)
        if unknown:
            raise TypeError(f"Workflow.replace() got unknown field(s) {sorted(unknown)}")
        args.update(changes)
        return Workflow(**args)

    # -- serialisation --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain data in the workflow-file format (round-trips through :meth:`from_dict`).

        Raises:
            WorkflowDefinitionError: a step holds an inline callable with no import reference.
        """
        data: dict[str, Any] = {"name": self.name}
        if self.description:
            data["description"] = self.description
        if self.version != 1:
            data["version"] = self.version
        if self.policy is not ErrorPolicy.STOP:
            data["policy"] = self.policy.value
        if self.max_concurrency != 4:
            data["max_concurrency"] = self.max_concurrency
        if self.dag is not None:
            data["dag"] = self.dag
        if self.params_schema:
            data["params"] = {n: s.to_dict() for n, s in self.params_schema.items()}
        data["steps"] = [s.to_dict() for s in self.steps]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Workflow:
        """Build a workflow from :meth:`to_dict` output (validated with pydantic).

        Raises:
            WorkflowDefinitionError: naming the field that is wrong (``steps[2].depends_on``).
        """
        from spine.orchestration._schema import workflow_from_data

        return workflow_from_data(data)

    # -- value semantics ------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Workflow is immutable; use replace() (tried to set {name!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Workflow):
            return NotImplemented
        return (
            self.name == other.name
            and self.steps == other.steps
            and self.policy is other.policy
            and dict(self.params_schema) == dict(other.params_schema)
            and self.max_concurrency == other.max_concurrency
            and self.description == other.description
            and self.version == other.version
            and self.dag == other.dag
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        mode = "dag" if self.is_dag else "sequential"
        return f"Workflow({self.name!r}, steps={list(self._plan.names)!r}, mode={mode})"
