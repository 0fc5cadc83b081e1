"""The COMMIT that records ``sent`` and the end-of-data marker, a few microseconds apart.

Committing first and writing the marker after the COMMIT's answer (the obvious order) leaves a
database round trip in which a killed worker has recorded a message the server never completes —
and on a busy host the COMMIT's own wake-up of PostgreSQL often pauses the worker right there:
measured, about one SIGKILL in sixty lost a message. So the marker goes first, corked in the
kernel (``HeldMessage.stage``: it will leave even if we die), then the COMMIT is *sent*, then the
socket is uncorked, and only then is the COMMIT's answer awaited.

The COMMIT must be on the wire before anything else runs: the commit coroutine is stepped by hand
once (asyncpg writes a query in its first step) and then driven to its end as its task would have
been — both in ``library_contract.py``, which says what of asyncpg and asyncio that relies on. The
UPDATE and its transaction are the repository's (``repository.SentWrite``). An UPDATE that
succeeded leaves a COMMIT that fails only with the connection or the server; the caller records
``sent`` again then. ``tests/notify/test_sender.py`` checks that every COMMIT is the write right
after a marker.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncConnection

from services.notify.deliveries import library_contract as lib
from services.notify.deliveries.held_data import HeldMessage
from services.notify.deliveries.repository import SentWrite


class Committed(Enum):
    SENT = "sent"  # recorded, marker on its way
    FENCED = "fenced"  # another sender holds the row: nothing recorded, the copy is abandoned
    UNSTAGED = "unstaged"  # the marker could not reach the kernel: nothing recorded


async def commit_sent_and_release(
    connection: AsyncConnection, *, delivery_id: uuid.UUID, claimed_at: datetime, held: HeldMessage
) -> Committed:
    """Record ``sent`` and let the marker go. Raises if the database fails before the COMMIT
    left (nothing recorded, the marker never leaves) or if the COMMIT fails after it did."""
    write = await SentWrite.begin(connection)
    try:
        marked = await write.mark(delivery_id, claimed_at)
    except BaseException:
        held.abandon()
        await write.rollback()
        raise
    if not marked or not held.stage():
        held.abandon()
        await write.rollback()
        return Committed.UNSTAGED if marked else Committed.FENCED
    commit = write.commit()
    try:
        waiting = lib.write_first(commit)  # COMMIT is written; asyncpg now waits for the answer
    except BaseException:  # the COMMIT could not be written: the marker must not leave
        held.abandon()
        raise
    held.release()
    await lib.run_to_end(commit, waiting)
    return Committed.SENT
