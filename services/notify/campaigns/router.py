"""``/v1/campaigns`` — symposium invitations and their follow-ups: draft, preview, approve, send."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from libs.common.auth import Operator
from libs.common.errors import problems
from libs.common.etag import IfMatch
from libs.common.idempotency import json_body
from libs.common.openapi_links import BODY_ID, ETAG, link_to, response_links
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
from services.notify.campaigns import service
from services.notify.campaigns.models import Campaign
from services.notify.campaigns.schemas import CampaignCreate, CampaignDraftOut, CampaignOut
from services.notify.dependencies import NotifySettingsDep, RegistryDep, SettingsDep
from services.notify.parameters import (
    CampaignId,
)

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"], route_class=UnitOfWorkRoute)


NO_SUCH_CAMPAIGN = "No such campaign"
STATUS_REFUSES = "The campaign's status does not allow this"
STALE = {412: "If-Match names an older version"}
APPROVAL_REFUSES = (
    "; or the symposium moved since the draft (`stale_draft`, with `draft_sequence` and "
    "`symposium_sequence`), or an invitation's symposium is over (`symposium_over`)"
)


def campaign_out(campaign: Campaign, counts: dict[str, int]) -> CampaignOut:
    return CampaignOut.model_validate(_fields(campaign, counts))


def _fields(campaign: Campaign, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "symposium_id": campaign.symposium_id,
        "kind": campaign.kind,
        "status": campaign.status,
        "sequence": campaign.sequence,
        "symposium": campaign.symposium,
        "context": campaign.context or {},
        "recipient_count": campaign.recipient_count,
        "counts": counts,
        "created_by": campaign.created_by,
        "created_at": campaign.created_at,
        "approved_by": campaign.approved_by,
        "approved_at": campaign.approved_at,
        "completed_at": campaign.completed_at,
        "version": campaign.version,
    }


async def _one(session: SessionDep, campaign: Campaign, response: Response) -> CampaignOut:
    await service.reload(session, campaign)
    counts = await service.counts(session, [campaign])
    response.headers["ETag"] = service.campaign_etag(campaign)
    return campaign_out(campaign, counts[campaign.id])


CAMPAIGN = "/v1/campaigns/{campaign_id}"
CREATED_LINKS = response_links(
    "The draft, with its `ETag`",
    GetCampaign=link_to("GET", CAMPAIGN, "Read it with its counts", campaign_id=BODY_ID),
    ApproveCampaign=link_to(
        "POST", f"{CAMPAIGN}/approval", "Send it", campaign_id=BODY_ID, if_match=ETAG
    ),
    CancelCampaign=link_to(
        "POST", f"{CAMPAIGN}/cancellation", "Cancel it", campaign_id=BODY_ID, if_match=ETAG
    ),
)


@router.post(
    "",
    status_code=201,
    summary="Draft a campaign for a symposium (recipients resolved, first letter previewed)",
    response_model=CampaignDraftOut,
    responses=problems(
        not_found="No such symposium in the registry",
        conflict="A cancelled symposium allows only a cancellation (and only it); an invitation "
        "while another is under way (`one_active_invitation`) or for a symposium that is over "
        "(`symposium_over`)",
        unavailable="The registry did not answer",
        success={201: CREATED_LINKS},
    ),
)
async def create_campaign(
    body: CampaignCreate,
    session: SessionDep,
    principal: Operator,
    registry: RegistryDep,
    settings: SettingsDep,
    notify: NotifySettingsDep,
) -> JSONResponse:
    campaign = await service.draft_campaign(
        session,
        registry=registry,
        actor=principal.actor,
        symposium_id=body.symposium_id,
        kind=body.kind,
        reason=body.reason,
        audience=body.audience,
        contact_ids=body.contact_ids,
    )
    await service.reload(session, campaign)
    counts = await service.counts(session, [campaign])
    preview = await service.preview(session, campaign=campaign, settings=settings, notify=notify)
    out = CampaignDraftOut.model_validate(
        {**_fields(campaign, counts[campaign.id]), "preview": preview}
    )
    headers = {
        "Location": f"/v1/campaigns/{campaign.id}",
        "ETag": service.campaign_etag(campaign),
    }
    return JSONResponse(json_body(out), status_code=201, headers=headers)


@router.get("", summary="List campaigns", responses=problems())
async def list_campaigns(
    request: Request,
    session: SessionDep,
    _: Operator,
    symposium_id: Annotated[
        uuid.UUID | None,
        Query(description="このシンポジウムのキャンペーンのみ（only this symposium's campaigns）"),
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[CampaignOut]:
    after = decode_cursor(request, cursor, Key.timestamp, Key.uuid)
    campaigns = await service.list_campaigns(
        session,
        symposium_id=symposium_id,
        after=(after[0], after[1]) if after else None,
        limit=limit + 1,
    )
    more = len(campaigns) > limit
    campaigns = campaigns[:limit]
    last = campaigns[-1] if more and campaigns else None
    next_cursor = encode_cursor(request, [last.created_at, last.id]) if last else None
    counts = await service.counts(session, campaigns)
    return Page[CampaignOut](
        items=[campaign_out(c, counts[c.id]) for c in campaigns],
        next=next_link(request.url, next_cursor),
    )


@router.get(
    "/{campaign_id}",
    summary="Get a campaign with its deliveries counted by state",
    responses=problems(not_found=NO_SUCH_CAMPAIGN),
)
async def get_campaign(
    campaign_id: CampaignId, session: SessionDep, _: Operator, response: Response
) -> CampaignOut:
    campaign = await service.get_campaign(session, campaign_id)
    return await _one(session, campaign, response)


@router.post(
    "/{campaign_id}/approval",
    summary="Approve a draft: it is sent (approving again answers the same and sends nothing)",
    response_model=CampaignOut,
    responses=problems(
        not_found=NO_SUCH_CAMPAIGN,
        conflict=STATUS_REFUSES + APPROVAL_REFUSES,
        precondition=True,
        extra=STALE,
    ),
)
async def approve_campaign(
    campaign_id: CampaignId,
    session: SessionDep,
    principal: Operator,
    registry: RegistryDep,
    response: Response,
    if_match: IfMatch = None,
) -> JSONResponse:
    campaign = await service.approve_campaign(
        session,
        registry=registry,
        campaign_id=campaign_id,
        actor=principal.actor,
        if_match=if_match,
    )
    out = await _one(session, campaign, response)
    return JSONResponse(json_body(out), status_code=200, headers={"ETag": response.headers["ETag"]})


@router.post(
    "/{campaign_id}/cancellation",
    summary="Cancel a draft (idempotent)",
    responses=problems(
        not_found=NO_SUCH_CAMPAIGN, conflict=STATUS_REFUSES, precondition=True, extra=STALE
    ),
)
async def cancel_campaign(
    campaign_id: CampaignId,
    session: SessionDep,
    _: Operator,
    response: Response,
    if_match: IfMatch = None,
) -> CampaignOut:
    campaign = await service.cancel_campaign(session, campaign_id=campaign_id, if_match=if_match)
    return await _one(session, campaign, response)
