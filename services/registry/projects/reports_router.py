"""``/v1/projects/{id}/activity-reports`` — a project's yearly activity reports (年度の主な取組):
read by whoever may read the project, written by operators and the project's municipalities."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from libs.common.auth import Principal, Role, require
from libs.common.errors import InvalidInput, problems
from libs.common.etag import IfMatch
from libs.common.fiscal_year import FiscalYearError, parse_fiscal_year
from libs.common.pagination import Page, PageCursor, PageLimit, page_of, position_cursor
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.registry.projects import reports, service
from services.registry.projects.report_schemas import ActivityReportIn, ActivityReportOut
from services.registry.projects.schemas import ProjectIdPath

router = APIRouter(prefix="/v1/projects", tags=["projects"], route_class=UnitOfWorkRoute)

NO_SUCH_PROJECT = "No project with this id"
Reader = Annotated[Principal, Depends(require(*service.READERS))]
Editor = Annotated[Principal, Depends(require(Role.operator, Role.municipality))]


def _fiscal_year(value: str) -> int:
    try:
        return parse_fiscal_year(value)
    except FiscalYearError as exc:
        raise InvalidInput.field("path.fiscal_year", "fiscal_year", exc.message) from None


@router.get(
    "/{project_id}/activity-reports",
    summary="List a project's yearly activity reports",
    responses=problems(not_found=NO_SUCH_PROJECT),
)
async def list_activity_reports(
    project_id: ProjectIdPath,
    request: Request,
    session: SessionDep,
    principal: Reader,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[ActivityReportOut]:
    after = position_cursor(request, cursor)
    rows = await reports.list_reports(session, principal=principal, project_id=project_id)
    page, next_url = page_of(request, rows, lambda r: r.fiscal_year, after=after, limit=limit)
    return Page[ActivityReportOut](items=[reports.report_out(r) for r in page], next=next_url)


@router.put(
    "/{project_id}/activity-reports/{fiscal_year}",
    summary="Create or replace the activity report of a fiscal year (replace needs If-Match)",
    responses=problems(
        not_found=NO_SUCH_PROJECT,
        precondition=True,
        success={201: {"model": ActivityReportOut, "description": "Created"}},
    ),
)
async def put_activity_report(
    project_id: ProjectIdPath,
    fiscal_year: Annotated[
        str,
        Path(
            description="報告の年度（fiscal year reported on）: 2020, R2, 令和2年度 …",
            examples=["2020", "R2", "令和2年度"],
        ),
    ],
    body: ActivityReportIn,
    response: Response,
    session: SessionDep,
    principal: Editor,
    if_match: IfMatch = None,
) -> ActivityReportOut:
    report, created = await reports.put_report(
        session,
        principal=principal,
        project_id=project_id,
        fiscal_year=_fiscal_year(fiscal_year),
        body=body.body,
        if_match=if_match,
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["ETag"] = reports.report_etag(report)
    return reports.report_out(report)
