"""``/v1/continuation-cycles`` — cycles, their eligible projects, grace periods, new
applications."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from libs.common.auth import Operator
from libs.common.errors import problems
from libs.common.idempotency import json_body
from libs.common.pagination import Page, PageCursor, PageLimit, page_of, position_cursor
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.continuation.applications import service as applications
from services.review.continuation.applications.schemas import (
    ContinuationApplicationCreate,
    ContinuationApplicationOut,
    application_out,
)
from services.review.continuation.cycles import service as cycles
from services.review.continuation.cycles.schemas import (
    CycleCreate,
    CycleOut,
    CycleProjectOut,
    GracePeriodCreate,
    GracePeriodOut,
    cycle_out,
)
from services.review.continuation.dependencies import ApplicationReader, Municipality, Reader
from services.review.dependencies import NowDep, RegistryDep
from services.review.parameters import (
    CycleId,
)

router = APIRouter(
    prefix="/v1/continuation-cycles", tags=["continuation"], route_class=UnitOfWorkRoute
)


NO_SUCH_CYCLE = "No such cycle or eligible project"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Open a continuation cycle for the cohort whose term ends in a fiscal year",
    description="Dates on closed days (土日祝・年末年始) move to the next open day; "
    "the answer shows both. Eligible projects (status supported, term ending in the fiscal "
    "year) are taken from the registry now and kept with a snapshot.",
    responses=problems(
        conflict="A cycle for this fiscal year exists",
        unavailable="The registry did not answer",
        extra={502: "The registry refused a call"},
    ),
    response_model=CycleOut,
)
async def create_continuation_cycle(
    body: CycleCreate,
    session: SessionDep,
    principal: Operator,
    registry: RegistryDep,
    now: NowDep,
) -> Response:
    cycle = await cycles.create_cycle(
        session, principal=principal, data=body, registry=registry, now=now
    )
    counts = (await cycles.counts_of(session, [cycle]))[cycle.id]
    headers = {"ETag": cycles.cycle_etag(cycle), "Location": f"{router.prefix}/{cycle.id}"}
    return JSONResponse(json_body(cycle_out(cycle, counts)), status_code=201, headers=headers)


@router.get("", summary="List continuation cycles (newest fiscal year first)", responses=problems())
async def list_continuation_cycles(
    request: Request,
    session: SessionDep,
    _: Reader,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[CycleOut]:
    after = position_cursor(request, cursor)
    items, next_url = page_of(
        request, await cycles.list_cycles(session), lambda c: c.id, after=after, limit=limit
    )
    return Page[CycleOut](items=items, next=next_url)


@router.get(
    "/{cycle_id}",
    summary="Get a continuation cycle",
    responses=problems(not_found=NO_SUCH_CYCLE),
)
async def get_continuation_cycle(
    cycle_id: CycleId, session: SessionDep, _: Reader, response: Response
) -> CycleOut:
    cycle = await cycles.load(session, cycle_id)
    response.headers["ETag"] = cycles.cycle_etag(cycle)
    return cycle_out(cycle, (await cycles.counts_of(session, [cycle]))[cycle.id])


@router.get(
    "/{cycle_id}/projects",
    summary="List a cycle's eligible projects with their state",
    responses=problems(not_found=NO_SUCH_CYCLE),
)
async def list_continuation_cycle_projects(
    cycle_id: CycleId,
    request: Request,
    session: SessionDep,
    _: Operator,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[CycleProjectOut]:
    after = position_cursor(request, cursor)
    rows = await cycles.cycle_projects(session, cycle_id=cycle_id)
    items, next_url = page_of(request, rows, lambda p: p.project_id, after=after, limit=limit)
    return Page[CycleProjectOut](items=items, next=next_url)


@router.post(
    "/{cycle_id}/grace-periods",
    status_code=status.HTTP_201_CREATED,
    summary="Grant a project a grace period to submit after the deadline",
    responses=problems(not_found=NO_SUCH_CYCLE, conflict="The project is not waiting to submit"),
    response_model=GracePeriodOut,
)
async def grant_grace_period(
    cycle_id: CycleId,
    body: GracePeriodCreate,
    session: SessionDep,
    principal: Operator,
    now: NowDep,
) -> Response:
    grace = await cycles.grant_grace_period(
        session, principal=principal, cycle_id=cycle_id, data=body, now=now
    )
    out = GracePeriodOut.model_validate(grace, from_attributes=True)
    return JSONResponse(json_body(out), status_code=201)


@router.post(
    "/{cycle_id}/applications",
    status_code=status.HTTP_201_CREATED,
    summary="Draft a continuation application (the lead proposer's municipality)",
    responses=problems(
        not_found=NO_SUCH_CYCLE,
        conflict="The project has an application, or is not in a state to draft one",
        extra={422: "Before opening or after the deadline (rule application_deadline, `deadline`)"},
    ),
    response_model=ContinuationApplicationOut,
)
async def create_continuation_application(
    cycle_id: CycleId,
    body: ContinuationApplicationCreate,
    session: SessionDep,
    principal: Municipality,
    now: NowDep,
) -> Response:
    application, entry, cycle = await applications.create_application(
        session, principal=principal, cycle_id=cycle_id, data=body, now=now
    )
    headers = {
        "ETag": applications.application_etag(application),
        "Location": f"/v1/continuation-applications/{application.id}",
    }
    return JSONResponse(
        json_body(application_out(application, entry, cycle)), status_code=201, headers=headers
    )


@router.get(
    "/{cycle_id}/applications",
    summary="List a cycle's applications (municipalities: their own)",
    responses=problems(not_found=NO_SUCH_CYCLE),
)
async def list_continuation_applications(
    cycle_id: CycleId,
    request: Request,
    session: SessionDep,
    principal: ApplicationReader,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[ContinuationApplicationOut]:
    after = position_cursor(request, cursor)
    rows = await applications.list_applications(session, principal=principal, cycle_id=cycle_id)
    items, next_url = page_of(request, rows, lambda a: a.id, after=after, limit=limit)
    return Page[ContinuationApplicationOut](items=items, next=next_url)
