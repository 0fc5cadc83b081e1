"""What `jisso review import-joint-review-results` runs: one unit of work on the review database,
the registry asked over HTTP for the programmes' marks and legends."""

from __future__ import annotations

from libs.common.db import create_engine, create_sessionmaker
from libs.common.outbox import OutboxRelay
from libs.common.settings import Settings
from libs.common.unit_of_work import unit_of_work
from services.review.joint_review.results.importer import (
    Progress,
    check_not_imported,
    import_results,
)
from services.review.joint_review.results.schemas import ResultsOut
from services.review.joint_review.results.service import round_results
from services.review.models import load_all_models, outbox
from services.review.registry_client import RegistryClient


async def import_results_file(
    settings: Settings,
    *,
    content: bytes,
    fiscal_year: int,
    actor: str,
    source: str,
    progress: Progress | None = None,
    registry: RegistryClient | None = None,
) -> ResultsOut:
    load_all_models()
    client = registry or RegistryClient.from_settings(settings)
    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:  # nothing to do: the registry is not asked
            await check_not_imported(session, fiscal_year)
        programmes = await client.programmes()
        relay = OutboxRelay(sessionmaker, outbox, redis_url=settings.redis_url)
        async with unit_of_work(sessionmaker, relay=relay) as session:
            round_ = await import_results(
                session,
                programmes=programmes,
                content=content,
                fiscal_year=fiscal_year,
                actor=actor,
                source=source,
                progress=progress,
            )
            return await round_results(session, registry=client, round_=round_)
    finally:
        await engine.dispose()
        if registry is None:
            await client.aclose()
