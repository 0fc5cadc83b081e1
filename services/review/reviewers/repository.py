"""All SQL of reviewers."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.reviewers.models import Reviewer


async def get(session: AsyncSession, subject: str) -> Reviewer | None:
    return await session.get(Reviewer, subject)


async def add(session: AsyncSession, reviewer: Reviewer) -> None:
    session.add(reviewer)
    await session.flush()


async def list_reviewers(
    session: AsyncSession, *, programme: str | None, after_subject: str | None, limit: int
) -> list[Reviewer]:
    query = select(Reviewer).order_by(Reviewer.subject).limit(limit)
    if programme is not None:  # by id or by mark, as a reviewer may be registered
        query = query.where(
            or_(Reviewer.programme == programme, Reviewer.programme_mark == programme)
        )
    if after_subject is not None:
        query = query.where(Reviewer.subject > after_subject)
    return list((await session.scalars(query)).all())
