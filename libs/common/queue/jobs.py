"""Jobs: how they are published and how a job function runs (arq underneath).

Jobs are JSON (never pickle). Every job takes one payload dict; ``_request_id`` in it carries the
request id of whoever caused the job into the job's logs and outgoing calls.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms
from arq.worker import Retry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.errors import ServiceUnavailable
from libs.common.logging import bind_request_id, current_request_id
from libs.common.metrics import observe_job
from libs.common.queue.connection import QueueRedis, queue_name, wake
from libs.common.tracing import TRACE_CARRIER_KEY, current_carrier, job_span
from libs.common.unit_of_work import unit_of_work

log = structlog.get_logger(__name__)

JobContext = dict[str, Any]
Payload = dict[str, Any]
RETRY_CAP_SECONDS = 60
# arq's tries per job; with the delays of retry_delay, about a quarter hour.
MAX_TRIES = 20
# After the last try a message waits this long in the outbox before the queue gets it again.
REARM_DELAY = timedelta(minutes=5)
# In the payload of a job the scheduler enqueued: a routine sweep, logged at debug unless it did
# something (three quarters of a worker's log were sweeps finding nothing to do).
ROUTINE_KEY = "_routine"


async def publish(
    redis: QueueRedis, *, queue: str, function: str, payload: Payload, job_id: str
) -> bool:
    """Enqueue once: arq refuses a job id it already holds, which we count as published. The
    queue's workers are woken at once (a new job only: a refused id is somebody's already)."""
    body = dict(payload)
    body.setdefault("_request_id", current_request_id())
    body.setdefault(TRACE_CARRIER_KEY, current_carrier())
    if await redis.enqueue_job(function, body, _job_id=job_id, _queue_name=queue_name(queue)):
        await wake(redis, queue)
    return True


@dataclass(frozen=True)
class Message:
    """A job to publish: its queue, function, payload and the caller's job id."""

    queue: str
    function: str
    payload: Payload
    job_id: str


# arq's enqueue of many jobs in one round trip, as atomic as its own (WATCH, EXISTS, MULTI): a
# job whose id arq still knows (its job or its result) is left alone. KEYS: per job its job key
# and result key; ARGV: expiry ms, then per job its queue, id, score and serialized job.
_ENQUEUE_MANY = """
local expires = tonumber(ARGV[1])
for i = 1, #KEYS / 2 do
  local job_key, result_key = KEYS[2 * i - 1], KEYS[2 * i]
  local at = 2 + 4 * (i - 1)
  if redis.call('EXISTS', job_key, result_key) == 0 then
    redis.call('PSETEX', job_key, expires, ARGV[at + 3])
    redis.call('ZADD', ARGV[at], ARGV[at + 2], ARGV[at + 1])
  end
end
return 1
"""


async def publish_many(redis: QueueRedis, messages: Sequence[Message]) -> None:
    """Enqueue each once, in one round trip (a relay's batch paid arq's three per job), and wake
    each queue's workers once."""
    if not messages:
        return
    now = timestamp_ms()
    keys: list[str] = []
    args: list[str | bytes | int] = [redis.expires_extra_ms]
    for m in messages:
        body = dict(m.payload)
        body.setdefault("_request_id", current_request_id())
        body.setdefault(TRACE_CARRIER_KEY, current_carrier())
        job = serialize_job(m.function, (body,), {}, None, now, serializer=redis.job_serializer)
        keys += [job_key_prefix + m.job_id, result_key_prefix + m.job_id]
        args += [queue_name(m.queue), m.job_id, now, job]
    await redis.register_script(_ENQUEUE_MANY)(keys=keys, args=args)
    for queue in sorted({m.queue for m in messages}):
        await wake(redis, queue)


def did_something(result: Any) -> bool:
    """Whether a job's result reports an effect: a count above 0, a non-empty collection, or a
    report holding one (``{"day": "…", "ended": 0}`` reports none; the day is not an effect)."""
    if result is None or isinstance(result, str):
        return False
    if isinstance(result, bool):
        return result
    if isinstance(result, int | float):
        return result > 0
    if isinstance(result, dict):
        return any(did_something(value) for value in result.values())
    if isinstance(result, list | tuple | set):
        return len(result) > 0
    return True


def transient(exc: BaseException) -> bool:
    """A failure that time alone cures: a peer service or the database could not be reached."""
    if isinstance(exc, ServiceUnavailable):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def retry_delay(job_try: int) -> float:
    """1, 2, 4 … seconds, at most a minute: with MAX_TRIES, about a quarter hour."""
    return float(min(2 ** max(job_try - 1, 0), RETRY_CAP_SECONDS))


def job(
    fn: Callable[[AsyncSession, Payload, JobContext], Awaitable[Any]],
) -> Callable[[JobContext, Payload], Awaitable[Any]]:
    """Run a job in one unit of work: its effects and its effect keys commit together, and the
    messages it wrote are published at once (``ctx["relay"]``, set by libs.common.queue.worker).

    A transient failure rolls the unit back and runs the job again later; arq would otherwise
    record any exception as the job's final result, and the effect (a term extension waiting for
    the registry, say) would never happen. After the last try the message is re-armed in the
    outbox (``ctx["rearm"]``, see libs.common.queue.worker), so an outage of any length delays the
    effect and never loses it."""

    @functools.wraps(fn)
    async def run(ctx: JobContext, payload: Payload) -> Any:
        bind_request_id(payload.get("_request_id"))
        sessionmaker: async_sessionmaker[AsyncSession] = ctx["sessionmaker"]
        started = time.perf_counter()
        routine = bool(payload.get(ROUTINE_KEY))
        with job_span(fn.__name__, payload.get(TRACE_CARRIER_KEY)):
            (log.debug if routine else log.info)("job_started", function=fn.__name__)
            try:
                async with unit_of_work(sessionmaker, relay=ctx.get("relay")) as session:
                    result = await fn(session, payload, ctx)
            except Exception as exc:
                if not transient(exc):
                    raise
                job_try = ctx.get("job_try", 1)
                if job_try >= MAX_TRIES:
                    await ctx["rearm"](function=fn.__name__, payload=payload, delay=REARM_DELAY)
                    log.warning("job_rearmed", function=fn.__name__, error=str(exc), tries=job_try)
                    return {"rearmed": str(exc)}
                delay = retry_delay(job_try)
                log.warning("job_deferred", function=fn.__name__, error=str(exc), retry_in=delay)
                raise Retry(defer=delay) from exc
            observe_job(fn.__name__, started, result)
            quiet = routine and not did_something(result)
            (log.debug if quiet else log.info)("job_finished", function=fn.__name__)
            return result

    return run


def utcnow() -> datetime:
    return datetime.now(UTC)
