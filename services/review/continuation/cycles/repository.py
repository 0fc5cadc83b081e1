"""All SQL of cycles: the cycles, their eligible projects, grace periods."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.continuation.models import (
    ContinuationApplication,
    ContinuationCycle,
    CycleProject,
    GracePeriod,
)


async def cycle(session: AsyncSession, cycle_id: uuid.UUID) -> ContinuationCycle | None:
    return await session.get(ContinuationCycle, cycle_id)


async def cycle_by_fiscal_year(session: AsyncSession, fiscal_year: int) -> ContinuationCycle | None:
    return await session.scalar(
        select(ContinuationCycle).where(ContinuationCycle.fiscal_year == fiscal_year)
    )


async def add_cycle_projects(session: AsyncSession, entries: list[CycleProject]) -> None:
    session.add_all(entries)
    await session.flush()


async def list_cycles(session: AsyncSession) -> list[ContinuationCycle]:
    query = select(ContinuationCycle).order_by(ContinuationCycle.fiscal_year.desc())
    return list((await session.scalars(query)).all())


async def state_counts(session: AsyncSession, cycle_ids: list[uuid.UUID]) -> dict[Any, Any]:
    """{cycle id: {state: count}} of the cycles' eligible projects."""
    rows = await session.execute(
        select(CycleProject.cycle_id, CycleProject.state, func.count())
        .where(CycleProject.cycle_id.in_(cycle_ids))
        .group_by(CycleProject.cycle_id, CycleProject.state)
    )
    counts: dict[Any, dict[str, int]] = {cycle_id: {} for cycle_id in cycle_ids}
    for cycle_id, state, count in rows:
        counts[cycle_id][state] = count
    return counts


async def cycle_project(
    session: AsyncSession, cycle_id: uuid.UUID, project_id: uuid.UUID, *, lock: bool = False
) -> CycleProject | None:
    query = select(CycleProject).where(
        CycleProject.cycle_id == cycle_id, CycleProject.project_id == project_id
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


def _latest_grace() -> Any:
    return (
        select(
            GracePeriod.cycle_id, GracePeriod.project_id, func.max(GracePeriod.until).label("until")
        )
        .group_by(GracePeriod.cycle_id, GracePeriod.project_id)
        .subquery()
    )


async def list_cycle_projects(
    session: AsyncSession, cycle_id: uuid.UUID
) -> list[tuple[CycleProject, ContinuationApplication | None, datetime | None]]:
    """Each eligible project with its application (if any) and latest grace period (if any)."""
    grace = _latest_grace()
    query = (
        select(CycleProject, ContinuationApplication, grace.c.until)
        .outerjoin(
            ContinuationApplication,
            (ContinuationApplication.cycle_id == CycleProject.cycle_id)
            & (ContinuationApplication.project_id == CycleProject.project_id),
        )
        .outerjoin(
            grace,
            (grace.c.cycle_id == CycleProject.cycle_id)
            & (grace.c.project_id == CycleProject.project_id),
        )
        .where(CycleProject.cycle_id == cycle_id)
        .order_by(CycleProject.lead_lg_code, CycleProject.project_id)
    )
    return [(e, a, g) for e, a, g in (await session.execute(query)).all()]


async def grace_until(
    session: AsyncSession, cycle_id: uuid.UUID, project_id: uuid.UUID
) -> datetime | None:
    return await session.scalar(
        select(func.max(GracePeriod.until)).where(
            GracePeriod.cycle_id == cycle_id, GracePeriod.project_id == project_id
        )
    )
