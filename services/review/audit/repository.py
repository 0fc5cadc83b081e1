"""All SQL of the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.audit.models import AuditEvent


async def add(session: AsyncSession, event: AuditEvent) -> None:
    session.add(event)
    await session.flush()


async def add_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """One multi-row INSERT, for the transitions a sweep makes as a set."""
    if rows:
        await session.execute(insert(AuditEvent), list(rows))


async def list_events(
    session: AsyncSession,
    *,
    subject_type: str | None,
    subject_id: str | None,
    after_id: int | None,
    limit: int,
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id).limit(limit)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id:
        query = query.where(AuditEvent.subject_id == subject_id)
    if after_id is not None:
        query = query.where(AuditEvent.id > after_id)
    return list((await session.scalars(query)).all())
