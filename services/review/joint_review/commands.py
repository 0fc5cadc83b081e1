"""What `jisso review import-joint-review-results` runs: one unit of work on the review database,
the registry asked over HTTP for the programmes' marks."""

from __future__ import annotations

from libs.common.db import create_engine, create_sessionmaker, unit_of_work
from libs.common.settings import Settings
from services.review.joint_review.importer import Progress, import_results
from services.review.joint_review.results import ResultsOut, round_results
from services.review.models import load_all_models
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
        async with unit_of_work(create_sessionmaker(engine)) as session:
            round_ = await import_results(
                session,
                registry=client,
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
