"""Hypothesis runs without wall-clock limits: CI machines are shared and their timing is noisy.

Properties still run every example; only the per-example deadline and the "input generation
is slow" health check (both timing-based) are off.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "spine", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("spine")
