"""All SQL of contacts, their links and their suppression state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    exists,
    func,
    select,
    tuple_,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from libs.common.documents import json_rows
from libs.common.driver_reads import CompiledRead, Reads, Shapes
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


@dataclass(frozen=True)
class ContactFilters:
    """List filters, already parsed; ``None`` means "any"."""

    stakeholder_category: str | None = None
    lg_code: str | None = None
    project_id: uuid.UUID | None = None
    council_id: uuid.UUID | None = None
    suppressed: bool | None = None
    search_key: str | None = None


def _linked(*condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(ContactLink.contact_id == Contact.id, *condition)


_FILTERS = ("stakeholder_category", "lg_code", "project_id", "council_id", "search_key")


def _shape(filters: ContactFilters, *, after: bool) -> tuple[Any, ...]:
    """Which filters a page has (and ``suppressed``'s value, which changes the SQL), not their
    values: the statement of each shape is built and compiled once."""
    present = tuple(name for name in _FILTERS if getattr(filters, name) not in (None, ""))
    return present, filters.suppressed, after


def _filtered(query: Select[Any], shape: tuple[Any, ...]) -> Select[Any]:
    present, suppressed, _ = shape
    if "stakeholder_category" in present:
        query = query.where(Contact.stakeholder_category == bindparam("stakeholder_category"))
    if "lg_code" in present:
        query = query.where(Contact.lg_code == bindparam("lg_code"))
    if "project_id" in present:
        query = query.where(_linked(ContactLink.project_id == bindparam("project_id")))
    if "council_id" in present:
        query = query.where(_linked(ContactLink.council_id == bindparam("council_id")))
    if suppressed is not None:
        suppression = Contact.suppression
        query = query.where(suppression.isnot(None) if suppressed else suppression.is_(None))
    if "search_key" in present:
        query = query.where(Contact.search_key.contains(bindparam("search_key"), escape="/"))
    return query


# Reads answer from one statement: the links come aggregated as JSON in the shape of the response
# (in id order: one state, one body, one ETag) instead of ORM objects loaded by a second round trip.
LINKS_JSON = (
    select(
        json_rows(
            {
                "id": ContactLink.id,
                "project_id": ContactLink.project_id,
                "council_id": ContactLink.council_id,
            },
            ContactLink.id,
        )
    )
    .where(ContactLink.contact_id == Contact.id)
    .scalar_subquery()
)
READ_COLUMNS = (
    Contact.id,
    Contact.name,
    Contact.email,
    Contact.phone,
    Contact.organisation,
    Contact.stakeholder_category,
    Contact.lg_code,
    Contact.suppression,
    Contact.suppression_reason,
    Contact.suppressed_at,
    Contact.suppression_reasons,
    Contact.version,
    LINKS_JSON.label("links"),
)
"""A contact as the API reads it; ``links`` is a list of dicts. Read by the driver
(libs/common/driver_reads.py): plain rows need none of the ORM's result handling."""


def _page(shape: tuple[Any, ...]) -> Select[Any]:
    query = _filtered(select(*READ_COLUMNS), shape)
    if shape[2]:
        after = tuple_(bindparam("after_name"), bindparam("after_id"))
        query = query.where(tuple_(Contact.name, Contact.id) > after)
    return query.order_by(Contact.name, Contact.id).limit(bindparam("limit"))


_PAGES = Shapes(_page)


async def read_rows(
    reads: Reads,
    filters: ContactFilters,
    *,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """A page of ``READ_COLUMNS`` rows in list order, (name, id); ``after``: the last row's."""
    shape = _shape(filters, after=after is not None)
    params: dict[str, Any] = {name: getattr(filters, name) for name in shape[0]}
    if filters.search_key:
        params["search_key"] = _escape_like(filters.search_key)
    if after is not None:
        params["after_name"], params["after_id"] = after
    params["limit"] = limit
    return await _PAGES[shape].all(reads, params)


def _escape_like(text: str) -> str:
    """``text`` matched literally by ``LIKE … ESCAPE '/'``."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


_READ_ONE = CompiledRead(select(*READ_COLUMNS).where(Contact.id == bindparam("contact_id")))


async def read_row(reads: Reads, contact_id: uuid.UUID) -> Any | None:
    """A ``READ_COLUMNS`` row, or ``None``."""
    return await _READ_ONE.first(reads, {"contact_id": contact_id})
