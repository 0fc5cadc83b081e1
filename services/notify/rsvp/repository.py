"""All SQL of RSVPs: the per-symposium lock, counts, the waitlist, the letter to the promoted."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.campaigns.models import Campaign
from services.notify.deliveries.models import Delivery
from services.notify.messages.models import Message
from services.notify.rsvp.models import Rsvp, RsvpCapacity


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


async def add_message(session: AsyncSession, message: Message, delivery: Delivery) -> None:
    session.add(message)
    await session.flush()
    delivery.message_id = message.id
    session.add(delivery)
    await session.flush()


async def capacity_row(session: AsyncSession, symposium_id: uuid.UUID) -> RsvpCapacity | None:
    return await session.get(RsvpCapacity, symposium_id)


async def set_capacity(
    session: AsyncSession, symposium_id: uuid.UUID, capacity: int | None
) -> None:
    row = await session.get(RsvpCapacity, symposium_id)
    if row is None:
        session.add(RsvpCapacity(symposium_id=symposium_id, capacity=capacity))
    else:
        row.capacity = capacity
    await session.flush()
