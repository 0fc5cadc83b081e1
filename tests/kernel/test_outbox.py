"""The outbox against real PostgreSQL and Redis: published once, never lost, consumed once."""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from arq.worker import Retry
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.errors import ServiceUnavailable
from libs.common.outbox import add_message, claim_effect, rearm, rearmed_count, relay
from libs.common.queue import MAX_TRIES, QueueRedis, job, queue_name
from services.registry.models import applied_effects, outbox


@pytest.fixture
async def test_queue(
    committed: async_sessionmaker[AsyncSession], redis: QueueRedis
) -> AsyncIterator[str]:
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    async with committed() as session, session.begin():
        await session.execute(delete(outbox).where(outbox.c.queue == name))
    await redis.delete(queue_name(name))


async def write_messages(
    committed: async_sessionmaker[AsyncSession], queue: str, count: int
) -> list[uuid.UUID]:
    async with committed() as session, session.begin():
        return [
            await add_message(session, outbox, queue=queue, function="noop", payload={"n": n})
            for n in range(count)
        ]


async def queued_job_ids(redis: QueueRedis, queue: str) -> list[str]:
    members = await redis.zrange(queue_name(queue), 0, -1)
    return sorted(m.decode() for m in members)


async def test_two_relays_at_once_publish_each_row_exactly_once(
    committed: async_sessionmaker[AsyncSession], redis: QueueRedis, test_queue: str
) -> None:
    ids = await write_messages(committed, test_queue, 50)

    counts = await asyncio.gather(
        relay(committed, outbox, redis, limit=500), relay(committed, outbox, redis, limit=500)
    )

    assert sum(counts) == 50
    assert await queued_job_ids(redis, test_queue) == sorted(str(i) for i in ids)
    async with committed() as session:
        unsent = await session.scalar(
            select(outbox.c.id).where(outbox.c.queue == test_queue, outbox.c.published_at.is_(None))
        )
    assert unsent is None


async def test_a_row_written_while_redis_is_down_goes_out_with_the_sweep(
    committed: async_sessionmaker[AsyncSession], redis: QueueRedis, test_queue: str
) -> None:
    (message_id,) = await write_messages(committed, test_queue, 1)
    unreachable = QueueRedis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)

    assert await relay(committed, outbox, unreachable, ids=[message_id]) == 0
    async with committed() as session:
        row = (await session.execute(select(outbox).where(outbox.c.id == message_id))).one()
    assert row.published_at is None
    assert row.attempts == 1 and row.last_error

    assert await relay(committed, outbox, redis) >= 1  # the sweep, Redis back
    assert await queued_job_ids(redis, test_queue) == [str(message_id)]
    await unreachable.aclose()


async def test_a_job_delivered_twice_applies_its_effect_once(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    key = f"test-effect-{uuid.uuid4().hex}"
    applied: list[str] = []

    @job
    async def apply(session: AsyncSession, payload: dict[str, str], ctx: dict[str, object]) -> None:
        if await claim_effect(session, applied_effects, payload["key"]):
            applied.append(payload["key"])

    ctx = {"sessionmaker": committed}
    await asyncio.gather(apply(ctx, {"key": key}), apply(ctx, {"key": key}))
    await apply(ctx, {"key": key})

    assert applied == [key]
    async with committed() as session, session.begin():
        await session.execute(delete(applied_effects).where(applied_effects.c.key == key))


async def test_an_effect_rolled_back_can_be_claimed_again(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    key = f"test-effect-{uuid.uuid4().hex}"
    async with sessionmaker() as session:
        assert await claim_effect(session, applied_effects, key)
        await session.rollback()
    async with sessionmaker() as session:
        assert await claim_effect(session, applied_effects, key)
        assert not await claim_effect(session, applied_effects, key)


async def test_the_sweep_keeps_publishing_until_no_row_is_due(
    committed: async_sessionmaker[AsyncSession], redis: QueueRedis, test_queue: str
) -> None:
    ids = await write_messages(committed, test_queue, 450)

    assert await relay(committed, outbox, redis, ids=ids, limit=200) == 450
    assert await queued_job_ids(redis, test_queue) == sorted(str(i) for i in ids)


async def test_a_job_out_of_tries_is_rearmed_in_the_outbox_not_dropped(
    committed: async_sessionmaker[AsyncSession], redis: QueueRedis, test_queue: str
) -> None:
    @job
    async def extend(
        session: AsyncSession, payload: dict[str, str], ctx: dict[str, object]
    ) -> None:
        raise ServiceUnavailable("registry unreachable", service="registry")

    ctx = {
        "sessionmaker": committed,
        "job_try": MAX_TRIES,
        "rearm": functools.partial(rearm, committed, outbox, queue=test_queue),
    }
    assert await extend(ctx, {"decision_id": "d-1"}) == {"rearmed": "registry unreachable"}

    async with committed() as session:
        row = (await session.execute(select(outbox).where(outbox.c.queue == test_queue))).one()
    assert row.function == "extend" and row.published_at is None
    assert row.payload["decision_id"] == "d-1" and row.payload["_rearmed"] == 1
    await relay(committed, outbox, redis)  # not due yet: it stays in the outbox
    assert await queued_job_ids(redis, test_queue) == []
    async with committed() as session:
        assert await rearmed_count(session, outbox) == 1
    async with committed() as session, session.begin():
        later = await session.scalar(
            select(outbox.c.due_at - func.now()).where(outbox.c.id == row.id)
        )
        await session.execute(update(outbox).where(outbox.c.id == row.id).values(due_at=func.now()))
    assert later is not None and later > timedelta(minutes=4)
    await relay(committed, outbox, redis)
    assert await queued_job_ids(redis, test_queue) == [str(row.id)]
    async with committed() as session:
        assert await rearmed_count(session, outbox) == 0


async def test_a_job_with_tries_left_is_retried_by_the_queue(
    committed: async_sessionmaker[AsyncSession], test_queue: str
) -> None:
    @job
    async def extend(
        session: AsyncSession, payload: dict[str, str], ctx: dict[str, object]
    ) -> None:
        raise ServiceUnavailable("registry unreachable", service="registry")

    ctx = {"sessionmaker": committed, "job_try": MAX_TRIES - 1, "rearm": None}
    with pytest.raises(Retry):
        await extend(ctx, {"decision_id": "d-1"})
