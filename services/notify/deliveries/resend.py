"""再送 — one person's letter sent again, on an operator's word and with a reason, audited.

The copy is a transactional message of the same letter kind (a campaign holds one delivery per
mailbox, so a second one cannot live in it), written for the symposium as the registry has it
now: a campaign letter from before a move is refused as a stale draft is (send the update), an
invitation to a symposium that is over as a new invitation would be. A suppressed mailbox is
refused: the person asked not to be written to, or the address bounces.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import Conflict, NotFound
from services.notify.audit.service import record
from services.notify.campaigns import service as campaigns
from services.notify.campaigns.guards import check_current, check_not_over
from services.notify.deliveries import repository
from services.notify.deliveries.models import Delivery
from services.notify.deliveries.service import queue_letter
from services.notify.letters.kinds import symposium_template_kind
from services.notify.registry_client import RegistryClient


async def resend_delivery(
    session: AsyncSession,
    *,
    registry: RegistryClient,
    delivery_id: uuid.UUID,
    reason: str,
    actor: str,
) -> Delivery:
    original = await repository.get_for_update(session, delivery_id)  # resends one at a time
    if original is None:
        raise NotFound(f"配信が見つかりません（no delivery {delivery_id}）")
    if await repository.suppression_for_update(session, original.email_key) is not None:
        raise Conflict(
            "この宛先は配信停止中のため再送できません（the address is suppressed）",
            rule="suppressed",
            email=original.email,
        )
    kind, context = await _letter(session, registry, original)
    count = await repository.resends_of(session, original.id)
    key = f"resend:{original.id}:{count + 1}"
    copy = await queue_letter(
        session,
        kind=kind,
        dedupe_key=key,
        delivery_key=key,
        context=context,
        contact_id=original.contact_id,
        email=original.email,
        name=original.name,
    )
    await record(
        session,
        actor=actor,
        action="delivery.resent",
        subject_type="delivery",
        subject_id=original.id,
        after={"reason": reason, "resend_delivery_id": str(copy.id), "kind": kind},
    )
    return copy


async def _letter(
    session: AsyncSession, registry: RegistryClient, original: Delivery
) -> tuple[str, dict[str, Any]]:
    """The letter kind and its context: a campaign's for the symposium as it is now."""
    if original.message_id is not None:
        message = await repository.message(session, original.message_id)
        return message.kind, message.context
    assert original.campaign_id is not None  # exactly one of the two is set
    campaign = await campaigns.get_campaign(session, original.campaign_id)
    symposium = await registry.symposium(campaign.symposium_id)
    campaigns.check_kind(symposium, campaign.kind)
    check_current(campaign, symposium)
    check_not_over(symposium, campaign.kind)
    return symposium_template_kind(campaign.kind), {**campaign.context, "symposium": symposium}
