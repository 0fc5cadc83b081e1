"""One delivery as the bytes the SMTP server receives: template, links, ICS and headers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from libs.common.settings import Settings
from services.notify.campaigns.context import campaign_context, symposium_links
from services.notify.campaigns.models import Campaign
from services.notify.config import NotifySettings
from services.notify.deliveries.models import Delivery
from services.notify.ics import IcsMethod, build_ics
from services.notify.kinds import KINDS, symposium_template_kind
from services.notify.messages.models import Message
from services.notify.rendering import Recipient, build_email, render_message
from services.notify.textformat import symposium_title


@dataclass(frozen=True)
class Parts:
    kind: str
    context: dict[str, Any]
    links: dict[str, str]
    ics_method: IcsMethod | None = None


def compose(
    delivery: Delivery,
    *,
    campaign: Campaign | None,
    message: Message | None,
    settings: Settings,
    notify: NotifySettings,
) -> bytes:
    """The whole message for this delivery; raises a DomainError for content that cannot render."""
    recipient = Recipient(name=delivery.name, email=delivery.email, contact_id=delivery.contact_id)
    if campaign is not None:
        parts = campaign_parts(delivery, campaign, settings)
    elif message is not None:
        parts = Parts(kind=message.kind, context=message.context, links={})
    else:
        raise LookupError(f"delivery {delivery.id} belongs to no campaign and no message")
    rendered = render_message(
        parts.kind,
        context=parts.context,
        recipient=recipient,
        links=parts.links,
        sender_name=notify.sender_name,
    )
    ics = None
    if parts.ics_method is not None:
        symposium = parts.context["symposium"]
        ics = build_ics(
            symposium,
            method=parts.ics_method,
            organizer_email=notify.sender_address,
            organizer_name=notify.sender_name,
            attendee_email=delivery.email,
            attendee_name=delivery.name or delivery.email,
            description=_ics_description(symposium),
        )
    email = build_email(
        rendered,
        settings=notify,
        to=recipient,
        message_id=delivery.smtp_message_id,
        ics=ics,
        ics_method=parts.ics_method or "REQUEST",
        list_unsubscribe_url=parts.links.get("unsubscribe"),
    )
    return email.as_bytes()


def campaign_parts(delivery: Delivery, campaign: Campaign, settings: Settings) -> Parts:
    """A symposium mail from the campaign's snapshot, by the same helpers as its draft preview."""
    context = campaign_context(campaign)
    context["symposium"] = {
        "id": str(campaign.symposium_id),
        "sequence": campaign.sequence,
        **context["symposium"],
    }
    kind = delivery.kind if delivery.kind in KINDS else symposium_template_kind(campaign.kind)
    links = symposium_links(
        settings,
        email=delivery.email,
        contact_id=delivery.contact_id,
        symposium=context["symposium"],
    )
    cancelled = campaign.kind == "cancellation"
    if cancelled:  # nothing left to answer
        links = {"unsubscribe": links["unsubscribe"]}
    return Parts(
        kind=kind, context=context, links=links, ics_method="CANCEL" if cancelled else "REQUEST"
    )


def _ics_description(symposium: dict[str, Any]) -> str:
    lines = [symposium_title(symposium), f"テーマ：{symposium['theme']}"]
    if symposium.get("join_url"):
        lines.append(f"参加URL：{symposium['join_url']}")
    return "\n".join(lines)
