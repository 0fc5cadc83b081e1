"""Record every change in the audit trail, in the same transaction as the change itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.logging import current_request_id
from services.registry.audit import repository
from services.registry.audit.models import AuditEvent


async def record(
    session: AsyncSession,
    *,
    actor: Principal | str,
    action: str,
    subject_type: str,
    subject_id: object,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor.actor if isinstance(actor, Principal) else actor,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        request_id=current_request_id(),
    )
    await repository.add(session, event)
    return event


async def list_events(
    session: AsyncSession, *, subject: str | None, after_id: int | None, limit: int
) -> list[AuditEvent]:
    subject_type, _, subject_id = (subject or "").partition(":")
    return await repository.list_events(
        session,
        subject_type=subject_type or None,
        subject_id=subject_id or None,
        after_id=after_id,
        limit=limit,
    )
