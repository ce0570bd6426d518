"""Error policies: what a run does when a step fails.

* ``STOP`` — the run stops: no new step starts, steps already running finish, the run is
  ``FAILED`` and can be resumed from the failed step.
* ``CONTINUE`` — the run goes on: in a DAG the failed step's dependents are ``SKIPPED``
  (``upstream_failed``); in a sequential workflow the next steps run (their order is an
  order, not a data dependency). The run ends ``PARTIAL``.
* ``RETRY`` — the step is retried per its :class:`~spine.types.retry.RetryStrategy` (only
  failures the error taxonomy calls retryable; ``retry_after`` is honoured), then the step's
  ``after_retries`` policy (``STOP`` by default, or ``CONTINUE``) applies.

The workflow's ``policy`` is the default; a step's ``on_error`` overrides it, and a step given
a ``retry`` strategy uses ``RETRY`` unless it says otherwise.

Example:
    >>> ErrorPolicy("continue") is ErrorPolicy.CONTINUE
    True
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ErrorPolicy"]


class ErrorPolicy(StrEnum):
    """What a run does when a step fails (see the module docs)."""

    STOP = "stop"
    CONTINUE = "continue"
    RETRY = "retry"
