"""All SQL of programmes and grant schemes (children are always loaded with their parent)."""

from __future__ import annotations

from sqlalchemy import exists, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from libs.common.programmes import legend_position_sql
from services.registry.programmes.models import GrantScheme, Programme


async def get_programme(session: AsyncSession, programme_id: str) -> Programme | None:
    query = (
        select(Programme)
        .where(Programme.id == programme_id)
        .options(selectinload(Programme.fiscal_years))
    )
    return (await session.scalars(query)).one_or_none()


async def list_programmes(
    session: AsyncSession, *, mark: str | None, after: tuple[int, str] | None, limit: int
) -> list[Programme]:
    """In legend order (☆□○●■), then by id; ``after`` is the last row's (position, id)."""
    position = legend_position_sql(Programme.mark)
    query = (
        select(Programme)
        .options(selectinload(Programme.fiscal_years))
        .order_by(position, Programme.id)
        .limit(limit)
    )
    if mark:
        query = query.where(Programme.mark == mark)
    if after:
        query = query.where(tuple_(position, Programme.id) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def references(session: AsyncSession) -> list[tuple[str, str]]:
    """(id, mark) of every programme: what a programme reference is resolved against."""
    return [(row[0], row[1]) for row in await session.execute(select(Programme.id, Programme.mark))]


async def get_grant_scheme(session: AsyncSession, scheme_id: str) -> GrantScheme | None:
    query = (
        select(GrantScheme)
        .where(GrantScheme.id == scheme_id)
        .options(selectinload(GrantScheme.caps), selectinload(GrantScheme.quotas))
    )
    return (await session.scalars(query)).one_or_none()


async def list_grant_schemes(
    session: AsyncSession, *, grant: str | None, after_id: str | None, limit: int
) -> list[GrantScheme]:
    query = (
        select(GrantScheme)
        .options(selectinload(GrantScheme.caps), selectinload(GrantScheme.quotas))
        .order_by(GrantScheme.id)
        .limit(limit)
    )
    if grant:
        query = query.where(GrantScheme.grant == grant)
    if after_id:
        query = query.where(GrantScheme.id > after_id)
    return list((await session.scalars(query)).all())


async def add(session: AsyncSession, row: Programme | GrantScheme) -> None:
    session.add(row)
    await session.flush()


async def any_programme(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(exists().where(Programme.id.isnot(None)))))
