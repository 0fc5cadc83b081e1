"""``jisso seed`` — the facts the seed document states, and only those. Idempotent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.audit import events_written
from libs.common.db import create_engine, create_sessionmaker
from libs.common.fiscal_year import today_tokyo
from libs.common.outbox import OutboxRelay
from libs.common.settings import Settings
from libs.common.unit_of_work import unit_of_work
from services.registry.models import load_all_models, outbox
from services.registry.programmes.service import has_programmes
from services.registry.projects.expiry import end_expired_terms
from services.registry.seed.councils import seed_councils
from services.registry.seed.local_governments import seed_local_governments
from services.registry.seed.programmes import programme_records, seed_programmes
from services.registry.seed.projects import seed_projects
from services.registry.seed.symposia import seed_symposia

load_all_models()


async def seed_all(session: AsyncSession) -> None:
    """Load every seed fact in dependency order; a second run changes nothing."""
    await seed_local_governments(session)
    await seed_programmes(session)
    # Projects before councils: a council belongs to a project.
    await seed_projects(session)
    await seed_councils(session)
    await seed_symposia(session)


@asynccontextmanager
async def _seed_unit(settings: Settings) -> AsyncIterator[AsyncSession]:
    """The seed writes through the one boundary, as a request would (its messages relayed)."""
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    relay = OutboxRelay(sessionmaker, outbox, redis_url=settings.redis_url)
    try:
        async with unit_of_work(sessionmaker, relay=relay) as session:
            yield session
    finally:
        await engine.dispose()


async def run_seed(settings: Settings, *, today: date | None = None) -> int:
    """The seed's facts, then the term sweep as of ``today`` (default: today in Tokyo), so the
    stored statuses follow the terms before any worker runs (the seed's projects' terms end in
    2023 and 2024). The number of changes made (audit events written): 0 on a seeded registry."""
    async with _seed_unit(settings) as session:
        await seed_all(session)
        await end_expired_terms(session, today=today or today_tokyo())
        return events_written(session)


async def seeded_programmes(settings: Settings) -> list[dict[str, Any]]:
    """The programmes as the API shows them, for the review's seed (see ``services/seed.py``)."""
    async with _seed_unit(settings) as session:
        return await programme_records(session)


async def seed_if_empty(settings: Settings) -> bool:
    """Seed only a registry that holds no programme yet; True when it seeded."""
    async with _seed_unit(settings) as session:
        if await has_programmes(session):
            return False
        await seed_all(session)
        await end_expired_terms(session, today=today_tokyo())
        return True
