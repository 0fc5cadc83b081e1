"""All SQL of assessments: a reviewer's own, an application's (all or one reviewer's), storing."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.joint_review.models import JointAssessment


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


def add(session: AsyncSession, assessment: JointAssessment) -> None:
    session.add(assessment)


async def save(session: AsyncSession, assessment: JointAssessment) -> None:
    """Flush it (a new row, or the version step of a change) and read back ``updated_at``."""
    await session.flush()
    await session.refresh(assessment)
