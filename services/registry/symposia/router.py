"""``/v1/symposia`` — 未来技術実装ミニシンポジウム and the audience notify invites."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from libs.common.auth import Operator, Principal, Role, require
from libs.common.errors import problems
from libs.common.etag import IfMatch
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
from services.registry.symposia import service
from services.registry.symposia.models import Symposium
from services.registry.symposia.schemas import (
    SYMPOSIUM_ID_HELP,
    AudienceMember,
    Cancellation,
    CapacitySet,
    SymposiumCreate,
    SymposiumOut,
    SymposiumPublicOut,
    SymposiumUpdate,
    full_view,
)

SymposiumIdPath = Annotated[uuid.UUID, Path(description=SYMPOSIUM_ID_HELP)]

router = APIRouter(prefix="/v1/symposia", tags=["symposia"], route_class=UnitOfWorkRoute)

Reader = Annotated[
    Principal,
    Depends(require(Role.operator, Role.municipality, Role.partner, Role.reviewer, Role.service)),
]
AudienceReader = Annotated[Principal, Depends(require(Role.operator, Role.service))]
NotifyService = Annotated[Principal, Depends(require(Role.service))]
AnySymposiumOut = SymposiumOut | SymposiumPublicOut
SEES_JOIN_URL = service.SEES_JOIN_URL
MAX_AUDIENCE_PAGE = 1000


NO_SUCH_SYMPOSIUM = "No such symposium"


def symposium_out(
    symposium: Symposium, principal: Principal, response: Response | None = None
) -> AnySymposiumOut:
    """What ``service.present`` gives the caller, with the ETag of that representation."""
    if response is not None:
        response.headers["ETag"] = service.symposium_etag(symposium, principal)
    return service.present(symposium, principal)


SYMPOSIUM = "/v1/symposia/{symposium_id}"
CREATED_LINKS = response_links(
    "The symposium, with its `ETag`",
    GetSymposium=link_to("GET", SYMPOSIUM, "Read it again", symposium_id=BODY_ID),
    ChangeSymposium=link_to("PATCH", SYMPOSIUM, "Change it", symposium_id=BODY_ID, if_match=ETAG),
    CancelSymposium=link_to(
        "POST", f"{SYMPOSIUM}/cancellation", "Cancel it", symposium_id=BODY_ID, if_match=ETAG
    ),
    GetAudience=link_to("GET", f"{SYMPOSIUM}/audience", "Whom it invites", symposium_id=BODY_ID),
)


@router.post(
    "",
    status_code=201,
    summary="Create a symposium",
    responses=problems(conflict="This fiscal year and number exist", success={201: CREATED_LINKS}),
)
async def create_symposium(
    body: SymposiumCreate, session: SessionDep, principal: Operator, response: Response
) -> SymposiumOut:
    symposium = await service.create_symposium(session, principal=principal, data=body)
    response.headers["Location"] = f"/v1/symposia/{symposium.id}"
    response.headers["ETag"] = service.symposium_etag(symposium, principal)
    return full_view(symposium)


VISIBILITY = (
    "Operators and the service token get the full record (`join_url`, `version`); reviewers, "
    "municipalities and partners the public one, without those fields."
)


@router.get("", summary="List symposia", description=VISIBILITY, responses=problems())
async def list_symposia(
    request: Request,
    session: SessionDep,
    principal: Reader,
    fiscal_year: Annotated[
        str | None,
        Query(
            description="開催年度（fiscal year of the sessions）: 2021, R3, 令和3年度 …",
            examples=["令和3年度"],
        ),
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[SymposiumOut] | Page[SymposiumPublicOut]:
    after = decode_cursor(request, cursor, Key.integer, Key.integer)
    symposia = await service.list_symposia(
        session,
        fiscal_year=fiscal_year,
        after=(after[0], after[1]) if after else None,
        limit=limit + 1,
    )
    more = len(symposia) > limit
    symposia = symposia[:limit]
    last = symposia[-1] if more and symposia else None
    next_url = next_link(
        request.url, encode_cursor(request, [last.fiscal_year, last.number]) if last else None
    )
    items = [symposium_out(s, principal) for s in symposia]
    if principal.role in SEES_JOIN_URL:
        return Page[SymposiumOut].model_validate({"items": items, "next": next_url})
    return Page[SymposiumPublicOut].model_validate({"items": items, "next": next_url})


@router.get(
    "/{symposium_id}",
    summary="Get a symposium",
    description=VISIBILITY,
    responses=problems(not_found=NO_SUCH_SYMPOSIUM),
)
async def get_symposium(
    symposium_id: SymposiumIdPath, session: SessionDep, principal: Reader, response: Response
) -> AnySymposiumOut:
    symposium = await service.get_symposium(session, symposium_id=symposium_id)
    return symposium_out(symposium, principal, response)


@router.patch(
    "/{symposium_id}",
    summary="Change a symposium (a new time, format or join URL raises `sequence`)",
    description="Fields left out are unchanged; an unknown field is 422. The capacity is not "
    "changed here but at notify's `PUT /v1/symposia/{id}/capacity`, which knows who is attending "
    "and promotes from the waitlist or refuses a capacity below attendance.",
    responses=problems(
        not_found=NO_SUCH_SYMPOSIUM, conflict="The symposium is cancelled", precondition=True
    ),
)
async def update_symposium(
    symposium_id: SymposiumIdPath,
    body: SymposiumUpdate,
    session: SessionDep,
    principal: Operator,
    response: Response,
    if_match: IfMatch = None,
) -> SymposiumOut:
    symposium = await service.update_symposium(
        session, principal=principal, symposium_id=symposium_id, data=body, if_match=if_match
    )
    response.headers["ETag"] = service.symposium_etag(symposium, principal)
    return full_view(symposium)


@router.put(
    "/{symposium_id}/capacity",
    summary="Set a symposium's capacity (notify only, after checking attendance)",
    description="The service token only: operators change the capacity at notify's "
    "`PUT /v1/symposia/{id}/capacity`. Audited; `sequence` is unchanged.",
    responses=problems(not_found=NO_SUCH_SYMPOSIUM, conflict="The symposium is cancelled"),
)
async def set_symposium_capacity(
    symposium_id: SymposiumIdPath,
    body: CapacitySet,
    session: SessionDep,
    principal: NotifyService,
    response: Response,
) -> SymposiumOut:
    symposium = await service.set_capacity(
        session, principal=principal, symposium_id=symposium_id, capacity=body.capacity
    )
    response.headers["ETag"] = service.symposium_etag(symposium, principal)
    return full_view(symposium)


@router.post(
    "/{symposium_id}/cancellation",
    summary="Cancel a symposium (idempotent; raises `sequence` once)",
    responses=problems(not_found=NO_SUCH_SYMPOSIUM, extra={412: "If-Match names an older version"}),
)
async def cancel_symposium(
    symposium_id: SymposiumIdPath,
    session: SessionDep,
    principal: Operator,
    response: Response,
    body: Cancellation | None = None,
    if_match: IfMatch = None,
) -> SymposiumOut:
    symposium = await service.cancel_symposium(
        session,
        principal=principal,
        symposium_id=symposium_id,
        data=body or Cancellation(),
        if_match=if_match,
    )
    response.headers["ETag"] = service.symposium_etag(symposium, principal)
    return full_view(symposium)


@router.get(
    "/{symposium_id}/audience",
    summary="The contacts this symposium invites",
    description="Contacts whose stakeholder category is in the symposium's audience, without "
    "suppressed addresses, one per address (case-insensitive), ordered by address.",
    responses=problems(not_found=NO_SUCH_SYMPOSIUM),
)
async def get_symposium_audience(
    request: Request,
    symposium_id: SymposiumIdPath,
    session: SessionDep,
    _: AudienceReader,
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_AUDIENCE_PAGE,
            description=f"1ページの件数（page size, 1–{MAX_AUDIENCE_PAGE}）",
            examples=[MAX_AUDIENCE_PAGE],
        ),
    ] = MAX_AUDIENCE_PAGE,
    cursor: PageCursor = None,
) -> Page[AudienceMember]:
    after = decode_cursor(request, cursor, Key.text)
    rows = await service.audience(
        session,
        symposium_id=symposium_id,
        after_address=after[0] if after else None,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(request, [rows[-1][1]]) if more and rows else None
    items = [
        AudienceMember.model_validate(
            {
                "id": c.id,
                "name": c.name,
                "email": c.email,
                "organisation": c.organisation,
                "stakeholder_category": c.stakeholder_category,
                "lg_code": c.lg_code,
            }
        )
        for c, _ in rows
    ]
    return Page[AudienceMember](items=items, next=next_link(request.url, next_cursor))
