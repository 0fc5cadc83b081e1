"""``/healthz`` (alive), ``/readyz`` (dependencies reachable) and ``/metrics``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from libs.common.metrics import ServiceMetrics
from libs.common.outbox import rearmed_count, unsent_count
from libs.common.queue import queue_name
from libs.common.redis_pool import get_redis

log = structlog.get_logger(__name__)

ReadinessCheck = Callable[[Request], Awaitable[None]]

router = APIRouter(tags=["health"])


async def check_database(request: Request) -> None:
    async with request.app.state.sessionmaker() as session:
        await session.execute(text("SELECT 1"))


async def check_redis(request: Request) -> None:
    redis = await get_redis(request.app)
    await redis.ping()


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: database, Redis (and SMTP for notify) reachable",
    responses={503: {"description": "A dependency is unreachable"}},
)
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, ReadinessCheck] = request.app.state.readiness_checks
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(request), timeout=3)
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in results.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": results},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    service_metrics: ServiceMetrics = request.app.state.metrics
    for refresh in (_refresh_queue_and_outbox, *service_metrics.hooks):
        try:
            await asyncio.wait_for(refresh(request.app), timeout=3)
        except Exception as exc:  # a scrape still answers with what it has
            log.warning("metrics_refresh_failed", error=str(exc))
    return Response(generate_latest(service_metrics.registry), media_type=CONTENT_TYPE_LATEST)


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
    service_metrics.queue_depth.labels(service).set(await redis.zcard(queue_name(service)))
