"""All SQL of local governments."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.local_governments.models import LocalGovernment


async def get(session: AsyncSession, code: str) -> LocalGovernment | None:
    return await session.get(LocalGovernment, code)


async def get_many(session: AsyncSession, codes: Collection[str]) -> dict[str, LocalGovernment]:
    if not codes:
        return {}
    rows = await session.scalars(select(LocalGovernment).where(LocalGovernment.code.in_(codes)))
    return {row.code: row for row in rows}


def _like_pattern(key: str) -> str:
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_page(
    session: AsyncSession,
    *,
    prefecture_code: str | None,
    kind: str | None,
    search_key: str | None,
    after_code: str | None,
    limit: int,
) -> list[LocalGovernment]:
    query = select(LocalGovernment).order_by(LocalGovernment.code).limit(limit)
    if prefecture_code:
        query = query.where(LocalGovernment.prefecture_code == prefecture_code)
    if kind:
        query = query.where(LocalGovernment.kind == kind)
    if search_key:
        query = query.where(LocalGovernment.search_key.like(_like_pattern(search_key), escape="\\"))
    if after_code:
        query = query.where(LocalGovernment.code > after_code)
    return list((await session.scalars(query)).all())


async def add_all(session: AsyncSession, rows: Collection[LocalGovernment]) -> None:
    session.add_all(rows)
    await session.flush()


async def flush_and_reload(session: AsyncSession, row: LocalGovernment) -> None:
    """Flush, then read back the server-set timestamps the response shows."""
    await session.flush()
    await session.refresh(row)


async def all_rows(session: AsyncSession) -> list[LocalGovernment]:
    """Every local government by code (about 1,800 with the whole official list)."""
    return list(
        (await session.scalars(select(LocalGovernment).order_by(LocalGovernment.code))).all()
    )
