"""All SQL of selections: what each programme selected and spent, locks, storing and deleting."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.programmes import legend_position_sql
from services.review.joint_review.models import JointRoundProgramme, JointSelection


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


async def selections_of_round(session: AsyncSession, round_id: uuid.UUID) -> list[JointSelection]:
    query = select(JointSelection).where(JointSelection.round_id == round_id)
    return list((await session.execute(query)).scalars())


async def page_of_round(
    session: AsyncSession,
    round_id: uuid.UUID,
    *,
    programme_id: str | None,
    after: tuple[int, datetime, uuid.UUID] | None,
    limit: int,
) -> list[JointSelection]:
    """In legend order of the programme (☆□○●■), then in the order they were made; ``after`` is
    the last row's (legend position, created_at, id)."""
    position = legend_position_sql(JointSelection.mark)
    key = (position, JointSelection.created_at, JointSelection.id)
    query = select(JointSelection).where(JointSelection.round_id == round_id)
    if programme_id is not None:
        query = query.where(JointSelection.programme_id == programme_id)
    if after is not None:
        query = query.where(tuple_(*key) > tuple_(*after))
    return list((await session.execute(query.order_by(*key).limit(limit))).scalars())


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


async def insert(session: AsyncSession, selection: JointSelection) -> None:
    """Store it and read back what the database filled in (``created_at``)."""
    session.add(selection)
    await session.flush()
    await session.refresh(selection)


async def save(session: AsyncSession, selection: JointSelection) -> None:
    await session.flush()


async def delete(session: AsyncSession, selection: JointSelection) -> None:
    await session.delete(selection)
    await session.flush()
