"""The scheduler: enqueues periodic sweeps; workers run them.

Each run of a sweep has a job id made of its name and its time slot, so a second scheduler (or a
restart within the slot) cannot enqueue it twice; a Redis lock keeps a second scheduler idle anyway.

The lock is redis-py's :class:`~redis.asyncio.lock.Lock`: taken with ``SET NX PX`` and a token,
renewed and released by Lua scripts that compare the token and act in one step, so a scheduler
whose lock expired (paused, cut off) can neither renew nor delete the lock another now holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from prometheus_client import Gauge
from redis.exceptions import LockError, RedisError

from libs.common.liveness import Heartbeat
from libs.common.queue import ROUTINE_KEY, QueueRedis, connect, publish

log = structlog.get_logger(__name__)
LOCK_KEY = "jisso:scheduler:lock"
# While Redis is away at start-up: 0.5, 1, 2 … seconds between attempts, never more than this.
RECONNECT_MAX_DELAY_SECONDS = 10.0
TICK_TIMEOUT_SECONDS = 10.0
LEADING = Gauge("jisso_scheduler_leading", "1 while this scheduler holds the lock and enqueues")


@dataclass(frozen=True)
class Periodic:
    name: str
    queue: str
    function: str
    every: timedelta


def slot_of(now: datetime, every: timedelta) -> datetime:
    seconds = int(every.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


class Scheduler:
    def __init__(self, redis: QueueRedis, periodics: Sequence[Periodic], lock_ttl: float = 15.0):
        self.redis = redis
        self.periodics = periodics
        # thread_local=False: the token belongs to this scheduler, not to whichever thread asks.
        self.lock = redis.lock(LOCK_KEY, timeout=lock_ttl, blocking=False, thread_local=False)
        self.leading = False
        self.last_slot: dict[str, datetime] = {}

    async def hold_lock(self) -> bool:
        """Renew the lock this scheduler holds, or take it when free; only its holder enqueues."""
        if self.leading:
            try:
                # Resets the expiry only while the stored token is still ours (one Lua call).
                await self.lock.reacquire()
            except LockError:  # LockNotOwnedError included: it expired and maybe another took it
                log.warning("scheduler_lost_lock")
                self.lock.local.token = None
                self.leading = False
        if not self.leading:
            self.leading = await self.lock.acquire(blocking=False)
            if self.leading:
                log.info("scheduler_leading")
        LEADING.set(1 if self.leading else 0)
        return self.leading

    async def tick(self, now: datetime | None = None) -> list[str]:
        """Enqueue every periodic whose slot has not been enqueued yet; returns the job ids."""
        if not await self.hold_lock():
            return []
        now = now or datetime.now(UTC)
        enqueued = []
        for periodic in self.periodics:
            slot = slot_of(now, periodic.every)
            if self.last_slot.get(periodic.name) == slot:
                continue
            job_id = f"{periodic.name}:{slot.isoformat()}"
            await publish(
                self.redis,
                queue=periodic.queue,
                function=periodic.function,
                payload={"as_of": slot.isoformat(), ROUTINE_KEY: True},
                job_id=job_id,
            )
            self.last_slot[periodic.name] = slot
            enqueued.append(job_id)
        return enqueued

    async def release(self) -> None:
        """Give the lock up at once (a stopping scheduler), if it is still ours; else leave it."""
        if not self.leading:
            return
        self.leading = False
        LEADING.set(0)
        try:
            await self.lock.release()
        except (LockError, RedisError) as exc:  # expired and maybe retaken, or Redis is away
            log.warning("scheduler_lock_not_released", error=str(exc) or type(exc).__name__)


async def run_scheduler(
    redis_url: str,
    periodics: Sequence[Periodic],
    tick: float = 1.0,
    heartbeat: Heartbeat | None = None,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    heartbeat = heartbeat or Heartbeat()
    redis = await wait_for_redis(redis_url, stop, heartbeat=heartbeat)
    if redis is None:
        log.info("scheduler_stopped_before_redis_answered")
        return
    scheduler = Scheduler(redis, periodics)
    log.info("scheduler_started", periodics=[p.name for p in periodics])
    while not stop.is_set():
        heartbeat.beat()
        try:
            # Bounded: a Redis that hangs is a failed tick, not a wedged loop (liveness).
            await asyncio.wait_for(scheduler.tick(), timeout=TICK_TIMEOUT_SECONDS)
        except Exception as exc:  # Redis away: keep trying, the slots are replayed by job id.
            LEADING.set(0)  # enqueuing nothing, whatever the lock says
            log.warning("scheduler_tick_failed", error=str(exc) or type(exc).__name__)
        await _sleep_unless_stopped(stop, tick)
    await scheduler.release()
    await redis.aclose()


async def wait_for_redis(
    redis_url: str,
    stop: asyncio.Event,
    first_delay: float = 0.5,
    max_delay: float = RECONNECT_MAX_DELAY_SECONDS,
    heartbeat: Heartbeat | None = None,
) -> QueueRedis | None:
    """Connect, retrying with a doubling delay until Redis answers; None when stopped first.

    A scheduler started before Redis (a node reboot, compose starting everything at once) must
    not exit: under `jisso up` its exit would stop the whole system, and in Kubernetes it would
    crash-loop. Each failed attempt is logged as JSON without a traceback (arq logs its own
    retry inside `connect`, one, a second later, before ours).
    """
    delay = first_delay
    attempt = 1
    while not stop.is_set():
        if heartbeat is not None:  # waiting for Redis is alive, not wedged
            heartbeat.beat()
        try:
            return await connect(redis_url)
        except (OSError, RedisError, TimeoutError) as exc:
            log.warning(
                "scheduler_waiting_for_redis",
                attempt=attempt,
                retry_in_seconds=delay,
                error=f"{type(exc).__name__}: {exc}",
            )
        await _sleep_unless_stopped(stop, delay)
        delay = min(delay * 2, max_delay)
        attempt += 1
    return None


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
