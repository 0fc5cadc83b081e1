"""All SQL of deliveries: claiming due rows, recording outcomes, suppressions, listings."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, all_, and_, bindparam, exists, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.campaigns.models import Campaign
from services.notify.deliveries.models import Delivery, Suppression
from services.notify.messages.models import Message

PENDING = ("queued", "sending", "retrying")
SENDABLE_CAMPAIGN = ("approved", "sending")


def _due(as_of: datetime | None, lease: timedelta) -> Any:
    """Due: queued or retrying whose time has come, or ``sending`` left behind by a sender that
    died (claimed longer than the lease ago); campaign rows only once the campaign is approved."""
    now = func.now()
    cutoff = func.greatest(now, as_of, type_=DateTime(timezone=True)) if as_of else now
    campaign_ready = exists().where(
        Campaign.id == Delivery.campaign_id, Campaign.status.in_(SENDABLE_CAMPAIGN)
    )
    return and_(
        or_(
            and_(
                Delivery.state.in_(("queued", "retrying")),
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= cutoff),
            ),
            and_(Delivery.state == "sending", Delivery.claimed_at < cutoff - lease),
        ),
        or_(Delivery.message_id.is_not(None), campaign_ready),
    )


async def claim_due(
    session: AsyncSession,
    *,
    as_of: datetime | None,
    lease: timedelta,
    limit: int,
    excluding: Collection[uuid.UUID] = (),
) -> list[Delivery]:
    """Take up to ``limit`` due deliveries for this sender: ``sending``, claimed now, attempt +1.
    Concurrent claims skip each other's rows (SKIP LOCKED); ``excluding``, the rows this sender
    has claimed and not finished, are never taken again, whatever ``as_of`` makes of their lease."""
    due = (
        select(Delivery.id)
        .where(
            _due(as_of, lease),
            Delivery.id != all_(bindparam("excluding", list(excluding), type_=ARRAY(UUID))),
        )
        .order_by(Delivery.next_attempt_at.nulls_first(), Delivery.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(state="sending", claimed_at=func.now(), attempts=Delivery.attempts + 1)
        .returning(Delivery)
        .execution_options(synchronize_session=False)
    )
    return list((await session.scalars(claim)).all())


async def due_count(session: AsyncSession, *, as_of: datetime | None, lease: timedelta) -> int:
    return int(await session.scalar(select(func.count()).where(_due(as_of, lease))) or 0)


async def suppress_claimed(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Claimed rows whose mailbox was suppressed since they were queued: never sent."""
    if not ids:
        return set()
    suppressed = exists().where(Suppression.email == Delivery.email_key)
    result = await session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(list(ids)), suppressed)
        .values(state="suppressed", last_error="address suppressed before sending")
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.all())


async def start_campaigns(session: AsyncSession, campaign_ids: Sequence[uuid.UUID]) -> None:
    """An approved campaign whose first deliveries were claimed is ``sending``."""
    if campaign_ids:
        await session.execute(
            update(Campaign)
            .where(Campaign.id.in_(list(campaign_ids)), Campaign.status == "approved")
            .values(status="sending", version=Campaign.version + 1)
            .execution_options(synchronize_session=False)
        )


# The sender's hot path runs this on the asyncpg connection itself (see commit_release.py).
MARK_SENT_SQL = """
UPDATE notify.deliveries
SET state = 'sent', sent_at = now(), last_error = NULL, updated_at = now()
WHERE id = $1 AND state = 'sending' AND claimed_at = $2
RETURNING id
"""


async def mark_sent(session: AsyncSession, delivery_id: uuid.UUID, claimed_at: datetime) -> bool:
    """``sent``, if this sender still holds the row: its claim is the fence. The row stays locked
    until the caller commits."""
    result = await session.scalars(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.state == "sending",
            Delivery.claimed_at == claimed_at,
        )
        .values(state="sent", sent_at=func.now(), last_error=None)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return result.one_or_none() is not None


async def record_outcome(
    session: AsyncSession,
    delivery_id: uuid.UUID,
    claimed_at: datetime,
    *,
    state: str,
    last_error: str | None,
    next_attempt_at: datetime | None = None,
    from_states: Sequence[str] = ("sending",),
) -> bool:
    """Move a claimed row on (retrying, failed, bounced…); a no-op if another sender took it."""
    result = await session.scalars(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.state.in_(list(from_states)),
            Delivery.claimed_at == claimed_at,
        )
        .values(state=state, last_error=last_error, next_attempt_at=next_attempt_at)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return result.one_or_none() is not None


async def finish_campaigns(session: AsyncSession) -> list[uuid.UUID]:
    """Campaigns with deliveries, none of them still queued, sending or retrying, are ``done``."""
    pending = exists().where(Delivery.campaign_id == Campaign.id, Delivery.state.in_(PENDING))
    any_delivery = exists().where(Delivery.campaign_id == Campaign.id)
    result = await session.scalars(
        update(Campaign)
        .where(Campaign.status.in_(SENDABLE_CAMPAIGN), any_delivery, ~pending)
        .values(status="done", completed_at=func.now(), version=Campaign.version + 1)
        .returning(Campaign.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.all())


async def campaigns_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Campaign]:
    if not ids:
        return {}
    rows = await session.scalars(select(Campaign).where(Campaign.id.in_(list(ids))))
    return {c.id: c for c in rows.all()}


async def messages_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Message]:
    if not ids:
        return {}
    rows = await session.scalars(select(Message).where(Message.id.in_(list(ids))))
    return {m.id: m for m in rows.all()}


async def add_suppression(
    session: AsyncSession,
    *,
    email_key: str,
    state: str,
    reason: str,
    contact_id: uuid.UUID | None,
) -> bool:
    """True when the mailbox was not suppressed before (a repeat changes nothing)."""
    result = await session.execute(
        pg_insert(Suppression)
        .values(email=email_key, state=state, reason=reason, contact_id=contact_id)
        .on_conflict_do_nothing()
        .returning(Suppression.email)
    )
    return result.scalar_one_or_none() is not None


async def by_smtp_message_id(session: AsyncSession, smtp_message_id: str) -> Delivery | None:
    return await session.scalar(
        select(Delivery).where(Delivery.smtp_message_id == smtp_message_id).with_for_update()
    )


async def latest_to(session: AsyncSession, email_key: str) -> Delivery | None:
    """The most recent delivery actually handed to the server for this mailbox."""
    return await session.scalar(
        select(Delivery)
        .where(Delivery.email_key == email_key, Delivery.state == "sent")
        .order_by(Delivery.sent_at.desc())
        .limit(1)
        .with_for_update()
    )


async def list_deliveries(
    session: AsyncSession,
    *,
    filters: dict[str, Any],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.created_at, Delivery.id).limit(limit)
    for column in ("campaign_id", "message_id", "state"):
        if filters.get(column) is not None:
            query = query.where(getattr(Delivery, column) == filters[column])
    if filters.get("email"):  # the identity key: any spelling of the mailbox finds it
        query = query.where(Delivery.email_key == filters["email"])
    if after is not None:
        query = query.where(tuple_(Delivery.created_at, Delivery.id) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))
    return {state: int(count) for state, count in rows.all()}
