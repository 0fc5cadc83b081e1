"""``/v1/joint-review-rounds`` — open, read and close rounds of the joint review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse

from libs.common.auth import Operator
from libs.common.errors import InvalidInput, problems
from libs.common.etag import IfMatch
from libs.common.fiscal_year import FiscalYearError, parse_fiscal_year
from libs.common.idempotency import json_body
from libs.common.japanese_input import FISCAL_YEAR_TEXT_MAX
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
from services.review.dependencies import NowDep, RegistryDep
from services.review.joint_review.dependencies import Anyone
from services.review.joint_review.rounds import closing, service
from services.review.joint_review.rounds.schemas import RoundClose, RoundCreate, RoundOut
from services.review.parameters import (
    RoundId,
)

PREFIX = "/v1/joint-review-rounds"
router = APIRouter(prefix=PREFIX, tags=["joint-review"], route_class=UnitOfWorkRoute)

NO_SUCH_ROUND = "No such round"


@router.post(
    "",
    status_code=201,
    response_model=RoundOut,
    summary="Open a round of the joint review",
    description="Participating programmes are checked against the registry's `/v1/programmes`. "
    "The deadline, review due date and announcement date move to the next open day when they "
    "fall on a closed day (閉庁日); both the given and the effective dates are returned. "
    "Honours `Idempotency-Key`.",
    responses=problems(unavailable="The registry did not answer"),
)
async def create_joint_review_round(
    body: RoundCreate,
    session: SessionDep,
    principal: Operator,
    registry: RegistryDep,
    now: NowDep,
) -> Response:
    round_ = await service.create_round(session, registry=registry, principal=principal, body=body)
    out, etag = await service.round_view(
        session, principal=principal, round_=round_, today=now.date()
    )
    headers = {"Location": f"{PREFIX}/{round_.id}", "ETag": etag}
    return JSONResponse(json_body(out), status_code=201, headers=headers)


def _fiscal_year(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_fiscal_year(value)
    except FiscalYearError as exc:
        raise InvalidInput.field("query.fiscal_year", "fiscal_year", exc.message) from None


@router.get(
    "",
    summary="List rounds (newest fiscal year first)",
    description="Selection counts and amounts are null before publication, except for operators.",
    responses=problems(),
)
async def list_joint_review_rounds(
    request: Request,
    session: SessionDep,
    principal: Anyone,
    now: NowDep,
    fiscal_year: Annotated[
        str | None,
        Query(
            max_length=FISCAL_YEAR_TEXT_MAX,
            description="年度で絞り込む（only this fiscal year's rounds: 2021, R3, 令和3年度 …）",
            examples=["R3"],
        ),
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[RoundOut]:
    rows = await service.list_rounds(
        session,
        fiscal_year=_fiscal_year(fiscal_year),
        after=decode_cursor(request, cursor, Key.integer, Key.uuid),
        limit=limit + 1,
    )
    page = rows[:limit]
    last = (page[-1].fiscal_year, page[-1].id) if len(rows) > limit and page else None
    items = [
        (await service.round_view(session, principal=principal, round_=r, today=now.date()))[0]
        for r in page
    ]
    return Page[RoundOut](
        items=items, next=next_link(request.url, encode_cursor(request, last) if last else None)
    )


@router.get(
    "/{round_id}",
    summary="Get a round",
    description="Selection counts and amounts are null before publication, except for operators "
    "(the embargo); the ETag is that of the representation the caller is shown.",
    responses=problems(not_found=NO_SUCH_ROUND),
)
async def get_joint_review_round(
    round_id: RoundId, session: SessionDep, response: Response, principal: Anyone, now: NowDep
) -> RoundOut:
    round_ = await service.get_round(session, round_id=round_id)
    out, etag = await service.round_view(
        session, principal=principal, round_=round_, today=now.date()
    )
    response.headers["ETag"] = etag
    return out


@router.post(
    "/{round_id}/close",
    summary="Close the round: selections become final",
    description="Needs If-Match. Before the (effective) application deadline the round closes "
    'only with `{"force": true, "reason": "…"}` (else a 422 with rule '
    "`round_close_before_deadline` and `deadline_effective_at`); the close is written to the audit "
    "trail (`joint_review_round.closed`), an early one with its reason. After the deadline no body "
    "is needed. Results publish at the (effective) announcement date — at once if it has passed; "
    "then ☆ selections become registry projects and applicants are notified.",
    responses=problems(
        not_found=NO_SUCH_ROUND,
        conflict="The round is closed",
        precondition=True,
        extra={
            412: "If-Match names an older version",
            428: "If-Match missing",
            422: "Before the deadline without force and a reason "
            "(rule round_close_before_deadline), or force without a reason (rule required)",
        },
    ),
)
async def close_joint_review_round(
    round_id: RoundId,
    session: SessionDep,
    response: Response,
    principal: Operator,
    now: NowDep,
    if_match: IfMatch = None,
    body: Annotated[
        RoundClose | None,
        Body(
            openapi_examples={
                "early": {
                    "summary": "締切前に締め切る（force と理由）",
                    "value": {
                        "force": True,
                        "reason": "全応募団体から提出完了の連絡を受け、審査日程を前倒しするため",
                    },
                },
            },
        ),
    ] = None,
) -> RoundOut:
    round_ = await closing.close_round(
        session, principal=principal, round_id=round_id, if_match=if_match, body=body, now=now
    )
    out, etag = await service.round_view(
        session, principal=principal, round_=round_, today=now.date()
    )
    response.headers["ETag"] = etag
    return out
