"""The SQL of a contact's change (``PATCH``): read in one statement, written back by one UPDATE.

A change needs the contact and its links (its ETag is a digest of what the caller sees, links
included) and writes a few columns back. Loaded into the session, the same took a statement more
for the links and the ORM's loading and flush around them: three to four times the CPU of the
plain statements. The contact is built detached (no session holds it, so nothing flushes it
behind our back) and written by an UPDATE guarded by the version read, as the ORM's would be.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from libs.common.auth import Principal
from services.registry.audit.service import trail
from services.registry.contacts.models import Contact, ContactLink
from services.registry.contacts.repository import EMAIL_CONSTRAINT, LINKS_JSON, EmailTaken

_CONTACTS = cast(Table, Contact.__table__)
# The columns a change may write (ContactUpdate's fields, the keys derived from them).
CHANGEABLE = (
    "name",
    "email",
    "email_key",
    "phone",
    "organisation",
    "search_key",
    "stakeholder_category",
    "lg_code",
)
_READ = select(*_CONTACTS.c, LINKS_JSON.label("links")).where(
    _CONTACTS.c.id == bindparam("contact_id")
)
_CHANGED = (
    update(_CONTACTS)
    .where(_CONTACTS.c.id == bindparam("contact_id"), _CONTACTS.c.version == bindparam("read"))
    .values({**{name: bindparam(name) for name in CHANGEABLE}, "version": _CONTACTS.c.version + 1})
    .returning(_CONTACTS.c.id, _CONTACTS.c.version)
    .cte("changed")
)
# The change's audit event is written by the same statement, and only if the UPDATE was.
_EVENT = trail.insert_from(
    _CHANGED,
    action="contact.updated",
    subject_type="contact",
    subject_id=_CHANGED.c.id,
    before=bindparam("audit_before", type_=JSONB),
    after=bindparam("audit_after", type_=JSONB),
).cte("event")
_WRITE = select(_CHANGED.c.version).add_cte(_EVENT)


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


async def read(session: AsyncSession, contact_id: uuid.UUID) -> Contact | None:
    """The contact with its links, detached from the session; None when there is none."""
    connection = await session.connection()
    row = (await connection.execute(_READ, {"contact_id": contact_id})).first()
    if row is None:
        return None
    fields: dict[str, Any] = row._asdict()
    links = fields.pop("links")
    contact = Contact(**fields)
    contact.links = [
        ContactLink(
            id=uuid.UUID(link["id"]),
            contact_id=contact_id,
            project_id=_uuid(link["project_id"]),
            council_id=_uuid(link["council_id"]),
        )
        for link in links
    ]
    return contact


async def write(
    session: AsyncSession,
    contact: Contact,
    *,
    actor: Principal | str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """Write the changeable columns back, step the version and write the ``contact.updated``
    event (``before``, ``after``), if the version is still the one read (else the ORM's own
    StaleDataError: the unit of work answers 412); a taken address is :class:`EmailTaken`."""
    values = {name: getattr(contact, name) for name in CHANGEABLE}
    audit = {**trail.event_params(actor), "audit_before": before, "audit_after": after}
    connection = await session.connection()
    try:
        result = await connection.execute(
            _WRITE, {**values, **audit, "contact_id": contact.id, "read": contact.version}
        )
    except IntegrityError as exc:
        if EMAIL_CONSTRAINT in str(exc.orig):
            raise EmailTaken from exc
        raise
    version = result.scalar()
    if version is None:
        raise StaleDataError(f"contact {contact.id} changed since it was read")
    contact.version = version
