"""Database URLs are validated the same way on every backend (issue 7, item 8): each defect
is an ``InvalidConfigError`` naming the part, raised before any connection is attempted, from
``connect``, ``DatabaseConfig.from_url`` and ``parse_url`` alike; an upper-case scheme is the
same URL.

Before, an unknown query option was ignored on MySQL and a ``QueryError`` on PostgreSQL;
``postgresql://``, ``mysql:///``, control characters, invalid percent escapes and negative
numeric options were accepted.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from spine.db import DatabaseConfig, connect, parse_url
from spine.db.testing import IsolatedDatabase
from spine.types import InvalidConfigError


def _base(isolated_db: IsolatedDatabase) -> str:
    url = isolated_db.url
    assert url is not None
    if "://" not in url:  # a SQLite file path
        return f"sqlite:///{url}"
    return url.split("?", 1)[0]


def _with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _refused(url: str, says: str) -> None:
    for attempt in (parse_url, DatabaseConfig.from_url, connect):
        with pytest.raises(InvalidConfigError, match=says):
            attempt(url)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("no_such_option=1", r"unknown query option 'no_such_option'"),
        ("connect_timeout=-5", r"connect_timeout='-5' must be > 0"),
        ("connect_timeout=0", r"connect_timeout='0' must be > 0"),
        ("connect_timeout=soon", r"connect_timeout='soon' must be a number"),
        ("connect_timeout=nan", r"must be a number"),
        ("connect_timeout=3&connect_timeout=4", r"'connect_timeout' is given more than once"),
        ("=1", r"query option without a name"),
        ("schema=a%zzb", r"invalid percent escape '%zz' in the query string"),
    ],
)
def test_bad_query_options_are_refused_naming_them(
    isolated_db: IsolatedDatabase, query: str, says: str
) -> None:
    _refused(_with_query(_base(isolated_db), query), says)


@pytest.mark.parametrize(
    ("char", "where"), [("\n", "end"), ("\t", "middle"), ("\x00", "middle"), ("\x7f", "end")]
)
def test_control_characters_are_refused_wherever_they_are(
    isolated_db: IsolatedDatabase, char: str, where: str
) -> None:
    base = _base(isolated_db)
    url = base + char if where == "end" else base[:-1] + char + base[-1]
    _refused(url, r"control character .* at position")


def test_an_upper_case_scheme_is_the_same_url(isolated_db: IsolatedDatabase) -> None:
    base = _base(isolated_db)
    scheme, rest = base.split("://", 1)
    for variant in (scheme.upper(), scheme.title()):
        url = f"{variant}://{rest}"
        parsed = parse_url(url)
        assert parsed.backend == parse_url(base).backend
        assert parsed.database == parse_url(base).database
        opts = {"schema": isolated_db.schema} if isolated_db.schema else {}
        conn = connect(url, **opts)
        try:
            conn.ping()
        finally:
            conn.close()


def test_an_invalid_percent_escape_in_the_path_or_credentials_is_refused(
    isolated_db: IsolatedDatabase,
) -> None:
    base = _base(isolated_db)
    parts = urlsplit(base)
    if parts.scheme.startswith("sqlite"):
        _refused(base.replace(".db", "%g1.db", 1), r"invalid percent escape '%g1' in the file path")
        return
    _refused(base.rstrip("/") + "%4", r"invalid percent escape '%4' in the database name")
    host = parts.hostname or ""
    with_password = base.replace(f"@{host}", f":pa%zzss@{host}", 1)
    if with_password == base:
        with_password = base.replace("://", "://u:pa%zzss@", 1)
    with pytest.raises(InvalidConfigError, match="invalid percent escape in the password") as info:
        connect(with_password)
    assert "zz" not in str(info.value)  # nothing of the password is shown


def test_a_server_url_without_host_or_database_is_refused(isolated_db: IsolatedDatabase) -> None:
    base = _base(isolated_db)
    scheme = urlsplit(base).scheme
    if scheme.startswith("sqlite"):
        _refused("sqlite://x.db", "expected sqlite:///relative/path.db")
        _refused("sqlite:///x.db?busy_timeout=-1", r"busy_timeout='-1' must be >= 0")
        return
    for url in (f"{scheme}://", f"{scheme}:///", f"{scheme}:///test", base.rsplit("/", 1)[0]):
        _refused(url, rf"{parse_url(base).backend} needs host and database")
    _refused(base.replace(f":{urlsplit(base).port}", ":0", 1) if urlsplit(base).port else
             base.replace(urlsplit(base).hostname or "", f"{urlsplit(base).hostname}:0", 1),
             "invalid port")  # fmt: skip


@pytest.mark.backend("postgres")
def test_postgresql_may_name_host_and_database_as_libpq_options(
    isolated_db: IsolatedDatabase,
) -> None:
    parts = urlsplit(_base(isolated_db))
    url = (
        f"postgresql://{parts.username}@/?host={parts.hostname}&port={parts.port}"
        f"&dbname={parts.path.lstrip('/')}&application_name=spine_url_test"
    )
    conn = connect(url, schema=isolated_db.schema)
    try:
        assert conn.execute("SELECT current_setting('application_name')").fetchone() == (
            "spine_url_test",
        )
    finally:
        conn.close()
