"""Which test backends exist, where they are (environment variables) and whether they answer.

==========  ===========================  ==============================================
backend     URL variable                 default
==========  ===========================  ==============================================
sqlite      (none)                       a temporary file
postgres    ``SPINE_TEST_POSTGRES_URL``  ``postgresql://postgres@127.0.0.1:5432/test``
mysql       ``SPINE_TEST_MYSQL_URL``     ``mysql://root@127.0.0.1:3306/test``
oracle      ``SPINE_TEST_ORACLE_URL``    none: skipped unless set
db2         ``SPINE_TEST_DB2_URL``       none: skipped unless set
==========  ===========================  ==============================================

``SPINE_REQUIRE_BACKENDS`` (comma list, e.g. ``sqlite,postgres,mysql``) turns "skip because
unreachable" into a failure for the backends it names (CI sets it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from spine.db.connection import connect
from spine.db.dialects import dialect_name_for
from spine.db.drivers import all_drivers, get_driver
from spine.types import SpineError

__all__ = [
    "BACKENDS",
    "BACKEND_ENV",
    "DEFAULT_URLS",
    "BackendStatus",
    "backend_test_name",
    "backend_url",
    "probe_backend",
    "required_backends",
]

BACKENDS: tuple[str, ...] = tuple(d.test_name for d in all_drivers())
"""Backend names used by the test fixtures (each driver's ``test_name``: ``postgres`` is the
``postgresql`` dialect)."""

BACKEND_ENV: dict[str, str] = {
    d.test_name: d.test_url_env for d in all_drivers() if d.test_url_env is not None
}
"""Environment variable holding each server backend's test URL."""

DEFAULT_URLS: dict[str, str] = {
    d.test_name: d.default_test_url for d in all_drivers() if d.default_test_url is not None
}
"""Default test URLs (local services); backends without one are skipped unless configured."""

PROBE_TIMEOUT = 3.0


def backend_test_name(name: str) -> str:
    """The test name (``postgres``) of any backend name or alias (``postgresql``, ``pg``).

    Raises:
        InvalidConfigError: unknown backend.
    """
    return get_driver(dialect_name_for(name)).test_name


def backend_url(name: str) -> str | None:
    """The test URL of backend ``name`` (``None`` for an embedded backend such as SQLite, or
    when unset with no default)."""
    driver = get_driver(dialect_name_for(name))
    if driver.test_url_env is None and driver.default_test_url is None:
        return None
    value = os.environ.get(driver.test_url_env or "", "").strip()
    return value or driver.default_test_url


def required_backends() -> frozenset[str]:
    """Database backends named in ``SPINE_REQUIRE_BACKENDS`` (canonical test names).

    Names that are not databases (``docker``, required by other suites) are left out.
    """
    raw = os.environ.get("SPINE_REQUIRE_BACKENDS", "")
    out: set[str] = set()
    for name in raw.replace(" ", "").split(","):
        if not name:
            continue
        try:
            out.add(backend_test_name(name))
        except SpineError:  # not a database dialect: another suite's backend
            continue
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class BackendStatus:
    """Whether a test backend can be used, and why not."""

    name: str
    available: bool
    reason: str = ""
    url: str | None = None

    @property
    def required(self) -> bool:
        """Whether ``SPINE_REQUIRE_BACKENDS`` names this backend."""
        return self.name in required_backends()


@cache
def probe_backend(name: str) -> BackendStatus:
    """Connect once (3 s timeout) to see whether backend ``name`` is usable (cached)."""
    key = backend_test_name(name)
    driver = get_driver(dialect_name_for(name))
    if not driver.connect_in_thread:  # embedded: nothing to reach
        return BackendStatus(key, True)
    url = backend_url(key)
    if url is None:
        return BackendStatus(key, False, f"{key}: {driver.test_url_env} is not set")
    try:
        conn = connect(url, connect_timeout=PROBE_TIMEOUT)
    except SpineError as exc:
        from spine.db.url import mask_url

        return BackendStatus(key, False, f"{key} unavailable at {mask_url(url)}: {exc}", url)
    conn.close()
    return BackendStatus(key, True, "", url)
