"""``/v1/previews`` — any kind of letter rendered for one recipient, without sending anything."""

from __future__ import annotations

from fastapi import APIRouter

from libs.common.auth import Operator
from libs.common.errors import problems
from libs.common.unit_of_work import UnitOfWorkRoute
from services.notify.dependencies import NotifySettingsDep, SettingsDep
from services.notify.letters.addresses import mailbox
from services.notify.letters.links import rsvp_url, unsubscribe_url
from services.notify.letters.rendering import Recipient, kind_of, render_message
from services.notify.previews.schemas import PreviewOut, PreviewRequest

router = APIRouter(prefix="/v1/previews", tags=["previews"], route_class=UnitOfWorkRoute)

# Stand-ins for the personal links: a preview must not mint working RSVP or unsubscribe tokens.
PREVIEW_TOKEN = "preview"


@router.post(
    "",
    summary="Render a letter for one recipient (nothing is sent or stored)",
    responses=problems(),
)
async def preview_letter(
    body: PreviewRequest,
    principal: Operator,
    settings: SettingsDep,
    notify: NotifySettingsDep,
) -> PreviewOut:
    spec = kind_of(body.kind)
    links = {}
    if spec.personal_links:  # as the letter goes out, with placeholder tokens
        links = {
            "attend": rsvp_url(settings, PREVIEW_TOKEN, "attend"),
            "decline": rsvp_url(settings, PREVIEW_TOKEN, "decline"),
            "unsubscribe": unsubscribe_url(settings, PREVIEW_TOKEN),
        }
    recipient = Recipient(
        name=body.recipient.name,
        email=mailbox(body.recipient.email, "body.recipient.email").address,
    )
    rendered = render_message(
        body.kind,
        context=body.context,
        recipient=recipient,
        links=links,
        sender_name=notify.sender_name,
    )
    return PreviewOut(subject=rendered.subject, text=rendered.text, html=rendered.html)
