"""All SQL of symposia and of the audience they resolve to."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select, tuple_, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.registry.contacts.models import Contact
from services.registry.symposia.models import Symposium


async def get(session: AsyncSession, symposium_id: uuid.UUID) -> Symposium | None:
    return await session.get(Symposium, symposium_id)


async def get_by_number(session: AsyncSession, fiscal_year: int, number: int) -> Symposium | None:
    query = select(Symposium).where(
        Symposium.fiscal_year == fiscal_year, Symposium.number == number
    )
    return await session.scalar(query)


async def add(session: AsyncSession, symposium: Symposium) -> None:
    session.add(symposium)
    await session.flush()


async def save(session: AsyncSession) -> None:
    await session.flush()


async def hold_ended(
    session: AsyncSession, *, source: str, target: str, as_of: datetime
) -> list[uuid.UUID]:
    """``source`` → ``target`` for every symposium ended by ``as_of``; their ids. The version
    steps, so an ETag read before the sweep no longer matches."""
    query = (
        update(Symposium)
        .where(Symposium.status == source, Symposium.ends_at <= as_of)
        .values(status=target, version=Symposium.version + 1)
        .returning(Symposium.id)
    )
    return list((await session.scalars(query)).all())


async def list_symposia(
    session: AsyncSession, *, fiscal_year: int | None, after: tuple[int, int] | None, limit: int
) -> list[Symposium]:
    query = select(Symposium).order_by(Symposium.fiscal_year, Symposium.number).limit(limit)
    if fiscal_year is not None:
        query = query.where(Symposium.fiscal_year == fiscal_year)
    if after is not None:
        query = query.where(tuple_(Symposium.fiscal_year, Symposium.number) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def audience(
    session: AsyncSession, *, categories: Sequence[str], after_address: str | None, limit: int
) -> list[tuple[Contact, str]]:
    """Contacts in ``categories``, one per mailbox (its identity key), ordered by that key.

    A mailbox may be a contact of several owners (local governments, the office): it is invited
    once. It is left out when any contact holding it is suppressed: an unsubscribe or a bounce
    belongs to the mailbox, not to one of its records. Of duplicates the oldest record is kept.
    Each row comes with its identity key, for the next cursor.
    """
    address = Contact.email_key
    suppressed = aliased(Contact)
    query = (
        select(Contact, address)
        .ext(distinct_on(address))
        .where(
            Contact.stakeholder_category.in_(list(categories)),
            ~exists().where(suppressed.email_key == address, suppressed.suppression.isnot(None)),
        )
        .order_by(address, Contact.created_at, Contact.id)
        .limit(limit)
    )
    if after_address is not None:
        query = query.where(address > after_address)
    return [(contact, key) for contact, key in (await session.execute(query)).all()]
