"""``/v1/joint-review-rounds/{id}/applications`` — submit and read applications (each caller only
what is theirs to see); their assessments are in ``assessments/``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

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
from services.review.dependencies import NowDep, RegistryDep
from services.review.joint_review.applications import service
from services.review.joint_review.applications.schemas import (
    JointReviewApplicationCreate,
    JointReviewApplicationOut,
)
from services.review.joint_review.dependencies import Applicant, Participant
from services.review.parameters import (
    JointApplicationId,
    RoundId,
)

router = APIRouter(
    prefix="/v1/joint-review-rounds/{round_id}/applications",
    tags=["joint-review"],
    route_class=UnitOfWorkRoute,
)
NO_SUCH_APPLICATION = "No such round, or no such application visible to you"


@router.post(
    "",
    status_code=201,
    response_model=JointReviewApplicationOut,
    summary="Apply to programmes of the round",
    description="By an operator, or by the lead local government's municipality token. The "
    "grant scheme's rules (caps by applicant kind, maximum years, new-application and wide-area "
    "quotas, Society5.0's conditions) are read from the registry's `/v1/grant-schemes`; a "
    "refusal names the rule and the numbers. Honours `Idempotency-Key`.",
    responses=problems(
        not_found=NO_SUCH_APPLICATION,
        conflict="The round is closed",
        extra={
            422: "Invalid input, or a grant-scheme rule refuses it: `rule` is one of yearly_cap, "
            "max_years, new_application_quota, wide_area_quota, society5_conditions, "
            "application_window, with the numbers"
        },
    ),
)
async def submit_joint_review_application(
    round_id: RoundId,
    body: JointReviewApplicationCreate,
    session: SessionDep,
    principal: Applicant,
    registry: RegistryDep,
    now: NowDep,
) -> Response:
    application = await service.submit(
        session, registry=registry, principal=principal, round_id=round_id, body=body, now=now
    )
    [(out, etag)] = await service.views(
        session, principal=principal, round_id=round_id, rows=[application], today=now.date()
    )
    headers = {
        "Location": f"/v1/joint-review-rounds/{round_id}/applications/{application.id}",
        "ETag": etag,
    }
    return JSONResponse(json_body(out), status_code=201, headers=headers)


@router.get(
    "",
    summary="List applications (a reviewer sees only their programme's)",
    description="`programmes[].selected` is null before publication, except for operators.",
    responses=problems(not_found=NO_SUCH_APPLICATION),
)
async def list_joint_review_applications(
    round_id: RoundId,
    request: Request,
    session: SessionDep,
    principal: Participant,
    now: NowDep,
    programme: Annotated[
        str | None,
        Query(
            description="事業の id か記号: only applications to this programme, within what the "
            "caller may see",
            examples=["☆"],
        ),
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[JointReviewApplicationOut]:
    after = decode_cursor(request, cursor, Key.uuid)
    rows = await service.list_visible(
        session,
        principal=principal,
        round_id=round_id,
        programme=programme,
        after=str(after[0]) if after else None,
        limit=limit + 1,
    )
    page = rows[:limit]
    last = [str(page[-1].id)] if len(rows) > limit and page else None
    views = await service.views(
        session, principal=principal, round_id=round_id, rows=page, today=now.date()
    )
    return Page[JointReviewApplicationOut](
        items=[out for out, _ in views],
        next=next_link(request.url, encode_cursor(request, last) if last else None),
    )


@router.get(
    "/{app_id}",
    summary="Get an application (404 when it is not yours to see)",
    description="`programmes[].selected` is null before publication, except for operators; the "
    "ETag is that of the representation the caller is shown.",
    responses=problems(not_found=NO_SUCH_APPLICATION),
)
async def get_joint_review_application(
    round_id: RoundId,
    app_id: JointApplicationId,
    session: SessionDep,
    response: Response,
    principal: Participant,
    now: NowDep,
) -> JointReviewApplicationOut:
    application = await service.visible_application(
        session, principal=principal, round_id=round_id, app_id=app_id
    )
    [(out, etag)] = await service.views(
        session, principal=principal, round_id=round_id, rows=[application], today=now.date()
    )
    response.headers["ETag"] = etag
    return out
