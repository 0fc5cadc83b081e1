"""Rules of contacts: one address per owner, who may see them, links, suppression.

A contact belongs to its local government (``lg_code``; none: the office). Uniqueness of the
address is checked only inside the owner's scope, so creating or changing a contact never tells a
municipality whether another one holds the address (docs/registry.md, "Contacts").
"""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.audit import Change, ChangeKind
from libs.common.auth import Principal, Role
from libs.common.driver_reads import Reads
from libs.common.email_identity import address_key, canonical_address
from libs.common.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from libs.common.etag import check_if_match, representation_etag
from libs.common.fiscal_year import now_tokyo
from libs.common.search_text import normalise_search_key
from libs.common.suppression import add_reason
from services.registry.audit.service import audited, record
from services.registry.contacts import change_repository, repository
from services.registry.contacts.models import Contact, ContactLink
from services.registry.contacts.schemas import (
    ContactCreate,
    ContactOut,
    ContactPublicOut,
    ContactUpdate,
    LinkCreate,
    SuppressionByEmail,
    SuppressionSet,
    full_view,
    public_view,
)
from services.registry.councils import repository as councils
from services.registry.councils.service import known_lg_code


def shown(principal: Principal) -> type[ContactOut] | type[ContactPublicOut]:
    """What the caller may see: a partner the public record (no address, phone or suppression).
    Every representation of a contact (ORM object or read row) is chosen here."""
    return ContactPublicOut if principal.role is Role.partner else ContactOut


def present(contact: Contact, principal: Principal) -> ContactOut | ContactPublicOut:
    return public_view(contact) if shown(principal) is ContactPublicOut else full_view(contact)


def contact_etag(contact: Contact, principal: Principal) -> str:
    """The ETag of the representation ``principal`` receives: a partner's does not move when only
    fields hidden from partners change."""
    return view_etag(contact.id, present(contact, principal))


def view_etag(contact_id: uuid.UUID, view: ContactOut | ContactPublicOut) -> str:
    """The ETag of a representation already built (``present``)."""
    return representation_etag("contact", contact_id, view)


def search_key(name: str, organisation: str) -> str:
    return f"{normalise_search_key(name)}|{normalise_search_key(organisation)}"


def snapshot(contact: Contact) -> dict[str, Any]:
    return {
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "organisation": contact.organisation,
        "stakeholder_category": contact.stakeholder_category,
        "lg_code": contact.lg_code,
        "suppression": contact.suppression,
        "suppression_reason": contact.suppression_reason,
        "suppression_reasons": contact.suppression_reasons,
    }


def _email_conflict(email: str, holder: uuid.UUID | None = None) -> Conflict:
    """409 within the caller's own scope: ``holder`` is a contact the caller may read already."""
    message = f"このメールアドレスは既に登録されています: {email}（email already registered）"
    extra: dict[str, Any] = {"contact_id": str(holder)} if holder else {}
    return Conflict(
        message, errors=[FieldProblem(field="body.email", rule="unique", message=message)], **extra
    )


def _forbidden() -> Forbidden:
    return Forbidden(
        "この連絡先は貴団体のものではありません（the contact belongs to another local government）"
    )


def _not_found(contact_id: uuid.UUID) -> NotFound:
    return NotFound(f"連絡先が見つかりません（no contact {contact_id}）")


def _ensure_own(principal: Principal, lg_code: str | None) -> None:
    if principal.role is Role.municipality and lg_code != principal.lg_code:
        raise _forbidden()


async def _contact(session: AsyncSession, principal: Principal, contact_id: uuid.UUID) -> Contact:
    contact = await repository.get(session, contact_id)
    if contact is None:
        raise _not_found(contact_id)
    _ensure_own(principal, contact.lg_code)
    return contact


async def _record_link(
    session: AsyncSession,
    principal: Principal,
    action: str,
    contact: Contact,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """A link or unlink: an event about the contact's links, not a snapshot of the contact."""
    await record(
        session,
        actor=principal,
        action=action,
        subject_type="contact",
        subject_id=contact.id,
        before=before,
        after=after,
    )


def _audited(
    session: AsyncSession,
    principal: Principal,
    action: str,
    contact: Contact,
    kind: ChangeKind = "updated",
) -> AbstractAsyncContextManager[Change]:
    """A change of the contact, written by the repository (an address taken in the meantime
    becomes the 409 of a taken address) and audited."""
    return audited(
        session,
        contact,
        kind=kind,
        actor=principal,
        action=action,
        subject_type="contact",
        snapshot=snapshot,
        save=lambda: _save_checked(session, contact),
    )


async def _ensure_free_in_scope(
    session: AsyncSession, lg_code: str | None, email: str, itself: uuid.UUID | None = None
) -> None:
    """409 when another contact of the same owner holds the mailbox; other owners are not asked."""
    holder = await repository.holder_in_scope(session, lg_code, address_key(email))
    if holder is not None and holder != itself:
        raise _email_conflict(email, holder)


async def _save_checked(session: AsyncSession, contact: Contact) -> None:
    try:
        await repository.save(session, contact)
    except repository.EmailTaken as exc:
        raise _email_conflict(contact.email) from exc


async def _write_checked(
    session: AsyncSession,
    principal: Principal,
    contact: Contact,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    try:
        await change_repository.write(session, contact, actor=principal, before=before, after=after)
    except repository.EmailTaken as exc:
        raise _email_conflict(contact.email) from exc


async def create_contact(
    session: AsyncSession, *, principal: Principal, data: ContactCreate
) -> Contact:
    lg_code = data.lg_code
    if principal.role is Role.municipality and lg_code is None:
        lg_code = principal.lg_code
    if lg_code is not None:
        lg_code = await known_lg_code(session, lg_code, "body.lg_code")
    _ensure_own(principal, lg_code)
    email = canonical_address(data.email, "body.email")
    await _ensure_free_in_scope(session, lg_code, email)
    contact = Contact(
        **data.model_dump(exclude={"email", "lg_code"}),
        email=email,
        lg_code=lg_code,
        search_key=search_key(data.name, data.organisation),
        links=[],
    )
    async with _audited(session, principal, "contact.created", contact, kind="created"):
        try:
            await repository.insert(session, contact)
        except repository.EmailTaken as exc:
            raise _email_conflict(email) from exc
    return contact


async def get_contact(reads: Reads, *, principal: Principal, contact_id: uuid.UUID) -> Any:
    """The contact's ``repository.READ_COLUMNS`` row; 404 and 403 as ``_contact`` answers them."""
    row = await repository.read_row(reads, contact_id)
    if row is None:
        raise _not_found(contact_id)
    _ensure_own(principal, row.lg_code)
    return row


async def list_contacts(
    reads: Reads,
    *,
    principal: Principal,
    filters: dict[str, Any],
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """``filters``: stakeholder_category, lg_code, project_id, council_id, suppressed, q. A page of
    ``repository.READ_COLUMNS`` rows; a municipality is always narrowed to its own contacts."""
    if principal.role is Role.municipality:
        if filters.get("lg_code") not in (None, principal.lg_code):
            raise _forbidden()
        filters = {**filters, "lg_code": principal.lg_code}
    if principal.role is Role.partner and filters.get("suppressed") is not None:
        raise Forbidden("配信停止の状態は公開されていません（suppression state is not public）")
    q = filters.get("q")
    parsed = repository.ContactFilters(
        **{name: value for name, value in filters.items() if name != "q"},
        search_key=normalise_search_key(q) if q else None,
    )
    return await repository.read_rows(reads, parsed, after=after, limit=limit)


async def update_contact(
    session: AsyncSession,
    *,
    principal: Principal,
    contact_id: uuid.UUID,
    data: ContactUpdate,
    if_match: str | None,
) -> Contact:
    # Read and written back without the session's unit of work (change_repository.py).
    contact = await change_repository.read(session, contact_id)
    if contact is None:
        raise NotFound(f"連絡先が見つかりません（no contact {contact_id}）")
    _ensure_own(principal, contact.lg_code)
    check_if_match(if_match, contact_etag(contact, principal))
    changes = data.model_dump(exclude_unset=True)
    if changes.get("email") is not None:
        changes["email"] = canonical_address(changes["email"], "body.email")
    if changes.get("lg_code") is not None:
        changes["lg_code"] = await known_lg_code(session, changes["lg_code"], "body.lg_code")
    if "lg_code" in changes:
        _ensure_own(principal, changes["lg_code"])
    # Only after the new owner is known to be the caller's may its scope be looked into.
    if "email" in changes or "lg_code" in changes:
        lg_code = changes.get("lg_code", contact.lg_code)
        await _ensure_free_in_scope(
            session, lg_code, changes.get("email", contact.email), contact.id
        )
    async with audited(
        session,
        contact,
        actor=principal,
        action="contact.updated",
        subject_type="contact",
        snapshot=snapshot,
        save_audited=lambda before, after: _write_checked(
            session, principal, contact, before, after
        ),
    ):
        for name, value in changes.items():
            setattr(contact, name, value)
        contact.search_key = search_key(contact.name, contact.organisation)
    return contact


async def add_link(
    session: AsyncSession, *, principal: Principal, contact_id: uuid.UUID, data: LinkCreate
) -> tuple[Contact, ContactLink]:
    contact = await _contact(session, principal, contact_id)
    project_id = data.project_id
    field = "body.project_id"
    if data.council_id is not None:
        field = "body.council_id"
        council = await councils.get(session, data.council_id)
        project_id = council.project_id if council else None
    if project_id is None or not await councils.project_exists(session, project_id):
        raise InvalidInput.field(
            field, "not_found", f"参照先が見つかりません（no such {field[5:]}）"
        )
    if principal.role is Role.municipality and not await councils.is_proposer(
        session, project_id, str(principal.lg_code)
    ):
        raise Forbidden("貴団体の事業ではありません（not a project of your local government）")
    for link in contact.links:
        if (link.project_id, link.council_id) == (data.project_id, data.council_id):
            raise Conflict("既に関連付けられています（already linked）", link_id=str(link.id))
    link = ContactLink(project_id=data.project_id, council_id=data.council_id)
    contact.links.append(link)
    await _save_checked(session, contact)
    after = {"project_id": str(data.project_id), "council_id": str(data.council_id)}
    await _record_link(session, principal, "contact.linked", contact, None, after)
    return contact, link


async def remove_link(
    session: AsyncSession,
    *,
    principal: Principal,
    contact_id: uuid.UUID,
    link_id: uuid.UUID,
    if_match: str | None,
) -> Contact:
    contact = await _contact(session, principal, contact_id)
    link = next((ln for ln in contact.links if ln.id == link_id), None)
    if link is None:
        raise NotFound(f"関連付けが見つかりません（no link {link_id} on contact {contact_id}）")
    check_if_match(if_match, contact_etag(contact, principal))
    before = {"project_id": str(link.project_id), "council_id": str(link.council_id)}
    contact.links.remove(link)
    await _save_checked(session, contact)
    await _record_link(session, principal, "contact.unlinked", contact, before, None)
    return contact


async def _suppress(
    session: AsyncSession, principal: Principal, contact: Contact, data: SuppressionSet
) -> bool:
    """Add the reason to the contact's record (libs/common/suppression.py): the strongest kind is
    in effect, so a later bounce never replaces an unsubscribe. Repeating a kind and wording
    already recorded changes nothing (notify may retry)."""
    merged = add_reason(
        contact.suppression_reasons,
        state=data.state,
        reason=data.reason,
        at=now_tokyo(),
        by=principal.actor,
    )
    if not merged.changed:
        return False
    async with _audited(session, principal, "contact.suppressed", contact):
        contact.suppression_reasons = merged.reasons
        contact.suppression = merged.state
        contact.suppression_reason = merged.reason
        contact.suppressed_at = merged.at
    return True


async def suppress(
    session: AsyncSession, *, principal: Principal, contact_id: uuid.UUID, data: SuppressionSet
) -> Contact:
    contact = await _contact(session, principal, contact_id)
    await _suppress(session, principal, contact, data)
    return contact


async def suppress_address(
    session: AsyncSession, *, principal: Principal, data: SuppressionByEmail
) -> tuple[str, list[Contact], int]:
    """Suppress every contact with this address (any case): the mailbox is one and the same."""
    email = canonical_address(data.email, "body.email")
    contacts = await repository.with_address(session, address_key(email))
    if not contacts:
        raise NotFound(f"このアドレスの連絡先はありません（no contact has {email}）")
    changed = 0
    for contact in contacts:
        changed += await _suppress(session, principal, contact, data)
    return email, contacts, changed


async def lift_suppression(
    session: AsyncSession, *, principal: Principal, contact_id: uuid.UUID, if_match: str | None
) -> Contact:
    contact = await _contact(session, principal, contact_id)
    check_if_match(if_match, contact_etag(contact, principal))
    if contact.suppression is None:
        return contact
    async with _audited(session, principal, "contact.unsuppressed", contact):
        contact.suppression = None
        contact.suppression_reason = None
        contact.suppressed_at = None
        # Lifted is a fresh start: the audit log keeps what the record said.
        contact.suppression_reasons = []
    return contact
