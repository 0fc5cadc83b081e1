"""Settings refuse default secrets outside development; the scheduler enqueues each slot once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from libs.common.queue import QueueRedis, queue_name
from libs.common.scheduler import LOCK_KEY, Periodic, Scheduler
from libs.common.settings import DEVELOPMENT_JWT_SECRET, DEVELOPMENT_LINK_SECRET, load_settings

# Keys as `openssl rand -hex 32` makes them (a typed one, "s" * 40, is refused:
# test_secret_strength).
A_SECRET = "5e6506bae77402105819dd67931f19ca3254271d476d88141f2dba19c6b9ffc6"
A_LINK_KEY = "067500dc60ad7844dc58724620e04cd37ded8ea4755a1d5afc7b6e60a0994002"


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_default_secret_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        load_settings("registry", environment=environment, jwt_secret=DEVELOPMENT_JWT_SECRET)


def test_short_secret_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        load_settings("registry", environment="production", jwt_secret="short")


@pytest.mark.parametrize("link_secret", [DEVELOPMENT_LINK_SECRET, "short"])
def test_the_link_key_is_refused_like_the_jwt_key(link_secret: str) -> None:
    with pytest.raises(ValidationError, match="LINK_SECRET must be set"):
        load_settings(
            "notify", environment="production", jwt_secret=A_SECRET, link_secret=link_secret
        )
    settings = load_settings(
        "notify",
        environment="production",
        jwt_secret=A_SECRET,
        link_secret=A_LINK_KEY,
        public_base_url="https://notify.example.jp",
    )
    assert settings.link_verification_secrets == [A_LINK_KEY]


def test_service_prefix_overrides_shared_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    monkeypatch.setenv("REVIEW_DATABASE_URL", "postgresql://review-only/db")
    assert load_settings("review").database_url == "postgresql://review-only/db"
    assert load_settings("registry").database_url == "postgresql://shared/db"


async def test_two_schedulers_enqueue_each_slot_once(redis: QueueRedis) -> None:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    periodic = [Periodic(f"{queue}.sweep", queue, "sweep", timedelta(seconds=60))]
    await redis.delete(LOCK_KEY)
    first, second = Scheduler(redis, periodic), Scheduler(redis, periodic)
    now = datetime(2026, 4, 1, 0, 0, 30, tzinfo=UTC)
    try:
        assert await first.tick(now) == [f"{queue}.sweep:2026-04-01T00:00:00+00:00"]
        assert await second.tick(now) == []  # the lock holder is the first
        assert await first.tick(now + timedelta(seconds=10)) == []  # same slot
        assert len(await first.tick(now + timedelta(seconds=60))) == 1  # next slot
        await first.release()
        # The second takes over; a slot the first already enqueued is refused by its job id.
        assert await second.tick(now + timedelta(seconds=60)) == [
            f"{queue}.sweep:2026-04-01T00:01:00+00:00"
        ]
        assert await redis.zcard(queue_name(queue)) == 2
    finally:
        await second.release()
        await redis.delete(queue_name(queue))
