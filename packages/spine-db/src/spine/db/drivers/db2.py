"""IBM Db2 driver glue (ibm_db_dbi; extra ``db2``).

Connections are opened from a CLI connection string with ``CONNECTTIMEOUT``, autocommit off
(ibm_db_dbi's default), and with the ``schema=`` option ``SET SCHEMA``. Errors are classified
by the ``SQLSTATE=`` the driver embeds in its messages.
"""

from __future__ import annotations

import re
from math import ceil
from typing import Any, ClassVar

from spine.db.drivers.base import ConnectOptions, Driver, ErrorKind, dbapi_error_kind
from spine.db.identifiers import validate_identifier
from spine.db.url import DatabaseURL

__all__ = ["DB2Driver", "db2_connection_string"]

_SQLSTATE = re.compile(r"SQLSTATE=([0-9A-Z]{5})")

_CLI_KEYWORDS = (
    "SECURITY", "SSLSERVERCERTIFICATE", "SSLCLIENTKEYSTOREDB", "SSLCLIENTKEYSTASH",
    "SSLCLIENTKEYSTOREDBPASSWORD", "SSLCLIENTLABEL", "SSLCLIENTHOSTNAMEVALIDATION",
    "AUTHENTICATION", "CURRENTSCHEMA", "CURRENTFUNCTIONPATH", "CURRENTPACKAGESET",
    "QUERYTIMEOUTINTERVAL", "KEEPALIVETIMEOUT", "TCPIPKEEPALIVEINTERVAL", "RECEIVETIMEOUT",
    "CLIENTAPPLNAME", "CLIENTUSERID", "CLIENTWRKSTNNAME", "CLIENTACCTSTR", "APPLICATIONNAME",
    "TRUSTEDCONTEXT", "KRBPLUGIN", "PWDPLUGIN", "CLIENTENCALG", "DIAGLEVEL",
)  # fmt: skip
"""Db2 CLI keywords accepted in the URL query string (any case)."""

_SPINE_OPTIONS = frozenset({"connect_timeout", "schema"})


def _cli_value(value: str) -> str:
    return "{" + value + "}" if any(ch in value for ch in ";{}= ") else value


def db2_connection_string(url: DatabaseURL, timeout: float) -> str:
    """The ibm_db CLI connection string for ``url`` (password included: never log it).

    Example:
        >>> from spine.db.url import parse_url
        >>> db2_connection_string(parse_url("db2://u:p;w@h:50000/testdb"), 10)
        'DATABASE=testdb;HOSTNAME=h;PORT=50000;PROTOCOL=TCPIP;UID=u;PWD={p;w};CONNECTTIMEOUT=10;'
    """
    parts = {
        "DATABASE": url.database or "",
        "HOSTNAME": url.host or "",
        "PORT": str(url.port or 50000),
        "PROTOCOL": "TCPIP",
        "UID": url.username or "",
        "PWD": url.password or "",
        "CONNECTTIMEOUT": str(max(1, ceil(timeout))),
    }
    for key, value in url.query:
        if key.lower() not in _SPINE_OPTIONS:  # spine's own, not CLI keywords
            parts[key.upper()] = value
    return "".join(f"{k}={_cli_value(v)};" for k, v in parts.items())


class DB2Driver(Driver):
    """Glue for ibm_db_dbi."""

    name: ClassVar[str] = "db2"
    module_name: ClassVar[str] = "ibm_db_dbi"
    extra: ClassVar[str] = "db2"
    rows_are_tuples: ClassVar[bool] = False
    query_options: ClassVar[frozenset[str]] = frozenset(_CLI_KEYWORDS)
    query_options_ignore_case: ClassVar[bool] = True
    default_chunk_size: ClassVar[int] = 5_000
    test_name: ClassVar[str] = "db2"
    test_url_env: ClassVar[str | None] = "SPINE_TEST_DB2_URL"

    def connect(
        self, url: DatabaseURL, *, timeout: float, schema: str | None, options: ConnectOptions
    ) -> Any:
        self.check_options(options)
        dbi = self.load()
        conn = dbi.connect(db2_connection_string(url, timeout), "", "")
        try:
            conn.set_autocommit(False)
            if schema is not None:
                cur = conn.cursor()
                cur.execute(f"SET SCHEMA {validate_identifier(schema, allow_dotted=False)}")
                cur.close()
        except BaseException:
            conn.close()
            raise
        return conn

    def error_types(self) -> tuple[type[BaseException], ...]:
        dbi = self.load()
        return (dbi.Error,)

    def sqlstate(self, exc: BaseException) -> str | None:
        match = _SQLSTATE.search(str(exc))
        return match.group(1) if match else None

    def classify(self, exc: BaseException) -> ErrorKind:
        state = self.sqlstate(exc) or ""
        if state.startswith("23"):
            return ErrorKind.INTEGRITY
        if state == "22003":  # numeric value out of range
            return ErrorKind.VALUE
        if state.startswith("28") or state in ("08004",):
            return ErrorKind.AUTH
        if state.startswith("08"):
            return ErrorKind.CONNECTION
        if state in ("40001", "57033") or state.startswith(("57", "40")):
            return ErrorKind.TRANSIENT
        if state.startswith(("42", "22", "07", "21")):
            return ErrorKind.QUERY
        return dbapi_error_kind(exc)
