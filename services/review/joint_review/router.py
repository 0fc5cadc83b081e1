"""``/v1/joint-review-rounds`` — rounds and selections; applications, assessments and results are
in their own modules and included here, so the app registers one router."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from libs.common.auth import Operator, Principal
from libs.common.errors import PROBLEM_RESPONSES, InvalidInput, problem_doc
from libs.common.etag import IfMatch
from libs.common.fiscal_year import FiscalYearError, parse_fiscal_year
from libs.common.idempotency import IdempotencyDep, json_body
from libs.common.pagination import Key, Page, decode_cursor, encode_cursor, next_link
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.dependencies import NowDep, RegistryDep
from services.review.joint_review import repository, rounds, selections
from services.review.joint_review.applications_router import router as applications_router
from services.review.joint_review.dependencies import Anyone, Responses
from services.review.joint_review.results_router import router as results_router
from services.review.joint_review.schemas import RoundCreate, RoundOut, SelectionIn, SelectionOut

PREFIX = "/v1/joint-review-rounds"
rounds_router = APIRouter(prefix=PREFIX, tags=["joint-review"], route_class=UnitOfWorkRoute)

NOT_FOUND: Responses = {404: problem_doc("No such round")}
CLOSED: Responses = {409: problem_doc("The round is closed")}
PRECONDITIONS: Responses = {
    412: problem_doc("If-Match names an older version"),
    428: problem_doc("If-Match missing"),
}


async def _one(
    session: SessionDep,
    principal: Principal,
    round_id: uuid.UUID,
    response: Response,
    now: datetime,
) -> RoundOut:
    round_ = await rounds.get_round(session, round_id)
    out, etag = await rounds.round_view(session, principal, round_, now.date())
    response.headers["ETag"] = etag
    return out


@rounds_router.post(
    "",
    status_code=201,
    response_model=RoundOut,
    summary="Open a round of the joint review",
    description="Participating programmes are checked against the registry's `/v1/programmes`. "
    "The deadline, review due date and announcement date move to the next open day when they "
    "fall on a closed day (閉庁日); both the given and the effective dates are returned. "
    "Honours `Idempotency-Key`.",
    responses={**PROBLEM_RESPONSES, 503: problem_doc("The registry did not answer")},
)
async def create_round(
    body: RoundCreate,
    session: SessionDep,
    principal: Operator,
    idem: IdempotencyDep,
    registry: RegistryDep,
    now: NowDep,
) -> Response:
    if replayed := await idem.replay():
        return replayed
    round_ = await rounds.create_round(session, registry=registry, principal=principal, body=body)
    round_ = await rounds.get_round(session, round_.id)
    out, etag = await rounds.round_view(session, principal, round_, now.date())
    headers = {"Location": f"{PREFIX}/{round_.id}", "ETag": etag}
    return await idem.remember(json_body(out), status_code=201, headers=headers)


def _fiscal_year(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_fiscal_year(value)
    except FiscalYearError as exc:
        raise InvalidInput.field("query.fiscal_year", "fiscal_year", exc.message) from None


@rounds_router.get(
    "",
    summary="List rounds (newest fiscal year first)",
    description="Selection counts and amounts are null before publication, except for operators.",
    responses=PROBLEM_RESPONSES,
)
async def list_rounds(
    request: Request,
    session: SessionDep,
    principal: Anyone,
    now: NowDep,
    fiscal_year: Annotated[str | None, Query(examples=["R3"])] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[RoundOut]:
    rows = await repository.list_rounds(
        session,
        fiscal_year=_fiscal_year(fiscal_year),
        after=decode_cursor(request, cursor, Key.integer, Key.uuid),
        limit=limit + 1,
    )
    page = rows[:limit]
    last = (page[-1].fiscal_year, page[-1].id) if len(rows) > limit and page else None
    return Page[RoundOut](
        items=[(await rounds.round_view(session, principal, r, now.date()))[0] for r in page],
        next=next_link(request.url, encode_cursor(request, last) if last else None),
    )


@rounds_router.get(
    "/{round_id}",
    summary="Get a round",
    description="Selection counts and amounts are null before publication, except for operators "
    "(the embargo); the ETag is that of the representation the caller is shown.",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND},
)
async def get_round(
    round_id: uuid.UUID, session: SessionDep, response: Response, principal: Anyone, now: NowDep
) -> RoundOut:
    return await _one(session, principal, round_id, response, now)


@rounds_router.post(
    "/{round_id}/close",
    summary="Close the round: selections become final",
    description="Needs If-Match. Results publish at the (effective) announcement date — at once "
    "if it has passed; then ☆ selections become registry projects and applicants are notified.",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND, **CLOSED, **PRECONDITIONS},
)
async def close_round(
    round_id: uuid.UUID,
    session: SessionDep,
    response: Response,
    principal: Operator,
    now: NowDep,
    if_match: IfMatch = None,
) -> RoundOut:
    await rounds.close_round(session, round_id=round_id, if_match=if_match, now=now)
    return await _one(session, principal, round_id, response, now)


@rounds_router.post(
    "/{round_id}/selections",
    status_code=201,
    response_model=SelectionOut,
    summary="Select an application for a programme (within its quota and budget)",
    description="Refused with rule `programme_quota` past the programme's quota and "
    "`programme_budget` past its budget (the amount is the application's national funding for "
    "the round's fiscal year). Honours `Idempotency-Key`.",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND, 409: problem_doc("Already selected, or closed")},
)
async def select(
    round_id: uuid.UUID,
    body: SelectionIn,
    session: SessionDep,
    principal: Operator,
    idem: IdempotencyDep,
) -> Response:
    if replayed := await idem.replay():
        return replayed
    selection = await selections.select(session, principal=principal, round_id=round_id, body=body)
    out = selections.to_out(selection)
    return await idem.remember(json_body(out), status_code=201)


@rounds_router.get(
    "/{round_id}/selections",
    summary="List the round's selections",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND},
)
async def list_selections(
    round_id: uuid.UUID, session: SessionDep, _: Operator
) -> list[SelectionOut]:
    return [selections.to_out(s) for s in await selections.list_selections(session, round_id)]


@rounds_router.delete(
    "/{round_id}/selections/{selection_id}",
    status_code=204,
    summary="Take a selection back (open rounds only)",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND, **CLOSED},
)
async def withdraw_selection(
    round_id: uuid.UUID, selection_id: uuid.UUID, session: SessionDep, _: Operator
) -> Response:
    await selections.withdraw(session, round_id=round_id, selection_id=selection_id)
    return Response(status_code=204)


router = APIRouter()
router.include_router(rounds_router)
router.include_router(applications_router)
router.include_router(results_router)
