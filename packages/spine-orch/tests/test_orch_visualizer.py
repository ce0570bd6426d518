"""visualize_mermaid, visualize_ascii, visualize_summary."""

from __future__ import annotations

from typing import Any

from spine.orchestration import (
    Step,
    StepResult,
    Workflow,
    WorkflowRunner,
    visualize_ascii,
    visualize_mermaid,
    visualize_summary,
)


def transform_fn(ctx: Any, cfg: Any) -> dict[str, Any]:
    return {}


def etl() -> Workflow:
    return Workflow(
        name="etl.operation",
        steps=[
            Step.operation("extract", "data.extract"),
            Step.lambda_("transform", transform_fn),
            Step.operation("load", "data.load"),
        ],
    )


def test_mermaid_output_of_the_spec_example() -> None:
    assert visualize_mermaid(etl()) == "\n".join(
        [
            "graph TD",
            '    extract["extract<br/>data.extract"]',
            '    transform("transform")',
            '    load["load<br/>data.load"]',
            "    extract --> transform",
            "    transform --> load",
        ]
    )


def test_ascii_output_of_the_spec_example() -> None:
    assert visualize_ascii(etl()) == "\n".join(
        [
            "┌─────────┐    ┌───────────┐    ┌──────┐",
            "│ extract │───▶│ transform │───▶│ load │",
            "└─────────┘    └───────────┘    └──────┘",
        ]
    )


def branching() -> Workflow:
    return Workflow(
        "w",
        [
            Step.operation("ingest", "o.ingest"),
            Step.choice("route", "outputs.ingest.rows > 0", "publish", "alert"),
            Step.operation("publish", "o.publish"),
            Step.function("alert", lambda: None),
            Step.wait("pause", 30),
            Step.map("end", "params.xs", Step.operation("w", "o.w")),
        ],
    )


def test_mermaid_shapes_per_step_type_and_labelled_branches() -> None:
    text = visualize_mermaid(branching(), direction="LR")
    assert text.startswith("graph LR")
    assert 'route{"route<br/>outputs.ingest.rows #gt; 0"}' in text
    assert 'pause[["pause<br/>30s"]]' in text
    assert 'end_step[/"end<br/>fan-out: w"/]' in text  # "end" is a Mermaid keyword
    assert 'alert("alert")' in text
    assert "route -->|then| publish" in text
    assert "route -->|else| alert" in text
    assert "publish --> pause" in text
    assert "alert --> pause" in text


def test_mermaid_colours_nodes_by_run_status() -> None:
    wf = Workflow(
        "w",
        [
            Step.choice("c", "true", "a", "b"),
            Step.lambda_("a", lambda ctx, cfg: StepResult.fail("x")),
            Step.lambda_("b", lambda ctx, cfg: {}),
        ],
    )
    result = WorkflowRunner().execute(wf)
    text = visualize_mermaid(wf, result=result)
    assert "class c completed" in text
    assert "class a failed" in text
    assert "class b pending" in text


def test_ascii_wraps_long_chains_and_draws_dags_by_level() -> None:
    long = Workflow("l", [Step.operation(f"step_{i:02d}", "o.x") for i in range(8)])
    lines = visualize_ascii(long, width=60).splitlines()
    assert len(lines) > 3
    assert all(len(line) <= 60 for line in lines)
    assert lines[4].startswith("───▶")
    dag = visualize_ascii(branching())
    assert " 0 │ ingest │" in dag
    assert "│ publish │  │ alert │" in dag
    assert "route ─then─▶ publish" in dag
    assert "route ─else─▶ alert" in dag


def test_summary_describes_the_shape() -> None:
    summary = visualize_summary(branching())
    assert summary["mode"] == "sequential"
    assert summary["step_count"] == 6
    assert summary["step_types"] == {
        "operation": 2,
        "choice": 1,
        "function": 1,
        "wait": 1,
        "map": 1,
    }
    assert summary["operations"] == ["o.ingest", "o.publish", "o.w"]
    assert summary["entry_steps"] == ["ingest"]
    assert summary["terminal_steps"] == ["end"]
    assert summary["depth"] == 5
    assert summary["max_parallelism"] == 2
    assert summary["critical_path"] == ["ingest", "route", "publish", "pause", "end"]
    assert summary["choices"] == {"route": {"then": "publish", "else": "alert"}}


def test_empty_workflow_draws_a_note() -> None:
    assert "no steps" in visualize_ascii(Workflow("e", []))
    assert visualize_mermaid(Workflow("e", [])) == "graph TD"
