"""``jisso seed`` for the review service: the joint-review results the seed document publishes —
the FY2021 table, 62 regions of which 42 collaborate — loaded as an imported, published round, so a
fresh ``make run`` shows the year and later rounds count it as an earlier year.

The table is package data (``joint_review/results/data/``), read and checked as every import is
(``results/importer.py``), through the one transaction boundary. Its legend is the registry's
programmes as of the table's fiscal year, which the composition root hands over
(``services/seed.py``): the review service reads no registry table. Idempotent: a fiscal year whose
table is already imported is left as it is. Audited as actor ``seed``.
"""

from __future__ import annotations

from importlib.resources import files

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db import create_engine, create_sessionmaker
from libs.common.fiscal_year import fiscal_year_label
from libs.common.outbox import OutboxRelay
from libs.common.settings import Settings
from libs.common.unit_of_work import unit_of_work
from services.review.joint_review.registry import Record
from services.review.joint_review.results import repository
from services.review.joint_review.results.importer import import_results, unchanged
from services.review.models import load_all_models, outbox

ACTOR = "seed"
# (fiscal year, file under joint_review/results/data/): 「(参考) 令和3年度のスマートシティ関連事業の
# 選定結果」 of the seed document.
PUBLISHED_TABLES: tuple[tuple[int, str], ...] = ((2021, "fy2021_results.csv"),)


def published_table(name: str) -> bytes:
    return files("services.review.joint_review.results").joinpath("data", name).read_bytes()


async def seed_joint_review(session: AsyncSession, *, programmes: list[Record]) -> list[str]:
    """Import each published table not imported yet; one line per table saying what happened."""
    lines = []
    for fiscal_year, name in PUBLISHED_TABLES:
        label = fiscal_year_label(fiscal_year)
        if await repository.imported_round_of(session, fiscal_year) is not None:
            lines.append(unchanged(fiscal_year))
            continue
        round_ = await import_results(
            session,
            programmes=programmes,
            content=published_table(name),
            fiscal_year=fiscal_year,
            actor=ACTOR,
            source=f"seed:{name}",
        )
        lines.append(f"{label}の合同審査の選定結果を取り込みました（round {round_.id}）")
    return lines


async def run_seed(settings: Settings, *, programmes: list[Record]) -> list[str]:
    load_all_models()
    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        relay = OutboxRelay(sessionmaker, outbox, redis_url=settings.redis_url)
        async with unit_of_work(sessionmaker, relay=relay) as session:
            return await seed_joint_review(session, programmes=programmes)
    finally:
        await engine.dispose()
