"""``/v1/continuation-applications/{id}/decision`` — approve or reject, and read the decision."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from libs.common.auth import Operator
from libs.common.errors import problems
from libs.common.etag import IfMatch
from libs.common.idempotency import json_body
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.continuation.applications.router import (
    NO_SUCH_APPLICATION,
    NOT_IN_THIS_STATE,
    STALE,
)
from services.review.continuation.applications.service import application_etag
from services.review.continuation.decisions import service
from services.review.continuation.decisions.schemas import (
    DecisionCreate,
    DecisionOut,
    decision_out,
)
from services.review.continuation.dependencies import Reader
from services.review.dependencies import NowDep, RegistryDep
from services.review.parameters import ContinuationApplicationId

router = APIRouter(
    prefix="/v1/continuation-applications", tags=["continuation"], route_class=UnitOfWorkRoute
)


@router.post(
    "/{application_id}/decision",
    status_code=status.HTTP_201_CREATED,
    summary="Approve or reject (operator; If-Match on the application)",
    description="One decision per application: of two operators deciding at once one succeeds, "
    "the other gets 412 (the application changed) or 409 (decided already). Approval extends the "
    "registry term by two fiscal years through the outbox; the letter goes to the project's "
    "contacts through notify.",
    responses=problems(
        not_found=NO_SUCH_APPLICATION, conflict=NOT_IN_THIS_STATE, precondition=True, extra=STALE
    ),
    response_model=DecisionOut,
)
async def decide_continuation_application(
    application_id: ContinuationApplicationId,
    body: DecisionCreate,
    session: SessionDep,
    principal: Operator,
    now: NowDep,
    if_match: IfMatch = None,
) -> Response:
    decision, application, entry, _ = await service.decide(
        session,
        principal=principal,
        application_id=application_id,
        data=body,
        if_match=if_match,
        now=now,
    )
    headers = {"ETag": application_etag(application)}
    return JSONResponse(json_body(decision_out(decision, entry)), status_code=201, headers=headers)


@router.get(
    "/{application_id}/decision",
    summary="Get the decision on an application",
    responses=problems(not_found="No such application, or not decided yet"),
)
async def get_continuation_decision(
    application_id: ContinuationApplicationId,
    session: SessionDep,
    principal: Reader,
    registry: RegistryDep,
) -> DecisionOut:
    decision, entry = await service.read_decision(
        session, principal=principal, application_id=application_id, registry=registry
    )
    return decision_out(decision, entry)
