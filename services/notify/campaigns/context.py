"""What a campaign's letters are rendered from: the template context and each recipient's links.

The sender and the draft preview both call these, so a preview is exactly the letter that goes out.
"""

from __future__ import annotations

import uuid
from typing import Any

from libs.common.settings import Settings
from services.notify.campaigns.models import Campaign
from services.notify.letters.links import rsvp_url, sign_link, unsubscribe_expiry, unsubscribe_url
from services.notify.letters.textformat import as_instant


def campaign_context(campaign: Campaign) -> dict[str, Any]:
    """The symposium as drafted plus the kind's extras (audience, previous, reason)."""
    return {**(campaign.context or {}), "symposium": campaign.symposium}


def symposium_links(
    settings: Settings,
    *,
    contact_id: uuid.UUID | None,
    symposium: dict[str, Any],
) -> dict[str, str]:
    """Personal RSVP links (valid until the symposium ends) and an unsubscribe link (a year),
    naming the recipient's registry contact (every campaign recipient is one)."""
    if contact_id is None:
        raise ValueError("a personal link names the registry contact it was mailed to")
    symposium_id = uuid.UUID(str(symposium["id"]))
    rsvp = sign_link(
        settings,
        action="rsvp",
        contact_id=contact_id,
        symposium_id=symposium_id,
        expires_at=as_instant(symposium["ends_at"]),
    )
    unsubscribe = sign_link(
        settings,
        action="unsubscribe",
        contact_id=contact_id,
        symposium_id=None,
        expires_at=unsubscribe_expiry(),
    )
    return {
        "attend": rsvp_url(settings, rsvp, "attend"),
        "decline": rsvp_url(settings, rsvp, "decline"),
        "unsubscribe": unsubscribe_url(settings, unsubscribe),
    }
