"""The worker process: every service's queue worker (libs/common/queue/worker.py), its heartbeat,
the queue-depth gauge the worker HPA scales on, and each service's periodic health checks (notify's
SMTP, see services/notify/letters/smtp_health.py).

Nothing here knows the queue's implementation: a swap of arq leaves this module as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Sequence

import structlog
from prometheus_client import Gauge

from libs.common.liveness import Heartbeat, keep_beating
from libs.common.queue import QueueRedis, connect, queue_depth
from libs.common.queue.worker import HealthCheck, ServiceWorker, sweep_outbox
from libs.common.queue.worker import run_workers as run_queue_workers

log = structlog.get_logger(__name__)
QUEUE_DEPTH = Gauge("jisso_queue_depth", "Jobs waiting in the service's queue", ["service"])
HEALTH_CHECK_SECONDS = 60.0

__all__ = ["HealthCheck", "ServiceWorker", "run_workers", "sweep_outbox"]


class _DepthGauge:
    """Reads each queue's depth on its own connection, made on first use (Redis may be away)."""

    def __init__(self, specs: Sequence[ServiceWorker]) -> None:
        self.specs = specs
        self.redis: QueueRedis | None = None

    async def refresh(self) -> None:
        if self.redis is None:
            self.redis = await connect(self.specs[0].settings.redis_url)
        for spec in self.specs:
            service = spec.settings.service
            QUEUE_DEPTH.labels(service).set(await queue_depth(self.redis, service))

    async def close(self) -> None:
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()


async def _every(check: HealthCheck, seconds: float) -> None:
    """A health check at most once per ``seconds``; it records its own outcome (a gauge)."""
    while True:
        try:
            await asyncio.wait_for(check(), timeout=seconds / 2)
        except Exception as exc:  # the check failed to run at all: say so, try again later
            log.warning("health_check_failed", check=check.__name__, error=str(exc))
        await asyncio.sleep(seconds)


async def run_workers(
    specs: Sequence[ServiceWorker],
    *,
    burst: bool = False,
    heartbeat: Heartbeat | None = None,
) -> None:
    """Run every service's worker until SIGTERM/SIGINT, beating ``heartbeat`` meanwhile."""
    # As the apps do at start-up (libs/common/app.py): every job module is imported by now, and
    # the collector need not re-scan it in every full collection while jobs run.
    gc.freeze()
    depth = _DepthGauge(specs)
    background = [
        asyncio.create_task(_every(check, HEALTH_CHECK_SECONDS))
        for spec in specs
        for check in spec.health_checks
    ]
    if heartbeat is not None:
        background.append(asyncio.create_task(keep_beating(heartbeat, also=depth.refresh)))
    try:
        await run_queue_workers(specs, burst=burst)
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await depth.close()
