"""All SQL of continuation applications."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.continuation.models import ContinuationApplication, CycleProject


async def application(
    session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False
) -> ContinuationApplication | None:
    query = select(ContinuationApplication).where(ContinuationApplication.id == application_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def application_for(
    session: AsyncSession, cycle_id: uuid.UUID, project_id: uuid.UUID
) -> ContinuationApplication | None:
    return await session.scalar(
        select(ContinuationApplication).where(
            ContinuationApplication.cycle_id == cycle_id,
            ContinuationApplication.project_id == project_id,
        )
    )


async def list_applications(
    session: AsyncSession, cycle_id: uuid.UUID, *, lead_lg_code: str | None
) -> list[tuple[ContinuationApplication, CycleProject]]:
    query = (
        select(ContinuationApplication, CycleProject)
        .join(
            CycleProject,
            (CycleProject.cycle_id == ContinuationApplication.cycle_id)
            & (CycleProject.project_id == ContinuationApplication.project_id),
        )
        .where(ContinuationApplication.cycle_id == cycle_id)
        .order_by(CycleProject.lead_lg_code, ContinuationApplication.id)
    )
    if lead_lg_code is not None:
        query = query.where(CycleProject.lead_lg_code == lead_lg_code)
    return [(a, p) for a, p in (await session.execute(query)).all()]
