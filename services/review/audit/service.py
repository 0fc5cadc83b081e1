"""Record every transition in the audit trail, in the same transaction as the transition itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.logging import current_request_id
from services.review.audit import repository
from services.review.audit.models import AuditEvent


def actor_name(actor: Principal | str) -> str:
    return actor.actor if isinstance(actor, Principal) else actor


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
        actor=actor_name(actor),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        request_id=current_request_id(),
    )
    await repository.add(session, event)
    return event


async def record_many(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    subject_type: str,
    changes: Sequence[tuple[object, Mapping[str, Any], Mapping[str, Any]]],
) -> None:
    """One event per (subject id, before, after), written as one statement."""
    request_id = current_request_id()
    await repository.add_many(
        session,
        [
            {
                "actor": actor,
                "action": action,
                "subject_type": subject_type,
                "subject_id": str(subject_id),
                "before": dict(before),
                "after": dict(after),
                "request_id": request_id,
            }
            for subject_id, before, after in changes
        ],
    )


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
