"""The SQL helpers every continuation aggregate shares (each aggregate's own SQL is in its
``repository.py``)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import Conflict

T = TypeVar("T")


async def add(session: AsyncSession, row: T, *, conflict: str, **extensions: Any) -> T:
    """Insert and flush; a unique key already taken (a concurrent request) becomes a 409."""
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(conflict, **extensions) from exc
    return row


async def save(session: AsyncSession) -> None:
    """Write the changes made to loaded rows (their version columns guard concurrent writers)."""
    await session.flush()
