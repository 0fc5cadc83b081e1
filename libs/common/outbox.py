"""Transactional outbox: a message is a row written in the same transaction as its state change.

The relay publishes each unsent row once, with the row id as the arq job id, and marks it sent; the
periodic sweep is the same relay over every unsent row, so rows written while Redis was unreachable
go out once it is back. Consumers make their effects idempotent with :func:`claim_effect`.

A job that keeps failing for a reason time cures (a peer down for longer than arq's tries last) is
:func:`rearm`-ed: the same message goes back into the outbox, due some minutes later, so an
accepted decision waits in PostgreSQL for its effect instead of being dropped by the queue.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    any_,
    bindparam,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.logging import current_request_id
from libs.common.queue import Message, QueueRedis, connect, publish_many
from libs.common.tracing import TRACE_CARRIER_KEY, current_carrier
from libs.common.unit_of_work import note_outbox_messages, unit_of_work

log = structlog.get_logger(__name__)


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("queue", String(32), nullable=False),
        Column("function", String(100), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
        Column("due_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("ix_outbox_unsent", "created_at", postgresql_where=text("published_at IS NULL")),
    )


def effects_table(metadata: MetaData) -> Table:
    """Keys of effects already applied by consumers (one row per effect, never twice)."""
    return Table(
        "applied_effects",
        metadata,
        Column("key", String(200), primary_key=True),
        Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def add_message(
    session: AsyncSession,
    outbox: Table,
    *,
    queue: str,
    function: str,
    payload: dict[str, Any],
) -> uuid.UUID:
    """Write a message in the caller's transaction; it is published only if that commits."""
    (message_id,) = await add_messages(session, outbox, [(queue, function, payload)])
    return message_id


async def add_messages(
    session: AsyncSession, outbox: Table, messages: Sequence[tuple[str, str, dict[str, Any]]]
) -> list[uuid.UUID]:
    """Many messages ``(queue, function, payload)`` in one INSERT (a sweep's thousands), each
    carrying the request id and trace context of whoever caused it."""
    if not messages:
        return []
    carried = envelope()
    ids = [uuid.uuid4() for _ in messages]
    rows = [
        {"id": message_id, "queue": queue, "function": function, "payload": {**payload, **carried}}
        for message_id, (queue, function, payload) in zip(ids, messages, strict=True)
    ]
    await session.execute(insert(outbox), rows)
    note_outbox_messages(session, ids)
    return ids


def envelope() -> dict[str, Any]:
    """What every message carries besides its payload: the request id and trace context of
    whoever caused it."""
    return {"_request_id": current_request_id(), TRACE_CARRIER_KEY: current_carrier()}


def insert_from(outbox: Table, *, queue: str, function: str, payloads: Any) -> Any:
    """An INSERT of one message per row of ``payloads`` (a select of one jsonb column), built
    by SQL where the rows are (a set-based step's thousands never come back to Python), each
    with the caller's envelope; it returns the ids, which the caller hands to
    :func:`note_outbox_messages` so the unit of work relays them after the commit."""
    wrapped = payloads.subquery("payloads")
    payload = wrapped.c[0].op("||")(bindparam("outbox_envelope", envelope(), type_=JSONB))
    return (
        insert(outbox)
        .from_select(
            ["id", "queue", "function", "payload"],
            select(func.gen_random_uuid(), literal(queue), literal(function), payload),
        )
        .returning(outbox.c.id)
    )


async def rearm(
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: Table,
    *,
    queue: str,
    function: str,
    payload: dict[str, Any],
    delay: timedelta,
) -> uuid.UUID:
    """Put a message whose job ran out of tries back into the outbox, due after ``delay``.

    A new row (and so a new job id): arq keeps a finished job's id for an hour and would refuse it.
    """
    message_id = uuid.uuid4()
    body = {**payload, "_rearmed": int(payload.get("_rearmed", 0)) + 1}
    async with unit_of_work(sessionmaker) as session:
        await session.execute(
            insert(outbox).values(
                id=message_id,
                queue=queue,
                function=function,
                payload=body,
                due_at=func.now() + delay,
            )
        )
    return message_id


@dataclass
class OutboxRelay:
    """Publishes the rows a unit of work wrote (``libs.common.unit_of_work.Relay``): through
    ``redis`` if given, else over a connection to ``redis_url`` opened for the purpose (CLI
    commands, which hold none). ``limit`` rows per transaction bounds the relay's memory."""

    sessionmaker: async_sessionmaker[AsyncSession]
    outbox: Table
    redis: QueueRedis | None = None
    redis_url: str | None = None
    limit: int = 50

    async def publish(self, ids: list[uuid.UUID]) -> None:
        if self.redis is not None:
            await relay(self.sessionmaker, self.outbox, self.redis, ids=ids, limit=self.limit)
            return
        if self.redis_url is None:
            return
        redis = await connect(self.redis_url)
        try:
            await relay(self.sessionmaker, self.outbox, redis, ids=ids, limit=self.limit)
        finally:
            await redis.aclose()


async def relay(
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: Table,
    redis: QueueRedis,
    *,
    ids: list[uuid.UUID] | None = None,
    older_than: timedelta | None = None,
    limit: int = 50,
) -> int:
    """Publish due unsent rows, ``limit`` per transaction, until none is left or Redis fails;
    concurrent relays skip each other's locked rows. Returns rows published."""
    query = (
        select(outbox.c.id, outbox.c.queue, outbox.c.function, outbox.c.payload)
        .where(outbox.c.published_at.is_(None), outbox.c.due_at <= func.now())
        .order_by(outbox.c.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if ids is not None:
        # One array parameter: an IN list binds one per id, and asyncpg takes at most 32,767.
        query = query.where(outbox.c.id == any_(bindparam("ids", list(ids), type_=ARRAY(UUID))))
    if older_than is not None:
        query = query.where(outbox.c.created_at < func.now() - older_than)
    published = 0
    while True:
        batch, complete = await _relay_batch(sessionmaker, outbox, redis, query)
        published += batch
        if not complete or batch < limit:
            return published


async def _relay_batch(
    sessionmaker: async_sessionmaker[AsyncSession], outbox: Table, redis: QueueRedis, query: Any
) -> tuple[int, bool]:
    """One transaction's rows, enqueued in one round trip and marked sent by one UPDATE; False
    when Redis failed and the rows must wait for the sweep."""
    async with sessionmaker() as session, session.begin():
        rows = (await session.execute(query)).all()
        if not rows:
            return 0, True
        ids = bindparam("ids", [row.id for row in rows], type_=ARRAY(UUID))
        try:
            await publish_many(
                redis, [Message(r.queue, r.function, r.payload, str(r.id)) for r in rows]
            )
        except Exception as exc:  # Redis down: leave the rows for the next sweep.
            await session.execute(
                update(outbox)
                .where(outbox.c.id == any_(ids))
                .values(attempts=outbox.c.attempts + 1, last_error=str(exc)[:500])
            )
            log.warning("outbox_publish_failed", messages=len(rows), error=str(exc))
            return 0, False
        await session.execute(
            update(outbox)
            .where(outbox.c.id == any_(ids))
            .values(published_at=func.now(), attempts=outbox.c.attempts + 1)
        )
    return len(rows), True


async def unsent_count(session: AsyncSession, outbox: Table) -> tuple[int, datetime | None]:
    """How many due rows wait, and since when (for metrics and quiescence checks); a re-armed
    row waiting for its due time is not lag."""
    row = (
        await session.execute(
            select(func.count(), func.min(outbox.c.due_at)).where(
                outbox.c.published_at.is_(None), outbox.c.due_at <= func.now()
            )
        )
    ).one()
    return int(row[0]), row[1]


async def rearmed_count(session: AsyncSession, outbox: Table) -> int:
    """Messages re-armed after their job ran out of tries, waiting for their due time: more than
    none means a peer has been unreachable for a quarter hour or longer."""
    count = await session.scalar(
        select(func.count()).where(outbox.c.published_at.is_(None), outbox.c.due_at > func.now())
    )
    return int(count or 0)


async def claim_effect(session: AsyncSession, effects: Table, key: str) -> bool:
    """True the first time ``key`` is claimed; the claim commits with the effect or not at all."""
    result = await session.execute(
        pg_insert(effects).values(key=key).on_conflict_do_nothing().returning(effects.c.key)
    )
    return result.scalar_one_or_none() is not None
