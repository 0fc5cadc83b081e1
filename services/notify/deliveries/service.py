"""Rules of deliveries outside the send loop: one letter queued, listings, bounces,
suppressions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.email_identity import address_key
from libs.common.outbox import add_message
from libs.common.suppression import add_reason
from services.notify.config import get_notify_settings
from services.notify.deliveries import repository
from services.notify.deliveries.bounces import BounceReport
from services.notify.deliveries.models import Delivery
from services.notify.deliveries.schemas import BounceOutcome
from services.notify.deliveries.states import DELIVERY, DeliveryEvent, DeliveryState
from services.notify.letters.addresses import normalise_email
from services.notify.letters.mime import new_message_id
from services.notify.messages.models import Message
from services.notify.models import outbox as notify_outbox

SEND_JOB = "send_due_deliveries"


async def queue_letter(
    session: AsyncSession,
    *,
    kind: str,
    dedupe_key: str,
    delivery_key: str,
    context: dict[str, Any],
    contact_id: uuid.UUID | None,
    email: str,
    name: str,
) -> Delivery:
    """One transactional letter to one reader (a promotion, a confirmation, a letter sent
    again): message, delivery and the sender's outbox row, in the caller's transaction."""
    message = Message(kind=kind, dedupe_key=dedupe_key, context=context)
    delivery = Delivery(
        dedupe_key=delivery_key,
        kind=kind,
        contact_id=contact_id,
        email=email,
        name=name,
        state=DeliveryState.queued,
        attempts=0,
        smtp_message_id=new_message_id(get_notify_settings().message_id_domain),
    )
    await repository.add_letter(session, message, delivery)
    payload = {"message_id": str(message.id)}
    await add_message(session, notify_outbox, queue="notify", function=SEND_JOB, payload=payload)
    return delivery


async def suppress_and_mirror(
    session: AsyncSession,
    outbox: Table,
    *,
    email: str,
    reason: str,
    contact_id: uuid.UUID | None = None,
    state: str = "bounced",
    by: str = "notify",
) -> bool:
    """Suppress the mailbox (its identity key) here and, through the outbox, in the registry.

    Reasons accumulate (libs/common/suppression.py): a new kind or wording is added with when
    and who, and the strongest kind is in effect; the registry is told of each new one, never of
    a repeat (in any spelling). True only the first time the mailbox is suppressed."""
    address = address_key(email.strip())
    words, now = reason[:2000], datetime.now(UTC)
    first = add_reason([], state=state, reason=words, at=now, by=by)
    new = await repository.insert_suppression(
        session,
        email_key=address,
        state=first.state,
        reason=first.reason,
        reasons=first.reasons,
        contact_id=contact_id,
    )
    if not new:
        row = await repository.suppression_for_update(session, address)
        assert row is not None  # the insert found it: suppressions are never deleted
        merged = add_reason(row.reasons, state=state, reason=words, at=now, by=by)
        if not merged.changed:
            return False
        row.reasons, row.state, row.reason = merged.reasons, merged.state, merged.reason
        row.contact_id = row.contact_id or contact_id
    await add_message(
        session,
        outbox,
        queue="notify",
        function="record_suppression_in_registry",
        payload={"email": address, "state": state, "reason": reason[:500]},
    )
    return new


async def record_bounces(
    session: AsyncSession, outbox: Table, reports: list[BounceReport], *, by: str
) -> list[BounceOutcome]:
    """``by``: who reported them (the provider's or the operator's principal)."""
    return [await _record_bounce(session, outbox, report, by) for report in reports]


async def _record_bounce(
    session: AsyncSession, outbox: Table, report: BounceReport, by: str
) -> BounceOutcome:
    address = normalise_email(report.email, "body.email")
    if report.type == "soft":
        # The remote server keeps trying; a soft bounce changes nothing here.
        return BounceOutcome(email=address, type="soft", action="ignored", delivery_id=None)
    delivery = await _bounced_delivery(session, address, report.message_id)
    if delivery is not None and DELIVERY.can(delivery.state, DeliveryEvent.report_bounce):
        delivery.state = DELIVERY.fire(delivery.state, DeliveryEvent.report_bounce)
        delivery.last_error = report.reason or "hard bounce"
    new = await suppress_and_mirror(
        session,
        outbox,
        email=address,
        reason=report.reason or "hard bounce",
        contact_id=delivery.contact_id if delivery else None,
        by=by,
    )
    return BounceOutcome(
        email=address,
        type="hard",
        action="suppressed" if new else "already_suppressed",
        delivery_id=delivery.id if delivery else None,
    )


async def _bounced_delivery(
    session: AsyncSession, address: str, message_id: str | None
) -> Delivery | None:
    """The delivery the report names by Message-ID, else the latest one sent to the mailbox
    (``address`` is its identity key: a DSN may spell the address otherwise)."""
    if message_id:
        found = await repository.by_smtp_message_id(session, message_id.strip())
        if found is not None and found.email_key == address:
            return found
    return await repository.latest_to(session, address)


async def list_deliveries(
    session: AsyncSession,
    *,
    filters: dict[str, Any],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Delivery]:
    if filters.get("email"):
        filters = {**filters, "email": normalise_email(filters["email"], "query.email")}
    return await repository.list_deliveries(session, filters=filters, after=after, limit=limit)
