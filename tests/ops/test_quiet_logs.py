"""A worker's log at INFO: a sweep that finds nothing says nothing, one that publishes says so once,
and arq's own per-job lines (which jisso's job_started/job_finished already say) are not there.

A real `jisso worker --service registry`, its stdout captured, fed routine sweeps as the scheduler
enqueues them.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.outbox import add_message
from libs.common.queue import ROUTINE_KEY, QueueRedis, connect, publish, queue_name
from services.registry.models import outbox
from tests.ops.processes import Jisso

pytestmark = pytest.mark.e2e


async def _sweep(redis: QueueRedis) -> None:
    payload = {"as_of": datetime.now(UTC).isoformat(), ROUTINE_KEY: True}
    job_id = f"registry.sweep_outbox:test-{uuid.uuid4().hex}"
    await publish(redis, queue="registry", function="sweep_outbox", payload=payload, job_id=job_id)


async def test_routine_sweeps_are_quiet_and_arq_says_nothing_at_info(
    database_url: str,
    redis_url: str,
    committed: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    redis = await connect(redis_url)
    nowhere = f"test-quiet-{uuid.uuid4().hex[:8]}"  # a queue no worker takes: the row just leaves
    worker = Jisso(
        tmp_path,
        "worker",
        ["worker", "--service", "registry"],
        {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "LOG_LEVEL": "INFO"},
    )
    message_id = None
    try:
        await worker.wait_for(lambda: worker.healthz().status_code == 200, "healthy /healthz")
        for _ in range(3):  # leftovers of earlier tests go out with the first
            await _sweep(redis)
        await worker.wait_for(lambda: _queue_empty(redis), "the sweeps taken")
        quiet_from = len(worker.records())
        for _ in range(4):
            await _sweep(redis)
        await worker.wait_for(lambda: _queue_empty(redis), "the quiet sweeps taken")
        async with committed() as session:
            message_id = await add_message(
                session, outbox, queue=nowhere, function="nothing", payload={}
            )
            await session.commit()
        await _sweep(redis)

        async def published() -> bool:
            async with committed() as session:
                sent = select(outbox.c.published_at).where(outbox.c.id == message_id)
                return (await session.scalar(sent)) is not None

        await worker.wait_for(published, "the message published by a sweep")
        assert worker.stop() == 0
    finally:
        worker.kill()
        if message_id is not None:
            async with committed() as session:
                await session.execute(delete(outbox).where(outbox.c.id == message_id))
                await session.commit()
        await redis.delete(queue_name(nowhere))
        await redis.aclose()
    records = worker.records()
    arq_lines = [r for r in records if str(r.get("logger", "")).startswith("arq")]
    assert arq_lines == [], arq_lines
    after_quiet = [r["event"] for r in records[quiet_from:]]
    assert after_quiet.count("outbox_swept") == 1, after_quiet
    assert set(after_quiet) <= {"outbox_swept", "worker_stopping", "worker_stopped"}, after_quiet
    swept = next(r for r in records[quiet_from:] if r["event"] == "outbox_swept")
    assert swept["published"] == 1 and swept["level"] == "info"


async def _queue_empty(redis: QueueRedis) -> bool:
    """Every sweep taken, and a moment for the last to finish (a sweep takes milliseconds)."""
    if await redis.zcard(queue_name("registry")):
        return False
    await asyncio.sleep(1.5)
    return True
