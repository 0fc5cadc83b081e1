"""``/v1/reviewers`` — registering reviewers (operators only)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from libs.common.auth import Operator
from libs.common.errors import problems
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
from services.review.dependencies import RegistryDep
from services.review.parameters import (
    ReviewerSubject,
)
from services.review.reviewers import service
from services.review.reviewers.schemas import ReviewerCreate, ReviewerOut

router = APIRouter(prefix="/v1/reviewers", tags=["reviewers"], route_class=UnitOfWorkRoute)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a reviewer",
    responses=problems(
        conflict="A reviewer with this subject exists",
        unavailable="The registry did not answer (the programme is checked against it)",
    ),
    response_model=ReviewerOut,
)
async def create_reviewer(
    body: ReviewerCreate,
    session: SessionDep,
    principal: Operator,
    registry: RegistryDep,
) -> Response:
    reviewer = await service.create_reviewer(
        session, principal=principal, data=body, registry=registry
    )
    headers = {
        "ETag": service.reviewer_etag(reviewer),
        # A subject may be any text; a header carries only Latin-1, so the path is percent-encoded.
        "Location": f"{router.prefix}/{quote(reviewer.subject, safe='')}",
    }
    return JSONResponse(
        json_body(ReviewerOut.model_validate(reviewer)), status_code=201, headers=headers
    )


@router.get("", summary="List reviewers", responses=problems())
async def list_reviewers(
    request: Request,
    session: SessionDep,
    _: Operator,
    registry: RegistryDep,
    programme: Annotated[
        str | None, Query(description="担当事業（id か記号; id or mark）", examples=["☆"])
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[ReviewerOut]:
    after = decode_cursor(request, cursor, Key.text)
    # The kernel's one parser (〇 for ○, an unknown programme is a 422), then by id.
    programme_id = (
        (await service.programme_of(registry, programme, "query.programme"))[0]
        if programme
        else None
    )
    rows = await service.list_reviewers(
        session,
        programme=programme_id,
        after_subject=after[0] if after else None,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(request, [rows[-1].subject]) if more and rows else None
    return Page[ReviewerOut](
        items=[ReviewerOut.model_validate(r) for r in rows],
        next=next_link(request.url, next_cursor),
    )


@router.get(
    "/{subject}",
    summary="Get a reviewer",
    responses=problems(not_found="No such reviewer"),
)
async def get_reviewer(
    subject: ReviewerSubject, session: SessionDep, _: Operator, response: Response
) -> ReviewerOut:
    reviewer = await service.get_reviewer(session, subject)
    response.headers["ETag"] = service.reviewer_etag(reviewer)
    return ReviewerOut.model_validate(reviewer)
