"""Workflow files: YAML and JSON, validation errors with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from spine.orchestration import (
    Step,
    Workflow,
    WorkflowFileError,
    dump_workflow,
    dumps_workflow,
    load_workflow,
    loads_workflow,
)

WEEKLY = """\
name: finra.otc.weekly
description: Weekly OTC transparency load
policy: stop
max_concurrency: 2
params:
  week_ending: {type: week_ending}
  tier: {type: str, default: NMS_TIER_1}
steps:
  - name: ingest
    operation: finra.otc.ingest
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
  - name: cool_down
    seconds: 5
"""


def test_a_yaml_workflow_loads_with_types_inferred_from_keys(tmp_path: Path) -> None:
    path = tmp_path / "weekly.yaml"
    path.write_text(WEEKLY)
    wf = load_workflow(path)
    assert wf.name == "finra.otc.weekly"
    assert [s.step_type.value for s in wf.steps] == [
        "operation",
        "choice",
        "operation",
        "operation",
        "map",
        "wait",
    ]
    assert wf.get_step("ingest").retry is not None
    assert wf.max_concurrency == 2
    assert wf.params_schema["tier"].default == "NMS_TIER_1"


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_workflows_round_trip_through_files(tmp_path: Path, suffix: str) -> None:
    wf = loads_workflow(WEEKLY)
    path = dump_workflow(wf, tmp_path / f"weekly{suffix}")
    assert load_workflow(path) == wf


def test_text_round_trip_in_both_formats() -> None:
    wf = Workflow("w", [Step.operation("a", "x.a"), Step.wait("b", until="2030-01-01T00:00:00Z")])
    assert loads_workflow(dumps_workflow(wf)) == wf
    assert loads_workflow(dumps_workflow(wf, "json"), format="json") == wf


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: x\nsteps:\n  - name: a\n   operation: o.a\n",
            "wf.yaml:4: invalid YAML",
        ),
        (
            "name: x\nname: y\nsteps: []\n",
            "wf.yaml:2: duplicate key 'name' (first on line 1)",
        ),
        (
            "name: x\nsteps:\n  - name: a\n    operation: o.a\n    depend_on: [b]\n",
            "wf.yaml:5: steps[0].depend_on: Extra inputs are not permitted",
        ),
        (
            "name: x\nsteps:\n  - name: a\n    operation: o.a\n    timeout: -3\n",
            "wf.yaml:5: steps[0].timeout: Input should be greater than 0",
        ),
        (
            "name: x\nsteps:\n  - name: a\n    foo: 1\n",
            "wf.yaml:3: steps[0]: a step needs a 'type'",
        ),
        (
            "name: x\nsteps:\n  - name: a\n    operation: o.a\n  - name: a\n    operation: o.b\n",
            "wf.yaml:5: steps[1].name: workflow 'x' has two steps named 'a'",
        ),
        (
            "name: x\nsteps:\n  - name: load\n    operation: o\n  - name: b\n    operation: o\n"
            "    depends_on: [lod]\n",
            "wf.yaml:7: steps[1].depends_on: workflow 'x': step 'b' depends on unknown step 'lod'",
        ),
        (
            "name: x\nsteps:\n  - name: a\n    operation: o\n    depends_on: [b]\n"
            "  - name: b\n    operation: o\n    depends_on: [a]\n",
            "wf.yaml:5: steps[0].depends_on: workflow 'x' has a dependency cycle: a -> b -> a",
        ),
        (
            "name: x\nsteps:\n  - name: r\n    condition: outputs.a.n >\n    then: r2\n",
            "wf.yaml:4: steps[0].condition: syntax error",
        ),
        (
            "name: x\nsteps:\n  - name: r\n    condition: __import__('os')\n    then: r2\n",
            "wf.yaml:4: steps[0].condition: function '__import__' is not allowed",
        ),
        (
            "name: x\nsteps:\n  - {name: a, operation: o}\n"
            "  - {name: r, condition: 'outputs.b.n > 1', then: c}\n"
            "  - {name: c, operation: o}\n",
            "wf.yaml:4: steps[1].condition: workflow 'x': step 'r' reads outputs.b",
        ),
        (
            "name: x\nsteps:\n  - name: m\n    items_from: params.weeks\n    step:\n"
            "      name: w\n      operation: o.w\n      config: 3\n",
            "wf.yaml:8: steps[0].step.config: Input should be a valid dictionary",
        ),
        (
            "name: x\nparams:\n  week: {type: colour}\nsteps: []\n",
            "wf.yaml:3: params.week",
        ),
        ("- just\n- a list\n", "wf.yaml:1: a workflow file holds a mapping"),
        ("steps: []\n", "wf.yaml:1: name: required field is missing"),
        (
            "name: x\nsteps:\n  - name: f\n    type: function\n    ref: no.such.module:fn\n",
            "wf.yaml:5: steps[0].ref: cannot import 'no.such.module:fn'",
        ),
    ],
)
def test_malformed_yaml_files_report_file_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(WorkflowFileError) as info:
        loads_workflow(text, source="wf.yaml")
    assert str(info.value).startswith(expected), str(info.value)


def test_malformed_json_reports_the_line() -> None:
    with pytest.raises(WorkflowFileError, match=r"^wf.json:3: invalid JSON"):
        loads_workflow('{\n  "name": "x",\n  "steps": [}\n', format="json", source="wf.json")
    with pytest.raises(WorkflowFileError, match=r"^wf.json:4: steps\[0\].depends_on"):
        loads_workflow(
            '{\n  "name": "x",\n  "steps": [\n'
            '    {"name": "a", "operation": "o", "depends_on": ["z"]}\n  ]\n}',
            format="json",
            source="wf.json",
        )


def test_file_errors_keep_their_parts(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nsteps:\n  - name: a\n    operation: o.a\n    timeout: 0\n")
    with pytest.raises(WorkflowFileError) as info:
        load_workflow(path)
    assert info.value.path == str(path)
    assert info.value.line == 5
    assert info.value.field == "steps[0].timeout"
    assert isinstance(info.value, ValueError)


def test_unreadable_and_unknown_suffix_files_are_file_errors(tmp_path: Path) -> None:
    with pytest.raises(WorkflowFileError, match="cannot read the file"):
        load_workflow(tmp_path / "missing.yaml")
    with pytest.raises(WorkflowFileError, match="cannot tell the format"):
        load_workflow(tmp_path / "weekly.txt")


def test_inline_lambdas_cannot_be_written_to_a_file() -> None:
    from spine.orchestration import WorkflowDefinitionError

    wf = Workflow("w", [Step.lambda_("a", lambda ctx, cfg: {})])
    with pytest.raises(WorkflowDefinitionError, match="inline callable"):
        dumps_workflow(wf)
