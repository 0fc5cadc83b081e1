"""``/v1/continuation-applications`` — drafts, submission, reviewers, assessments, the decision."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Operator, Principal
from libs.common.errors import PROBLEM_RESPONSES, NotFound, problem_doc
from libs.common.etag import IfMatch
from libs.common.idempotency import IdempotencyDep, json_body
from libs.common.pagination import Page
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.continuation import applications, assessments, decisions, repository
from services.review.continuation.dependencies import (
    AssessmentReader,
    AssignedReviewer,
    Municipality,
    Reader,
)
from services.review.continuation.models import ContinuationAssignment as Assignment
from services.review.continuation.schemas import (
    ApplicationOut,
    ApplicationUpdate,
    AssessmentIn,
    AssessmentList,
    AssessmentOut,
    AssignmentCreate,
    AssignmentOut,
    DecisionCreate,
    DecisionOut,
)
from services.review.continuation.views import (
    application_out,
    assessment_out,
    assignment_out,
    decision_out,
)
from services.review.dependencies import NowDep, RegistryDep
from services.review.reviewers import repository as reviewers

router = APIRouter(
    prefix="/v1/continuation-applications", tags=["continuation"], route_class=UnitOfWorkRoute
)

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_doc(
        "No such application, or not yours to see (a reviewer: not assigned, or conflicted)"
    )
}
CHANGE: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    **NOT_FOUND,
    409: problem_doc("Not allowed in the current state (rule state_transition)"),
    412: problem_doc("If-Match names an older version"),
    428: problem_doc("If-Match is missing"),
}
SUBMIT = {
    **CHANGE,
    422: problem_doc("A section is empty, or the deadline passed (rule application_deadline)"),
}
ASSIGN = {
    **PROBLEM_RESPONSES,
    **NOT_FOUND,
    409: problem_doc(
        "Conflict of interest (rule conflict_of_interest, `reasons`) or assigned already"
    ),
}


@router.get(
    "/{application_id}",
    summary="Get an application (operators; the lead proposer; assigned reviewers)",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND},
)
async def get_application(
    application_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    response: Response,
    registry: RegistryDep,
) -> ApplicationOut:
    application, entry, cycle = await applications.load_for_reader(
        session, principal, application_id, registry
    )
    decision = await repository.decision_for(session, application.id)
    response.headers["ETag"] = applications.application_etag(application)
    return application_out(application, entry, cycle, decision)


@router.patch(
    "/{application_id}",
    summary="Change a draft (the lead proposer; If-Match)",
    responses={**CHANGE, 422: problem_doc("After the deadline (rule application_deadline)")},
)
async def update_application(
    application_id: uuid.UUID,
    body: ApplicationUpdate,
    session: SessionDep,
    principal: Municipality,
    response: Response,
    now: NowDep,
    if_match: IfMatch = None,
) -> ApplicationOut:
    application, entry, cycle = await applications.update_application(
        session,
        principal=principal,
        application_id=application_id,
        data=body,
        if_match=if_match,
        now=now,
    )
    response.headers["ETag"] = applications.application_etag(application)
    return application_out(application, entry, cycle)


@router.post(
    "/{application_id}/submission",
    summary="Submit an application (the lead proposer; If-Match)",
    description="After the deadline the answer is a 422 with rule `application_deadline` and the "
    "`deadline`, unless an operator granted the project a grace period that is still open.",
    responses=SUBMIT,
)
async def submit_application(
    application_id: uuid.UUID,
    session: SessionDep,
    principal: Municipality,
    response: Response,
    now: NowDep,
    if_match: IfMatch = None,
) -> ApplicationOut:
    application, entry, cycle = await applications.submit_application(
        session, principal=principal, application_id=application_id, if_match=if_match, now=now
    )
    response.headers["ETag"] = applications.application_etag(application)
    return application_out(application, entry, cycle)


@router.post(
    "/{application_id}/assignments",
    status_code=status.HTTP_201_CREATED,
    summary="Assign a reviewer (conflicts of interest are refused with the reasons)",
    responses=ASSIGN,
    response_model=AssignmentOut,
)
async def assign_reviewer(
    application_id: uuid.UUID,
    body: AssignmentCreate,
    session: SessionDep,
    principal: Operator,
    idempotency: IdempotencyDep,
    registry: RegistryDep,
    now: NowDep,
) -> Response:
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    assignment, reviewer = await assessments.assign_reviewer(
        session,
        principal=principal,
        application_id=application_id,
        reviewer_subject=body.reviewer_subject,
        registry=registry,
        now=now,
    )
    return await idempotency.remember(
        json_body(assignment_out(assignment, reviewer)), status_code=201
    )


@router.get(
    "/{application_id}/assignments",
    summary="List an application's reviewers",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND},
)
async def list_assignments(
    application_id: uuid.UUID, session: SessionDep, _: Operator
) -> Page[AssignmentOut]:
    rows = await repository.assignments_with_reviewers(session, application_id)
    return Page[AssignmentOut](items=[assignment_out(a, r) for a, r in rows])


@router.put(
    "/{application_id}/assessment",
    summary="Save your assessment as a draft (assigned reviewer; If-Match to replace a draft)",
    responses={**CHANGE, 403: problem_doc("Not a registered reviewer of the token's programme")},
)
async def save_assessment(
    application_id: uuid.UUID,
    body: AssessmentIn,
    session: SessionDep,
    principal: AssignedReviewer,
    response: Response,
    now: NowDep,
    registry: RegistryDep,
    if_match: IfMatch = None,
) -> AssessmentOut:
    assignment = await assessments.save_assessment(
        session,
        principal=principal,
        application_id=application_id,
        data=body,
        if_match=if_match,
        now=now,
        registry=registry,
    )
    return await _assessment(session, principal, response, assignment)


@router.post(
    "/{application_id}/assessment/submission",
    summary="Submit your assessment (assigned reviewer; If-Match)",
    responses={**CHANGE, 403: problem_doc("Not a registered reviewer of the token's programme")},
)
async def submit_assessment(
    application_id: uuid.UUID,
    session: SessionDep,
    principal: AssignedReviewer,
    response: Response,
    now: NowDep,
    registry: RegistryDep,
    if_match: IfMatch = None,
) -> AssessmentOut:
    assignment = await assessments.submit_assessment(
        session,
        principal=principal,
        application_id=application_id,
        if_match=if_match,
        now=now,
        registry=registry,
    )
    return await _assessment(session, principal, response, assignment)


async def _assessment(
    session: AsyncSession, principal: Principal, response: Response, assignment: Assignment
) -> AssessmentOut:
    reviewer = await reviewers.get(session, principal.subject)
    assert reviewer is not None  # the assignment's foreign key guarantees it
    response.headers["ETag"] = assessments.assessment_etag(assignment)
    return assessment_out(assignment, reviewer)


@router.get(
    "/{application_id}/assessments",
    summary="List assessments (a reviewer sees others' only after submitting their own)",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND},
)
async def list_assessments(
    application_id: uuid.UUID,
    session: SessionDep,
    principal: AssessmentReader,
    registry: RegistryDep,
) -> AssessmentList:
    rows, others_visible = await assessments.visible_assessments(
        session, principal=principal, application_id=application_id, registry=registry
    )
    return AssessmentList(
        items=[assessment_out(a, r) for a, r in rows], others_visible=others_visible
    )


@router.post(
    "/{application_id}/decision",
    status_code=status.HTTP_201_CREATED,
    summary="Approve or reject (operator; If-Match on the application)",
    description="One decision per application: of two operators deciding at once one succeeds, "
    "the other gets 412 (the application changed) or 409 (decided already). Approval extends the "
    "registry term by two fiscal years through the outbox; the letter goes to the project's "
    "contacts through notify.",
    responses=CHANGE,
    response_model=DecisionOut,
)
async def decide(
    application_id: uuid.UUID,
    body: DecisionCreate,
    session: SessionDep,
    principal: Operator,
    idempotency: IdempotencyDep,
    now: NowDep,
    if_match: IfMatch = None,
) -> Response:
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    decision, application, entry, _ = await decisions.decide(
        session,
        principal=principal,
        application_id=application_id,
        data=body,
        if_match=if_match,
        now=now,
    )
    headers = {"ETag": applications.application_etag(application)}
    return await idempotency.remember(
        json_body(decision_out(decision, entry)), status_code=201, headers=headers
    )


@router.get(
    "/{application_id}/decision",
    summary="Get the decision on an application",
    responses={**PROBLEM_RESPONSES, 404: problem_doc("No such application, or not decided yet")},
)
async def get_decision(
    application_id: uuid.UUID, session: SessionDep, principal: Reader, registry: RegistryDep
) -> DecisionOut:
    application, entry, _ = await applications.load_for_reader(
        session, principal, application_id, registry
    )
    decision = await repository.decision_for(session, application.id)
    if decision is None:
        raise NotFound("まだ決定されていません（the application has not been decided）")
    return decision_out(decision, entry)
