"""Workers: one arq worker per service queue in one process, and the outbox sweep every service
has.

Everything that knows arq's Worker (its options, its task table) is here, its poll loop in wake.py;
the process around it (signals, liveness, metrics) is libs/common/worker.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from arq.worker import Worker, func
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import Table

from libs.common.db import create_engine, create_sessionmaker
from libs.common.outbox import OutboxRelay, rearm, relay
from libs.common.queue.connection import deserialize, queue_name, redis_settings, serialize
from libs.common.queue.jobs import MAX_TRIES, JobContext, Payload
from libs.common.queue.wake import WakeableWorker
from libs.common.settings import Settings
from libs.common.tracing import configure_tracing

log = structlog.get_logger(__name__)
Startup = Callable[[JobContext], Awaitable[None]]
# A check of something the service's jobs need but its API does not (notify's SMTP): run by the
# worker process now and then (libs/common/worker.py), it records its outcome as a metric.
HealthCheck = Callable[[], Awaitable[None]]


@dataclass
class ServiceWorker:
    """What a service contributes to a worker process: its jobs, its outbox, its context."""

    settings: Settings
    outbox: Table
    functions: list[Callable[..., Awaitable[Any]]] = field(default_factory=list)
    on_startup: Startup | None = None
    max_jobs: int = 10
    health_checks: list[HealthCheck] = field(default_factory=list)
    job_timeout: int = 300


async def sweep_outbox(ctx: JobContext, payload: Payload) -> int:
    """Re-publish outbox rows left unsent (Redis was down, a process died before relaying).

    Runs every 5 s: a line only when it published something (``outbox_swept``)."""
    published = await relay(ctx["sessionmaker"], ctx["outbox"], ctx["redis"])
    if published:
        log.info("outbox_swept", service=ctx["service"], published=published)
    return published


def quiet_arq_logs() -> None:
    """arq logs every job's start and end at info, which jisso's job_started/job_finished already
    say (with the request id and trace); only its warnings and errors are kept."""
    for name in ("arq", "arq.worker", "arq.jobs", "arq.connections"):
        logging.getLogger(name).setLevel(logging.WARNING)


def build_worker(spec: ServiceWorker, *, burst: bool = False) -> Worker:
    service = spec.settings.service
    quiet_arq_logs()

    async def startup(ctx: JobContext) -> None:
        configure_tracing(f"worker-{service}", spec.settings.otel_exporter_otlp_endpoint)
        ctx["settings"] = spec.settings
        ctx["engine"] = create_engine(spec.settings)
        ctx["sessionmaker"] = create_sessionmaker(ctx["engine"])
        ctx["outbox"] = spec.outbox
        # Jobs publish the messages their unit of work wrote at once (libs.common.queue.job).
        ctx["relay"] = OutboxRelay(ctx["sessionmaker"], spec.outbox, ctx.get("redis"))
        ctx["rearm"] = functools.partial(
            rearm, ctx["sessionmaker"], spec.outbox, queue=spec.settings.service
        )
        if spec.on_startup:
            await spec.on_startup(ctx)

    async def shutdown(ctx: JobContext) -> None:
        # Also called for a worker that lost Redis before its startup ran.
        if "engine" in ctx:
            await ctx["engine"].dispose()
        if "http" in ctx:
            await ctx["http"].aclose()

    functions = [sweep_outbox, *spec.functions]
    return WakeableWorker(
        service=service,
        functions=[func(f, name=f.__name__) for f in functions],  # type: ignore[arg-type]
        queue_name=queue_name(service),
        redis_settings=redis_settings(spec.settings.redis_url),
        burst=burst,
        on_startup=startup,
        on_shutdown=shutdown,
        handle_signals=False,
        max_jobs=spec.max_jobs,
        job_timeout=spec.job_timeout,
        keep_result=3600,
        max_tries=MAX_TRIES,
        job_serializer=serialize,
        job_deserializer=deserialize,
        ctx={"service": service},
    )


# What arq's poll loop ends with when Redis goes away (a restart, a failover, a network cut).
REDIS_LOST = (RedisConnectionError, RedisTimeoutError, OSError)
RECONNECT_SECONDS = 1.0


class _Reconnecting:
    """One service's arq worker that outlives a Redis outage instead of ending the process (under
    `jisso up` a dead worker stops the whole system; elsewhere it would crash-loop).

    When the poll loop loses Redis, the jobs already running finish their database work (their
    Redis bookkeeping may fail, so they run again later: harmless, jobs are idempotent), the
    worker's connections are released and a new worker is built until Redis answers again."""

    def __init__(self, spec: ServiceWorker, burst: bool) -> None:
        self.spec = spec
        self.burst = burst
        self.worker = build_worker(spec, burst=burst)

    async def run(self, stop: asyncio.Event) -> None:
        while True:
            try:
                await self.worker.async_run()
                return
            except REDIS_LOST as exc:
                log.warning("worker_lost_redis", queue=self.worker.queue_name, error=str(exc))
            await self._discard()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=RECONNECT_SECONDS)
            if stop.is_set():
                return
            self.worker = build_worker(self.spec, burst=self.burst)

    async def _discard(self) -> None:
        worker = self.worker
        await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
        if worker.on_shutdown is not None:
            await worker.on_shutdown(worker.ctx)
        if (redis := worker.ctx.get("redis")) is not None:
            await redis.aclose()


async def run_workers(specs: Sequence[ServiceWorker], *, burst: bool = False) -> None:
    """Run every service's worker until SIGTERM/SIGINT; running jobs get time to finish."""
    runners = [_Reconnecting(spec, burst) for spec in specs]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(r.run(stop)) for r in runners]
    log.info("worker_started", queues=[r.worker.queue_name for r in runners])
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait([*tasks, waiter], return_when=asyncio.FIRST_COMPLETED)
    workers = [r.worker for r in runners]
    await _drain(workers)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for w in workers:
        try:
            await w.close()
        except REDIS_LOST as exc:  # stopping during an outage: nothing left to tidy in Redis
            log.warning("worker_closed_without_redis", queue=w.queue_name, error=str(exc))


async def _drain(workers: Sequence[Worker], grace: float = 10.0) -> None:
    """Stop taking jobs and let running ones finish; jobs are idempotent, so a cut one reruns."""
    for w in workers:
        w.allow_pick_jobs = False
    running = [t for w in workers for t in w.tasks.values() if not t.done()]
    if running:
        await asyncio.wait(running, timeout=grace)
    for w in workers:
        w.handle_sig(signal.SIGTERM)
