"""Where the queue lives: arq's Redis pool, its settings, its keys.

Every read of arq's Redis layout (the queue's key, its depth) is here, so a swap of the queue
changes this package and nothing that uses it (docs/architecture.md, "Swapping the queue").
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import in_progress_key_prefix

from libs.common.redis_options import redis_target

# The Redis client the queue hands out: redis-py's asyncio client with arq's enqueueing on top.
QueueRedis = ArqRedis


def queue_name(service: str) -> str:
    return f"jisso:queue:{service}"


def wake_channel(service: str) -> str:
    """Where a service's workers hear that a job was published (libs/common/queue/wake.py)."""
    return f"{queue_name(service)}:wake"


async def wake(redis: QueueRedis, service: str) -> None:
    """Tell the workers of ``service`` that a job is waiting, so none waits for its next poll."""
    await redis.publish(wake_channel(service), b"")


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__} into a job")


def serialize(data: dict[str, Any]) -> bytes:
    return json.dumps(data, default=_default, ensure_ascii=False).encode()


def deserialize(data: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def redis_settings(url: str) -> RedisSettings:
    """The one place arq's connection settings are built (the worker's and every pool's); TLS
    from the URL as every Redis client reads it (libs/common/redis_options.py)."""
    target = redis_target(url)
    settings = RedisSettings.from_dsn(target.url)
    for name, value in target.tls.items():
        setattr(settings, name, value)
    settings.conn_timeout = 2
    settings.conn_retries = 1
    return settings


async def connect(url: str) -> QueueRedis:
    return await create_pool(
        redis_settings(url), job_serializer=serialize, job_deserializer=deserialize
    )


# arq marks a job being run with a key of this prefix until it finishes.
JOBS_RUNNING_PATTERN = f"{in_progress_key_prefix}*"


async def queue_depth(redis: QueueRedis, service: str) -> int:
    """Jobs waiting in a service's queue (arq keeps them in a sorted set by due time)."""
    return int(await redis.zcard(queue_name(service)))
