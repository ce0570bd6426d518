"""Every test closes the spine connections it opens (see spine.db.testing.closing_connections)."""

from __future__ import annotations

from spine.db.testing.pytest_plugin import close_leftover_connections  # noqa: F401 - autouse
