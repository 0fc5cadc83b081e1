"""``/v1/joint-review-rounds/{id}/applications/{app_id}/assessment(s)`` — a reviewer scores an
application of their programme; operators read every programme's scores, a reviewer their own."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from libs.common.errors import problems
from libs.common.etag import IfMatch
from libs.common.pagination import Page, PageCursor, PageLimit, page_of, position_cursor
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.joint_review.assessments import service
from services.review.joint_review.assessments.schemas import (
    JointReviewAssessmentIn,
    JointReviewAssessmentOut,
)
from services.review.joint_review.dependencies import Assessor, Reviewer
from services.review.parameters import (
    JointApplicationId,
    RoundId,
)

router = APIRouter(
    prefix="/v1/joint-review-rounds/{round_id}/applications/{app_id}",
    tags=["joint-review"],
    route_class=UnitOfWorkRoute,
)
NO_SUCH_APPLICATION = "No such round, or no such application visible to you"


@router.put(
    "/assessment",
    response_model=JointReviewAssessmentOut,
    summary="Score an application for your programme (1–5 on three criteria)",
    description="Criteria: innovation (先進性・モデル性), feasibility (実現可能性・持続性), spread "
    "(横展開・連携の可能性), each a score 1–5 with a comment. Creates your assessment (201) or "
    "replaces it (200, If-Match required). 403 unless you are the registered reviewer of the "
    "token's programme; 403 with rule `conflict_of_interest` and `reasons` for an application of "
    "your programme you are conflicted on (you belong to the applying region's local "
    "governments), and nothing is stored; 404 for an application not of your programme.",
    responses=problems(
        not_found=NO_SUCH_APPLICATION,
        conflict="The round is closed",
        precondition=True,
        extra={
            403: "Not the registered reviewer of the token's programme, or a conflict of interest "
            "(rule conflict_of_interest, `reasons`; nothing is stored)",
            412: "If-Match names an older version",
            428: "If-Match missing when replacing",
        },
    ),
)
async def save_joint_review_assessment(
    round_id: RoundId,
    app_id: JointApplicationId,
    body: JointReviewAssessmentIn,
    session: SessionDep,
    principal: Reviewer,
    if_match: IfMatch = None,
) -> Response:
    assessment, created = await service.put_assessment(
        session,
        principal=principal,
        round_id=round_id,
        app_id=app_id,
        body=body,
        if_match=if_match,
    )
    out = service.to_out(assessment)
    return Response(
        out.model_dump_json(),
        status_code=201 if created else 200,
        media_type="application/json",
        headers={"ETag": service.assessment_etag(assessment)},
    )


@router.get(
    "/assessments",
    summary="Assessments of an application (a reviewer sees only their own)",
    description="By programme in legend order (☆□○●■), then in the order they were made.",
    responses=problems(not_found=NO_SUCH_APPLICATION),
)
async def list_joint_review_assessments(
    round_id: RoundId,
    app_id: JointApplicationId,
    request: Request,
    session: SessionDep,
    principal: Assessor,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[JointReviewAssessmentOut]:
    after = position_cursor(request, cursor)
    rows = await service.list_assessments(
        session, principal=principal, round_id=round_id, app_id=app_id
    )
    page, next_url = page_of(request, rows, lambda a: a.id, after=after, limit=limit)
    return Page[JointReviewAssessmentOut](items=[service.to_out(a) for a in page], next=next_url)
