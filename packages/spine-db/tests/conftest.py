"""Every test closes the spine connections it opens (see spine.db.testing.closing_connections)."""

from __future__ import annotations

from spine.db.testing.pytest_plugin import (  # noqa: F401 - fixtures
    close_leftover_connections,
    memory_db,
    memory_db_factory,
)
