"""``jisso seed`` — the facts the seed document states, and only those. Idempotent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


async def seed_all(session: AsyncSession) -> None:
    """Load every seed fact in dependency order; a second run changes nothing."""
