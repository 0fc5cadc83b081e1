"""Prometheus metrics of an API on a port of their own (``METRICS_PORT``), never on the API's.

The public port answers ``/metrics`` with 404: route names, status counts, queue depths and outbox
lag are for the office's scraper, not for whoever can reach the API. As the worker already does
(``jisso worker --metrics-port``), each API process serves its metrics with prometheus_client's
own HTTP server (a thread); in Kubernetes only the ``monitoring`` namespace may reach that port.

The gauges read from PostgreSQL and Redis (queue depth, outbox) are refreshed at each scrape, on
the app's event loop — where its engine and Redis pool live — and the scrape waits for that up to
a few seconds, then answers with what it has.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from wsgiref.simple_server import WSGIServer

import structlog
from fastapi import FastAPI
from prometheus_client import generate_latest, start_http_server
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from libs.common.metrics import ServiceMetrics
from libs.common.outbox import rearmed_count, unsent_count
from libs.common.queue import queue_depth
from libs.common.redis_pool import get_redis

log = structlog.get_logger(__name__)
REFRESH_SECONDS = 3.0


async def refresh(app: FastAPI) -> None:
    """Bring the gauges read from the database and Redis up to date; a failing source is logged
    and skipped, so a scrape still answers with the rest."""
    service_metrics: ServiceMetrics = app.state.metrics
    for step in (_refresh_queue_and_outbox, *service_metrics.hooks):
        try:
            await asyncio.wait_for(step(app), timeout=REFRESH_SECONDS)
        except Exception as exc:
            log.warning("metrics_refresh_failed", error=str(exc))


async def render(app: FastAPI) -> bytes:
    """The Prometheus text of an app's metrics, refreshed (what a scrape of its port returns)."""
    await refresh(app)
    return generate_latest(app.state.metrics.registry)


async def _refresh_queue_and_outbox(app: FastAPI) -> None:
    service_metrics: ServiceMetrics = app.state.metrics
    service = service_metrics.service
    async with app.state.sessionmaker() as session:
        unsent, oldest = await unsent_count(session, app.state.outbox)
        rearmed = await rearmed_count(session, app.state.outbox)
    service_metrics.outbox_unsent.labels(service).set(unsent)
    service_metrics.outbox_rearmed.labels(service).set(rearmed)
    lag = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
    service_metrics.outbox_lag.labels(service).set(lag)
    redis = await get_redis(app)
    service_metrics.queue_depth.labels(service).set(await queue_depth(redis, service))


class _RefreshedOnScrape(Collector):
    """What the metrics thread serves: the app's registry, refreshed on the app's loop first."""

    def __init__(self, app: FastAPI, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.loop = loop

    def collect(self) -> Iterable[Metric]:
        future = asyncio.run_coroutine_threadsafe(refresh(self.app), self.loop)
        try:
            future.result(timeout=REFRESH_SECONDS * 2)
        except Exception as exc:  # the loop is stopping, or the refresh hung
            future.cancel()
            log.warning("metrics_refresh_failed", error=str(exc) or type(exc).__name__)
        return self.app.state.metrics.registry.collect()

    def restricted_registry(self, names: Iterable[str]) -> Collector:
        """``?name[]=…`` scrapes: only those metrics (prometheus_client asks for this)."""
        self.collect()  # refreshed first, as a whole scrape is
        return self.app.state.metrics.registry.restricted_registry(names)


@dataclass
class MetricsServer:
    server: WSGIServer
    thread: threading.Thread

    async def stop(self) -> None:
        await asyncio.to_thread(self.server.shutdown)
        self.server.server_close()


def start(app: FastAPI, host: str, port: int) -> MetricsServer | None:
    """Serve the app's metrics on ``host:port`` from a thread (call on the app's loop).

    A port already taken does not stop the API: the error is logged (``metrics_port_unavailable``)
    and the scraper's ``up`` for this target goes to 0, which is what alerts on it."""
    registry = _RefreshedOnScrape(app, asyncio.get_running_loop())
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        log.error("metrics_port_unavailable", host=host, port=port, error=str(exc))
        return None
    log.info("metrics_serving", host=host, port=port)
    return MetricsServer(server, thread)
