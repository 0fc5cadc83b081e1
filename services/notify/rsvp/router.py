"""RSVP and unsubscribe pages (opened from letters, no login) and the RSVP counts for operators.

The pages answer HTML, errors included: a person who follows an expired link reads why, in
Japanese, instead of a problem+json document.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse

from libs.common.auth import Operator
from libs.common.errors import DomainError, InvalidInput, problem_doc, problems
from libs.common.rate_limits import public_link_limit
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.notify.dependencies import RegistryDep, SettingsDep
from services.notify.parameters import RsvpToken, SymposiumId, UnsubscribeToken
from services.notify.rsvp import service
from services.notify.rsvp.capacity import change_capacity
from services.notify.rsvp.pages import (
    cancelled_page,
    choice_missing_page,
    error_page,
    page,
    symposium_for_page,
)
from services.notify.rsvp.positions import standing_of
from services.notify.rsvp.schemas import CapacityIn, CapacityOut, RsvpChoice, RsvpSummary

router = APIRouter(prefix="/v1", tags=["rsvp"], route_class=UnitOfWorkRoute)

PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "A page for people"},
    400: {
        "content": {"text/html": {}},
        "description": "The link is invalid or has expired, or the form chose neither answer",
    },
    429: problem_doc("Too many requests from this address (RATE_LIMIT_PUBLIC): see Retry-After"),
    503: {"content": {"text/html": {}}, "description": "The registry did not answer"},
}
# Opened without a login: limited per client address (libs/common/rate_limits.py).
PUBLIC_LINK = [Depends(public_link_limit)]
RESPONSE_LABELS = {
    "attending": "出席",
    "waitlisted": "キャンセル待ち",
    "declined": "欠席",
}
# RFC 8058's value is `One-Click`; the field is only compared, never stored, so a sane cap.
ONE_CLICK_LENGTH = 20
ENGLISH = {
    "attending": "You are registered to attend.",
    "waitlisted": "The symposium is full: you are on the waitlist.",
    "declined": "You have declined.",
}


@router.get(
    "/rsvp/{token}",
    summary="RSVP page: confirm attending or declining (HTML)",
    response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
    dependencies=PUBLIC_LINK,
)
async def get_rsvp_page(
    token: RsvpToken,
    session: SessionDep,
    registry: RegistryDep,
    settings: SettingsDep,
    response: Annotated[
        str | None,
        Query(
            description="リンクが選んだ回答（the answer the link chose, preselected on the page: "
            "attend 出席する or decline 欠席する; any other value preselects nothing）",
            examples=["attend"],
        ),
    ] = None,
) -> HTMLResponse:
    try:
        holder = await service.read_rsvp_link(settings, registry, token)
        symposium = await service.symposium_of(registry, holder)
        if symposium.get("status") == "cancelled":
            return cancelled_page(symposium)
        standing = await standing_of(session, holder)
    except DomainError as error:
        return error_page(error, link="rsvp")
    return page(
        "rsvp_form.html.j2",
        symposium=symposium_for_page(symposium),
        current=RESPONSE_LABELS.get(standing.response) if standing else None,
        position=standing.position if standing else None,
        response=response if response in ("attend", "decline") else None,
        capacity=symposium.get("capacity"),
    )


@router.post(
    "/rsvp/{token}",
    summary="Record an RSVP from the page's form (HTML); a full symposium waitlists",
    response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
    dependencies=PUBLIC_LINK,
)
async def answer_rsvp(
    token: RsvpToken,
    session: SessionDep,
    registry: RegistryDep,
    settings: SettingsDep,
    response: Annotated[
        RsvpChoice | None,
        Form(
            description="出欠の回答（the answer; without attend or decline nothing is recorded and "
            "the page asks again, 400）",
            examples=["attend"],
        ),
    ] = None,
) -> HTMLResponse:
    try:
        holder = await service.read_rsvp_link(settings, registry, token)
        if response not in ("attend", "decline"):
            raise InvalidInput.field(
                "form.response", "choice", "出席か欠席を選んでください（choose attend or decline）"
            )
        answer: service.Answer = "attend" if response == "attend" else "decline"
        symposium = await service.symposium_of(registry, holder)
        outcome = await service.respond(session, symposium=symposium, holder=holder, answer=answer)
    except InvalidInput:
        return choice_missing_page(token)
    except DomainError as error:
        return error_page(error, link="rsvp")
    if outcome.response == "cancelled":
        return cancelled_page(outcome.symposium)
    return page(
        "rsvp_done.html.j2",
        outcome=outcome.response,
        position=outcome.position,
        changed=outcome.changed,
        symposium=symposium_for_page(outcome.symposium),
        english=ENGLISH[outcome.response],
    )


@router.get(
    "/unsubscribe/{token}",
    summary="Unsubscribe page: confirm stopping these mails (HTML)",
    response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
    dependencies=PUBLIC_LINK,
)
async def get_unsubscribe_page(
    token: UnsubscribeToken, registry: RegistryDep, settings: SettingsDep
) -> HTMLResponse:
    # Only the POST unsubscribes: mail scanners open links, and must not stop anyone's mail.
    try:
        holder = await service.read_unsubscribe_link(settings, registry, token)
    except DomainError as error:
        return error_page(error, link="unsubscribe")
    return page("unsubscribe_form.html.j2", email=holder.email)


@router.post(
    "/unsubscribe/{token}",
    summary="Unsubscribe, one click (RFC 8058 `List-Unsubscribe=One-Click`; no login)",
    description="Suppresses the address in notify at once and in the registry through the "
    "outbox. Repeating it changes nothing.",
    response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
    dependencies=PUBLIC_LINK,
)
async def unsubscribe(
    token: UnsubscribeToken,
    session: SessionDep,
    registry: RegistryDep,
    settings: SettingsDep,
    one_click: Annotated[
        str | None,
        Form(
            alias="List-Unsubscribe",
            max_length=ONE_CLICK_LENGTH,
            description="ワンクリック配信停止（RFC 8058: `One-Click`, as mail providers and the "
            "page's form post it; the address is unsubscribed with or without it, the "
            "suppression's recorded reason says which）",
            examples=["One-Click"],
        ),
    ] = None,
) -> HTMLResponse:
    try:
        holder = await service.read_unsubscribe_link(settings, registry, token)
        await service.unsubscribe(
            session,
            holder=holder,
            reason="one-click unsubscribe" if one_click == "One-Click" else "unsubscribe page",
        )
    except DomainError as error:
        return error_page(error, link="unsubscribe")
    return page("unsubscribe_done.html.j2", email=holder.email)


@router.get(
    "/symposia/{symposium_id}/rsvp-summary",
    summary="Answers to a symposium counted by response",
    responses=problems(),
)
async def get_rsvp_summary(
    symposium_id: SymposiumId, session: SessionDep, _: Operator
) -> RsvpSummary:
    counts = await service.rsvp_summary(session, symposium_id)
    return RsvpSummary(symposium_id=symposium_id, **counts)


@router.put(
    "/symposia/{symposium_id}/capacity",
    summary="Change a symposium's capacity: raising promotes from the waitlist at once",
    description="In one transaction: the new capacity, and the first in line promoted into the "
    "places it frees, each sent the promotion letter. Below the number attending it is 409 "
    "`capacity_below_attending` (naming `attending` and `capacity`) unless `force` is true; "
    "then nobody is bumped (see `over_capacity`). The value is the registry symposium's "
    "`capacity`, set from here (the registry's PATCH does not take it).",
    responses=problems(
        not_found="No such symposium in the registry",
        conflict="`capacity_below_attending`: more attending than the capacity (without force)",
    ),
)
async def set_symposium_capacity(
    symposium_id: SymposiumId,
    body: CapacityIn,
    session: SessionDep,
    registry: RegistryDep,
    _: Operator,
) -> CapacityOut:
    change = await change_capacity(
        session, registry, symposium_id=symposium_id, capacity=body.capacity, force=body.force
    )
    return CapacityOut(symposium_id=symposium_id, **vars(change))
