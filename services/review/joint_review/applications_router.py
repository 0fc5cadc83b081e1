"""``/v1/joint-review-rounds/{id}/applications`` — submit, read (each caller only what is theirs to
see) and assess applications."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from libs.common.errors import PROBLEM_RESPONSES, problem_doc
from libs.common.etag import IfMatch
from libs.common.idempotency import IdempotencyDep, json_body
from libs.common.pagination import Key, Page, decode_cursor, encode_cursor, next_link
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.dependencies import NowDep, RegistryDep
from services.review.joint_review import applications, assessments, rounds
from services.review.joint_review.dependencies import (
    Applicant,
    Assessor,
    Participant,
    Responses,
    Reviewer,
)
from services.review.joint_review.schemas import (
    ApplicationCreate,
    ApplicationOut,
    AssessmentIn,
    AssessmentOut,
)

router = APIRouter(
    prefix="/v1/joint-review-rounds/{round_id}/applications",
    tags=["joint-review"],
    route_class=UnitOfWorkRoute,
)
NOT_FOUND: Responses = {404: problem_doc("No such round, or no such application visible to you")}
RULES: Responses = {
    422: problem_doc(
        "Invalid input, or a grant-scheme rule refuses it: `rule` is one of yearly_cap, "
        "max_years, new_application_quota, wide_area_quota, society5_conditions, "
        "application_window, with the numbers"
    )
}


@router.post(
    "",
    status_code=201,
    response_model=ApplicationOut,
    summary="Apply to programmes of the round",
    description="By an operator, or by the lead local government's municipality token. The "
    "grant scheme's rules (caps by applicant kind, maximum years, new-application and wide-area "
    "quotas, Society5.0's conditions) are read from the registry's `/v1/grant-schemes`; a "
    "refusal names the rule and the numbers. Honours `Idempotency-Key`.",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND, **RULES, 409: problem_doc("The round is closed")},
)
async def submit_application(
    round_id: uuid.UUID,
    body: ApplicationCreate,
    session: SessionDep,
    principal: Applicant,
    idem: IdempotencyDep,
    registry: RegistryDep,
    now: NowDep,
) -> Response:
    if replayed := await idem.replay():
        return replayed
    application = await applications.submit(
        session, registry=registry, principal=principal, round_id=round_id, body=body, now=now
    )
    await session.refresh(application)
    [(out, etag)] = await applications.views(
        session, principal, round_id, [application], now.date()
    )
    headers = {
        "Location": f"/v1/joint-review-rounds/{round_id}/applications/{application.id}",
        "ETag": etag,
    }
    return await idem.remember(json_body(out), status_code=201, headers=headers)


@router.get(
    "",
    summary="List applications (a reviewer sees only their programme's)",
    description="`programmes[].selected` is null before publication, except for operators.",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND},
)
async def list_applications(
    round_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: Participant,
    now: NowDep,
    programme: Annotated[
        str | None, Query(description="Operators: only this programme's (id)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[ApplicationOut]:
    after = decode_cursor(request, cursor, Key.uuid)
    await rounds.get_round(session, round_id)
    rows = await applications.list_visible(
        session,
        principal,
        round_id,
        programme,
        after=str(after[0]) if after else None,
        limit=limit + 1,
    )
    page = rows[:limit]
    last = [str(page[-1].id)] if len(rows) > limit and page else None
    return Page[ApplicationOut](
        items=[
            out
            for out, _ in await applications.views(session, principal, round_id, page, now.date())
        ],
        next=next_link(request.url, encode_cursor(request, last) if last else None),
    )


@router.get(
    "/{app_id}",
    summary="Get an application (404 when it is not yours to see)",
    description="`programmes[].selected` is null before publication, except for operators; the "
    "ETag is that of the representation the caller is shown.",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND},
)
async def get_application(
    round_id: uuid.UUID,
    app_id: uuid.UUID,
    session: SessionDep,
    response: Response,
    principal: Participant,
    now: NowDep,
) -> ApplicationOut:
    application = await applications.visible_application(
        session, principal=principal, round_id=round_id, app_id=app_id
    )
    [(out, etag)] = await applications.views(
        session, principal, round_id, [application], now.date()
    )
    response.headers["ETag"] = etag
    return out


@router.put(
    "/{app_id}/assessment",
    response_model=AssessmentOut,
    summary="Score an application for your programme (1–5 on three criteria)",
    description="Criteria: innovation (先進性・モデル性), feasibility (実現可能性・持続性), spread "
    "(横展開・連携の可能性), each a score 1–5 with a comment. Creates your assessment (201) or "
    "replaces it (200, If-Match required). 403 unless you are the registered reviewer of the "
    "token's programme; 404 for an application a conflict of interest hides from you (you "
    "belong to a proposing local government).",
    responses={
        **PROBLEM_RESPONSES,
        **NOT_FOUND,
        409: problem_doc("The round is closed"),
        412: problem_doc("If-Match names an older version"),
        428: problem_doc("If-Match missing when replacing"),
    },
)
async def put_assessment(
    round_id: uuid.UUID,
    app_id: uuid.UUID,
    body: AssessmentIn,
    session: SessionDep,
    principal: Reviewer,
    if_match: IfMatch = None,
) -> Response:
    assessment, created = await assessments.put_assessment(
        session,
        principal=principal,
        round_id=round_id,
        app_id=app_id,
        body=body,
        if_match=if_match,
    )
    out = assessments.to_out(assessment)
    return Response(
        out.model_dump_json(),
        status_code=201 if created else 200,
        media_type="application/json",
        headers={"ETag": assessments.assessment_etag(assessment)},
    )


@router.get(
    "/{app_id}/assessments",
    summary="Assessments of an application (a reviewer sees only their own)",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND},
)
async def list_assessments(
    round_id: uuid.UUID, app_id: uuid.UUID, session: SessionDep, principal: Assessor
) -> list[AssessmentOut]:
    rows = await assessments.list_assessments(
        session, principal=principal, round_id=round_id, app_id=app_id
    )
    return [assessments.to_out(a) for a in rows]
