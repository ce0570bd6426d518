"""The workflow document schema (pydantic) and its conversion to Workflow/Step (internal).

One schema serves :meth:`Workflow.from_dict`, :meth:`Step.from_dict` and the workflow files
(:mod:`spine.orchestration.files`), so a mistake is reported the same way everywhere, naming
the field (``steps[2].depends_on``); the file loader adds the file name and line.

A step's ``type`` may be left out when its keys say it (``operation:`` → operation,
``condition:``/``then:`` → choice, ``seconds:``/``until:`` → wait, ``items_from:`` → map).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from spine.orchestration._functions import MISSING
from spine.orchestration.errors import WorkflowDefinitionError
from spine.orchestration.expressions import Expression
from spine.orchestration.params import ParamSpec, ParamType
from spine.orchestration.policy import ErrorPolicy
from spine.orchestration.steps import (
    STEP_NAME_RE,
    Step,
    StepType,
    resolve_callable_ref,
)
from spine.types.retry import RetryStrategy

if TYPE_CHECKING:
    from spine.orchestration.workflow import Workflow

__all__ = [
    "WorkflowModel",
    "build_workflow",
    "clean_loc",
    "format_loc",
    "step_from_data",
    "workflow_from_data",
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, arbitrary_types_allowed=True
    )


def _import_ref(value: str) -> str:
    try:
        resolve_callable_ref(value)
    except WorkflowDefinitionError as exc:
        raise ValueError(exc.message) from None
    return value


def _compile(value: str) -> str:
    try:
        Expression(value)
    except WorkflowDefinitionError as exc:
        raise ValueError(exc.message) from None
    return value


RefStr = Annotated[str, AfterValidator(_import_ref)]
"""A ``"module:qualname"`` reference that must import."""
ExprStr = Annotated[str, AfterValidator(_compile)]
"""An expression that must compile."""


class _StepModel(_Model):
    name: str
    depends_on: list[str] = Field(default_factory=list)
    on_error: ErrorPolicy | None = None
    retry: RetryStrategy | None = None
    after_retries: Literal["stop", "continue"] = "stop"
    timeout: float | None = Field(default=None, gt=0)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not STEP_NAME_RE.fullmatch(value):
            raise ValueError("use 1-100 letters, digits, '_' or '-'")
        return value

    @field_validator("retry", mode="before")
    @classmethod
    def _retry(cls, value: Any) -> Any:
        if value is None or isinstance(value, RetryStrategy):
            return value
        if not isinstance(value, Mapping):
            raise ValueError("retry must be a mapping of RetryStrategy fields")
        try:
            return RetryStrategy.from_dict(dict(value))
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"invalid retry: {exc}") from None

    def common(self) -> dict[str, Any]:
        return {
            "depends_on": tuple(self.depends_on),
            "on_error": self.on_error,
            "retry": self.retry,
            "after_retries": self.after_retries,
            "timeout": self.timeout,
        }


class OperationModel(_StepModel):
    type: Literal["operation"] = "operation"
    operation: str = Field(min_length=1)
    config: dict[str, Any] = Field(default_factory=dict)

    def build(self) -> Step:
        return Step.operation(self.name, self.operation, self.config, **self.common())


class LambdaModel(_StepModel):
    type: Literal["lambda"] = "lambda"
    ref: RefStr | None = None
    config: dict[str, Any] = Field(default_factory=dict)

    def build(self) -> Step:
        fn = resolve_callable_ref(self.ref, step=self.name) if self.ref else None
        return Step.lambda_(self.name, fn, self.config, **self.common())


class FunctionModel(_StepModel):
    type: Literal["function"] = "function"
    ref: RefStr
    config: dict[str, Any] = Field(default_factory=dict)
    check_types: bool = True

    def build(self) -> Step:
        fn = resolve_callable_ref(self.ref, step=self.name)
        return Step.function(
            self.name, fn, self.config, check_types=self.check_types, **self.common()
        )


class ChoiceModel(_StepModel):
    type: Literal["choice"] = "choice"
    condition: ExprStr | None = None
    condition_ref: RefStr | None = None
    then: str
    else_: str | None = Field(default=None, alias="else")

    @model_validator(mode="after")
    def _one_condition(self) -> ChoiceModel:
        if self.condition is not None and self.condition_ref is not None:
            raise ValueError("give condition or condition_ref, not both")
        if self.retry is not None:
            raise ValueError("a choice cannot retry")
        return self

    def build(self) -> Step:
        condition: Any = self.condition
        if self.condition_ref is not None:
            condition = resolve_callable_ref(self.condition_ref, step=self.name)
        return Step.choice(
            self.name,
            condition,
            self.then,
            self.else_,
            depends_on=self.depends_on,
            on_error=self.on_error,
        )


class WaitModel(_StepModel):
    type: Literal["wait"] = "wait"
    seconds: float | None = Field(default=None, ge=0)
    until: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_of(self) -> WaitModel:
        if (self.seconds is None) == (self.until is None):
            raise ValueError("a wait step needs exactly one of seconds or until")
        return self

    def build(self) -> Step:
        return Step.wait(self.name, self.seconds, until=self.until, depends_on=self.depends_on)


class MapModel(_StepModel):
    type: Literal["map"] = "map"
    items_from: ExprStr | None = None
    items_from_ref: RefStr | None = None
    step: AnyStepModel
    max_concurrency: int = Field(default=4, ge=1)
    item_param: str = "item"

    @model_validator(mode="after")
    def _one_source(self) -> MapModel:
        if (self.items_from is None) == (self.items_from_ref is None):
            raise ValueError("a map step needs exactly one of items_from or items_from_ref")
        return self

    def build(self) -> Step:
        items: Any = self.items_from
        if self.items_from_ref is not None:
            items = resolve_callable_ref(self.items_from_ref, step=self.name)
        return Step.map(
            self.name,
            items,
            self.step.build(),
            self.max_concurrency,
            item_param=self.item_param,
            **self.common(),
        )


_INFER: tuple[tuple[str, str], ...] = (
    ("operation", "operation"),
    ("items_from", "map"),
    ("items_from_ref", "map"),
    ("condition", "choice"),
    ("condition_ref", "choice"),
    ("then", "choice"),
    ("seconds", "wait"),
    ("until", "wait"),
)


def _step_kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        kind: str | None = getattr(value, "type", None)
        return kind
    if not isinstance(value, Mapping):
        return None
    kind = value.get("type")
    if kind is not None:
        return str(kind)
    for key, inferred in _INFER:
        if key in value:
            return inferred
    return None


AnyStepModel = Annotated[
    Annotated[OperationModel, Tag("operation")]
    | Annotated[LambdaModel, Tag("lambda")]
    | Annotated[FunctionModel, Tag("function")]
    | Annotated[ChoiceModel, Tag("choice")]
    | Annotated[WaitModel, Tag("wait")]
    | Annotated[MapModel, Tag("map")],
    Discriminator(
        _step_kind,
        custom_error_type="step_type",
        custom_error_message=(
            "a step needs a 'type' (operation, lambda, function, choice, wait or map) "
            "or a key that implies one (operation, condition, seconds, items_from)"
        ),
    ),
]

MapModel.model_rebuild()


class ParamModel(_Model):
    type: ParamType = ParamType.ANY
    default: Any = None
    required: bool | None = None
    description: str = ""

    def spec(self) -> ParamSpec:
        default = self.default if "default" in self.model_fields_set else MISSING
        return ParamSpec(self.type, default, self.required, self.description)


class WorkflowModel(_Model):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    version: int = Field(default=1, ge=1)
    policy: ErrorPolicy = ErrorPolicy.STOP
    max_concurrency: int = Field(default=4, ge=1)
    dag: bool | None = None
    params: dict[str, ParamModel | ParamType] = Field(default_factory=dict)
    steps: list[AnyStepModel]

    @field_validator("params")
    @classmethod
    def _params(cls, value: dict[str, ParamModel | ParamType]) -> dict[str, Any]:
        for name, spec in value.items():
            if not name.isidentifier():
                raise ValueError(f"param name {name!r} must be an identifier")
            if isinstance(spec, ParamModel):
                try:
                    spec.spec()
                except WorkflowDefinitionError as exc:
                    raise ValueError(f"param {name!r}: {exc.message}") from None
        return value


def clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """A pydantic error location without the discriminated-union tags it inserts."""
    tags = {t.value for t in StepType}
    out: list[int | str] = []
    previous: int | str | None = None
    for part in loc:
        if not (part in tags and (isinstance(previous, int) or previous == "step")):
            out.append(part)
        previous = part
    return tuple(out)


def format_loc(loc: tuple[int | str, ...]) -> str:
    """``("steps", 2, "operation", "config")`` → ``steps[2].config``."""
    out = ""
    for part in clean_loc(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _definition_error(exc: PydanticValidationError, what: str) -> WorkflowDefinitionError:
    problems = []
    for err in exc.errors(include_url=False):
        field = format_loc(tuple(err["loc"]))
        msg = str(err["msg"]).removeprefix("Value error, ")
        problems.append(f"{field}: {msg}" if field else msg)
    error = WorkflowDefinitionError(f"invalid {what}: " + "; ".join(problems))
    first = exc.errors(include_url=False)[0] if exc.errors() else None
    if first is not None:
        error.with_context(field=format_loc(tuple(first["loc"])))
    return error


def build_workflow(model: WorkflowModel) -> Workflow:
    """A :class:`Workflow` from a validated model (graph errors raise here)."""
    from spine.orchestration.workflow import Workflow

    params = {
        name: spec.spec() if isinstance(spec, ParamModel) else ParamSpec(spec)
        for name, spec in model.params.items()
    }
    return Workflow(
        model.name,
        [s.build() for s in model.steps],
        policy=model.policy,
        params_schema=params,
        max_concurrency=model.max_concurrency,
        description=model.description,
        version=model.version,
        dag=model.dag,
    )


def workflow_from_data(data: Mapping[str, Any]) -> Workflow:
    """Validate ``data`` and build the workflow.

    Raises:
        WorkflowDefinitionError: naming the wrong field.
    """
    if not isinstance(data, Mapping):
        raise WorkflowDefinitionError(f"a workflow must be a mapping, got {type(data).__name__}")
    try:
        model = WorkflowModel.model_validate(data)
    except PydanticValidationError as exc:
        raise _definition_error(exc, f"workflow {data.get('name')!r}") from None
    return build_workflow(model)


_STEP_ADAPTER: Callable[[Any], Any] | None = None


def step_from_data(data: Mapping[str, Any]) -> Step:
    """Validate one step document and build the step."""
    global _STEP_ADAPTER
    if _STEP_ADAPTER is None:
        from pydantic import TypeAdapter

        _STEP_ADAPTER = TypeAdapter(AnyStepModel).validate_python
    try:
        model = _STEP_ADAPTER(data)
    except PydanticValidationError as exc:
        name = data.get("name") if isinstance(data, Mapping) else None
        raise _definition_error(exc, f"step {name!r}") from None
    step: Step = model.build()
    return step
