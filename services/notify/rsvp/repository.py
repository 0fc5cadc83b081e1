"""All SQL of RSVPs: the per-symposium lock, counts, the waitlist, the letter to the promoted."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.campaigns.models import Campaign
from services.notify.deliveries.models import Delivery
from services.notify.deliveries.states import DeliveryState
from services.notify.messages.models import Message
from services.notify.models import outbox
from services.notify.rsvp.models import Rsvp

# The dedupe-key prefixes of the letters written about an answer: "<prefix>:<rsvp id>:v<n>".
LETTER_PREFIXES = ("rsvp-promoted", "rsvp-confirmed")


async def lock_symposium(session: AsyncSession, symposium_id: uuid.UUID) -> None:
    """Serialise answers to one symposium until commit: a count then an insert cannot race.

    Row locks would not do: a first acceptance has no row to lock yet."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"notify.rsvp:{symposium_id}"},
    )


async def get(session: AsyncSession, symposium_id: uuid.UUID, email_key: str) -> Rsvp | None:
    query = select(Rsvp).where(Rsvp.symposium_id == symposium_id, Rsvp.email_key == email_key)
    return await session.scalar(query)


async def invited_name(session: AsyncSession, symposium_id: uuid.UUID, email_key: str) -> str:
    """The name the invitation was addressed to (links carry neither name nor address)."""
    query = (
        select(Delivery.name)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Campaign.symposium_id == symposium_id, Delivery.email_key == email_key)
        .order_by(Delivery.created_at)
        .limit(1)
    )
    return await session.scalar(query) or ""


async def add(session: AsyncSession, rsvp: Rsvp) -> None:
    session.add(rsvp)
    await session.flush()


async def save(session: AsyncSession) -> None:
    await session.flush()


async def count(session: AsyncSession, symposium_id: uuid.UUID, response: str) -> int:
    query = select(func.count()).where(Rsvp.symposium_id == symposium_id, Rsvp.response == response)
    return int(await session.scalar(query) or 0)


async def waitlist_position(session: AsyncSession, rsvp: Rsvp) -> int:
    """1 for the first in line."""
    query = select(func.count()).where(
        Rsvp.symposium_id == rsvp.symposium_id,
        Rsvp.response == "waitlisted",
        tuple_(Rsvp.requested_at, Rsvp.id) <= tuple_(rsvp.requested_at, rsvp.id),
    )
    return int(await session.scalar(query) or 0)


async def first_waitlisted(
    session: AsyncSession, symposium_id: uuid.UUID, limit: int
) -> list[Rsvp]:
    query = (
        select(Rsvp)
        .where(Rsvp.symposium_id == symposium_id, Rsvp.response == "waitlisted")
        .order_by(Rsvp.requested_at, Rsvp.id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def summary(session: AsyncSession, symposium_id: uuid.UUID) -> dict[str, int]:
    query = (
        select(Rsvp.response, func.count())
        .where(Rsvp.symposium_id == symposium_id)
        .group_by(Rsvp.response)
    )
    return {response: int(n) for response, n in (await session.execute(query)).all()}


async def withdraw_unsent_letters(session: AsyncSession, rsvp_id: uuid.UUID) -> int:
    """Letters about an earlier version of this answer (a confirmation, a promotion) that no
    sender has claimed yet: gone with their deliveries, so a person who changed their answer
    never receives one that says otherwise. One already claimed is past recall."""
    about = or_(*(Message.dedupe_key.startswith(f"{p}:{rsvp_id}:") for p in LETTER_PREFIXES))
    unsent = select(Delivery.message_id).where(Delivery.state == DeliveryState.queued)
    result = await session.execute(
        delete(Message).where(about, Message.id.in_(unsent)).returning(Message.id)
    )
    withdrawn = [str(message_id) for message_id in result.scalars().all()]
    if withdrawn:  # their send jobs not yet relayed would only find nothing to send
        jobs = outbox.c.payload["message_id"].astext.in_(withdrawn)
        await session.execute(delete(outbox).where(jobs))
    return len(withdrawn)
