"""All SQL of results: the round's selected applications with their marks, earlier years'
selections and imported tables, what the operators' internal workbook lists (applications and
assessments; selections are read from ``selections/``), and storing an imported table."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.joint_review.models import (
    JointApplication,
    JointAssessment,
    JointImportedRegion,
    JointReviewRound,
    JointSelection,
)
from services.review.joint_review.states import JointRoundState


async def imported_round_of(session: AsyncSession, fiscal_year: int) -> JointReviewRound | None:
    query = select(JointReviewRound).where(
        JointReviewRound.fiscal_year == fiscal_year, JointReviewRound.imported.is_(True)
    )
    return (await session.execute(query)).scalars().first()


async def selected_applications(
    session: AsyncSession, round_id: uuid.UUID
) -> list[tuple[JointApplication, list[str]]]:
    """Each application of the round that some programme selected, with the selecting marks."""
    marks = func.array_agg(JointSelection.mark).label("marks")
    query = (
        select(JointApplication, marks)
        .join(JointSelection, JointSelection.application_id == JointApplication.id)
        .where(JointApplication.round_id == round_id)
        .group_by(JointApplication.id)
        .order_by(JointApplication.lead_lg_code, JointApplication.region_label)
    )
    return [(row[0], list(row[1])) for row in await session.execute(query)]


async def earlier_live_selections(session: AsyncSession, fiscal_year: int) -> list[Row[Any]]:
    """(fiscal_year, lead_lg_code, region_keys, mark) of closed rounds of earlier fiscal years
    (``status`` closed: published or not, their selections are final)."""
    query = (
        select(
            JointReviewRound.fiscal_year,
            JointApplication.lead_lg_code,
            JointApplication.region_keys,
            JointSelection.mark,
        )
        .join(JointApplication, JointApplication.round_id == JointReviewRound.id)
        .join(JointSelection, JointSelection.application_id == JointApplication.id)
        .where(
            JointReviewRound.fiscal_year < fiscal_year,
            JointReviewRound.status == JointRoundState.closed,
        )
    )
    return list(await session.execute(query))


async def earlier_imported_regions(session: AsyncSession, fiscal_year: int) -> list[Row[Any]]:
    """(fiscal_year, region_key, marks, earlier_marks) of imported tables of earlier years."""
    query = (
        select(
            JointReviewRound.fiscal_year,
            JointImportedRegion.region_key,
            JointImportedRegion.marks,
            JointImportedRegion.earlier_marks,
        )
        .join(JointImportedRegion, JointImportedRegion.round_id == JointReviewRound.id)
        .where(JointReviewRound.fiscal_year < fiscal_year)
    )
    return list(await session.execute(query))


async def imported_regions(session: AsyncSession, round_id: uuid.UUID) -> list[JointImportedRegion]:
    query = (
        select(JointImportedRegion)
        .where(JointImportedRegion.round_id == round_id)
        .order_by(JointImportedRegion.item_no)
    )
    return list((await session.execute(query)).scalars())


async def round_applications(session: AsyncSession, round_id: uuid.UUID) -> list[JointApplication]:
    """Every application of the round, as the internal workbook lists them: by lead code, then
    in the order they came."""
    query = (
        select(JointApplication)
        .where(JointApplication.round_id == round_id)
        .order_by(JointApplication.lead_lg_code, JointApplication.created_at, JointApplication.id)
    )
    return list((await session.execute(query)).scalars())


async def round_assessments(session: AsyncSession, round_id: uuid.UUID) -> list[JointAssessment]:
    """Every reviewer's scores on the round's applications."""
    query = (
        select(JointAssessment)
        .join(JointApplication, JointApplication.id == JointAssessment.application_id)
        .where(JointApplication.round_id == round_id)
        .order_by(
            JointAssessment.application_id,
            JointAssessment.programme_id,
            JointAssessment.reviewer_subject,
        )
    )
    return list((await session.execute(query)).scalars())


async def insert_round(session: AsyncSession, round_: JointReviewRound) -> None:
    session.add(round_)
    await session.flush()


def add_region(session: AsyncSession, region: JointImportedRegion) -> None:
    session.add(region)


async def flush(session: AsyncSession) -> None:
    await session.flush()
