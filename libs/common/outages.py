"""What counts as a dependency not answering: PostgreSQL or Redis refusing, resetting or timing out
a connection, restarting, failing over, out of connections, or our pool exhausted.

A request that meets one is answered 503 problem+json with ``Retry-After`` (libs/common/errors.py),
never 500: a blip of the database or of Redis across every pod of a service is the clients' to
wait out, not a bug to report (docs/operations.md, "Health"). Anything else stays a 500.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

from asyncpg.exceptions import InterfaceError as PostgresInterfaceError
from asyncpg.exceptions import PostgresConnectionError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# Seconds a client is told to wait: about one readiness period, after which a pod whose database
# is still away has left the service's endpoints.
RETRY_AFTER_SECONDS = 5
# PostgreSQL's codes for a server that cannot serve now: class 08 (connection exception) by prefix;
# admin_shutdown, crash_shutdown, cannot_connect_now; too_many_connections (a full pooler too).
_UNAVAILABLE_PREFIX = "08"
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})
_NETWORK_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The error and its causes (SQLAlchemy wraps the driver's error, which wraps the socket's)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__


def _network(error: BaseException) -> bool:
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True
    # asyncio's create_connection over several addresses raises a plain OSError for them all.
    return type(error) is OSError and (
        error.errno in _NETWORK_ERRNOS or str(error).startswith("Multiple exceptions")
    )


def _database(error: BaseException) -> bool:
    if isinstance(error, PoolTimeoutError | PostgresConnectionError | PostgresInterfaceError):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    state = getattr(error, "sqlstate", None)
    return isinstance(state, str) and (
        state.startswith(_UNAVAILABLE_PREFIX) or state in _UNAVAILABLE_STATES
    )


def outage_of(exc: BaseException) -> str | None:
    """``"redis"`` or ``"database"`` when ``exc`` says that one did not answer, else None."""
    for error in _chain(exc):
        if isinstance(error, RedisConnectionError | RedisTimeoutError):
            return "redis"
        if _database(error):
            return "database"
    # A socket error with no library around it: the driver that opens sockets in a request is
    # asyncpg's (redis-py wraps its own in ConnectionError, httpx in its ConnectError).
    return "database" if any(_network(error) for error in _chain(exc)) else None
