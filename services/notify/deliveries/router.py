"""``/v1/deliveries`` (what was sent to whom, and how it went) and ``/v1/bounces``."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError

from libs.common.auth import Operator, Principal, Role, require
from libs.common.contract import component_schema
from libs.common.errors import FieldProblem, InvalidInput, problems
from libs.common.idempotency import json_body
from libs.common.pagination import (
    Key,
    Page,
    PageCursor,
    PageLimit,
    decode_cursor,
    encode_cursor,
    next_link,
)
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from libs.common.validation_messages import japanese_first
from services.notify import schema_examples as ex
from services.notify.deliveries import resend, service
from services.notify.deliveries.bounces import BounceReport, parse_delivery_status, parse_dsn
from services.notify.deliveries.schemas import (
    BounceResult,
    BounceWebhook,
    DeliveryOut,
    DeliveryState,
    ResendIn,
)
from services.notify.dependencies import RegistryDep
from services.notify.models import outbox
from services.notify.parameters import (
    DeliveryId,
)

router = APIRouter(tags=["deliveries"], route_class=UnitOfWorkRoute)

Reporter = Annotated[Principal, Depends(require(Role.operator, Role.service))]
BOUNCE_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {"schema": component_schema(BounceWebhook)},
        "multipart/report": {
            "schema": {"type": "string"},
            "example": "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.jp\r\n\r\nFinal-Recipient: rfc822; old@example.jp\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n\r\n--b--\r\n",
        },
        "message/rfc822": {"schema": {"type": "string", "description": "A whole DSN message"}},
        "message/delivery-status": {
            "schema": {"type": "string", "description": "The status blocks alone"}
        },
    },
}


@router.get(
    "/v1/deliveries",
    summary="List deliveries (filter by campaign, message, contact, state or address)",
    responses=problems(),
)
async def list_deliveries(
    request: Request,
    session: SessionDep,
    principal: Operator,
    campaign_id: Annotated[
        uuid.UUID | None,
        Query(description="このキャンペーンの配信のみ（only this campaign's deliveries）"),
    ] = None,
    message_id: Annotated[
        uuid.UUID | None,
        Query(
            description="このメッセージの配信のみ（only this transactional message's deliveries）"
        ),
    ] = None,
    contact_id: Annotated[
        uuid.UUID | None,
        Query(description="宛先の連絡先（the registry contact the mail was written to）"),
    ] = None,
    state: Annotated[
        DeliveryState | None, Query(description="配信の状態（only deliveries in this state）")
    ] = None,
    email: Annotated[
        Annotated[str, Field(max_length=320, json_schema_extra={"format": "email"})] | None,
        Query(
            description="宛先メールアドレス（the mailbox: any spelling of it matches）",
            examples=[ex.EMAIL],
        ),
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[DeliveryOut]:
    after = decode_cursor(request, cursor, Key.timestamp, Key.uuid)
    filters = {
        "campaign_id": campaign_id,
        "message_id": message_id,
        "contact_id": contact_id,
        "state": state,
        "email": email,
    }
    rows = await service.list_deliveries(
        session,
        filters=filters,
        after=(after[0], after[1]) if after else None,
        limit=limit + 1,
    )
    page, more = rows[:limit], len(rows) > limit
    last = page[-1] if more and page else None
    next_url = next_link(
        request.url, encode_cursor(request, [last.created_at, last.id]) if last else None
    )
    return Page[DeliveryOut](items=[DeliveryOut.model_validate(d) for d in page], next=next_url)


@router.post(
    "/v1/deliveries/{delivery_id}/resend",
    status_code=201,
    summary="Send one person's letter again (with a reason, audited)",
    description="A new delivery of the same letter to the same address, for the symposium as "
    "the registry has it now. Refused (409) when the address is suppressed (`suppressed`), the "
    "campaign's letter predates a move (`stale_draft`: send an update instead) or an invitation's "
    "symposium is over (`symposium_over`). The audit trail (`GET /v1/audit?subject=delivery:<id>`) "
    "keeps who, when and why.",
    responses=problems(not_found="No such delivery", conflict="Suppressed, stale or over"),
)
async def resend_delivery(
    delivery_id: DeliveryId,
    body: ResendIn,
    session: SessionDep,
    principal: Operator,
    registry: RegistryDep,
    response: Response,
) -> DeliveryOut:
    copy = await resend.resend_delivery(
        session,
        registry=registry,
        delivery_id=delivery_id,
        reason=body.reason,
        actor=principal.actor,
    )
    response.headers["Location"] = f"/v1/deliveries?message_id={copy.message_id}"
    return DeliveryOut.model_validate(copy)


@router.post(
    "/v1/bounces",
    summary="Report bounces: an RFC 3464 DSN or a provider's JSON webhook",
    description="A hard bounce (DSN `Action: failed` with a 5.x.x status, or webhook "
    "`type: hard`) marks the delivery `bounced` (found by Message-ID, else the latest sent to "
    "the address) and suppresses the address here and in the registry. Soft bounces are "
    "acknowledged and ignored. Repeating a report changes nothing.",
    openapi_extra={"requestBody": BOUNCE_BODY},
    response_model=BounceResult,
    responses=problems(),
)
async def report_bounces(
    request: Request, session: SessionDep, principal: Reporter
) -> JSONResponse:
    reports = await _reports(request)
    outcomes = await service.record_bounces(session, outbox, reports, by=principal.actor)
    return JSONResponse(json_body(BounceResult(outcomes=outcomes)), status_code=200)


async def _reports(request: Request) -> list[BounceReport]:
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "multipart/report":
        # The HTTP header carries the boundary: it is the DSN's own Content-Type.
        return parse_dsn(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if media == "message/rfc822":
        return parse_dsn(body)
    if media == "message/delivery-status":
        return parse_delivery_status(body)
    if media in ("application/json", ""):
        return [_webhook(body)]
    raise InvalidInput.field(
        "header.Content-Type",
        "media_type",
        "application/json, multipart/report, message/rfc822 または message/delivery-status "
        f"を指定してください（got {media}）",
    )


def _webhook(body: bytes) -> BounceReport:
    try:
        hook = BounceWebhook.model_validate(json.loads(body or b"null"))
    except (ValueError, ValidationError) as exc:
        errors = (
            [
                FieldProblem(
                    field=".".join(["body", *map(str, e["loc"])]),
                    rule=e["type"],
                    message=japanese_first(e),
                )
                for e in exc.errors()
            ]
            if isinstance(exc, ValidationError)
            else None
        )
        raise InvalidInput(
            "本文がバウンス通知の形式ではありません（the body is not a bounce webhook）",
            errors=errors,
        ) from exc
    return BounceReport(hook.email, hook.type, hook.reason, hook.message_id)
