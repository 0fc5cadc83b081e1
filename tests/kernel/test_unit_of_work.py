"""The one transaction boundary against real PostgreSQL and Redis: it commits once, relays what
the transaction wrote (jobs and commands at once), and maps stale data and refusals."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libs.common.errors import PreconditionFailed
from libs.common.outbox import OutboxRelay, add_message
from libs.common.queue import Payload, QueueRedis, job, queue_name
from libs.common.unit_of_work import discard, unit_of_work
from services.registry.models import outbox


@pytest.fixture
async def test_queue(
    committed: async_sessionmaker[AsyncSession], redis: QueueRedis
) -> AsyncIterator[str]:
    name = f"uow-{uuid.uuid4().hex[:8]}"
    yield name
    async with committed() as session, session.begin():
        await session.execute(delete(outbox).where(outbox.c.queue == name))
    await redis.delete(queue_name(name))


async def published_at(committed: async_sessionmaker[AsyncSession], queue: str) -> list[object]:
    async with committed() as session:
        rows = await session.execute(select(outbox.c.published_at).where(outbox.c.queue == queue))
    return [row.published_at for row in rows]


async def queued(redis: QueueRedis, queue: str) -> int:
    return int(await redis.zcard(queue_name(queue)))


async def test_a_job_publishes_its_follow_up_messages_before_it_returns(
    committed: async_sessionmaker[AsyncSession], redis: QueueRedis, test_queue: str
) -> None:
    @job
    async def decide(session: AsyncSession, payload: Payload, ctx: dict[str, object]) -> None:
        await add_message(session, outbox, queue=test_queue, function="letter", payload={})

    ctx = {"sessionmaker": committed, "relay": OutboxRelay(committed, outbox, redis)}
    await decide(ctx, {})

    (sent,) = await published_at(committed, test_queue)
    assert sent is not None  # no 5-second sweep needed
    assert await queued(redis, test_queue) == 1


async def test_a_command_connects_to_redis_only_to_relay_and_publishes_after_commit(
    committed: async_sessionmaker[AsyncSession], redis_url: str, redis: QueueRedis, test_queue: str
) -> None:
    relay = OutboxRelay(committed, outbox, redis_url=redis_url)
    async with unit_of_work(committed, relay=relay) as session:
        await add_message(session, outbox, queue=test_queue, function="letter", payload={})
        assert await queued(redis, test_queue) == 0  # nothing leaves before the commit

    assert await queued(redis, test_queue) == 1
    assert all(await published_at(committed, test_queue))


async def test_a_failed_unit_stores_and_relays_nothing(
    committed: async_sessionmaker[AsyncSession], redis: QueueRedis, test_queue: str
) -> None:
    relay = OutboxRelay(committed, outbox, redis)
    with pytest.raises(RuntimeError):
        async with unit_of_work(committed, relay=relay) as session:
            await add_message(session, outbox, queue=test_queue, function="letter", payload={})
            raise RuntimeError("the rule refused it")

    assert await published_at(committed, test_queue) == []
    assert await queued(redis, test_queue) == 0


async def test_a_discarded_unit_is_a_dry_run(
    committed: async_sessionmaker[AsyncSession], redis: QueueRedis, test_queue: str
) -> None:
    relay = OutboxRelay(committed, outbox, redis)
    async with unit_of_work(committed, relay=relay) as session:
        await add_message(session, outbox, queue=test_queue, function="letter", payload={})
        await discard(session)

    assert await published_at(committed, test_queue) == []
    assert await queued(redis, test_queue) == 0


async def test_redis_away_keeps_the_commit_and_leaves_the_row_to_the_sweep(
    committed: async_sessionmaker[AsyncSession], test_queue: str
) -> None:
    relay = OutboxRelay(committed, outbox, redis_url="redis://127.0.0.1:1/0")
    async with unit_of_work(committed, relay=relay) as session:
        await add_message(session, outbox, queue=test_queue, function="letter", payload={})

    assert await published_at(committed, test_queue) == [None]  # stored, unsent, not lost


class _Base(DeclarativeBase):
    pass


class Versioned(_Base):
    """A row with an optimistic version, as every aggregate with an ETag has."""

    __tablename__ = "uow_stale_probe"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


async def test_two_units_changing_one_version_the_second_is_a_precondition_failure(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    async with committed() as session, session.begin():
        await session.run_sync(lambda s: _Base.metadata.create_all(s.connection()))
        await session.execute(delete(Versioned))
        session.add(Versioned(id=1, name="scheduled"))

    with pytest.raises(PreconditionFailed):
        async with unit_of_work(committed) as first:
            row = await first.get_one(Versioned, 1)
            async with unit_of_work(committed) as second:
                (await second.get_one(Versioned, 1)).name = "moved"
            row.name = "cancelled"

    async with committed() as session:
        row = await session.get_one(Versioned, 1)
    assert (row.name, row.version) == ("moved", 2)
