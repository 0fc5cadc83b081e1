"""All SQL of reviewers' assignments to applications and their assessments."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.continuation.models import ContinuationAssignment
from services.review.reviewers.models import Reviewer


async def assignment(
    session: AsyncSession, application_id: uuid.UUID, reviewer_subject: str, *, lock: bool = False
) -> ContinuationAssignment | None:
    query = select(ContinuationAssignment).where(
        ContinuationAssignment.application_id == application_id,
        ContinuationAssignment.reviewer_subject == reviewer_subject,
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def assignments_with_reviewers(
    session: AsyncSession, application_id: uuid.UUID
) -> list[tuple[ContinuationAssignment, Reviewer]]:
    query = (
        select(ContinuationAssignment, Reviewer)
        .join(Reviewer, Reviewer.subject == ContinuationAssignment.reviewer_subject)
        .where(ContinuationAssignment.application_id == application_id)
        .order_by(ContinuationAssignment.assigned_at, ContinuationAssignment.id)
    )
    return [(a, r) for a, r in (await session.execute(query)).all()]


async def assignment_by_id(
    session: AsyncSession, application_id: uuid.UUID, assignment_id: uuid.UUID
) -> ContinuationAssignment | None:
    """The assignment, locked, if it is one of this application's."""
    query = (
        select(ContinuationAssignment)
        .where(
            ContinuationAssignment.id == assignment_id,
            ContinuationAssignment.application_id == application_id,
        )
        .with_for_update()
    )
    return await session.scalar(query)
