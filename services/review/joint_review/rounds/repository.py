"""All SQL of rounds: reading them (one, a page, those due for publication), storing them, and
counting an imported round's table per programme."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.review.joint_review.models import (
    JointImportedRegion,
    JointReviewRound,
    JointRoundProgramme,
)
from services.review.joint_review.states import ROUND, JointReviewEvent


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


async def insert(session: AsyncSession, round_: JointReviewRound) -> None:
    session.add(round_)
    await session.flush()


async def save(session: AsyncSession, round_: JointReviewRound) -> None:
    """Flush a change (the version steps, so a concurrent change is a 412)."""
    await session.flush()


async def rounds_to_publish(session: AsyncSession, as_of: date) -> list[JointReviewRound]:
    """Unpublished rounds the ``publish`` event may move (closed ones) whose (effective)
    announcement day has come; locked, skipping rounds another sweep holds."""
    query = (
        select(JointReviewRound)
        .where(
            JointReviewRound.status.in_(ROUND.sources(JointReviewEvent.publish)),
            JointReviewRound.published_at.is_(None),
            JointReviewRound.announcement_effective_on <= literal(as_of),
        )
        .options(selectinload(JointReviewRound.programmes))
        .order_by(JointReviewRound.announcement_effective_on)
        .with_for_update(of=JointReviewRound, skip_locked=True)
    )
    return list((await session.execute(query)).scalars())


async def imported_programme_counts(
    session: AsyncSession, round_id: uuid.UUID
) -> dict[str, tuple[int, int | None]]:
    """programme id → (rows of the imported table carrying its mark, no amount): every programme
    of the round, with 0 for one no row marks."""
    marked = and_(
        JointImportedRegion.round_id == JointRoundProgramme.round_id,
        func.strpos(JointImportedRegion.marks, JointRoundProgramme.mark) > 0,
    )
    query = (
        select(JointRoundProgramme.programme_id, func.count(JointImportedRegion.item_no))
        .outerjoin(JointImportedRegion, marked)
        .where(JointRoundProgramme.round_id == round_id)
        .group_by(JointRoundProgramme.programme_id)
    )
    return {row[0]: (int(row[1]), None) for row in await session.execute(query)}
