"""ContainerJobSpec, redaction, hashing, JobError's place in the taxonomy, validator, router."""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import sys
import textwrap

import pytest

from spine.execution.outcome import error_from_wire, error_to_wire
from spine.execution.runtimes import (
    ContainerJobSpec,
    ErrorCategory,
    JobError,
    ResourceRequirements,
    RuntimeAdapterRouter,
    RuntimeCapabilities,
    RuntimeConstraints,
    SpecValidator,
    StubRuntimeAdapter,
    VolumeMount,
    job_external_name,
    redact_spec,
)
from spine.execution.runtimes._types import CATEGORY_MAP
from spine.types import ErrorCategory as Taxonomy
from spine.types import SpineError, is_retryable
from spine.types.secrets import SecretValue


def spec(**options: object) -> ContainerJobSpec:
    options.setdefault("command", ["sh", "-c", "true"])
    return ContainerJobSpec(name="job", image="busybox", **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the spec


def test_to_dict_leaves_defaults_out_and_lists_sequences() -> None:
    s = spec(args=("a",), volumes=[VolumeMount("data", "/data", "/srv/data", read_only=True)])
    assert s.to_dict() == {
        "name": "job",
        "image": "busybox",
        "command": ["sh", "-c", "true"],
        "args": ["a"],
        "volumes": [
            {"name": "data", "mount_path": "/data", "host_path": "/srv/data", "read_only": True}
        ],
    }


def test_spec_hash_is_stable_across_processes_and_key_order() -> None:
    a = spec(env={"B": "2", "A": "1"}, labels={"team": "otc"})
    b = spec(labels={"team": "otc"}, env={"A": "1", "B": "2"})
    assert a.spec_hash() == b.spec_hash()
    code = textwrap.dedent(
        """
        from spine.execution.runtimes import ContainerJobSpec
        s = ContainerJobSpec(name="job", image="busybox", command=["sh", "-c", "true"],
                             env={"A": "1", "B": "2"}, labels={"team": "otc"})
        print(s.spec_hash())
        """
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == a.spec_hash()
    assert spec(env={"A": "1", "B": "3"}, labels={"team": "otc"}).spec_hash() != a.spec_hash()


def test_secret_env_values_never_show_in_redaction_repr_or_hash() -> None:
    s = spec(
        env={
            "DB_PASSWORD": "pw-1",
            "GITHUB_TOKEN": "pw-2",
            "AWS_SECRET_ACCESS_KEY": "pw-3",
            "OPAQUE": SecretValue("pw-4"),
            "SOURCE_URL": "mysql://etl:pw-5@db/otc",
            "LOG_LEVEL": "debug",
        },
        args=["--url", "postgresql://u:pw-6@h/db"],
        image_pull_secret="pw-7",
    )
    shown = json.dumps(redact_spec(s)) + repr(s)
    for n in range(1, 8):
        assert f"pw-{n}" not in shown
    assert redact_spec(s)["env"]["LOG_LEVEL"] == "debug"
    assert redact_spec(s)["env"]["SOURCE_URL"] == "mysql://etl:***REDACTED***@db/otc"
    assert s.env_values()["OPAQUE"] == "pw-4"  # what the adapter hands the job
    assert (
        spec(env={"DB_PASSWORD": "other"}).spec_hash()
        == spec(env={"DB_PASSWORD": "pw-1"}).spec_hash()
    )


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"command": []}, "command is empty"),
        ({"command": [""]}, "command is empty"),
        ({"timeout_seconds": -1}, "timeout_seconds"),
        ({"timeout_seconds": float("inf")}, "timeout_seconds"),
        ({"env": {"X": 1}}, "env['X'] must be a str"),
        ({"resources": ResourceRequirements(memory="lots")}, "memory must look like"),
        ({"resources": ResourceRequirements(cpu="-1")}, "cpu must be"),
        ({"resources": ResourceRequirements(gpu=-1)}, "resources.gpu"),
        ({"volumes": [VolumeMount("v", "relative")]}, "mount_path must be absolute"),
        ({"image_pull_policy": "sometimes"}, "image_pull_policy"),
        ({"max_cost_usd": -2}, "max_cost_usd"),
        ({"labels": {"ok": 1}}, "labels"),
    ],
)
def test_problems_name_what_is_wrong(options: dict[str, object], fragment: str) -> None:
    problems = spec(**options).problems()
    assert any(fragment in p for p in problems), problems


def test_a_bad_name_is_a_problem() -> None:
    assert ContainerJobSpec(name="", image="x", command=["true"]).problems()
    assert ContainerJobSpec(name="-x", image="x", command=["true"]).problems()


def test_resource_notation_is_parsed() -> None:
    r = ResourceRequirements(cpu="250m", memory="1.5Gi")
    assert r.cpu_cores == 0.25
    assert r.memory_mb == 1536.0


def test_external_names_are_dns_labels_and_unique_per_execution() -> None:
    a = job_external_name("01JFZ8Q4W7K3M2N5P6R8S9T0VX", "FINRA OTC ingest!" * 10)
    b = job_external_name("01JFZ8Q4W7K3M2N5P6R8S9T0VY", "FINRA OTC ingest!" * 10)
    assert a != b
    assert len(a) <= 63
    assert a == a.lower()
    assert all(c.isalnum() or c == "-" for c in a)
    assert not a.endswith("-")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("category", list(ErrorCategory))
def test_every_job_category_maps_onto_the_taxonomy(category: ErrorCategory) -> None:
    err = JobError(category, "x")
    taxonomy, retryable = CATEGORY_MAP[category]
    assert isinstance(err, SpineError)
    assert err.category is taxonomy
    assert err.retryable is retryable
    assert is_retryable(err) is retryable
    assert err.job_category is category


def test_transient_runtime_failures_are_retryable_and_user_failures_are_not() -> None:
    assert is_retryable(JobError("runtime_unavailable", "daemon down"))
    assert is_retryable(JobError("image_pull", "registry timeout"))
    for category in ("oom", "timeout", "user_code", "validation", "not_found", "auth"):
        assert not is_retryable(JobError(category, "x"))
    assert is_retryable(JobError("oom", "x", retryable=True))  # the raiser may say otherwise


def test_job_errors_survive_pickling_and_the_wire() -> None:
    err = JobError(ErrorCategory.OOM, "killed", exit_code=137, runtime="docker")
    again = pickle.loads(pickle.dumps(err))
    assert (again.job_category, again.exit_code, again.runtime) == (
        ErrorCategory.OOM,
        137,
        "docker",
    )
    assert JobError.from_dict(err.to_dict()).to_dict() == err.to_dict()
    rebuilt = error_from_wire(error_to_wire(err))
    assert isinstance(rebuilt, JobError)
    assert rebuilt.category is Taxonomy.OPERATION
    assert rebuilt.retryable is False


def test_an_unknown_category_value_becomes_unknown() -> None:
    assert JobError("exploded", "x").job_category is ErrorCategory.UNKNOWN


# --------------------------------------------------------------------------- validator


def test_the_validator_checks_capabilities_limits_and_budget() -> None:
    validator = SpecValidator()
    gpu = spec(resources=ResourceRequirements(gpu=1), volumes=[VolumeMount("d", "/d")])
    assert validator.validate(gpu, RuntimeCapabilities()) == [
        "Spec requires GPU but runtime does not support it",
        "Spec requires volumes but runtime does not support them",
    ]
    assert (
        validator.validate(gpu, RuntimeCapabilities(supports_gpu=True, supports_volumes=True)) == []
    )
    limits = RuntimeConstraints(
        max_timeout_seconds=900, max_env_count=1, max_memory_mb=512, max_cpu_cores=1
    )
    big = spec(
        timeout_seconds=3600,
        env={"A": "1", "B": "2"},
        resources=ResourceRequirements(cpu="2", memory="1Gi"),
    )
    assert validator.validate(big, RuntimeCapabilities(), limits) == [
        "timeout 3600s exceeds the runtime maximum of 900s",
        "2 env variables exceed the runtime maximum of 1",
        "cpu 2 cores exceeds the runtime maximum of 1",
        "memory 1024MiB exceeds the runtime maximum of 512MiB",
    ]
    priced = RuntimeConstraints(cost_per_cpu_hour_usd=1.0)
    assert validator.validate(spec(max_cost_usd=2.0, timeout_seconds=3600), None, priced) == []
    assert validator.validate(spec(max_cost_usd=0.5, timeout_seconds=3600), None, priced) == [
        "Estimated cost $1.00 exceeds the budget of $0.50 (max_cost_usd)"
    ]
    strict = SpecValidator(require_cost_estimate=True)
    assert strict.validate(spec(max_cost_usd=1.0), None, RuntimeConstraints()) != []


def test_validate_or_raise_names_the_job_runtime_and_violations() -> None:
    with pytest.raises(JobError) as info:
        SpecValidator().validate_or_raise(
            spec(resources=ResourceRequirements(gpu=2)), StubRuntimeAdapter()
        )
    assert info.value.job_category is ErrorCategory.VALIDATION
    assert str(info.value) == (
        "[validation] job 'job' cannot run on runtime 'stub': "
        "Spec requires GPU but runtime does not support it"
    )


# --------------------------------------------------------------------------- router


def test_the_router_routes_by_name_then_default_then_capability() -> None:
    router = RuntimeAdapterRouter()
    plain = StubRuntimeAdapter(runtime_name="plain")
    gpu = StubRuntimeAdapter(
        runtime_name="gpu", capabilities=RuntimeCapabilities(supports_gpu=True)
    )
    router.register(plain)
    router.register("gpu-box", gpu)
    assert router.list_runtimes() == ["plain", "gpu-box"]
    assert router.default_runtime == "plain"
    assert router.route(spec()) is plain
    assert router.route(spec(resources=ResourceRequirements(gpu=1))) is gpu
    assert router.route(spec(runtime="gpu-box")) is gpu
    router.set_default("gpu-box")
    assert router.route(spec()) is gpu
    with pytest.raises(JobError) as info:
        router.route(spec(runtime="k8s"))
    assert info.value.job_category is ErrorCategory.NOT_FOUND
    assert "registered: plain, gpu-box" in str(info.value)
    assert router.unregister("gpu-box") is True
    assert router.default_runtime == "plain"
    assert router.unregister("gpu-box") is False
    assert router.get("gpu-box") is None


def test_the_router_falls_back_to_the_default_when_nothing_can_run_a_spec() -> None:
    router = RuntimeAdapterRouter()
    stub = StubRuntimeAdapter()
    router.register(stub)
    assert router.route(spec(resources=ResourceRequirements(gpu=1))) is stub
    with pytest.raises(JobError, match="no runtime is registered"):
        RuntimeAdapterRouter().route(spec())


def test_the_router_refuses_what_is_not_an_adapter() -> None:
    with pytest.raises(JobError, match="does not implement RuntimeAdapter"):
        RuntimeAdapterRouter().register("x", object())  # type: ignore[arg-type]


def test_health_all_reports_every_runtime() -> None:
    from spine.execution.runtimes import FailingAdapter

    router = RuntimeAdapterRouter()
    router.register(StubRuntimeAdapter())
    router.register(FailingAdapter("runtime_unavailable", "down", on=["health"]))
    health = asyncio.run(router.health_all())
    assert health["stub"].healthy is True
    assert health["failing"].healthy is False
    assert "down" in (health["failing"].message or "")
