"""``/v1/continuation-applications/{id}/assignments`` and ``…/assessment(s)`` — reviewers on an
application and their assessments."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from libs.common.auth import Operator
from libs.common.errors import problems
from libs.common.etag import IfMatch
from libs.common.idempotency import json_body
from libs.common.pagination import Page, PageCursor, PageLimit, page_of, position_cursor
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.continuation.applications.router import (
    NO_SUCH_APPLICATION,
    NOT_IN_THIS_STATE,
    STALE,
)
from services.review.continuation.assessments import service
from services.review.continuation.assessments.schemas import (
    AssessmentList,
    AssignmentCreate,
    AssignmentOut,
    ContinuationAssessmentIn,
    ContinuationAssessmentOut,
    WithdrawalIn,
    assessment_out,
    assignment_etag,
    assignment_out,
)
from services.review.continuation.dependencies import AssessmentReader, AssignedReviewer
from services.review.dependencies import NowDep, RegistryDep
from services.review.parameters import (
    AssignmentId,
    ContinuationApplicationId,
)

router = APIRouter(
    prefix="/v1/continuation-applications", tags=["continuation"], route_class=UnitOfWorkRoute
)
NOT_THE_REVIEWER_OR_CONFLICTED = {
    403: "Not a registered reviewer of the token's programme, or a conflict of interest with the "
    "assigned application (rule conflict_of_interest, `reasons`; nothing is stored)"
}


@router.post(
    "/{application_id}/assignments",
    status_code=status.HTTP_201_CREATED,
    summary="Assign a reviewer (conflicts of interest are refused with the reasons)",
    responses=problems(
        not_found=NO_SUCH_APPLICATION,
        conflict="Conflict of interest (rule conflict_of_interest, `reasons`) or assigned already",
    ),
    response_model=AssignmentOut,
)
async def assign_reviewer(
    application_id: ContinuationApplicationId,
    body: AssignmentCreate,
    session: SessionDep,
    principal: Operator,
    registry: RegistryDep,
    now: NowDep,
) -> Response:
    assignment, reviewer = await service.assign_reviewer(
        session,
        principal=principal,
        application_id=application_id,
        reviewer_subject=body.reviewer_subject,
        registry=registry,
        now=now,
    )
    return JSONResponse(json_body(assignment_out(assignment, reviewer)), status_code=201)


@router.get(
    "/{application_id}/assignments",
    summary="List an application's reviewers",
    responses=problems(not_found=NO_SUCH_APPLICATION),
)
async def list_reviewer_assignments(
    application_id: ContinuationApplicationId,
    request: Request,
    session: SessionDep,
    _: Operator,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[AssignmentOut]:
    after = position_cursor(request, cursor)
    rows = await service.list_assignments(session, application_id=application_id)
    items, next_url = page_of(request, rows, lambda a: a.id, after=after, limit=limit)
    return Page[AssignmentOut](items=items, next=next_url)


@router.put(
    "/{application_id}/assessment",
    summary="Save your assessment as a draft (assigned reviewer; If-Match to replace a draft)",
    responses=problems(
        not_found=NO_SUCH_APPLICATION,
        conflict=NOT_IN_THIS_STATE,
        precondition=True,
        extra={**STALE, **NOT_THE_REVIEWER_OR_CONFLICTED},
    ),
)
async def save_continuation_assessment(
    application_id: ContinuationApplicationId,
    body: ContinuationAssessmentIn,
    session: SessionDep,
    principal: AssignedReviewer,
    response: Response,
    now: NowDep,
    registry: RegistryDep,
    if_match: IfMatch = None,
) -> ContinuationAssessmentOut:
    assignment = await service.save_assessment(
        session,
        principal=principal,
        application_id=application_id,
        data=body,
        if_match=if_match,
        now=now,
        registry=registry,
    )
    response.headers["ETag"] = service.assessment_etag(assignment)
    return await service.own_assessment_out(session, principal=principal, assignment=assignment)


@router.post(
    "/{application_id}/assessment/submission",
    summary="Submit your assessment (assigned reviewer; If-Match)",
    responses=problems(
        not_found=NO_SUCH_APPLICATION,
        conflict=NOT_IN_THIS_STATE,
        precondition=True,
        extra={**STALE, **NOT_THE_REVIEWER_OR_CONFLICTED},
    ),
)
async def submit_continuation_assessment(
    application_id: ContinuationApplicationId,
    session: SessionDep,
    principal: AssignedReviewer,
    response: Response,
    now: NowDep,
    registry: RegistryDep,
    if_match: IfMatch = None,
) -> ContinuationAssessmentOut:
    assignment = await service.submit_assessment(
        session,
        principal=principal,
        application_id=application_id,
        if_match=if_match,
        now=now,
        registry=registry,
    )
    response.headers["ETag"] = service.assessment_etag(assignment)
    return await service.own_assessment_out(session, principal=principal, assignment=assignment)


@router.get(
    "/{application_id}/assessments",
    summary="List assessments (a reviewer sees others' only after submitting their own)",
    responses=problems(not_found=NO_SUCH_APPLICATION),
)
async def list_continuation_assessments(
    application_id: ContinuationApplicationId,
    request: Request,
    session: SessionDep,
    principal: AssessmentReader,
    registry: RegistryDep,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> AssessmentList:
    after = position_cursor(request, cursor)
    rows, others_visible = await service.visible_assessments(
        session, principal=principal, application_id=application_id, registry=registry
    )
    page, next_url = page_of(request, rows, lambda row: row[0].id, after=after, limit=limit)
    return AssessmentList(
        items=[assessment_out(a, r) for a, r in page], next=next_url, others_visible=others_visible
    )


@router.post(
    "/{application_id}/assignments/{assignment_id}/withdrawal",
    summary="Withdraw a reviewer's assignment (If-Match: the assignment's ETag; a reason)",
    description="割当の撤回。審査中の申請書に限る。下書きは破棄され、提出済みの評価も集計から外れる"
    "（いずれも監査ログに残る）。The reviewer no longer sees the application; assigning them "
    "again starts afresh.",
    responses=problems(
        not_found="No such application, or no such assignment of it",
        conflict=NOT_IN_THIS_STATE,
        precondition=True,
    ),
)
async def withdraw_reviewer_assignment(
    application_id: ContinuationApplicationId,
    assignment_id: AssignmentId,
    body: WithdrawalIn,
    session: SessionDep,
    principal: Operator,
    response: Response,
    now: NowDep,
    if_match: IfMatch = None,
) -> AssignmentOut:
    assignment, reviewer = await service.withdraw_assignment(
        session,
        principal=principal,
        application_id=application_id,
        assignment_id=assignment_id,
        reason=body.reason,
        if_match=if_match,
        now=now,
    )
    response.headers["ETag"] = assignment_etag(assignment)
    return assignment_out(assignment, reviewer)
