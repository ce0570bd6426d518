"""Shared test setup of spine-ops.

* Every test closes the spine connections it opens (``spine.db.testing.closing_connections``).
* Hypothesis runs without wall-clock limits: CI machines are shared and their timing is noisy.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from spine.db.testing.pytest_plugin import (  # noqa: F401 - fixtures
    close_leftover_connections,
    memory_db,
    memory_db_factory,
)

settings.register_profile(
    "spine", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("spine")
