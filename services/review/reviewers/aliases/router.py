"""``/v1/organisation-aliases`` — the office's organisation aliases (operators only)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from libs.common.auth import Operator
from libs.common.errors import problems
from libs.common.etag import IfMatch
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
from services.review.dependencies import NowDep
from services.review.parameters import (
    AliasId,
)
from services.review.reviewers.aliases import service
from services.review.reviewers.aliases.schemas import AliasCreate, AliasOut, AliasUpdate

router = APIRouter(
    prefix="/v1/organisation-aliases", tags=["reviewers"], route_class=UnitOfWorkRoute
)
NO_SUCH_ALIAS = "No such organisation alias"
CYCLE = {422: "Invalid body, or the canonical name leads back to the written form (alias_cycle)"}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="File an organisation alias (a written form → the organisation it is)",
    responses=problems(
        conflict="An alias for this written form exists (alias_exists)", extra=CYCLE
    ),
    response_model=AliasOut,
)
async def create_organisation_alias(
    body: AliasCreate,
    session: SessionDep,
    principal: Operator,
    now: NowDep,
) -> Response:
    alias = await service.create_alias(session, principal=principal, data=body, now=now)
    headers = {"ETag": service.alias_etag(alias), "Location": f"{router.prefix}/{alias.id}"}
    return JSONResponse(json_body(AliasOut.model_validate(alias)), status_code=201, headers=headers)


@router.get("", summary="List organisation aliases (by written key)", responses=problems())
async def list_organisation_aliases(
    request: Request,
    session: SessionDep,
    _: Operator,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[AliasOut]:
    after = decode_cursor(request, cursor, Key.text)
    rows = await service.list_aliases(
        session, after_key=after[0] if after else None, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(request, [rows[-1].written_key]) if more and rows else None
    return Page[AliasOut](
        items=[AliasOut.model_validate(r) for r in rows],
        next=next_link(request.url, next_cursor),
    )


@router.get(
    "/{alias_id}", summary="Get an organisation alias", responses=problems(not_found=NO_SUCH_ALIAS)
)
async def get_organisation_alias(
    alias_id: AliasId, session: SessionDep, _: Operator, response: Response
) -> AliasOut:
    alias = await service.get_alias(session, alias_id)
    response.headers["ETag"] = service.alias_etag(alias)
    return AliasOut.model_validate(alias)


@router.patch(
    "/{alias_id}",
    summary="Change an alias's canonical organisation or note (If-Match)",
    responses=problems(not_found=NO_SUCH_ALIAS, precondition=True, extra=CYCLE),
)
async def update_organisation_alias(
    alias_id: AliasId,
    body: AliasUpdate,
    session: SessionDep,
    principal: Operator,
    response: Response,
    now: NowDep,
    if_match: IfMatch = None,
) -> AliasOut:
    alias = await service.update_alias(
        session, principal=principal, alias_id=alias_id, data=body, if_match=if_match, now=now
    )
    response.headers["ETag"] = service.alias_etag(alias)
    return AliasOut.model_validate(alias)


@router.delete(
    "/{alias_id}",
    status_code=204,
    summary="Remove an alias (If-Match)",
    responses=problems(not_found=NO_SUCH_ALIAS, precondition=True),
)
async def remove_organisation_alias(
    alias_id: AliasId, session: SessionDep, principal: Operator, if_match: IfMatch = None
) -> Response:
    await service.remove_alias(session, principal=principal, alias_id=alias_id, if_match=if_match)
    return Response(status_code=204)
