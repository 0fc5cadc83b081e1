"""The operator's sweep (``jisso review sweep``): one transaction, committed or, on a dry run,
rolled back, so a dry run reports exactly what a real run would do and leaves nothing behind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from libs.common.db import create_engine, create_sessionmaker
from libs.common.outbox import OutboxRelay
from libs.common.settings import Settings
from libs.common.unit_of_work import discard, unit_of_work
from services.review.config import ReviewSettings
from services.review.continuation.sweeps.service import SweepReport, sweep
from services.review.models import load_all_models, outbox


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
    # A term-end message carries 500 projects: ten per transaction keep the relay's memory
    # that of 5,000 projects however large the cohort. Redis away: the outbox sweep publishes.
    relay = OutboxRelay(sessionmaker, outbox, redis_url=settings.redis_url, limit=10)
    try:
        async with unit_of_work(sessionmaker, relay=relay) as session:
            report = await sweep(session, as_of=as_of, settings=review_settings, progress=progress)
            report.dry_run = dry_run
            if dry_run:
                await discard(session)
    finally:
        await engine.dispose()
    return report
