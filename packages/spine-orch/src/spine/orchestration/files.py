"""Workflow files: a workflow as YAML or JSON, validated, with errors that point at the line.

A file holds what :meth:`Workflow.to_dict` produces::

    name: finra.otc.weekly
    description: Weekly OTC transparency load
    policy: stop                 # stop | continue | retry
    max_concurrency: 4
    params:
      week_ending: {type: week_ending}
      tier: {type: str, default: NMS_TIER_1}
    steps:
      - name: ingest
        operation: finra.otc.ingest          # type inferred from the key
        retry: {max_retries: 3, base_delay: 2}
        timeout: 600
      - name: route
        condition: "outputs.ingest.rows > 0 and params.tier != 'OTC'"
        then: publish
        else: alert
      - name: publish
        operation: finra.otc.publish
      - name: alert
        operation: ops.alert
      - name: per_venue
        items_from: outputs.ingest.venues
        step: {name: venue, operation: finra.otc.venue_stats}
        max_concurrency: 8

Every problem is reported as a :class:`~spine.orchestration.errors.WorkflowFileError` naming
the file, the line and the field (``weekly.yaml:14: steps[1].condition: syntax error ...``):
syntax errors, duplicate keys, unknown or misspelt fields, wrong types, expressions that do not
compile, references to unknown steps, cycles. Choice conditions and ``items_from`` are safe
expressions (:mod:`spine.orchestration.expressions`), never ``eval``.

Example:
    >>> wf = loads_workflow('''
    ... name: demo
    ... steps:
    ...   - {name: fetch, operation: demo.fetch}
    ...   - {name: store, operation: demo.store}
    ... ''')
    >>> wf.topological_order()
    ['fetch', 'store']
    >>> loads_workflow("name: demo\\nsteps:\\n  - {name: a, operation: x, depend_on: [b]}\\n",
    ...                source="demo.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spine.orchestration.errors.WorkflowFileError: demo.yaml:3: steps[0].depend_on: Extra inputs ...
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from spine.orchestration.errors import WorkflowDefinitionError, WorkflowFileError
from spine.orchestration.workflow import Workflow

__all__ = ["dump_workflow", "dumps_workflow", "load_workflow", "loads_workflow"]

Format = Literal["yaml", "json"]
_SUFFIXES: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def _format_of(path: Path, format: Format | None) -> Format:
    if format is not None:
        if format not in ("yaml", "json"):
            raise ValueError(f"format must be 'yaml' or 'json', got {format!r}")
        return format
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise WorkflowFileError(
            f"cannot tell the format from the suffix {path.suffix!r}; use .yaml, .yml or .json "
            "(or pass format=)",
            path=str(path),
        ) from None


def load_workflow(path: str | Path, *, format: Format | None = None) -> Workflow:
    """Read a workflow file (``.yaml``/``.yml``/``.json``).

    Raises:
        WorkflowFileError: the file cannot be read, parsed or validated (path, line, field).
    """
    path = Path(path)
    fmt = _format_of(path, format)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkflowFileError(f"cannot read the file: {exc}", path=str(path)) from None
    return loads_workflow(text, format=fmt, source=str(path))


def loads_workflow(text: str, *, format: Format = "yaml", source: str = "<string>") -> Workflow:
    """Parse a workflow from YAML or JSON text (``source`` names it in errors).

    Raises:
        WorkflowFileError: naming ``source``, the line and the field.
    """
    import yaml

    root: Any = None
    if format == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise WorkflowFileError(
                f"invalid JSON: {exc.msg} (column {exc.colno})", path=source, line=exc.lineno
            ) from None
        try:  # JSON is YAML: the node tree gives line numbers for later errors
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            root = None
    else:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            problem = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
            raise WorkflowFileError(f"invalid YAML: {problem}", path=source, line=line) from None
        except yaml.YAMLError as exc:
            raise WorkflowFileError(f"invalid YAML: {exc}", path=source) from None
        _check_duplicate_keys(root, source)
    if not isinstance(data, Mapping):
        raise WorkflowFileError(
            f"a workflow file holds a mapping (name, steps, ...), got {type(data).__name__}",
            path=source,
            line=1,
        )
    return _build(data, root, source)


def _build(data: Mapping[str, Any], root: Any, source: str) -> Workflow:
    from pydantic import ValidationError as PydanticValidationError

    from spine.orchestration._schema import WorkflowModel, build_workflow, clean_loc, format_loc

    try:
        model = WorkflowModel.model_validate(data)
    except PydanticValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        where = clean_loc(tuple(first["loc"]))
        msg = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "missing":
            msg = "required field is missing"
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise WorkflowFileError(
            msg + more, path=source, line=_line_of(root, where), field=format_loc(where)
        ) from None
    try:
        return build_workflow(model)
    except WorkflowFileError:
        raise
    except WorkflowDefinitionError as exc:
        step = exc.context.step
        field = exc.context.metadata.get("field")
        loc: tuple[int | str, ...] = ()
        steps = data.get("steps")
        if step is not None and isinstance(steps, Sequence):
            index = _step_index(steps, step, exc)
            if index is not None:
                loc = ("steps", index, *(str(field).split(".") if field else ()))
        raise WorkflowFileError(
            exc.message,
            path=source,
            line=_line_of(root, loc) if loc else None,
            field=format_loc(loc) if loc else None,
            step=step,
        ) from None


def _step_index(steps: Sequence[Any], name: str, exc: WorkflowDefinitionError) -> int | None:
    matches = [i for i, s in enumerate(steps) if isinstance(s, Mapping) and s.get("name") == name]
    if not matches:
        return None
    # A duplicate name is reported at its second occurrence.
    return (
        matches[1]
        if exc.context.metadata.get("field") == "name" and len(matches) > 1
        else matches[0]
    )


def _line_of(root: Any, loc: Sequence[int | str]) -> int | None:
    """1-based line of the deepest node of ``loc`` found in the YAML node tree."""
    import yaml

    node = root
    if node is None:
        return None
    best = node
    for part in loc:
        nxt = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if key.value == part:
                    nxt = value if isinstance(value, yaml.MappingNode | yaml.SequenceNode) else key
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            nxt = node.value[part]
        if nxt is None:
            break
        node = best = nxt
    line: int = best.start_mark.line + 1
    return line


def _check_duplicate_keys(node: Any, source: str) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    raise WorkflowFileError(
                        f"duplicate key {key.value!r} (first on line {seen[key.value]})",
                        path=source,
                        line=key.start_mark.line + 1,
                    )
                seen[key.value] = key.start_mark.line + 1
            _check_duplicate_keys(value, source)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, source)


def _json_default(obj: Any) -> Any:
    iso = getattr(obj, "isoformat", None)
    if callable(iso):
        return iso()
    raise TypeError(f"{type(obj).__name__} cannot be written to a workflow file")


def dumps_workflow(workflow: Workflow, format: Format = "yaml") -> str:
    """The workflow as YAML or JSON text (what :func:`loads_workflow` reads back).

    Raises:
        WorkflowDefinitionError: a step holds an inline callable (lambda or closure).
    """
    data = workflow.to_dict()
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n"
    if format != "yaml":
        raise ValueError(f"format must be 'yaml' or 'json', got {format!r}")
    import yaml

    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return text


def dump_workflow(workflow: Workflow, path: str | Path, *, format: Format | None = None) -> Path:
    """Write the workflow to ``path`` (format from the suffix unless given); returns the path."""
    path = Path(path)
    text = dumps_workflow(workflow, _format_of(path, format))
    path.write_text(text, encoding="utf-8")
    return path
