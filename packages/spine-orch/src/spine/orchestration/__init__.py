"""`spine.orchestration`: workflows, tracked runner with resume, linter and the spine command.

This package is a placeholder in this release: it builds, installs and imports, and its
public API lands in a later release of the spine workspace.
"""

from __future__ import annotations

__all__: list[str] = []
