"""``/v1/symposia/{id}/attendees`` (JSON, CSV, XLSX) — 出席者名簿 — and
``/v1/campaigns/{id}/report`` — a campaign's letters and answers counted. Operators only.

The files follow the registry's exports: one path per format (``.csv``, ``.xlsx``), named by
``libs.common.downloads``, written by ``libs.common.spreadsheet``.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from libs.common.auth import Operator
from libs.common.downloads import download
from libs.common.errors import problems
from libs.common.pagination import Page, PageCursor, PageLimit, page_of, position_cursor
from libs.common.spreadsheet import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, to_csv, to_xlsx
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.notify.attendance import service
from services.notify.attendance.schemas import AttendeeOut, CampaignReport
from services.notify.dependencies import RegistryDep
from services.notify.parameters import (
    CampaignId,
    SymposiumId,
)

router = APIRouter(prefix="/v1", tags=["attendance"], route_class=UnitOfWorkRoute)

ORDER = (
    "Attending first, then waitlisted in line order, then declined, then not answered; by name "
    "within each. Everyone an approved invitation of the symposium was written to, and everyone "
    "who answered. A symposium notify knows nothing of is an empty list."
)
COLUMNS = (
    " Columns: 連絡先ID, 氏名, メールアドレス, 出欠 (出席 / キャンセル待ち / 欠席 / 未回答), "
    "キャンセル待ち順, 回答日時 (Japan time), 案内メールの状態. Text that would start a formula "
    "(`=`, `+`, `-`, `@` …) is written as text."
)


@router.get(
    "/symposia/{symposium_id}/attendees",
    summary="The attendee list (出席者名簿): answer, place in line and invitation letter state",
    description=ORDER,
    responses=problems(),
)
async def list_attendees(
    request: Request,
    symposium_id: SymposiumId,
    session: SessionDep,
    _: Operator,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[AttendeeOut]:
    after = position_cursor(request, cursor)
    rows = await service.attendees(session, symposium_id)
    page, next_url = page_of(request, rows, service.ident, after=after, limit=limit)
    return Page[AttendeeOut](items=[service.attendee_out(r) for r in page], next=next_url)


def _file(content: bytes, media_type: str, symposium_id: uuid.UUID, extension: str) -> Response:
    return download(
        content,
        media_type,
        f"出席者名簿-{symposium_id}.{extension}",
        ascii_name=f"attendees-{symposium_id}.{extension}",
    )


@router.get(
    "/symposia/{symposium_id}/attendees.csv",
    summary="The attendee list as CSV (UTF-8 with BOM, Japanese headers)",
    description=ORDER + COLUMNS,
    response_class=Response,
    responses=problems(success={200: {"content": {"text/csv": {}}}}),
)
async def export_attendees_csv(
    symposium_id: SymposiumId, session: SessionDep, _: Operator
) -> Response:
    rows = await service.attendees(session, symposium_id)
    return _file(to_csv(service.attendee_table(rows)), CSV_MEDIA_TYPE, symposium_id, "csv")


@router.get(
    "/symposia/{symposium_id}/attendees.xlsx",
    summary="The attendee list as an Excel workbook (Japanese headers)",
    description=ORDER + COLUMNS,
    response_class=Response,
    responses=problems(success={200: {"content": {XLSX_MEDIA_TYPE: {}}}}),
)
async def export_attendees_xlsx(
    symposium_id: SymposiumId, session: SessionDep, _: Operator
) -> Response:
    rows = await service.attendees(session, symposium_id)
    return _file(to_xlsx(service.attendee_table(rows)), XLSX_MEDIA_TYPE, symposium_id, "xlsx")


@router.get(
    "/campaigns/{campaign_id}/report",
    summary="A campaign's report: letters by outcome, who was left out and why, answers",
    description="`invited` counts the deliveries written, `delivered` the sent ones; "
    "`answers` counts the recipients by their answer to the symposium (`no_answer`: sent and "
    "not answered). `left_out` (a campaign drawn from the registry audience only) compares the "
    "registry audience as it is now with the campaign's deliveries: notify does not record "
    "whom a draft skipped, and the registry's audience already omits contacts it suppressed.",
    responses=problems(
        not_found="No such campaign", unavailable="The registry did not answer (`left_out`)"
    ),
)
async def get_campaign_report(
    campaign_id: CampaignId, session: SessionDep, registry: RegistryDep, _: Operator
) -> CampaignReport:
    return await service.campaign_report(session, registry, campaign_id)
