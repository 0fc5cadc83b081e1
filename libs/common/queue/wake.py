"""A worker that starts a job as soon as it is published, not at its next poll.

arq polls its queue every ``poll_delay`` (half a second): a job published just after a poll
waited that long before it started, on every hop of a chain (a sweep's registry jobs, a
decision's mail). :func:`libs.common.queue.jobs.publish` also announces each job on its
queue's wake channel (Redis pub/sub); this worker polls again the moment it hears one, and
otherwise every ``poll_delay`` as arq does, so a lost announcement (a worker between
connections) delays a job by one poll at most, never more.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq.connections import create_pool, log_redis_info
from arq.worker import Worker
from redis.asyncio.client import PubSub

from libs.common.queue.connection import wake_channel

logger = logging.getLogger("arq.worker")


class WakeableWorker(Worker):
    """arq's worker with its poll loop's sleep cut short by a wake announcement. Its set-up is
    arq's own ``Worker.main`` (pinned arq 0.28); only the loop differs."""

    def __init__(self, *args: Any, service: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wake_channel = wake_channel(service)

    async def main(self) -> None:
        if self._pool is None:
            self._pool = await create_pool(
                self.redis_settings,
                job_deserializer=self.job_deserializer,
                job_serializer=self.job_serializer,
                default_queue_name=self.queue_name,
                expires_extra_ms=self.expires_extra_ms,
            )
        logger.info("Starting worker for %d functions", len(self.functions))
        await log_redis_info(self.pool, logger.info)
        self.ctx["redis"] = self.pool
        if self.on_startup:
            await self.on_startup(self.ctx)
        # Subscribed before the first poll: a job published after that poll wakes the loop.
        announcements = self.pool.pubsub(ignore_subscribe_messages=True)
        await announcements.subscribe(self.wake_channel)
        try:
            while not await self._poll_once():
                await self._until_woken(announcements)
        finally:
            await announcements.aclose()

    async def _poll_once(self) -> bool:
        """arq's poll iteration; True when a burst worker is done."""
        await self._poll_iteration()
        if not self.burst:
            return False
        if 0 <= self.max_burst_jobs <= self._jobs_started() or not await self.pool.zcard(
            self.queue_name
        ):
            await asyncio.gather(*self.tasks.values())
            return True
        return False

    async def _until_woken(self, announcements: PubSub) -> None:
        """Until an announcement or ``poll_delay``; announcements heard meanwhile are one."""
        heard = await announcements.get_message(timeout=self.poll_delay_s)
        while heard is not None:
            heard = await announcements.get_message(timeout=0)
