"""All SQL of organisation aliases."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import Conflict
from services.review.reviewers.models import OrganisationAlias


async def get(session: AsyncSession, alias_id: uuid.UUID) -> OrganisationAlias | None:
    return await session.get(OrganisationAlias, alias_id)


async def by_key(session: AsyncSession, written_key: str) -> OrganisationAlias | None:
    return await session.scalar(
        select(OrganisationAlias).where(OrganisationAlias.written_key == written_key)
    )


async def add(session: AsyncSession, alias: OrganisationAlias) -> None:
    """Insert; two operators filing one written form at once: the second is a 409."""
    session.add(alias)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"この表記の別名は登録済みです: {alias.written}"
            "（an alias for this written form exists）",
            rule="alias_exists",
            written_key=alias.written_key,
        ) from exc


async def remove(session: AsyncSession, alias: OrganisationAlias) -> None:
    await session.delete(alias)
    await session.flush()


async def alias_map(session: AsyncSession) -> dict[str, str]:
    """Every alias, written key → canonical name (a table the office keeps small)."""
    rows = await session.execute(select(OrganisationAlias.written_key, OrganisationAlias.canonical))
    return {key: canonical for key, canonical in rows.all()}


async def list_aliases(
    session: AsyncSession, *, after_key: str | None, limit: int
) -> list[OrganisationAlias]:
    query = select(OrganisationAlias).order_by(OrganisationAlias.written_key).limit(limit)
    if after_key is not None:
        query = query.where(OrganisationAlias.written_key > after_key)
    return list((await session.scalars(query)).all())
