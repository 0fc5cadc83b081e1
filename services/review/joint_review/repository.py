"""All SQL of the joint review."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, and_, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.review.joint_review.models import (
    JointApplication,
    JointAssessment,
    JointImportedRegion,
    JointReviewRound,
    JointRoundProgramme,
    JointSelection,
)
from services.review.joint_review.rules import QuotaUse


async def get_round(
    session: AsyncSession, round_id: uuid.UUID, *, for_update: bool = False
) -> JointReviewRound | None:
    query = (
        select(JointReviewRound)
        .where(JointReviewRound.id == round_id)
        .options(selectinload(JointReviewRound.programmes))
    )
    if for_update:
        query = query.with_for_update(of=JointReviewRound)
    return (await session.execute(query)).scalar_one_or_none()


async def list_rounds(
    session: AsyncSession, *, fiscal_year: int | None, after: list[Any] | None, limit: int
) -> list[JointReviewRound]:
    """Newest fiscal year first; the cursor is (fiscal_year, id)."""
    query = select(JointReviewRound).options(selectinload(JointReviewRound.programmes))
    if fiscal_year is not None:
        query = query.where(JointReviewRound.fiscal_year == fiscal_year)
    if after is not None:
        fy, last_id = int(after[0]), uuid.UUID(str(after[1]))
        query = query.where(
            (JointReviewRound.fiscal_year < fy)
            | and_(JointReviewRound.fiscal_year == fy, JointReviewRound.id > last_id)
        )
    query = query.order_by(JointReviewRound.fiscal_year.desc(), JointReviewRound.id).limit(limit)
    return list((await session.execute(query)).scalars())


async def imported_round_of(session: AsyncSession, fiscal_year: int) -> JointReviewRound | None:
    query = select(JointReviewRound).where(
        JointReviewRound.fiscal_year == fiscal_year, JointReviewRound.imported.is_(True)
    )
    return (await session.execute(query)).scalars().first()


async def programme_usage(session: AsyncSession, round_id: uuid.UUID) -> dict[str, tuple[int, int]]:
    """programme id → (selections, sum of their amounts)."""
    query = (
        select(
            JointSelection.programme_id,
            func.count(),
            func.coalesce(func.sum(JointSelection.amount_yen), 0),
        )
        .where(JointSelection.round_id == round_id)
        .group_by(JointSelection.programme_id)
    )
    return {row[0]: (int(row[1]), int(row[2])) for row in await session.execute(query)}


async def lock_round_programme(
    session: AsyncSession, round_id: uuid.UUID, programme_id: str
) -> JointRoundProgramme | None:
    """Selections of one programme are serialised, so two at once cannot both fit the quota."""
    query = (
        select(JointRoundProgramme)
        .where(
            JointRoundProgramme.round_id == round_id,
            JointRoundProgramme.programme_id == programme_id,
        )
        .with_for_update()
    )
    return (await session.execute(query)).scalar_one_or_none()


async def lock_applicant(session: AsyncSession, lg_code: str, fiscal_year: int) -> None:
    """Serialise one applicant's submissions in a fiscal year, so quota counts cannot race."""
    key = f"joint-review:{lg_code}:{fiscal_year}"
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


async def quota_use(
    session: AsyncSession, *, lg_code: str, fiscal_year: int, quota_group: str
) -> QuotaUse:
    query = select(func.count(), func.count().filter(JointApplication.wide_area.is_(True))).where(
        JointApplication.lead_lg_code == lg_code,
        JointApplication.fiscal_year == fiscal_year,
        JointApplication.quota_group == quota_group,
    )
    new, wide = (await session.execute(query)).one()
    return QuotaUse(new=int(new), wide_area=int(wide))


async def get_application(session: AsyncSession, app_id: uuid.UUID) -> JointApplication | None:
    return await session.get(JointApplication, app_id)


@dataclass(frozen=True)
class ApplicationFilter:
    round_id: uuid.UUID
    programme_id: str | None = None  # a reviewer's programme, or an operator's filter
    lg_code: str | None = None  # a municipality sees applications it is part of


async def list_applications(
    session: AsyncSession, filters: ApplicationFilter, *, after: str | None, limit: int
) -> list[JointApplication]:
    query = select(JointApplication).where(JointApplication.round_id == filters.round_id)
    if filters.programme_id is not None:
        query = query.where(JointApplication.programme_ids.contains([filters.programme_id]))
    if filters.lg_code is not None:
        query = query.where(JointApplication.lg_codes.contains([filters.lg_code]))
    if after is not None:
        query = query.where(JointApplication.id > uuid.UUID(after))
    query = query.order_by(JointApplication.id).limit(limit)
    return list((await session.execute(query)).scalars())


async def selections_of_round(session: AsyncSession, round_id: uuid.UUID) -> list[JointSelection]:
    query = select(JointSelection).where(JointSelection.round_id == round_id)
    return list((await session.execute(query)).scalars())


async def selections_of(
    session: AsyncSession, app_ids: Sequence[uuid.UUID]
) -> list[JointSelection]:
    if not app_ids:
        return []
    query = select(JointSelection).where(JointSelection.application_id.in_(app_ids))
    return list((await session.execute(query)).scalars())


async def get_selection(
    session: AsyncSession, selection_id: uuid.UUID, *, for_update: bool = False
) -> JointSelection | None:
    query = select(JointSelection).where(JointSelection.id == selection_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def find_selection(
    session: AsyncSession, app_id: uuid.UUID, programme_id: str
) -> JointSelection | None:
    query = select(JointSelection).where(
        JointSelection.application_id == app_id, JointSelection.programme_id == programme_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def get_assessment(
    session: AsyncSession, app_id: uuid.UUID, reviewer_subject: str
) -> JointAssessment | None:
    query = select(JointAssessment).where(
        JointAssessment.application_id == app_id,
        JointAssessment.reviewer_subject == reviewer_subject,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def assessments_of(
    session: AsyncSession, app_id: uuid.UUID, *, reviewer_subject: str | None = None
) -> list[JointAssessment]:
    query = select(JointAssessment).where(JointAssessment.application_id == app_id)
    if reviewer_subject is not None:
        query = query.where(JointAssessment.reviewer_subject == reviewer_subject)
    query = query.order_by(JointAssessment.programme_id, JointAssessment.created_at)
    return list((await session.execute(query)).scalars())


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
    """(fiscal_year, lead_lg_code, region_keys, mark) of closed rounds of earlier fiscal years."""
    query = (
        select(
            JointReviewRound.fiscal_year,
            JointApplication.lead_lg_code,
            JointApplication.region_keys,
            JointSelection.mark,
        )
        .join(JointApplication, JointApplication.round_id == JointReviewRound.id)
        .join(JointSelection, JointSelection.application_id == JointApplication.id)
        .where(JointReviewRound.fiscal_year < fiscal_year, JointReviewRound.status == "closed")
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


async def rounds_to_publish(session: AsyncSession, as_of: date) -> list[JointReviewRound]:
    """Closed, unpublished rounds whose (effective) announcement day has come; locked, skipping
    rounds another sweep holds."""
    query = (
        select(JointReviewRound)
        .where(
            JointReviewRound.status == "closed",
            JointReviewRound.published_at.is_(None),
            JointReviewRound.announcement_effective_on <= literal(as_of),
        )
        .options(selectinload(JointReviewRound.programmes))
        .order_by(JointReviewRound.announcement_effective_on)
        .with_for_update(of=JointReviewRound, skip_locked=True)
    )
    return list((await session.execute(query)).scalars())


async def applications_of_round(
    session: AsyncSession, round_id: uuid.UUID
) -> list[JointApplication]:
    query = (
        select(JointApplication)
        .where(JointApplication.round_id == round_id)
        .order_by(JointApplication.id)
    )
    return list((await session.execute(query)).scalars())
