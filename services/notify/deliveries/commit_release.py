"""The COMMIT that records ``sent`` and the end-of-data marker, a few microseconds apart.

Committing first and writing the marker after the COMMIT's answer (the obvious order) leaves a
database round trip in which a killed worker has recorded a message the server never completes —
and on a busy host the COMMIT's own wake-up of PostgreSQL often pauses the worker right there:
measured, about one SIGKILL in sixty lost a message. So the marker goes first, corked in the
kernel (``HeldMessage.stage``: it will leave even if we die), then the COMMIT is *sent*, then the
socket is uncorked, and only then is the COMMIT's answer awaited.

The COMMIT must be on the wire before anything else runs. asyncpg writes a query in the first
step of its coroutine and then awaits the answer (``BaseProtocol.query``: ``_simple_query``, then
``await waiter``; nothing is awaited before the write unless an earlier query is being
cancelled), so the commit coroutine is stepped by hand once and then driven to its end as its
task would have been. An UPDATE that succeeded leaves a COMMIT that fails only with the connection
or the server; the caller records ``sent`` again then. ``tests/notify/test_sender.py`` checks that
every COMMIT is the write right after a marker.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from datetime import datetime
from enum import Enum
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notify.deliveries.held_data import HeldMessage
from services.notify.deliveries.repository import MARK_SENT_SQL


class Committed(Enum):
    SENT = "sent"  # recorded, marker on its way
    FENCED = "fenced"  # another sender holds the row: nothing recorded, the copy is abandoned
    UNSTAGED = "unstaged"  # the marker could not reach the kernel: nothing recorded


async def commit_sent_and_release(
    connection: AsyncConnection, *, delivery_id: uuid.UUID, claimed_at: datetime, held: HeldMessage
) -> Committed:
    """Record ``sent`` and let the marker go. Raises if the database fails before the COMMIT
    left (nothing recorded, the marker never leaves) or if the COMMIT fails after it did."""
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    transaction = driver.transaction()
    await transaction.start()
    try:
        marked = await driver.fetchval(MARK_SENT_SQL, delivery_id, claimed_at)
    except BaseException:
        held.abandon()
        await transaction.rollback()
        raise
    if marked is None or not held.stage():
        held.abandon()
        await transaction.rollback()
        return Committed.FENCED if marked is None else Committed.UNSTAGED
    commit = transaction.commit()
    try:
        waiting = commit.send(None)  # COMMIT is written; asyncpg now waits for the answer
    except StopIteration:  # answered at once (never seen)
        waiting = None
    except BaseException:  # the COMMIT could not be written: the marker must not leave
        held.abandon()
        raise
    held.release()
    if waiting is not None:
        await _finish(commit, waiting)
    return Committed.SENT


async def _finish(coroutine: Coroutine[Any, Any, Any], waiting: Any) -> Any:
    """Drive a coroutine stepped by hand to its end, as ``Task.__step`` would."""
    while True:
        if isinstance(waiting, asyncio.Future):
            waiting._asyncio_future_blocking = False
            await asyncio.wait([waiting])
        else:  # a bare yield (sleep(0)): one turn of the loop
            await asyncio.sleep(0)
        try:
            waiting = coroutine.send(None)
        except StopIteration as done:
            return done.value
