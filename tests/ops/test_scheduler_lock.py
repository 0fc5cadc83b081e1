"""The scheduler's lock (redis-py's Lock) against a real Redis, two schedulers on connections of
their own: one leads; the other takes over once the leader's lock expires; the one whose lock
expired can then neither renew nor release the lock the other holds."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from libs.common.queue import QueueRedis, connect, queue_name
from libs.common.scheduler import LEADING, LOCK_KEY, Periodic, Scheduler

TTL = 0.6


@pytest.fixture
async def two_connections(redis_url: str) -> AsyncIterator[tuple[QueueRedis, QueueRedis]]:
    first, second = await connect(redis_url), await connect(redis_url)
    await first.delete(LOCK_KEY)
    yield first, second
    await first.delete(LOCK_KEY)
    await first.aclose()
    await second.aclose()


def _periodics() -> list[Periodic]:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    return [Periodic(f"{queue}.sweep", queue, "sweep", timedelta(seconds=60))]


def _leading_gauge() -> float:
    return LEADING._value.get()


async def test_only_one_of_two_schedulers_leads(
    two_connections: tuple[QueueRedis, QueueRedis],
) -> None:
    periodics = _periodics()
    first, second = (Scheduler(r, periodics, lock_ttl=TTL) for r in two_connections)
    assert await first.hold_lock()
    assert _leading_gauge() == 1
    for _ in range(4):  # renewed across several lock lifetimes: the second never gets it
        await asyncio.sleep(TTL / 2)
        assert await first.hold_lock()
        assert not await second.hold_lock()
        assert _leading_gauge() == 0  # this process's gauge follows the last one asked
    assert len(await first.tick()) == 1
    assert await second.tick() == []
    await two_connections[0].delete(queue_name(periodics[0].queue))


async def test_the_other_takes_over_when_the_leader_stops_renewing(
    two_connections: tuple[QueueRedis, QueueRedis],
) -> None:
    first, second = (Scheduler(r, _periodics(), lock_ttl=TTL) for r in two_connections)
    assert await first.hold_lock()
    assert not await second.hold_lock()
    await asyncio.sleep(TTL / 2)
    assert not await second.hold_lock(), "taken over before the leader's lock expired"
    await asyncio.sleep(TTL)  # the leader is dead (or paused): its lock expires
    assert await second.hold_lock()
    assert second.lock.local.token == await two_connections[0].get(LOCK_KEY)


async def test_an_expired_leader_can_neither_renew_nor_release_the_new_leaders_lock(
    two_connections: tuple[QueueRedis, QueueRedis],
) -> None:
    redis = two_connections[0]
    first, second = (Scheduler(r, _periodics(), lock_ttl=TTL) for r in two_connections)
    assert await first.hold_lock()
    await asyncio.sleep(TTL * 1.5)  # the first paused past its lock's lifetime
    assert await second.hold_lock()
    token = await redis.get(LOCK_KEY)
    assert token == second.lock.local.token and token != first.lock.local.token

    await first.release()  # a stopping scheduler that still believes it leads
    assert await redis.get(LOCK_KEY) == token, "the expired leader deleted the new leader's lock"

    await asyncio.sleep(TTL / 2)
    expiring = await redis.pttl(LOCK_KEY)
    # Another paused leader, renewing with a longer lifetime: refused, the lifetime left alone.
    paused = Scheduler(redis, _periodics(), lock_ttl=TTL * 10)
    paused.leading = True
    paused.lock.local.token = b"the-token-of-an-expired-lock"
    assert await paused.hold_lock() is False
    assert 0 < await redis.pttl(LOCK_KEY) <= expiring, "the expired leader renewed another's lock"
    assert await redis.get(LOCK_KEY) == token
    assert await second.hold_lock()
