"""SpecValidator: the pre-submit gate - what a runtime can do, its limits, and the budget.

::

    validate(spec, capabilities, constraints) -> violations (list of str; empty = OK)
      ├── the spec itself         spec.problems(): empty command, bad timeout, bad env...
      ├── capability checks       GPU, volumes, sidecars, init containers
      ├── constraint checks       constraints.validate_spec(): timeout, cpu, memory, env
      └── budget gate             max_cost_usd against constraints.estimate_cost_usd()
    validate_or_raise(spec, adapter) -> JobError(VALIDATION) naming every violation

Example:
    >>> from spine.execution.runtimes import ContainerJobSpec, ResourceRequirements
    >>> from spine.execution.runtimes import RuntimeCapabilities
    >>> validator = SpecValidator()
    >>> spec = ContainerJobSpec(
    ...     name="gpu-job", image="nvidia/cuda:12", resources=ResourceRequirements(gpu=1),
    ... )
    >>> validator.validate(spec, RuntimeCapabilities(supports_gpu=False))
    ['Spec requires GPU but runtime does not support it']
"""

from __future__ import annotations

from spine.execution.runtimes._types import (
    ContainerJobSpec,
    JobError,
    JobErrorCategory,
    RuntimeAdapter,
    RuntimeCapabilities,
    RuntimeConstraints,
)

__all__ = ["SpecValidator"]


class SpecValidator:
    """Checks a spec against a runtime before anything is submitted.

    Args:
        require_cost_estimate: Refuse a spec with ``max_cost_usd`` on a runtime that cannot
            estimate cost (default: allow it - such runtimes, like local processes, are
            treated as free).
    """

    def __init__(self, *, require_cost_estimate: bool = False) -> None:
        self.require_cost_estimate = require_cost_estimate

    def validate(
        self,
        spec: ContainerJobSpec,
        capabilities: RuntimeCapabilities | None = None,
        constraints: RuntimeConstraints | None = None,
    ) -> list[str]:
        """Every violation of ``spec`` on a runtime with these capabilities and constraints."""
        violations = spec.problems()
        caps = capabilities if capabilities is not None else RuntimeCapabilities()
        gpu = spec.resources.gpu if not violations else None
        if isinstance(gpu, int) and gpu > 0 and not caps.supports_gpu:
            violations.append("Spec requires GPU but runtime does not support it")
        if spec.volumes and not caps.supports_volumes:
            violations.append("Spec requires volumes but runtime does not support them")
        if spec.sidecars and not caps.supports_sidecars:
            violations.append("Spec requires sidecars but runtime does not support them")
        if spec.init_containers and not caps.supports_init_containers:
            violations.append("Spec requires init containers but runtime does not support them")
        if violations:
            return violations  # limits and cost of a malformed spec mean nothing
        limits = constraints if constraints is not None else RuntimeConstraints()
        violations.extend(limits.validate_spec(spec))
        if spec.max_cost_usd is not None:
            estimate = limits.estimate_cost_usd(spec)
            if estimate is None:
                if self.require_cost_estimate:
                    violations.append(
                        f"Spec has a budget of ${spec.max_cost_usd:.2f} but the runtime cannot "
                        "estimate cost"
                    )
            elif estimate > spec.max_cost_usd:
                violations.append(
                    f"Estimated cost ${estimate:.2f} exceeds the budget of "
                    f"${spec.max_cost_usd:.2f} (max_cost_usd)"
                )
        return violations

    def validate_or_raise(self, spec: ContainerJobSpec, adapter: RuntimeAdapter) -> None:
        """Raise when ``spec`` cannot run on ``adapter``.

        Raises:
            JobError: VALIDATION (not retryable), naming the job, the runtime and every
                violation.
        """
        violations = self.validate(spec, adapter.capabilities, adapter.constraints)
        if violations:
            raise JobError(
                JobErrorCategory.VALIDATION,
                f"job {spec.name!r} cannot run on runtime {adapter.runtime_name!r}: "
                + "; ".join(violations),
                runtime=adapter.runtime_name,
            )

    def __repr__(self) -> str:
        return f"SpecValidator(require_cost_estimate={self.require_cost_estimate})"
