"""``/healthz`` (alive) and ``/readyz`` (able to serve requests).

Liveness checks nothing outside the process: a dependency's outage never restarts a pod. Readiness
requires only what every request needs, the database; Redis is reported and not required, since a
request never waits on it (messages wait in the outbox, the rate limits let requests through), so a
Redis outage across every pod does not take the whole service out of its endpoints. SMTP is no part
of it: the worker, which sends mail, checks it and exports ``jisso_smtp_up`` (docs/operations.md,
"Health").

Metrics are not here: they are served on a port of their own (libs/common/metrics_endpoint.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from libs.common.named_schema import Named
from libs.common.outages import RETRY_AFTER_SECONDS
from libs.common.redis_pool import get_redis

log = structlog.get_logger(__name__)

ReadinessCheck = Callable[[Request], Awaitable[None]]
# Reported in ``checks`` but not required for ``ready``.
REPORTED_ONLY = frozenset({"redis"})

router = APIRouter(tags=["health"])


async def check_database(request: Request) -> None:
    async with request.app.state.sessionmaker() as session:
        await session.execute(text("SELECT 1"))


async def check_redis(request: Request) -> None:
    redis = await get_redis(request.app)
    await redis.ping()


ReadinessStatus = Annotated[
    Literal["ready", "unavailable"],
    Named(
        "ReadinessStatus",
        "準備状態（readiness）: ready 応答可能, unavailable 依存先に接続できない",
    ),
]


class Liveness(BaseModel):
    """プロセスが応答している（the process answers）."""

    status: Literal["ok"] = Field(description="常に ok（always `ok` while the process answers）")


class Readiness(BaseModel):
    """要求に応答できるか（whether the database answered within three seconds; Redis reported）."""

    status: ReadinessStatus = Field(
        description="database が ok なら ready（`ready` when the database check is `ok`; "
        "Redis is reported, not required）"
    )
    checks: dict[str, str] = Field(
        description="依存先ごとの結果: `ok` または `error: <種類>`（each dependency's result）",
        examples=[{"database": "ok", "redis": "ok"}],
    )


@router.get("/healthz", summary="Liveness: the process answers")
async def check_liveness() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: the database reachable (Redis reported, not required)",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The database is unreachable"}},
)
async def check_readiness(request: Request) -> JSONResponse:
    checks: dict[str, ReadinessCheck] = request.app.state.readiness_checks
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(request), timeout=3)
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for name, v in results.items() if name not in REPORTED_ONLY)
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": results},
        status_code=200 if ready else 503,
        headers=None if ready else {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
