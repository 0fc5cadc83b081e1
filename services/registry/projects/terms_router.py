"""``/v1/projects/…/term-*`` — support term changes the review service orders (idempotent by
decision id): one project's extension or end, and a batch of term ends from the sweep; and each
project's term history, for whoever may read the project."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from libs.common.auth import Principal, Role, require
from libs.common.documents import document_response
from libs.common.errors import problem_base_of, problems
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.registry.projects import history, term_ends, terms
from services.registry.projects.schemas import ProjectIdPath
from services.registry.projects.service import READERS
from services.registry.projects.term_schemas import (
    TermChangeOut,
    TermEndIn,
    TermEndsIn,
    TermEndsOut,
    TermExtensionIn,
    TermHistoryOut,
)

router = APIRouter(prefix="/v1/projects", tags=["projects"], route_class=UnitOfWorkRoute)

NO_SUCH_PROJECT = "No project with this id"
ENDED_OR_ANOTHER = "The project has ended, or the decision id names another change"
ReviewService = Annotated[Principal, Depends(require(Role.service))]
Reader = Annotated[Principal, Depends(require(*READERS))]


def _term_response(result: tuple[TermChangeOut, bool], response: Response) -> TermChangeOut:
    change, replayed = result
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return change


@router.post(
    "/term-ends",
    summary="End support of up to 500 projects (the review sweep; idempotent by decision id)",
    description=(
        "Each item is applied, replayed or refused on its own, by the rules of "
        "`POST /v1/projects/{project_id}/term-end`; a refused item carries the problem that call "
        "would have answered, and the others still apply."
    ),
    responses=problems(),
    response_model=TermEndsOut,  # the document below is what it serialises, built once
)
async def end_project_terms(
    body: TermEndsIn, session: SessionDep, principal: ReviewService, request: Request
) -> Response:
    outcomes = await term_ends.end_terms(
        session,
        principal=principal,
        items=body.items,
        problem_base=problem_base_of(request.scope),
    )
    return document_response({"items": outcomes})


@router.post(
    "/{project_id}/term-extensions",
    summary="Extend the support term by two fiscal years"
    " (review service; idempotent by decision id)",
    responses=problems(not_found=NO_SUCH_PROJECT, conflict=ENDED_OR_ANOTHER),
)
async def extend_project_term(
    project_id: ProjectIdPath,
    body: TermExtensionIn,
    response: Response,
    session: SessionDep,
    principal: ReviewService,
) -> TermChangeOut:
    result = await terms.extend_term(
        session,
        principal=principal,
        project_id=project_id,
        decision_id=body.decision_id,
        reason=body.reason,
        decided_on=body.decided_on,
    )
    return _term_response(result, response)


@router.post(
    "/{project_id}/term-end",
    summary="End support (review service; idempotent by decision id)",
    responses=problems(not_found=NO_SUCH_PROJECT, conflict=ENDED_OR_ANOTHER),
)
async def end_project_term(
    project_id: ProjectIdPath,
    body: TermEndIn,
    response: Response,
    session: SessionDep,
    principal: ReviewService,
) -> TermChangeOut:
    result = await terms.end_term(
        session,
        principal=principal,
        project_id=project_id,
        decision_id=body.decision_id,
        reason=body.reason,
        effective_on=body.effective_on,
        decided_on=body.decided_on,
    )
    return _term_response(result, response)


@router.get(
    "/{project_id}/term-history",
    summary="The support term's history: selection, each continuation, the end and its reason",
    description=(
        "Built from what the registry stored: the project, its term changes (the review "
        "service's decisions and the registry's own expiries, 支援期間満了) and the operator's "
        "withdrawal or selection-year correction. Whoever may read the project may read it."
    ),
    responses=problems(not_found=NO_SUCH_PROJECT),
)
async def get_project_term_history(
    project_id: ProjectIdPath, session: SessionDep, principal: Reader
) -> TermHistoryOut:
    return await history.term_history(session, principal=principal, project_id=project_id)
