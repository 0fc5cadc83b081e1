"""The queue, kept behind this package so arq (maintained for security fixes only) could be
swapped here: no module outside it imports arq or reads arq's keys in Redis (a test,
tests/ops/test_queue_boundary.py, holds every module to that; docs/architecture.md, "Swapping the
queue", says what a swap takes).

Jobs are JSON (never pickle). Every job takes one payload dict; ``_request_id`` in it carries the
request id of whoever caused the job into the job's logs and outgoing calls.
"""

from libs.common.queue.connection import (
    JOBS_RUNNING_PATTERN,
    QueueRedis,
    connect,
    deserialize,
    queue_depth,
    queue_name,
    redis_settings,
    serialize,
)
from libs.common.queue.jobs import (
    MAX_TRIES,
    REARM_DELAY,
    RETRY_CAP_SECONDS,
    ROUTINE_KEY,
    JobContext,
    Message,
    Payload,
    job,
    publish,
    publish_many,
    retry_delay,
    transient,
    utcnow,
)

__all__ = [
    "JOBS_RUNNING_PATTERN",
    "MAX_TRIES",
    "REARM_DELAY",
    "RETRY_CAP_SECONDS",
    "ROUTINE_KEY",
    "JobContext",
    "Message",
    "Payload",
    "QueueRedis",
    "connect",
    "deserialize",
    "job",
    "publish",
    "publish_many",
    "queue_depth",
    "queue_name",
    "redis_settings",
    "retry_delay",
    "serialize",
    "transient",
    "utcnow",
]
