"""``/v1/continuation-cycles`` — cycles, their eligible projects, grace periods, new applications."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status

from libs.common.auth import Operator, Role
from libs.common.errors import PROBLEM_RESPONSES, problem_doc
from libs.common.idempotency import IdempotencyDep, json_body
from libs.common.pagination import Page
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.continuation import applications, cycles, repository
from services.review.continuation.dependencies import ApplicationReader, Municipality, Reader
from services.review.continuation.schemas import (
    ApplicationCreate,
    ApplicationOut,
    CycleCreate,
    CycleOut,
    CycleProjectOut,
    GracePeriodCreate,
    GracePeriodOut,
    ProposerSnapshot,
)
from services.review.continuation.states import LABELS, State
from services.review.continuation.views import application_out
from services.review.dependencies import NowDep, RegistryDep

router = APIRouter(
    prefix="/v1/continuation-cycles", tags=["continuation"], route_class=UnitOfWorkRoute
)


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_doc("No such cycle or eligible project")}
CREATE_CYCLE = {
    **PROBLEM_RESPONSES,
    409: problem_doc("A cycle for this fiscal year exists"),
    502: problem_doc("The registry refused a call"),
    503: problem_doc("The registry did not answer"),
}
GRACE = {**PROBLEM_RESPONSES, **NOT_FOUND, 409: problem_doc("The project is not waiting to submit")}
CREATE_APPLICATION = {
    **PROBLEM_RESPONSES,
    **NOT_FOUND,
    409: problem_doc("The project has an application, or is not in a state to draft one"),
    422: problem_doc(
        "Before opening or after the deadline (rule application_deadline, `deadline`)"
    ),
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Open a continuation cycle for the cohort whose term ends in a fiscal year",
    description="Dates on closed days (土日祝・年末年始) move to the next open day; the answer shows "
    "both. Eligible projects (status supported, term ending in the fiscal year) are taken from the "
    "registry now and kept with a snapshot.",
    responses=CREATE_CYCLE,
    response_model=CycleOut,
)
async def create_cycle(
    body: CycleCreate,
    session: SessionDep,
    principal: Operator,
    idempotency: IdempotencyDep,
    registry: RegistryDep,
    now: NowDep,
) -> Response:
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    cycle = await cycles.create_cycle(
        session, principal=principal, data=body, registry=registry, now=now
    )
    counts = (await cycles.counts_of(session, [cycle]))[cycle.id]
    headers = {"ETag": cycles.cycle_etag(cycle), "Location": f"{router.prefix}/{cycle.id}"}
    return await idempotency.remember(
        json_body(cycles.cycle_out(cycle, counts)), status_code=201, headers=headers
    )


@router.get("", summary="List continuation cycles", responses=PROBLEM_RESPONSES)
async def list_cycles(session: SessionDep, _: Reader) -> Page[CycleOut]:
    rows = await repository.list_cycles(session)
    counts = await cycles.counts_of(session, rows)
    return Page[CycleOut](items=[cycles.cycle_out(c, counts[c.id]) for c in rows])


@router.get(
    "/{cycle_id}",
    summary="Get a continuation cycle",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND},
)
async def get_cycle(
    cycle_id: uuid.UUID, session: SessionDep, _: Reader, response: Response
) -> CycleOut:
    cycle = await cycles.load(session, cycle_id)
    response.headers["ETag"] = cycles.cycle_etag(cycle)
    return cycles.cycle_out(cycle, (await cycles.counts_of(session, [cycle]))[cycle.id])


@router.get(
    "/{cycle_id}/projects",
    summary="List a cycle's eligible projects with their state",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND},
)
async def list_cycle_projects(
    cycle_id: uuid.UUID, session: SessionDep, _: Operator
) -> Page[CycleProjectOut]:
    await cycles.load(session, cycle_id)
    items = []
    for entry, application, grace_until in await repository.list_cycle_projects(session, cycle_id):
        snapshot = entry.snapshot
        members = (snapshot.get("council") or {}).get("members", [])
        items.append(
            CycleProjectOut(
                cycle_id=entry.cycle_id,
                project_id=entry.project_id,
                title=snapshot["title"],
                proposers=[ProposerSnapshot.model_validate(p) for p in snapshot["proposers"]],
                term_end=entry.term_end,
                state=State(entry.state),
                state_label=LABELS[State(entry.state)],
                council_organisations=[m["organisation"] for m in members],
                contacts=len(snapshot.get("contacts", [])),
                application_id=application.id if application else None,
                application_state=State(application.state) if application else None,
                grace_until=grace_until,
                version=entry.version,
            )
        )
    return Page[CycleProjectOut](items=items)


@router.post(
    "/{cycle_id}/grace-periods",
    status_code=status.HTTP_201_CREATED,
    summary="Grant a project a grace period to submit after the deadline",
    responses=GRACE,
    response_model=GracePeriodOut,
)
async def grant_grace_period(
    cycle_id: uuid.UUID,
    body: GracePeriodCreate,
    session: SessionDep,
    principal: Operator,
    idempotency: IdempotencyDep,
    now: NowDep,
) -> Response:
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    grace = await cycles.grant_grace_period(
        session, principal=principal, cycle_id=cycle_id, data=body, now=now
    )
    out = GracePeriodOut.model_validate(grace, from_attributes=True)
    return await idempotency.remember(json_body(out), status_code=201)


@router.post(
    "/{cycle_id}/applications",
    status_code=status.HTTP_201_CREATED,
    summary="Draft a continuation application (the lead proposer's municipality)",
    responses=CREATE_APPLICATION,
    response_model=ApplicationOut,
)
async def create_application(
    cycle_id: uuid.UUID,
    body: ApplicationCreate,
    session: SessionDep,
    principal: Municipality,
    idempotency: IdempotencyDep,
    now: NowDep,
) -> Response:
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    application, entry, cycle = await applications.create_application(
        session, principal=principal, cycle_id=cycle_id, data=body, now=now
    )
    headers = {
        "ETag": applications.application_etag(application),
        "Location": f"/v1/continuation-applications/{application.id}",
    }
    return await idempotency.remember(
        json_body(application_out(application, entry, cycle)), status_code=201, headers=headers
    )


@router.get(
    "/{cycle_id}/applications",
    summary="List a cycle's applications (municipalities: their own)",
    responses={**PROBLEM_RESPONSES, **NOT_FOUND},
)
async def list_applications(
    cycle_id: uuid.UUID, session: SessionDep, principal: ApplicationReader
) -> Page[ApplicationOut]:
    cycle = await cycles.load(session, cycle_id)
    own = principal.lg_code if principal.role is Role.municipality else None
    rows = await repository.list_applications(session, cycle_id, lead_lg_code=own)
    return Page[ApplicationOut](items=[application_out(a, e, cycle) for a, e in rows])
