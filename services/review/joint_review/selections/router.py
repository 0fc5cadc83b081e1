"""``/v1/joint-review-rounds/{id}/selections`` — operators select applications for a programme,
list and take back selections (operators only, always: the embargo)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
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
from services.review.joint_review.selections import service
from services.review.joint_review.selections.schemas import SelectionIn, SelectionOut
from services.review.parameters import (
    RoundId,
    SelectionId,
)

router = APIRouter(
    prefix="/v1/joint-review-rounds/{round_id}/selections",
    tags=["joint-review"],
    route_class=UnitOfWorkRoute,
)

NO_SUCH_ROUND = "No such round"


@router.post(
    "",
    status_code=201,
    response_model=SelectionOut,
    summary="Select an application for a programme (within its quota and budget)",
    description="Refused with rule `programme_quota` past the programme's quota and "
    "`programme_budget` past its budget (the amount is the application's national funding for "
    "the round's fiscal year). Honours `Idempotency-Key`.",
    responses=problems(not_found=NO_SUCH_ROUND, conflict="Already selected, or closed"),
)
async def create_joint_review_selection(
    round_id: RoundId,
    body: SelectionIn,
    session: SessionDep,
    principal: Operator,
) -> Response:
    selection = await service.select(session, principal=principal, round_id=round_id, body=body)
    return JSONResponse(json_body(service.to_out(selection)), status_code=201)


@router.get(
    "",
    summary="List the round's selections (in legend order ☆□○●■)",
    description="Operators only, always (the embargo). Ordered by programme in the legend's "
    "order, then in the order they were made.",
    responses=problems(not_found=NO_SUCH_ROUND),
)
async def list_joint_review_selections(
    round_id: RoundId,
    request: Request,
    session: SessionDep,
    _: Operator,
    programme: Annotated[
        str | None, Query(description="事業の id か記号: only this programme's", examples=["☆"])
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[SelectionOut]:
    rows = await service.list_selections(
        session,
        round_id=round_id,
        programme=programme,
        after=decode_cursor(request, cursor, Key.integer, Key.timestamp, Key.uuid),
        limit=limit + 1,
    )
    page = rows[:limit]
    last = service.cursor_key(page[-1]) if len(rows) > limit and page else None
    return Page[SelectionOut](
        items=[service.to_out(s) for s in page],
        next=next_link(request.url, encode_cursor(request, last) if last else None),
    )


@router.delete(
    "/{selection_id}",
    status_code=204,
    summary="Take a selection back (open rounds only)",
    responses=problems(not_found=NO_SUCH_ROUND, conflict="The round is closed"),
)
async def withdraw_joint_review_selection(
    round_id: RoundId, selection_id: SelectionId, session: SessionDep, principal: Operator
) -> Response:
    await service.withdraw(
        session, principal=principal, round_id=round_id, selection_id=selection_id
    )
    return Response(status_code=204)
