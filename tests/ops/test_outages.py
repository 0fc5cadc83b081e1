"""Which errors are a dependency not answering (503 to retry) and which stay bugs (500)."""

from __future__ import annotations

import errno

import pytest
from asyncpg.exceptions import CannotConnectNowError, TooManyConnectionsError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from libs.common.outages import outage_of


def _wrapped(orig: Exception) -> DBAPIError:
    """As SQLAlchemy raises a driver's error: the driver's error as ``orig``."""
    return DBAPIError("SELECT 1", {}, orig)


@pytest.mark.parametrize(
    ("error", "dependency"),
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"), "database"),
        (OSError("Multiple exceptions: [Errno 111] Connect call failed"), "database"),
        (_wrapped(CannotConnectNowError("the database system is starting up")), "database"),
        (_wrapped(TooManyConnectionsError("sorry, too many clients already")), "database"),
        (PoolTimeoutError("QueuePool limit of size 5 overflow 10 reached"), "database"),
        (RedisConnectionError("Error 111 connecting to 127.0.0.1:6379"), "redis"),
    ],
)
def test_an_outage_names_its_dependency(error: Exception, dependency: str) -> None:
    assert outage_of(error) == dependency


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        OSError(errno.ENOSPC, "No space left on device"),
        IntegrityError("INSERT", {}, Exception("duplicate key")),
        ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value"),
    ],
)
def test_anything_else_is_no_outage(error: Exception) -> None:
    assert outage_of(error) is None
