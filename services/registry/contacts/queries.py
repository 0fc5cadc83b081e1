"""Read side of contacts: pages and contacts as documents, straight from rows (no ORM objects nor
response models; libs/common/documents.py), in the representation ``service.shown`` gives the
caller."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic_core import to_jsonable_python

from libs.common.auth import Principal
from libs.common.driver_reads import Reads
from libs.common.etag import representation_etag
from libs.common.fiscal_year import TOKYO
from services.registry.contacts import service
from services.registry.contacts.schemas import (
    ContactOut,
    ContactPublicOut,
    SuppressionReasonOut,
)

_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    ContactOut: tuple(ContactOut.model_fields),
    ContactPublicOut: tuple(ContactPublicOut.model_fields),
}
# The stored reports are JSONB: their keys come back in JSONB's order, their times as written.
_REASONS = TypeAdapter(list[SuppressionReasonOut])


def contact_document(row: Any, shown: type[BaseModel]) -> dict[str, Any]:
    """A contact exactly as ``shown`` (``ContactOut`` or ``ContactPublicOut``) serialises it, from
    a ``repository.READ_COLUMNS`` row (SQLAlchemy's)."""
    document = {name: getattr(row, name) for name in _FIELDS[shown]}
    if document.get("suppressed_at") is not None:
        document["suppressed_at"] = document["suppressed_at"].astimezone(TOKYO)
    if document.get("suppression_reasons"):
        reasons = _REASONS.validate_python(document["suppression_reasons"])
        document["suppression_reasons"] = _REASONS.dump_python(reasons)
    return document


def contact_etag(document: dict[str, Any], contact_id: uuid.UUID) -> str:
    """``service.contact_etag`` of the same representation."""
    return representation_etag("contact", contact_id, to_jsonable_python(document))


async def page(
    reads: Reads,
    *,
    principal: Principal,
    filters: dict[str, Any],
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """One page and the sort key to continue after, or ``None`` on the last page."""
    rows = await service.list_contacts(
        reads, principal=principal, filters=filters, after=after, limit=limit + 1
    )
    shown = service.shown(principal)
    items = [contact_document(row, shown) for row in rows[:limit]]
    if len(rows) <= limit or not items:
        return items, None
    last = rows[limit - 1]
    return items, [last.name, last.id]


async def document(
    reads: Reads, *, principal: Principal, contact_id: uuid.UUID
) -> tuple[dict[str, Any], str]:
    """The contact's document and ETag; 404 and 403 as the service answers them."""
    row = await service.get_contact(reads, principal=principal, contact_id=contact_id)
    contact = contact_document(row, service.shown(principal))
    return contact, contact_etag(contact, row.id)
