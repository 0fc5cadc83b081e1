"""Many jobs enqueued in one round trip: as arq enqueues them, and each job id once."""

from __future__ import annotations

import uuid

from arq.jobs import Job

from libs.common.queue import Message, QueueRedis, deserialize, publish_many, queue_name


async def test_a_batch_is_enqueued_as_arq_would_and_a_known_id_is_left_alone(
    redis: QueueRedis,
) -> None:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    ids = [uuid.uuid4().hex for _ in range(3)]
    # Again, with a new job among them: the known ids keep their job and place.
    again = [*ids, uuid.uuid4().hex]
    try:
        await publish_many(redis, [Message(queue, "noop", {"n": n}, i) for n, i in enumerate(ids)])
        first = await redis.zrange(queue_name(queue), 0, -1, withscores=True)
        await publish_many(
            redis, [Message(queue, "noop", {"n": n + 10}, i) for n, i in enumerate(again)]
        )

        queued = dict(await redis.zrange(queue_name(queue), 0, -1, withscores=True))
        assert {k: queued[k] for k, _ in first} == dict(first)
        assert sorted(k.decode() for k in queued) == sorted(again)
        info = await Job(ids[1], redis, _deserializer=deserialize).info()
        assert info is not None
        assert (info.function, info.args[0]["n"], info.job_try) == ("noop", 1, None)
        assert "_request_id" in info.args[0]
    finally:
        await redis.delete(queue_name(queue), *(f"arq:job:{i}" for i in again))
