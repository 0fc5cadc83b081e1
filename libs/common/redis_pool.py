"""The app's Redis (queue) pool, connected on first use so an app starts while Redis is down."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from libs.common.queue import QueueRedis, connect

_lock = asyncio.Lock()


async def get_redis(app: FastAPI) -> QueueRedis:
    redis: QueueRedis | None = getattr(app.state, "redis", None)
    if redis is not None:
        return redis
    async with _lock:
        if getattr(app.state, "redis", None) is None:
            app.state.redis = await connect(app.state.settings.redis_url)
    result: QueueRedis = app.state.redis
    return result
