"""All SQL of deliveries: the one-sender lock, claiming due rows, recording outcomes (the
``sent`` that commit_release.py commits too), suppressions, listings.

Every state a statement moves a row from and to is read from the machines (``states.py``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    all_,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from services.notify.campaigns.models import Campaign
from services.notify.campaigns.states import CAMPAIGN, SENDABLE, CampaignEvent
from services.notify.deliveries.models import Delivery, Suppression
from services.notify.deliveries.states import DELIVERY, PENDING, DeliveryEvent, DeliveryState
from services.notify.machines import single_move
from services.notify.messages.models import Message
from services.notify.rsvp.models import Rsvp

CLAIM_FROM, CLAIMED = single_move(DELIVERY, DeliveryEvent.claim)
# (sending, claim): a row whose sender died, claimed again once its lease is over.
ABANDONED = DeliveryState.sending
_LOCK_SQL = text("SELECT pg_try_advisory_xact_lock(hashtext('jisso:notify:sender'))")


@asynccontextmanager
async def sender_lock(engine: AsyncEngine) -> AsyncIterator[bool]:
    """The one-sender lock, taken in a transaction of its own held open for the run and ended
    with it; PostgreSQL releases it by itself when that transaction or its connection ends, so a
    killed worker never leaves it behind. A transaction lock, not a session one: behind a
    transaction-mode pooler the server connection is lent for one transaction only, and a
    session lock would stay on it for whichever client is lent it next. The transaction writes
    nothing and holds no snapshot between statements, so it does not hold back vacuum."""
    async with engine.connect() as connection, connection.begin():
        yield bool(await connection.scalar(_LOCK_SQL))


def _due(as_of: datetime | None, lease: timedelta) -> Any:
    """Due: queued or retrying whose time has come, or ``sending`` left behind by a sender that
    died (claimed longer than the lease ago); campaign rows only once the campaign is approved."""
    now = func.now()
    cutoff = func.greatest(now, as_of, type_=DateTime(timezone=True)) if as_of else now
    campaign_ready = exists().where(
        Campaign.id == Delivery.campaign_id, Campaign.status.in_(SENDABLE)
    )
    waiting = [state for state in CLAIM_FROM if state != ABANDONED]
    return and_(
        or_(
            and_(
                Delivery.state.in_(waiting),
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= cutoff),
            ),
            and_(Delivery.state == ABANDONED, Delivery.claimed_at < cutoff - lease),
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
        .values(state=CLAIMED, claimed_at=func.now(), attempts=Delivery.attempts + 1)
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
    sources, target = single_move(DELIVERY, DeliveryEvent.suppress)
    suppressed = exists().where(Suppression.email == Delivery.email_key)
    result = await session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(list(ids)), Delivery.state.in_(sources), suppressed)
        .values(state=target, last_error="address suppressed before sending")
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.all())


async def start_campaigns(session: AsyncSession, campaign_ids: Sequence[uuid.UUID]) -> None:
    """An approved campaign whose first deliveries were claimed is ``sending``."""
    if campaign_ids:
        sources, target = single_move(CAMPAIGN, CampaignEvent.start)
        await session.execute(
            update(Campaign)
            .where(Campaign.id.in_(list(campaign_ids)), Campaign.status.in_(sources))
            .values(status=target, version=Campaign.version + 1)
            .execution_options(synchronize_session=False)
        )


SEND_FROM, SENT = single_move(DELIVERY, DeliveryEvent.send)
# The sender's hot path runs this on the asyncpg connection itself (SentWrite below). The states
# are the machine's own values (StrEnum members, never input), written in as literals.
MARK_SENT_SQL = f"""
UPDATE notify.deliveries
SET state = '{SENT}', sent_at = now(), last_error = NULL, updated_at = now()
WHERE id = $1 AND state IN ({", ".join(f"'{state}'" for state in SEND_FROM)}) AND claimed_at = $2
RETURNING id
"""


class SentWrite:
    """``sent`` written on the driver's own connection, in a transaction the caller ends:
    ``commit_release.py`` writes its COMMIT right behind the end-of-data marker, which is why
    the COMMIT is handed over as a coroutine not yet started (see ``library_contract.py``)."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver  # asyncpg.Connection
        self.transaction = driver.transaction()

    @classmethod
    async def begin(cls, connection: AsyncConnection) -> SentWrite:
        raw = await connection.get_raw_connection()
        write = cls(raw.driver_connection)
        await write.transaction.start()
        return write

    async def mark(self, delivery_id: uuid.UUID, claimed_at: datetime) -> bool:
        """``sent``, if this sender still holds the row (its claim is the fence); uncommitted."""
        return await self.driver.fetchval(MARK_SENT_SQL, delivery_id, claimed_at) is not None

    async def rollback(self) -> None:
        await self.transaction.rollback()

    def commit(self) -> Coroutine[Any, Any, None]:
        """The COMMIT, not started: the caller steps it (``library_contract.write_first``)."""
        commit: Coroutine[Any, Any, None] = self.transaction.commit()
        return commit


async def mark_sent(session: AsyncSession, delivery_id: uuid.UUID, claimed_at: datetime) -> bool:
    """``sent``, if this sender still holds the row: its claim is the fence. The row stays locked
    until the caller commits."""
    result = await session.scalars(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.state.in_(SEND_FROM),
            Delivery.claimed_at == claimed_at,
        )
        .values(state=SENT, sent_at=func.now(), last_error=None)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return result.one_or_none() is not None


async def record_outcome(
    session: AsyncSession,
    delivery_id: uuid.UUID,
    claimed_at: datetime,
    *,
    event: DeliveryEvent,
    source: DeliveryState,
    last_error: str | None,
    next_attempt_at: datetime | None = None,
) -> bool:
    """Move a claimed row in ``source`` on by ``event`` (retry, fail, bounce…); a no-op if
    another sender took it. An event the machine does not allow from ``source`` is refused."""
    target = DELIVERY.fire(source, event)
    result = await session.scalars(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.state == source,
            Delivery.claimed_at == claimed_at,
        )
        .values(state=target, last_error=last_error, next_attempt_at=next_attempt_at)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return result.one_or_none() is not None


async def finish_campaigns(session: AsyncSession) -> list[uuid.UUID]:
    """Campaigns with deliveries, none of them still queued, sending or retrying, are ``done``."""
    sources, target = single_move(CAMPAIGN, CampaignEvent.finish)
    pending = exists().where(Delivery.campaign_id == Campaign.id, Delivery.state.in_(PENDING))
    any_delivery = exists().where(Delivery.campaign_id == Campaign.id)
    result = await session.scalars(
        update(Campaign)
        .where(Campaign.status.in_(sources), any_delivery, ~pending)
        .values(status=target, completed_at=func.now(), version=Campaign.version + 1)
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


async def insert_suppression(
    session: AsyncSession,
    *,
    email_key: str,
    state: str,
    reason: str,
    reasons: list[dict[str, Any]],
    contact_id: uuid.UUID | None,
) -> bool:
    """True when the mailbox was not suppressed before (a concurrent twin waits on the primary
    key, then finds the row with ``suppression_for_update``)."""
    result = await session.execute(
        pg_insert(Suppression)
        .values(email=email_key, state=state, reason=reason, reasons=reasons, contact_id=contact_id)
        .on_conflict_do_nothing()
        .returning(Suppression.email)
    )
    return result.scalar_one_or_none() is not None


async def suppression_for_update(session: AsyncSession, email_key: str) -> Suppression | None:
    return await session.scalar(
        select(Suppression).where(Suppression.email == email_key).with_for_update()
    )


async def by_smtp_message_id(session: AsyncSession, smtp_message_id: str) -> Delivery | None:
    return await session.scalar(
        select(Delivery).where(Delivery.smtp_message_id == smtp_message_id).with_for_update()
    )


async def latest_to(session: AsyncSession, email_key: str) -> Delivery | None:
    """The most recent delivery actually handed to the server for this mailbox."""
    return await session.scalar(
        select(Delivery)
        .where(Delivery.email_key == email_key, Delivery.state == DeliveryState.sent)
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
    for column in ("campaign_id", "message_id", "contact_id", "state"):
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


async def get_for_update(session: AsyncSession, delivery_id: uuid.UUID) -> Delivery | None:
    return await session.scalar(
        select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    )


async def message(session: AsyncSession, message_id: uuid.UUID) -> Message:
    found = await session.get(Message, message_id)
    assert found is not None  # a delivery's message is deleted only with the delivery
    return found


async def resends_of(session: AsyncSession, delivery_id: uuid.UUID) -> int:
    """How many times this delivery's letter was sent again (再送の回数)."""
    query = select(func.count()).where(Message.dedupe_key.like(f"resend:{delivery_id}:%"))
    return int(await session.scalar(query) or 0)


async def add_letter(session: AsyncSession, message: Message, delivery: Delivery) -> None:
    """A transactional message with its one delivery, flushed in order (the delivery refers to
    the message)."""
    session.add(message)
    await session.flush()
    delivery.message_id = message.id
    session.add(delivery)
    await session.flush()


async def rsvp_answers(
    session: AsyncSession, readers: Collection[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], str]:
    """The RSVP answer of each (symposium id, mailbox) that has one."""
    if not readers:
        return {}
    query = select(Rsvp.symposium_id, Rsvp.email_key, Rsvp.response).where(
        tuple_(Rsvp.symposium_id, Rsvp.email_key).in_(list(readers))
    )
    return {(row[0], row[1]): row[2] for row in (await session.execute(query)).all()}
