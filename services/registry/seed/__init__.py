"""``jisso seed`` — the facts the seed document states, and only those. Idempotent."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db import create_engine, create_sessionmaker, unit_of_work
from libs.common.settings import Settings
from services.registry.models import load_all_models
from services.registry.seed.councils import seed_councils
from services.registry.seed.local_governments import seed_local_governments
from services.registry.seed.programmes import seed_programmes
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


async def run_seed(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            await seed_all(session)
    finally:
        await engine.dispose()


async def seed_if_empty(settings: Settings) -> bool:
    """Seed only a registry that holds no programme yet; True when it seeded."""
    from services.registry.programmes.models import Programme

    engine = create_engine(settings)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            if await session.scalar(select(exists().where(Programme.id.isnot(None)))):
                return False
            await seed_all(session)
            return True
    finally:
        await engine.dispose()
