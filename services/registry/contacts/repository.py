"""All SQL of contacts, their links and their suppression state."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, exists, func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from services.registry.contacts.models import Contact, ContactLink

EMAIL_CONSTRAINT = "uq_contacts_owner_email_key"


class EmailTaken(Exception):
    """The owner already holds this address (a concurrent insert won the race)."""


# Built once (see services/registry/projects/repository.py's _READ_ONE).
_GET = (
    select(Contact)
    .where(Contact.id == bindparam("contact_id"))
    .options(selectinload(Contact.links))
)


async def get(session: AsyncSession, contact_id: uuid.UUID) -> Contact | None:
    return await session.scalar(_GET, {"contact_id": contact_id})


async def holder_in_scope(
    session: AsyncSession, lg_code: str | None, email_key: str
) -> uuid.UUID | None:
    """The contact of this owner (``lg_code``; None: the office) holding the address, if any.

    Only the one owner's rows are looked at, so the answer says nothing about other owners."""
    owner = func.coalesce(Contact.lg_code, "")
    query = select(Contact.id).where(owner == (lg_code or ""), Contact.email_key == email_key)
    return await session.scalar(query)


async def with_address(session: AsyncSession, email_key: str) -> list[Contact]:
    """Every contact of this mailbox, whoever owns it (a mailbox bounces for all of them)."""
    query = (
        select(Contact)
        .where(Contact.email_key == email_key)
        .order_by(Contact.id)
        .options(selectinload(Contact.links))
    )
    return list((await session.scalars(query)).all())


async def _flush_guarding_email(session: AsyncSession) -> None:
    # No savepoint needed: the error answers 409 and the unit of work rolls the request back.
    try:
        await session.flush()
    except IntegrityError as exc:
        if EMAIL_CONSTRAINT in str(exc.orig):
            raise EmailTaken from exc
        raise


async def insert(session: AsyncSession, contact: Contact) -> None:
    session.add(contact)
    await _flush_guarding_email(session)


async def save(session: AsyncSession, contact: Contact) -> None:
    """Flush a change; a link change raises the version too, since the contact shows its links."""
    flag_modified(contact, "name")
    await _flush_guarding_email(session)


async def list_contacts(
    session: AsyncSession,
    *,
    stakeholder_category: str | None,
    lg_code: str | None,
    project_id: uuid.UUID | None,
    council_id: uuid.UUID | None,
    suppressed: bool | None,
    search_key: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Contact]:
    query = (
        select(Contact)
        .options(selectinload(Contact.links))
        .order_by(Contact.name, Contact.id)
        .limit(limit)
    )
    if stakeholder_category:
        query = query.where(Contact.stakeholder_category == stakeholder_category)
    if lg_code:
        query = query.where(Contact.lg_code == lg_code)
    if project_id is not None:
        query = query.where(
            exists().where(
                ContactLink.contact_id == Contact.id, ContactLink.project_id == project_id
            )
        )
    if council_id is not None:
        query = query.where(
            exists().where(
                ContactLink.contact_id == Contact.id, ContactLink.council_id == council_id
            )
        )
    if suppressed is not None:
        state = Contact.suppression.isnot(None) if suppressed else Contact.suppression.is_(None)
        query = query.where(state)
    if search_key:
        query = query.where(Contact.search_key.contains(search_key, autoescape=True))
    if after is not None:
        query = query.where(tuple_(Contact.name, Contact.id) > tuple_(*after))
    return list((await session.scalars(query)).all())
