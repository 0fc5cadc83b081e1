"""All SQL of applications: the applicant's quota (with its advisory lock), reading and storing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.joint_review.models import JointApplication
from services.review.joint_review.rules import QuotaUse


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
    # Applied to all of these: a reviewer's programme, and the caller's ``programme`` filter.
    programme_ids: tuple[str, ...] = ()
    lg_code: str | None = None  # a municipality sees applications it is part of


async def list_applications(
    session: AsyncSession, filters: ApplicationFilter, *, after: str | None, limit: int
) -> list[JointApplication]:
    query = select(JointApplication).where(JointApplication.round_id == filters.round_id)
    if filters.programme_ids:
        query = query.where(JointApplication.programme_ids.contains(list(filters.programme_ids)))
    if filters.lg_code is not None:
        query = query.where(JointApplication.lg_codes.contains([filters.lg_code]))
    if after is not None:
        query = query.where(JointApplication.id > uuid.UUID(after))
    query = query.order_by(JointApplication.id).limit(limit)
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


async def insert(session: AsyncSession, application: JointApplication) -> None:
    """Store it and read back what the database filled in (``created_at``)."""
    session.add(application)
    await session.flush()
    await session.refresh(application)
