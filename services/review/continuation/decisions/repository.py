"""All SQL of continuation decisions."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.continuation.models import ContinuationDecision


async def decision_for(
    session: AsyncSession, application_id: uuid.UUID
) -> ContinuationDecision | None:
    return await session.scalar(
        select(ContinuationDecision).where(ContinuationDecision.application_id == application_id)
    )


async def decision(session: AsyncSession, decision_id: uuid.UUID) -> ContinuationDecision | None:
    return await session.get(ContinuationDecision, decision_id)
