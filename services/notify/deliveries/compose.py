"""One delivery as the bytes the SMTP server receives: template, links, ICS and headers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from libs.common.settings import Settings
from services.notify.campaigns.context import campaign_context, symposium_links
from services.notify.campaigns.models import Campaign
from services.notify.config import NotifySettings
from services.notify.deliveries.models import Delivery
from services.notify.letters.ics import IcsMethod, Invitation, invitation, partstat_of
from services.notify.letters.kinds import KINDS, symposium_template_kind
from services.notify.letters.mime import build_email
from services.notify.letters.rendering import Recipient, render_message
from services.notify.letters.textformat import symposium_title
from services.notify.messages.models import Message

CANCELLATION_KIND = symposium_template_kind("cancellation")


@dataclass(frozen=True)
class CampaignLetter:
    """What every letter of one campaign shares: the template context and the calendar."""

    campaign: Campaign
    context: dict[str, Any]
    ics_method: IcsMethod
    calendar: Invitation


class Composer:
    """Composes the letters of one batch; what a campaign's letters share is built once for it.

    Kept for one batch only, so the calendar's DTSTAMP and the snapshot stay current."""

    def __init__(
        self,
        *,
        campaigns: dict[uuid.UUID, Campaign],
        messages: dict[uuid.UUID, Message],
        settings: Settings,
        notify: NotifySettings,
        answers: dict[tuple[uuid.UUID, str], str] | None = None,
    ) -> None:
        self.campaigns = campaigns
        self.messages = messages
        # (symposium id, mailbox) → the RSVP answer when the batch was read: each reader's
        # calendar shows their own answer (PARTSTAT), not "needs action" after they answered.
        self.answers = answers or {}
        self.settings = settings
        self.notify = notify
        self.letters: dict[uuid.UUID, CampaignLetter] = {}

    def compose(self, delivery: Delivery) -> bytes:
        """The whole message for this delivery; raises a DomainError for content that cannot
        render (a ValueError for an address that cannot be written into a header)."""
        if delivery.campaign_id is not None:
            return self._campaign_letter(delivery, self._letter(delivery.campaign_id))
        if delivery.message_id is not None:
            return self._message_letter(delivery, self.messages[delivery.message_id])
        raise LookupError(f"delivery {delivery.id} belongs to no campaign and no message")

    def _message_letter(self, delivery: Delivery, message: Message) -> bytes:
        """A transactional letter; a symposium one (the waitlist promotion, a letter sent again)
        is a full letter of its kind: the ICS (REQUEST, or CANCEL for a cancellation), so the
        reader's calendar follows, and its own RSVP and unsubscribe links with the
        List-Unsubscribe headers."""
        recipient = _recipient(delivery)
        links: dict[str, str] = {}
        # An answer whose registry contact is gone (contact_id set null) can mint no link: the
        # letter still confirms the place, without links, rather than not going out at all.
        if KINDS[message.kind].personal_links and delivery.contact_id is not None:
            links = symposium_links(
                self.settings,
                contact_id=delivery.contact_id,
                symposium=message.context["symposium"],
            )
        method: IcsMethod = "CANCEL" if message.kind == CANCELLATION_KIND else "REQUEST"
        if method == "CANCEL" and links:  # a cancellation sent again: nothing left to answer
            links = {"unsubscribe": links["unsubscribe"]}
        rendered = render_message(
            message.kind,
            context=message.context,
            recipient=recipient,
            links=links,
            sender_name=self.notify.sender_name,
        )
        ics = None
        # A waitlisted person holds no place yet: no calendar entry until one is theirs.
        if KINDS[message.kind].symposium and message.context.get("response") != "waitlisted":
            symposium = message.context["symposium"]  # the registry's, with its id and sequence
            calendar = invitation(
                symposium,
                method=method,
                organizer_email=self.notify.reply_address,
                organizer_name=self.notify.sender_name,
                description=_ics_description(symposium),
            )
            answer = self.answers.get((uuid.UUID(str(symposium["id"])), delivery.email_key))
            ics = calendar.for_attendee(
                delivery.email, delivery.name or delivery.email, partstat_of(answer)
            )
        return build_email(
            rendered,
            settings=self.notify,
            to=recipient,
            message_id=delivery.smtp_message_id,
            ics=ics,
            ics_method=method,
            list_unsubscribe_url=links.get("unsubscribe"),
        )

    def _campaign_letter(self, delivery: Delivery, letter: CampaignLetter) -> bytes:
        """A symposium mail from the campaign's snapshot, by the helpers its draft preview uses."""
        recipient = _recipient(delivery)
        kind = (
            delivery.kind
            if delivery.kind in KINDS
            else symposium_template_kind(letter.campaign.kind)
        )
        links = symposium_links(
            self.settings,
            contact_id=delivery.contact_id,
            symposium=letter.context["symposium"],
        )
        if letter.ics_method == "CANCEL":  # nothing left to answer
            links = {"unsubscribe": links["unsubscribe"]}
        rendered = render_message(
            kind,
            context=letter.context,
            recipient=recipient,
            links=links,
            sender_name=self.notify.sender_name,
        )
        return build_email(
            rendered,
            settings=self.notify,
            to=recipient,
            message_id=delivery.smtp_message_id,
            ics=letter.calendar.for_attendee(
                delivery.email,
                delivery.name or delivery.email,
                partstat_of(self.answers.get((letter.campaign.symposium_id, delivery.email_key))),
            ),
            ics_method=letter.ics_method,
            list_unsubscribe_url=links["unsubscribe"],
        )

    def _letter(self, campaign_id: uuid.UUID) -> CampaignLetter:
        letter = self.letters.get(campaign_id)
        if letter is None:
            letter = self.letters[campaign_id] = self._prepare_letter(self.campaigns[campaign_id])
        return letter

    def _prepare_letter(self, campaign: Campaign) -> CampaignLetter:
        context = campaign_context(campaign)
        symposium = context["symposium"] = {
            "id": str(campaign.symposium_id),
            "sequence": campaign.sequence,
            **context["symposium"],
        }
        method: IcsMethod = "CANCEL" if campaign.kind == "cancellation" else "REQUEST"
        calendar = invitation(
            symposium,
            method=method,
            organizer_email=self.notify.reply_address,
            organizer_name=self.notify.sender_name,
            description=_ics_description(symposium),
        )
        return CampaignLetter(
            campaign=campaign, context=context, ics_method=method, calendar=calendar
        )


def readers(
    batch: list[Delivery], campaigns: dict[uuid.UUID, Campaign], messages: dict[uuid.UUID, Message]
) -> set[tuple[uuid.UUID, str]]:
    """(symposium id, mailbox) of each symposium letter in the batch: whose answers to read."""
    pairs: set[tuple[uuid.UUID, str]] = set()
    for delivery in batch:
        if delivery.campaign_id is not None:
            pairs.add((campaigns[delivery.campaign_id].symposium_id, delivery.email_key))
        elif delivery.message_id is not None:
            symposium = messages[delivery.message_id].context.get("symposium")
            if isinstance(symposium, dict) and symposium.get("id"):
                pairs.add((uuid.UUID(str(symposium["id"])), delivery.email_key))
    return pairs


def _recipient(delivery: Delivery) -> Recipient:
    return Recipient(name=delivery.name, email=delivery.email, contact_id=delivery.contact_id)


def _ics_description(symposium: dict[str, Any]) -> str:
    lines = [symposium_title(symposium), f"テーマ：{symposium['theme']}"]
    if symposium.get("venue"):
        lines.append(f"会場：{symposium['venue']}")
    if symposium.get("join_url"):
        lines.append(f"参加URL：{symposium['join_url']}")
    return "\n".join(lines)
