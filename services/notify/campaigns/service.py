"""Rules of campaigns: who a draft writes to, what a cancelled symposium allows, approval once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import Conflict, DomainError, FieldProblem, InvalidInput, NotFound
from libs.common.etag import check_if_match, etag_for
from libs.common.outbox import add_message
from libs.common.queue import utcnow
from libs.common.settings import Settings
from services.notify.campaigns import audiences, repository
from services.notify.campaigns.audiences import Audience
from services.notify.campaigns.context import campaign_context, symposium_links
from services.notify.campaigns.guards import (
    check_current,
    check_not_announced,
    check_not_over,
    check_one_invitation,
    check_venue,
)
from services.notify.campaigns.models import Campaign
from services.notify.campaigns.repository import Recipient
from services.notify.campaigns.schemas import Preview
from services.notify.campaigns.states import CAMPAIGN, CampaignEvent, CampaignState
from services.notify.config import NotifySettings, get_notify_settings
from services.notify.deliveries.service import SEND_JOB
from services.notify.letters.addresses import mailbox
from services.notify.letters.kinds import symposium_template_kind
from services.notify.letters.rendering import Recipient as LetterRecipient
from services.notify.letters.rendering import render_message
from services.notify.models import outbox
from services.notify.registry_client import RegistryClient

log = structlog.get_logger(__name__)


def campaign_etag(campaign: Campaign) -> str:
    return etag_for("campaign", campaign.id, campaign.version)


async def audience_recipients(registry: RegistryClient, symposium_id: uuid.UUID) -> list[Recipient]:
    """The registry's audience, once per mailbox (identity key), each written to as its contact
    wrote it. The registry already sends one record per mailbox; a row stored before its rule
    (full-width letters) is caught here."""
    seen: dict[str, Recipient] = {}
    async for contact in registry.audience(symposium_id):
        try:
            box = mailbox(contact["email"])
        except DomainError:
            log.warning("audience_address_invalid", contact_id=contact["id"])
            continue
        if box.key not in seen:
            name = contact.get("name") or ""
            seen[box.key] = Recipient(uuid.UUID(contact["id"]), box.address, name)
    return list(seen.values())


async def named_recipients(
    registry: RegistryClient, contact_ids: list[uuid.UUID]
) -> list[Recipient]:
    """The named registry contacts, once per mailbox; every unknown one is named in one 422."""
    found: dict[str, Recipient] = {}
    unknown: list[FieldProblem] = []
    for index, contact_id in enumerate(dict.fromkeys(contact_ids)):
        try:
            contact = await registry.contact(contact_id)
            box = mailbox(contact["email"])
        except (NotFound, InvalidInput):
            message = f"連絡先 {contact_id} は台帳にないか宛先が無効です（unknown contact）"
            unknown.append(
                FieldProblem(
                    field=f"body.contact_ids.{index}", rule="unknown_contact", message=message
                )
            )
            continue
        found.setdefault(box.key, Recipient(contact_id, box.address, contact.get("name") or ""))
    if unknown:
        raise InvalidInput(unknown[0].message, errors=unknown)
    return list(found.values())


def check_kind(symposium: dict[str, Any], kind: str) -> None:
    cancelled = symposium.get("status") == "cancelled"
    if cancelled and kind != "cancellation":
        raise Conflict(
            "中止されたシンポジウムには中止のお知らせのみ送れます"
            "（the symposium is cancelled: only a cancellation campaign is allowed）",
            rule="cancellation_only",
            symposium_status="cancelled",
        )
    if not cancelled and kind == "cancellation":
        raise Conflict(
            "中止されていないシンポジウムに中止のお知らせは送れません"
            "（cancel the symposium in the registry first）",
            rule="symposium_not_cancelled",
            symposium_status=symposium.get("status"),
        )


async def _previous_times(
    session: AsyncSession, symposium: dict[str, Any]
) -> dict[str, Any] | None:
    """The times the last invitation or update announced, if the symposium has moved since."""
    announced = await repository.latest_announcement(session, uuid.UUID(str(symposium["id"])))
    if announced is None:
        return None
    before = {k: announced.symposium.get(k) for k in ("starts_at", "ends_at")}
    if before == {k: symposium.get(k) for k in ("starts_at", "ends_at")}:
        return None
    return before


async def draft_campaign(
    session: AsyncSession,
    *,
    registry: RegistryClient,
    actor: str,
    symposium_id: uuid.UUID,
    kind: str,
    reason: str | None = None,
    audience: str | None = None,
    contact_ids: list[uuid.UUID] | None = None,
) -> Campaign:
    """A draft with one queued delivery per recipient of the kind's audience (宛先の規則, one
    table in ``audiences``: the kind's default, or the requested one if the kind takes it)."""
    chosen = audiences.resolve(kind, audience)
    audiences.check_contact_ids(chosen, contact_ids)
    symposium = await registry.symposium(symposium_id)
    check_kind(symposium, kind)
    check_not_over(symposium, kind)
    check_venue(symposium, kind)
    await check_one_invitation(session, symposium_id, kind)
    await check_not_announced(session, symposium, kind)
    extra: dict[str, Any] = {"audience": chosen.value}
    if kind == "update":
        extra.setdefault("previous", await _previous_times(session, symposium))
    # The reason given here, else the one the registry keeps from the cancellation itself.
    reason = reason or symposium.get("cancellation_reason")
    if kind == "cancellation" and reason:
        extra["reason"] = reason
    campaign = Campaign(
        symposium_id=symposium_id,
        kind=kind,
        status=CampaignState.draft,
        symposium=symposium,
        sequence=int(symposium.get("sequence") or 0),
        context=extra,
        recipient_count=0,
        created_by=actor,
    )
    await repository.add_checked(session, campaign)
    recipients = await _recipients(session, registry, symposium_id, chosen, contact_ids or [])
    campaign.recipient_count = await repository.insert_deliveries(
        session,
        campaign_id=campaign.id,
        kind=symposium_template_kind(kind),
        recipients=recipients,
        message_id_domain=get_notify_settings().message_id_domain,
    )
    await repository.save(session)
    return campaign


async def _recipients(
    session: AsyncSession,
    registry: RegistryClient,
    symposium_id: uuid.UUID,
    audience: Audience,
    contact_ids: list[uuid.UUID],
) -> list[Recipient]:
    if audience is Audience.all:
        return await audience_recipients(registry, symposium_id)
    if audience is Audience.not_yet_invited:
        reached = await repository.invited_mailboxes(session, symposium_id)
        everyone = await audience_recipients(registry, symposium_id)
        return [r for r in everyone if r.email_key not in reached]
    if audience is Audience.contacts:
        return await named_recipients(registry, contact_ids)
    if audience is Audience.promoted:  # written by the RSVP service, never drafted
        raise ValueError("a promotion letter is not a campaign")
    return await repository.invited_recipients(session, symposium_id, audience=audience)


async def preview(
    session: AsyncSession, *, campaign: Campaign, settings: Settings, notify: NotifySettings
) -> Preview | None:
    """The first recipient's letter, rendered as the sender will render it."""
    delivery = await repository.first_delivery(session, campaign.id)
    if delivery is None:
        return None
    rendered = render_message(
        delivery.kind,
        context=campaign_context(campaign),
        recipient=LetterRecipient(delivery.name, delivery.email, delivery.contact_id),
        links=symposium_links(
            settings,
            contact_id=delivery.contact_id,
            symposium=campaign.symposium,
        ),
        sender_name=notify.sender_name,
    )
    return Preview(
        email=delivery.email,
        name=delivery.name,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
    )


async def get_campaign(
    session: AsyncSession, campaign_id: uuid.UUID, *, lock: bool = False
) -> Campaign:
    campaign = await repository.get(session, campaign_id, lock=lock)
    if campaign is None:
        raise NotFound(f"キャンペーンが見つかりません（no campaign {campaign_id}）")
    return campaign


async def reload(session: AsyncSession, campaign: Campaign) -> None:
    """The campaign as stored now (server defaults, the version a flush stepped)."""
    await repository.refresh(session, campaign)


async def counts(
    session: AsyncSession, campaigns: list[Campaign]
) -> dict[uuid.UUID, dict[str, int]]:
    return await repository.counts_by_state(session, [c.id for c in campaigns])


async def list_campaigns(
    session: AsyncSession,
    *,
    symposium_id: uuid.UUID | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Campaign]:
    return await repository.list_campaigns(
        session, symposium_id=symposium_id, after=after, limit=limit
    )


async def release(session: AsyncSession, campaign: Campaign, *, actor: str) -> None:
    """Approve a draft and queue the sender; nobody to write to means it is done at once."""
    campaign.status = CAMPAIGN.fire(campaign.status, CampaignEvent.approve)
    campaign.approved_by = actor
    campaign.approved_at = utcnow()
    if not campaign.recipient_count:
        campaign.status = CAMPAIGN.fire(campaign.status, CampaignEvent.finish)
        campaign.completed_at = campaign.approved_at
    else:
        await add_message(
            session,
            outbox,
            queue="notify",
            function=SEND_JOB,
            payload={"campaign_id": str(campaign.id)},
        )
    await repository.save(session)


async def approve_campaign(
    session: AsyncSession,
    *,
    registry: RegistryClient,
    campaign_id: uuid.UUID,
    actor: str,
    if_match: str | None,
) -> Campaign:
    """Approve a draft. Approving an approved campaign again answers its state and sends nothing;
    a cancelled one is the machine's 409. The draft is compared with the symposium as the
    registry has it now: a stale draft (drafted before a move) or an invitation to a symposium
    that is over is refused, and nothing is sent."""
    campaign = await get_campaign(session, campaign_id, lock=True)
    if CAMPAIGN.fire(campaign.status, CampaignEvent.approve) == campaign.status:
        return campaign  # a repeat
    check_if_match(if_match, campaign_etag(campaign))
    symposium = await registry.symposium(campaign.symposium_id)
    check_kind(symposium, campaign.kind)
    check_current(campaign, symposium)
    check_not_over(symposium, campaign.kind)
    check_venue(symposium, campaign.kind)
    await release(session, campaign, actor=actor)
    return campaign


async def cancel_campaign(
    session: AsyncSession, *, campaign_id: uuid.UUID, if_match: str | None
) -> Campaign:
    """Cancel a draft (取り消し); its deliveries go, so nothing can ever send them. Cancelling
    again answers the same; an approved campaign is the machine's 409."""
    campaign = await get_campaign(session, campaign_id, lock=True)
    cancelled = CAMPAIGN.fire(campaign.status, CampaignEvent.cancel)
    if cancelled == campaign.status:
        return campaign  # a repeat
    check_if_match(if_match, campaign_etag(campaign))
    campaign.status = cancelled
    await repository.delete_deliveries(session, campaign.id)
    await repository.save(session)
    return campaign
