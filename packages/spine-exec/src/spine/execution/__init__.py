"""`spine.execution`: execution ledger, dispatcher, retries, DLQ, locks and crash-safe workers.

This package is a placeholder in this release: it builds, installs and imports, and its
public API lands in a later release of the spine workspace.
"""

from __future__ import annotations

__all__: list[str] = []
