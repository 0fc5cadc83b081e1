"""年度の主な取組 — yearly activity reports, one per project and fiscal year of its term."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import InvalidInput, PreconditionFailed
from libs.common.etag import check_if_match, etag_for
from libs.common.fiscal_year import fiscal_year_label, fiscal_year_of
from services.registry.audit.service import audited
from services.registry.projects import repository
from services.registry.projects.models import ActivityReport
from services.registry.projects.report_schemas import ActivityReportOut
from services.registry.projects.service import load


def report_etag(report: ActivityReport) -> str:
    return etag_for("activity-report", f"{report.project_id}-{report.fiscal_year}", report.version)


def report_out(report: ActivityReport) -> ActivityReportOut:
    return ActivityReportOut(
        project_id=report.project_id,
        fiscal_year=report.fiscal_year,
        fiscal_year_label=fiscal_year_label(report.fiscal_year),
        body=report.body,
        version=report.version,
    )


def _snapshot(report: ActivityReport) -> dict[str, Any]:
    return report_out(report).model_dump(mode="json")


async def list_reports(
    session: AsyncSession, *, principal: Principal, project_id: uuid.UUID
) -> list[ActivityReport]:
    await load(session, principal, project_id)
    return await repository.activity_reports(session, project_id)


async def put_report(
    session: AsyncSession,
    *,
    principal: Principal,
    project_id: uuid.UUID,
    fiscal_year: int,
    body: str,
    if_match: str | None,
) -> tuple[ActivityReport, bool]:
    """Create or replace; returns the report and whether it was created.

    Replacing needs ``If-Match``; creating needs none, since there is no ETag to match yet.
    """
    project = await load(session, principal, project_id)
    last = fiscal_year_of(project.term_end)
    if not project.selection_fiscal_year <= fiscal_year <= last:
        raise InvalidInput.field(
            "path.fiscal_year",
            "within_term",
            f"支援期間外の年度です: {fiscal_year_label(fiscal_year)}"
            f"（fiscal year must be {project.selection_fiscal_year}–{last}）",
        )
    report = await repository.activity_report(session, project_id, fiscal_year)
    created = report is None
    if report is None:
        if if_match is not None:
            # RFC 9110: If-Match (even "*") fails when there is no current representation.
            raise PreconditionFailed("この年度の活動報告はまだありません（no report to match）")
        report = ActivityReport(project_id=project_id, fiscal_year=fiscal_year, body=body)
    else:
        check_if_match(if_match, report_etag(report))
    # A replacement is recorded even when the text is the same: the caller did replace it.
    async with audited(
        session,
        report,
        kind="created" if created else "updated",
        always=True,
        actor=principal,
        action="project.activity_report_saved",
        subject_type="project",
        subject_id=project_id,
        snapshot=_snapshot,
    ):
        if created:
            await repository.add_activity_report(session, report)
        report.body = body
    return report, created
