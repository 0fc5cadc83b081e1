"""Workers: one arq worker per service queue in one process, and the outbox sweep every service has."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from arq.worker import Worker, func
from sqlalchemy import Table

from libs.common.db import create_engine, create_sessionmaker
from libs.common.outbox import relay
from libs.common.queue import (
    JobContext,
    Payload,
    deserialize,
    queue_name,
    redis_settings,
    serialize,
)
from libs.common.settings import Settings
from libs.common.tracing import configure_tracing

log = structlog.get_logger(__name__)
Startup = Callable[[JobContext], Awaitable[None]]


@dataclass
class ServiceWorker:
    """What a service contributes to a worker process: its jobs, its outbox, its context."""

    settings: Settings
    outbox: Table
    functions: list[Callable[..., Awaitable[Any]]] = field(default_factory=list)
    on_startup: Startup | None = None
    max_jobs: int = 10
    job_timeout: int = 300


async def sweep_outbox(ctx: JobContext, payload: Payload) -> int:
    """Re-publish outbox rows left unsent (Redis was down, a process died before relaying)."""
    return await relay(ctx["sessionmaker"], ctx["outbox"], ctx["redis"])


def build_worker(spec: ServiceWorker, *, burst: bool = False) -> Worker:
    service = spec.settings.service

    async def startup(ctx: JobContext) -> None:
        configure_tracing(f"worker-{service}", spec.settings.otel_exporter_otlp_endpoint)
        ctx["settings"] = spec.settings
        ctx["engine"] = create_engine(spec.settings)
        ctx["sessionmaker"] = create_sessionmaker(ctx["engine"])
        ctx["outbox"] = spec.outbox
        if spec.on_startup:
            await spec.on_startup(ctx)

    async def shutdown(ctx: JobContext) -> None:
        await ctx["engine"].dispose()
        if "http" in ctx:
            await ctx["http"].aclose()

    functions = [sweep_outbox, *spec.functions]
    return Worker(
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
        max_tries=20,
        job_serializer=serialize,
        job_deserializer=deserialize,
        ctx={"service": service},
    )


async def run_workers(specs: Sequence[ServiceWorker], *, burst: bool = False) -> None:
    """Run every service's worker until SIGTERM/SIGINT; running jobs get time to finish."""
    workers = [build_worker(spec, burst=burst) for spec in specs]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(w.async_run()) for w in workers]
    log.info("worker_started", queues=[w.queue_name for w in workers])
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait([*tasks, waiter], return_when=asyncio.FIRST_COMPLETED)
    await _drain(workers)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for w in workers:
        await w.close()


async def _drain(workers: Sequence[Worker], grace: float = 10.0) -> None:
    """Stop taking jobs and let running ones finish; jobs are idempotent, so a cut one reruns."""
    for w in workers:
        w.allow_pick_jobs = False
    running = [t for w in workers for t in w.tasks.values() if not t.done()]
    if running:
        await asyncio.wait(running, timeout=grace)
    for w in workers:
        w.handle_sig(signal.SIGTERM)
