"""A published job starts at once: the worker is woken, it does not wait for its next poll."""

from __future__ import annotations

import asyncio
import time
import uuid

from arq.worker import func

from libs.common.queue import QueueRedis, publish
from libs.common.queue.connection import deserialize, queue_name, redis_settings, serialize
from libs.common.queue.wake import WakeableWorker

# Far longer than the test may take: a job that started waited for no poll.
POLL_DELAY = 60.0


async def test_a_published_job_starts_before_the_next_poll(
    redis: QueueRedis, redis_url: str
) -> None:
    service = f"wake-{uuid.uuid4().hex[:8]}"
    started = asyncio.Event()

    async def record(ctx: dict[str, object], payload: dict[str, object]) -> None:
        started.set()

    worker = WakeableWorker(
        service=service,
        functions=[func(record, name="record")],  # type: ignore[arg-type]
        queue_name=queue_name(service),
        redis_settings=redis_settings(redis_url),
        handle_signals=False,
        poll_delay=POLL_DELAY,
        job_serializer=serialize,
        job_deserializer=deserialize,
    )
    running = asyncio.create_task(worker.async_run())
    try:
        await first_poll(redis, service)
        published = time.monotonic()
        await publish(redis, queue=service, function="record", payload={}, job_id=uuid.uuid4().hex)
        await asyncio.wait_for(started.wait(), timeout=POLL_DELAY / 4)
        assert time.monotonic() - published < POLL_DELAY / 4
    finally:
        await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.pool.delete(f"{queue_name(service)}:health-check")
        await worker.pool.aclose()


async def first_poll(redis: QueueRedis, service: str) -> None:
    """Until the worker's first poll is over (arq writes its health check at the end of each);
    it then waits for the next one, a minute away."""
    deadline = time.monotonic() + 30
    while not await redis.exists(f"{queue_name(service)}:health-check"):
        assert time.monotonic() < deadline, "the worker did not start"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
