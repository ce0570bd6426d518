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
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from spine.db.dialects import dialect_name_for
from spine.types import InvalidConfigError

__all__ = ["DEFAULT_PORTS", "DatabaseURL", "mask_url", "missing_server_parts", "parse_url"]

_EMBEDDED = frozenset({"sqlite"})
"""Backends whose database is a local file (no server, no host)."""

_SERVER_PARTS: dict[str, str] = {"oracle": "service name", "db2": "database name"}
"""Backends whose URLs must name a host and this (the path part)."""

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


def _parse_sqlite(url: str, rest: str) -> DatabaseURL:
    # sqlite:// -> memory; sqlite:///rel.db -> "rel.db"; sqlite:////abs.db -> "/abs.db"
    if rest in ("", "/") or rest == "/" + MEMORY or rest == MEMORY:
        return DatabaseURL("sqlite", "sqlite", database=MEMORY)
    if not rest.startswith("/"):
        raise _bad(url, "expected sqlite:///relative/path.db or sqlite:////absolute/path.db")
    path, _, query = rest[1:].partition("?")
    if not path:
        raise _bad(url, "missing database file path")
    return DatabaseURL("sqlite", "sqlite", database=unquote(path), query=tuple(parse_qsl(query)))


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
        port = parts.port
    except ValueError as exc:
        raise _bad(url, str(exc)) from None
    host = parts.hostname or None
    database = unquote(parts.path.lstrip("/")) or None
    if database is not None and "/" in database:
        raise _bad(url, f"database name {database!r} contains '/'")
    if backend in _SERVER_PARTS:
        if host is None:
            raise _bad(url, f"{backend} URLs need a host")
        if database is None:
            what = _SERVER_PARTS[backend]
            raise _bad(url, f"{backend} URLs need a {what} (…/{what.replace(' ', '_')})")
    return DatabaseURL(
        backend=backend,
        scheme=scheme_full.lower().split("+", 1)[0],
        host=host,
        port=port if port is not None else (DEFAULT_PORTS[backend] if host else None),
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        database=database,
        query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
    )


def missing_server_parts(backend: str, host: str | None, database: str | None) -> str | None:
    """Why a ``backend`` connection with this ``host`` and ``database`` cannot be made
    (``None`` when nothing required is missing).

    Example:
        >>> missing_server_parts("oracle", "db", None)
        'oracle needs host and database'
    """
    if backend in _SERVER_PARTS and not (host and database):
        return f"{backend} needs host and database"
    return None
