"""The operator's sweep (``jisso review sweep``): one transaction, committed or, on a dry run,
rolled back, so a dry run reports exactly what a real run would do and leaves nothing behind."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.db import create_engine, create_sessionmaker
from libs.common.outbox import PENDING_OUTBOX_IDS, relay
from libs.common.queue import connect
from libs.common.settings import Settings
from services.review.config import ReviewSettings
from services.review.continuation.sweeps import SweepReport, sweep
from services.review.models import load_all_models, outbox

log = structlog.get_logger(__name__)


async def run_sweep(
    settings: Settings,
    review_settings: ReviewSettings,
    *,
    as_of: datetime,
    dry_run: bool,
    progress: Callable[[str], None] | None = None,
) -> SweepReport:
    load_all_models()
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            report = await sweep(session, as_of=as_of, settings=review_settings, progress=progress)
            report.dry_run = dry_run
            if dry_run:
                await session.rollback()
                return report
            await session.commit()
            ids = session.info.pop(PENDING_OUTBOX_IDS, [])
        await _publish(settings, sessionmaker, ids)
    finally:
        await engine.dispose()
    return report


async def _publish(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], ids: list[uuid.UUID]
) -> None:
    """Publish the sweep's messages now; if Redis is away the scheduler's outbox sweep will."""
    if not ids:
        return
    try:
        redis = await connect(settings.redis_url)
    except Exception as exc:
        log.warning("sweep_publish_deferred", error=str(exc))
        return
    try:
        # A term-end message carries 500 projects: ten per transaction keep the relay's memory
        # that of 5,000 projects however large the cohort.
        await relay(sessionmaker, outbox, redis, ids=ids, limit=10)
    finally:
        await redis.aclose()
