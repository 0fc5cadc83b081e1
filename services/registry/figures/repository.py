"""All SQL of published figures."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.figures.models import PublishedFigure

KEY_CONSTRAINT = "uq_published_figures_key"


class KeyTaken(Exception):
    """Another figure holds the key (a concurrent insert won the race)."""


async def get(session: AsyncSession, figure_id: uuid.UUID) -> PublishedFigure | None:
    return await session.get(PublishedFigure, figure_id)


async def get_by_key(session: AsyncSession, key: str) -> PublishedFigure | None:
    return await session.scalar(select(PublishedFigure).where(PublishedFigure.key == key))


async def insert(session: AsyncSession, figure: PublishedFigure) -> None:
    session.add(figure)
    await flush_and_reload(session, figure)


async def flush_and_reload(session: AsyncSession, figure: PublishedFigure) -> None:
    """Flush (a taken key becomes ``KeyTaken``), then read back the server-set timestamps."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if KEY_CONSTRAINT in str(exc.orig):
            raise KeyTaken from exc
        raise
    await session.refresh(figure)


async def list_page(
    session: AsyncSession,
    *,
    topics: Collection[str] | None,
    fiscal_year: int | None,
    after_key: str | None,
    limit: int,
) -> list[PublishedFigure]:
    query = select(PublishedFigure).order_by(PublishedFigure.key).limit(limit)
    if topics:
        query = query.where(PublishedFigure.topic.in_(list(topics)))
    if fiscal_year is not None:
        query = query.where(PublishedFigure.fiscal_year == fiscal_year)
    if after_key is not None:
        query = query.where(PublishedFigure.key > after_key)
    return list((await session.scalars(query)).all())
