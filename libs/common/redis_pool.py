"""The app's Redis (arq) pool, connected on first use so an app starts while Redis is down."""

from __future__ import annotations

import asyncio

from arq.connections import ArqRedis
from fastapi import FastAPI

from libs.common.queue import connect

_lock = asyncio.Lock()


async def get_redis(app: FastAPI) -> ArqRedis:
    redis: ArqRedis | None = getattr(app.state, "redis", None)
    if redis is not None:
        return redis
    async with _lock:
        if getattr(app.state, "redis", None) is None:
            app.state.redis = await connect(app.state.settings.redis_url)
    result: ArqRedis = app.state.redis
    return result
