"""Per-backend driver glue (lazy imports, connect, error classification, bulk insert).

Example:
    >>> from spine.db.drivers import get_driver
    >>> get_driver("postgresql").extra
    'postgres'
"""

from __future__ import annotations

from spine.db.drivers.base import ConnectOptions, Driver, ErrorKind, connect_with_deadline
from spine.db.drivers.db2 import DB2Driver
from spine.db.drivers.mysql import MySQLDriver
from spine.db.drivers.oracle import OracleDriver
from spine.db.drivers.postgresql import PostgreSQLDriver
from spine.db.drivers.sqlite import SQLiteDriver

__all__ = [
    "ConnectOptions",
    "DB2Driver",
    "Driver",
    "ErrorKind",
    "MySQLDriver",
    "OracleDriver",
    "PostgreSQLDriver",
    "SQLiteDriver",
    "all_drivers",
    "connect_with_deadline",
    "get_driver",
]

_DRIVERS: dict[str, Driver] = {
    d.name: d
    for d in (SQLiteDriver(), PostgreSQLDriver(), MySQLDriver(), OracleDriver(), DB2Driver())
}


def all_drivers() -> tuple[Driver, ...]:
    """Every driver, in the order sqlite, postgresql, mysql, oracle, db2."""
    return tuple(_DRIVERS.values())


def get_driver(backend: str) -> Driver:
    """The :class:`Driver` of a canonical backend name (see :func:`spine.db.get_dialect`)."""
    from spine.db.dialects import dialect_name_for

    return _DRIVERS[dialect_name_for(backend)]
