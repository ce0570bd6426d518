"""Parsing of database URLs into a :class:`DatabaseURL` (no driver is involved).

Accepted forms::

    None, "memory", ":memory:", "sqlite://", "sqlite:///:memory:"   in-memory SQLite
    "sqlite:///relative/file.db", "sqlite:////abs/file.db"          SQLite file
    "./file.db", "../x.sqlite", "/abs/file.db", "file.db"            SQLite file (bare path)
    "postgresql://user:pw@host:5432/db"  (also postgres://, postgresql+psycopg://)
    "mysql://user:pw@host:3306/db"       (also mariadb://, mysql+mysqlconnector://)
    "oracle://user:pw@host:1521/service" (also oracle+oracledb://)
    "db2://user:pw@host:50000/database"  (also ibm_db://)

User names and passwords may be percent-encoded (``p%40ss`` for ``p@ss``).

Every backend's URL is validated the same way, each failure an ``InvalidConfigError`` naming
the part: the scheme is matched case-insensitively (``SQLITE:///x.db``); control characters
(a stray newline from an environment file) and invalid percent escapes (``%zz``) are refused
wherever they are; a server URL names a host and a database (Oracle: service name;
PostgreSQL may give them as ``host=`` / ``dbname=`` query options, for Unix sockets); query
options are the backend's own (``Driver.query_options``) plus ``connect_timeout`` and
``schema``, each at most once; numeric options are numbers within range (``connect_timeout``
> 0, ``busy_timeout`` >= 0, ...).

Example:
    >>> u = parse_url("postgresql://app:s3cret@db.internal:5432/prod?sslmode=require")
    >>> u.backend, u.host, u.port, u.database
    ('postgresql', 'db.internal', 5432, 'prod')
    >>> u.masked()
    'postgresql://app:***@db.internal:5432/prod?sslmode=require'
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from spine.db.dialects import dialect_name_for
from spine.types import InvalidConfigError

__all__ = ["DEFAULT_PORTS", "DatabaseURL", "mask_url", "missing_server_parts", "parse_url"]

_EMBEDDED = frozenset({"sqlite"})
"""Backends whose database is a local file (no server, no host)."""

_SERVER_PARTS: dict[str, str] = {
    "postgresql": "database name",
    "mysql": "database name",
    "oracle": "service name",
    "db2": "database name",
}
"""Server backends: their URLs must name a host and this (the path part)."""

_NO_DEFAULTS = frozenset({"oracle", "db2"})
"""Backends whose drivers cannot default the host or the database."""

_QUERY_PARTS: dict[str, tuple[str, str]] = {"postgresql": ("host", "dbname")}
"""Backends that may give the host / database as query options instead (libpq sockets)."""

_COMMON_QUERY_OPTIONS = ("connect_timeout", "schema")
_COMMON_NUMERIC: dict[str, tuple[float, bool]] = {"connect_timeout": (0, False)}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

DEFAULT_PORTS: dict[str, int] = {"postgresql": 5432, "mysql": 3306, "oracle": 1521, "db2": 50000}
"""Port used when a URL does not name one."""

_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db3")
MEMORY = ":memory:"


@dataclass(frozen=True, slots=True)
class DatabaseURL:
    """A parsed database URL. ``password`` never appears in ``repr``; use :meth:`masked`."""

    backend: str
    scheme: str
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    query: tuple[tuple[str, str], ...] = ()

    @property
    def is_embedded(self) -> bool:
        """True for a backend without a server (SQLite: the database is a file)."""
        return self.backend in _EMBEDDED

    @property
    def is_memory(self) -> bool:
        """True for an in-memory SQLite database."""
        return self.is_embedded and self.database == MEMORY

    @property
    def query_dict(self) -> dict[str, str]:
        """Query parameters as a dict (last value wins)."""
        return dict(self.query)

    def render(self, *, mask: bool = True) -> str:
        """The URL as a string; the password is replaced by ``***`` unless ``mask=False``."""
        if self.is_embedded:
            if self.is_memory:
                return "sqlite:///:memory:"
            return f"sqlite:///{self.database}"
        netloc = ""
        if self.username is not None:
            netloc = quote(self.username, safe="")
            if self.password is not None:
                netloc += ":" + ("***" if mask else quote(self.password, safe=""))
            netloc += "@"
        host = self.host or ""
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        netloc += host
        if self.port is not None:
            netloc += f":{self.port}"
        url = f"{self.scheme}://{netloc}/{self.database or ''}"
        if self.query:
            url += "?" + "&".join(f"{k}={v}" for k, v in self.query)
        return url

    def masked(self) -> str:
        """The URL with the password replaced by ``***`` (safe to log)."""
        return self.render(mask=True)

    def __str__(self) -> str:
        return self.masked()


def _bad(url: str, why: str) -> InvalidConfigError:
    shown = url
    try:
        shown = _mask_raw(url)
    except Exception:
        shown = "<unparseable url>"
    return InvalidConfigError(f"invalid database URL {shown!r}: {why}").with_context(url=shown)


def _mask_raw(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def mask_url(url: str | None) -> str:
    """Return ``url`` with any password replaced by ``***``.

    Example:
        >>> mask_url("mysql://root:hunter2@127.0.0.1:3306/test")
        'mysql://root:***@127.0.0.1:3306/test'
    """
    if url is None:
        return "sqlite:///:memory:"
    try:
        return _mask_raw(url)
    except ValueError:
        return "<unparseable url>"


_SCHEME_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+:")


def _looks_like_path(text: str) -> bool:
    if _SCHEME_LIKE.match(text):  # "sqlite:x.db", "localhost:5432" (a drive letter "C:" passes)
        return False
    return (
        text.startswith(("./", "../", "/", "~", ".\\"))
        or text.lower().endswith(_SQLITE_SUFFIXES)
        or os.sep in text
        or (os.altsep is not None and os.altsep in text)
    )


def _check_controls(url: str) -> None:
    found = _CONTROL.search(url)
    if found is not None:
        raise _bad(
            url,
            f"control character {found.group()!r} at position {found.start()}: remove it "
            "(often a newline or tab carried over from a file or an environment variable)",
        )


def _check_escapes(url: str, part: str, raw: str | None, *, secret: bool = False) -> None:
    if not raw:
        return
    found = _BAD_ESCAPE.search(raw)
    if found is not None:
        shown = "" if secret else f" {raw[found.start() : found.start() + 3]!r}"
        raise _bad(
            url,
            f"invalid percent escape{shown} in the {part}: a '%' must start %XX (two hex "
            "digits); write a literal '%' as %25",
        )


def _number(url: str, key: str, value: str, minimum: float, inclusive: bool) -> None:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if number != number or number in (float("inf"), float("-inf")):
        raise _bad(url, f"query option {key}={value!r} must be a number")
    if number < minimum or (number == minimum and not inclusive):
        bound = f">= {minimum:g}" if inclusive else f"> {minimum:g}"
        raise _bad(url, f"query option {key}={value!r} must be {bound}")


def _check_query(url: str, backend: str, query: list[tuple[str, str]]) -> None:
    from spine.db.drivers import get_driver  # drivers import this module

    driver = get_driver(backend)
    fold = str.upper if driver.query_options_ignore_case else str
    allowed = {fold(k) for k in (*_COMMON_QUERY_OPTIONS, *driver.query_options)}
    numeric = {fold(k): v for k, v in {**_COMMON_NUMERIC, **driver.numeric_query_options}.items()}
    seen: set[str] = set()
    for key, value in query:
        name = fold(key)
        if not key:
            raise _bad(url, "a query option without a name ('&=' or '?=')")
        if name not in allowed:
            accepted = ", ".join(sorted({*_COMMON_QUERY_OPTIONS, *driver.query_options}))
            raise _bad(url, f"unknown query option {key!r} for {backend}; accepted: {accepted}")
        if name in seen:
            raise _bad(url, f"query option {key!r} is given more than once")
        seen.add(name)
        if name in numeric:
            _number(url, key, value, *numeric[name])


def _parse_sqlite(url: str, rest: str) -> DatabaseURL:
    # sqlite:// -> memory; sqlite:///rel.db -> "rel.db"; sqlite:////abs.db -> "/abs.db"
    if rest in ("", "/") or rest == "/" + MEMORY or rest == MEMORY:
        return DatabaseURL("sqlite", "sqlite", database=MEMORY)
    if not rest.startswith("/"):
        raise _bad(url, "expected sqlite:///relative/path.db or sqlite:////absolute/path.db")
    path, _, query = rest[1:].partition("?")
    if not path:
        raise _bad(url, "missing database file path")
    _check_escapes(url, "file path", path)
    _check_escapes(url, "query string", query)
    pairs = parse_qsl(query, keep_blank_values=True)
    _check_query(url, "sqlite", pairs)
    return DatabaseURL("sqlite", "sqlite", database=unquote(path), query=tuple(pairs))


def parse_url(url: str | None) -> DatabaseURL:
    """Parse a database URL or SQLite path.

    Raises:
        InvalidConfigError: unknown scheme, malformed URL, or a server URL without the
            parts its backend needs (host and database for Oracle/Db2).
    """
    if url is None:
        return DatabaseURL("sqlite", "sqlite", database=MEMORY)
    if not isinstance(url, str):
        raise InvalidConfigError(f"database URL must be a string, got {type(url).__name__}")
    _check_controls(url)
    text = url.strip()
    if text.lower() in ("memory", MEMORY):
        return DatabaseURL("sqlite", "sqlite", database=MEMORY)
    if not text:
        raise _bad(url, "empty URL")
    if "://" not in text:
        if _looks_like_path(text):
            return DatabaseURL("sqlite", "sqlite", database=os.path.expanduser(text))
        raise _bad(url, "neither a URL (scheme://...) nor a SQLite file path")
    scheme_full, rest = text.split("://", 1)
    scheme = scheme_full.lower().split("+", 1)[0]
    try:
        backend = dialect_name_for(scheme)
    except InvalidConfigError:
        raise _bad(
            url,
            f"unknown scheme {scheme_full!r}; expected sqlite, postgresql, mysql, mariadb, "
            "oracle or db2",
        ) from None
    if backend in _EMBEDDED:
        return _parse_sqlite(url, rest)
    try:
        parts = urlsplit(f"{scheme}://{rest}")
    except ValueError as exc:
        raise _bad(url, str(exc)) from None
    try:
        port = parts.port
    except ValueError as exc:
        raise _bad(url, f"invalid port: {exc}; expected a number 1..65535") from None
    if port == 0:
        raise _bad(url, "invalid port 0; expected a number 1..65535")
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    user_raw, _, password_raw = userinfo.partition(":")
    _check_escapes(url, "user name", user_raw)
    _check_escapes(url, "password", password_raw, secret=True)
    _check_escapes(url, "database name", parts.path)
    _check_escapes(url, "query string", parts.query)
    host = parts.hostname or None
    database = unquote(parts.path.lstrip("/")) or None
    if database is not None and "/" in database:
        raise _bad(url, f"database name {database!r} contains '/'")
    query = parse_qsl(parts.query, keep_blank_values=True)
    _check_query(url, backend, query)
    missing = missing_server_parts(backend, host, database, dict(query))
    if missing:
        what = _SERVER_PARTS[backend]
        raise _bad(
            url,
            f"{missing}: write {scheme_full.lower()}://user:password@host:port/"
            f"{what.replace(' ', '_')}",
        )
    return DatabaseURL(
        backend=backend,
        scheme=scheme_full.lower().split("+", 1)[0],
        host=host,
        port=port if port is not None else (DEFAULT_PORTS[backend] if host else None),
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        database=database,
        query=tuple(query),
    )


def missing_server_parts(
    backend: str,
    host: str | None,
    database: str | None,
    query: Mapping[str, str] | None = None,
    *,
    partial: bool = False,
) -> str | None:
    """Why a ``backend`` connection with this ``host`` and ``database`` cannot be made
    (``None`` when nothing required is missing). Every server backend needs both; PostgreSQL
    may give them as the ``host`` / ``dbname`` query options (Unix sockets). With
    ``partial`` (a :class:`~spine.db.DatabaseConfig` being built up field by field) only
    Oracle and Db2, whose drivers have no defaults, must name both; the URL the config renders
    is checked in full when it is used.

    Example:
        >>> missing_server_parts("oracle", "db", None)
        'oracle needs host and database (the service name)'
        >>> missing_server_parts("postgresql", None, "app", {"host": "/run/postgresql"}) is None
        True
    """
    if backend not in _SERVER_PARTS or (partial and backend not in _NO_DEFAULTS):
        return None
    host_key, db_key = _QUERY_PARTS.get(backend, ("", ""))
    opts = query or {}
    has_host = bool(host) or bool(host_key and opts.get(host_key))
    has_db = bool(database) or bool(db_key and opts.get(db_key))
    if has_host and has_db:
        return None
    return f"{backend} needs host and database (the {_SERVER_PARTS[backend]})"
