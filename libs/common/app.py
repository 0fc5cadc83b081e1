"""The app factory every service uses: problems, auth, logs, CORS, rate limits, metrics (on their
own port), health, one UoW per request."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import Table

from libs.common import (
    contract,
    dependency_plans,
    flat_routes,
    health,
    http_semantics,
    metrics_endpoint,
    problem_pages,
)
from libs.common.db import create_engine, create_sessionmaker
from libs.common.errors import install_problem_handlers, problem_base, problem_doc
from libs.common.health import check_database, check_redis
from libs.common.limits import BodyLimitMiddleware
from libs.common.logging import configure_logging
from libs.common.metrics import ServiceMetrics
from libs.common.observability import ObservabilityMiddleware
from libs.common.outbox import OutboxRelay
from libs.common.query_params import UNKNOWN_QUERY_PROBLEM, refuse_unknown_query
from libs.common.rate_limits import RateLimiter, RateLimitMiddleware
from libs.common.redis_pool import get_redis
from libs.common.settings import Settings, service_spec
from libs.common.tracing import configure_tracing

log = structlog.get_logger(__name__)


def create_service_app(
    *,
    settings: Settings,
    title: str,
    description: str,
    version: str,
    routers: Sequence[APIRouter],
    outbox: Table,
    idempotency_keys: Table | None = None,
    openapi_tags: list[dict[str, Any]] | None = None,
    upload_limits: dict[str, int] | None = None,
) -> FastAPI:
    """``upload_limits``: paths that take files, with the body size each allows instead of
    ``MAX_BODY_BYTES``."""
    configure_logging(settings.log_level, settings.service, settings.log_format)
    configure_tracing(settings.service, settings.otel_exporter_otlp_endpoint)
    dependency_plans.install()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await get_redis(app)
        except Exception as exc:  # Start anyway: /readyz reports it and the sweep catches up.
            log.warning("redis_unavailable_at_startup", error=str(exc))
        # What start-up built (modules, routes, mappers, compiled validators) lives as long as
        # the process: frozen, the cyclic collector stops re-scanning it in every full collection.
        gc.freeze()
        # Set by `jisso serve` (services/cli.py): (host, port), port 0 for none.
        host, port = getattr(app.state, "metrics_address", ("", 0))
        metrics_server = metrics_endpoint.start(app, host, port) if port else None
        yield
        if metrics_server is not None:
            await metrics_server.stop()
        await app.state.rate_limiter.close()
        redis = getattr(app.state, "redis", None)
        if redis is not None:
            await redis.aclose()
        await app.state.engine.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        openapi_tags=[
            *(openapi_tags or []),
            {
                "name": "audit",
                "description": "監査記録（who changed what and when; operators only）",
            },
            {
                "name": "health",
                "description": "死活監視と準備状態（liveness and readiness probes）",
            },
            {
                "name": "problems",
                "description": "問題の種類: problem+json の `type` が指すページ"
                "（what each problem `type` means, its rule codes and extension members）",
            },
        ],
        lifespan=lifespan,
        # Every route, of every router included below: an undeclared query parameter is a 422,
        # so every route documents one (a route's own 422 wording wins).
        dependencies=[Depends(refuse_unknown_query), Depends(http_semantics.check_accept)],
        responses={422: problem_doc(UNKNOWN_QUERY_PROBLEM)},
        # Our middleware already traces each request: FastAPI's own spans would be a second
        # server span per request (and a few more per dependency), at a cost on every call.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        generate_unique_id_function=contract.operation_id,
    )
    contract.install(app, servers=_servers(settings))
    app.state.settings = settings
    app.state.problem_base = problem_base(settings)  # every problem's `type` is absolute on it
    app.state.engine = create_engine(settings)
    app.state.sessionmaker = create_sessionmaker(app.state.engine)
    app.state.outbox = outbox
    # Read at call time: tests rebind the sessionmaker to a connection of theirs.
    app.state.make_relay = lambda redis: OutboxRelay(app.state.sessionmaker, outbox, redis)
    app.state.idempotency_keys = idempotency_keys
    app.state.metrics = ServiceMetrics(settings.service)
    app.state.rate_limiter = RateLimiter(settings, app.state.metrics)
    app.state.readiness_checks = {"database": check_database, "redis": check_redis}
    install_problem_handlers(app)
    http_semantics.install(app)
    for router in (*routers, health.router, problem_pages.router):
        flat_routes.include(app, router)
    app.add_middleware(http_semantics.ConditionalAndPrivate)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, by_path=upload_limits
    )
    # Outside the body limit (a refused caller's body is never read), inside CORS (a browser's
    # preflight is answered before it counts) and inside the request id (a 429 carries one).
    app.add_middleware(RateLimitMiddleware, limiter=app.state.rate_limiter, settings=settings)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "Location", "X-Request-ID", "Link"],
        )
    app.add_middleware(ObservabilityMiddleware, metrics=app.state.metrics)
    return app


def _servers(settings: Settings) -> list[dict[str, Any]]:
    """Where the API answers: ``make run``'s port, and a deployment's public address."""
    port = service_spec(settings.service).port
    return [
        {"url": f"http://127.0.0.1:{port}", "description": "make run（開発用 development stack）"},
        {
            "url": "https://{host}",
            "description": "本番・検証環境（a deployment: the service's PUBLIC_BASE_URL）",
            "variables": {"host": {"default": f"{settings.service}.jisso.example"}},
        },
    ]
