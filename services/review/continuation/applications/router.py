"""``/v1/continuation-applications`` — an application: read it, change the draft, submit it."""

from __future__ import annotations

from fastapi import APIRouter, Response

from libs.common.errors import problems
from libs.common.etag import IfMatch
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.continuation.applications import service
from services.review.continuation.applications.schemas import (
    ApplicationUpdate,
    ContinuationApplicationOut,
    application_out,
)
from services.review.continuation.dependencies import Municipality, Reader
from services.review.dependencies import NowDep, RegistryDep
from services.review.parameters import ContinuationApplicationId

router = APIRouter(
    prefix="/v1/continuation-applications", tags=["continuation"], route_class=UnitOfWorkRoute
)

NO_SUCH_APPLICATION = (
    "No such application, or not yours to see (a reviewer: not assigned, or conflicted)"
)
NOT_IN_THIS_STATE = "Not allowed in the current state (rule state_transition)"
STALE = {412: "If-Match names an older version"}


@router.get(
    "/{application_id}",
    summary="Get an application (operators; the lead proposer; assigned reviewers)",
    responses=problems(not_found=NO_SUCH_APPLICATION),
)
async def get_continuation_application(
    application_id: ContinuationApplicationId,
    session: SessionDep,
    principal: Reader,
    response: Response,
    registry: RegistryDep,
) -> ContinuationApplicationOut:
    application, entry, cycle, decision = await service.read_application(
        session, principal=principal, application_id=application_id, registry=registry
    )
    response.headers["ETag"] = service.application_etag(application)
    return application_out(application, entry, cycle, decision)


@router.patch(
    "/{application_id}",
    summary="Change a draft (the lead proposer; If-Match)",
    responses=problems(
        not_found=NO_SUCH_APPLICATION,
        conflict=NOT_IN_THIS_STATE,
        precondition=True,
        extra={**STALE, 422: "After the deadline (rule application_deadline)"},
    ),
)
async def update_continuation_application(
    application_id: ContinuationApplicationId,
    body: ApplicationUpdate,
    session: SessionDep,
    principal: Municipality,
    response: Response,
    now: NowDep,
    if_match: IfMatch = None,
) -> ContinuationApplicationOut:
    application, entry, cycle = await service.update_application(
        session,
        principal=principal,
        application_id=application_id,
        data=body,
        if_match=if_match,
        now=now,
    )
    response.headers["ETag"] = service.application_etag(application)
    return application_out(application, entry, cycle)


@router.post(
    "/{application_id}/submission",
    summary="Submit an application (the lead proposer; If-Match)",
    description="After the deadline the answer is a 422 with rule `application_deadline` and the "
    "`deadline`, unless an operator granted the project a grace period that is still open.",
    responses=problems(
        not_found=NO_SUCH_APPLICATION,
        conflict=NOT_IN_THIS_STATE,
        precondition=True,
        extra={
            **STALE,
            422: "A section is empty, or the deadline passed (rule application_deadline)",
        },
    ),
)
async def submit_continuation_application(
    application_id: ContinuationApplicationId,
    session: SessionDep,
    principal: Municipality,
    response: Response,
    now: NowDep,
    if_match: IfMatch = None,
) -> ContinuationApplicationOut:
    application, entry, cycle = await service.submit_application(
        session, principal=principal, application_id=application_id, if_match=if_match, now=now
    )
    response.headers["ETag"] = service.application_etag(application)
    return application_out(application, entry, cycle)
