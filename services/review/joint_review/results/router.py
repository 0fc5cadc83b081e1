"""``/v1/joint-review-rounds/{id}/results`` (JSON, CSV, XLSX) — embargoed until the announcement —
and ``…/applications.xlsx``, the operators' internal workbook.

Operators always see a round's results (its running tally while open). Everyone else sees them only
once published — a closed round whose announcement day has come, or an imported table — and gets
404 before, so an embargoed result is not even known to exist. The internal workbook (scores,
comments, every application's amounts) is operators' only, always.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from libs.common.auth import Operator
from libs.common.downloads import download
from libs.common.errors import problems
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.dependencies import NowDep, RegistryDep
from services.review.joint_review.dependencies import Anyone
from services.review.joint_review.results import export, internal, service
from services.review.joint_review.results.schemas import ResultsOut
from services.review.parameters import RoundId

router = APIRouter(
    prefix="/v1/joint-review-rounds/{round_id}",
    tags=["joint-review"],
    route_class=UnitOfWorkRoute,
)
NOT_PUBLISHED = "No such round, or its results are not published yet (embargo)"
REGISTRY_SILENT = "The registry did not answer (earlier ☆ projects are read from it)"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/results",
    summary="Results per region, with the collaboration flag and totals",
    description="Per region: this round's programmes (marks ☆ □ ○ ● ■), earlier years' "
    "programmes (earlier rounds here, imported tables included, and the registry's ☆ projects "
    "of earlier fiscal years), and `collaborating`: two or more programmes this round, or any "
    "programme in an earlier year.",
    responses=problems(not_found=NOT_PUBLISHED, unavailable=REGISTRY_SILENT),
)
async def get_joint_review_results(
    round_id: RoundId,
    session: SessionDep,
    registry: RegistryDep,
    principal: Anyone,
    now: NowDep,
) -> ResultsOut:
    return await service.visible_results(
        session, registry=registry, principal=principal, round_id=round_id, today=now.date()
    )


@router.get(
    "/results.csv",
    summary="Results as the published table (CSV, UTF-8 with BOM)",
    response_class=Response,
    responses=problems(
        not_found=NOT_PUBLISHED,
        unavailable=REGISTRY_SILENT,
        success={200: {"content": {"text/csv": {}}}},
    ),
)
async def export_joint_review_results_csv(
    round_id: RoundId,
    session: SessionDep,
    registry: RegistryDep,
    principal: Anyone,
    now: NowDep,
) -> Response:
    results = await service.visible_results(
        session, registry=registry, principal=principal, round_id=round_id, today=now.date()
    )
    return download(
        export.results_csv(results),
        "text/csv; charset=utf-8",
        export.download_name(results, "csv"),
    )


@router.get(
    "/results.xlsx",
    summary="Results as the published table (Excel), with the legend on a second sheet",
    response_class=Response,
    responses=problems(
        not_found=NOT_PUBLISHED,
        unavailable=REGISTRY_SILENT,
        success={200: {"content": {XLSX: {}}}},
    ),
)
async def export_joint_review_results_xlsx(
    round_id: RoundId,
    session: SessionDep,
    registry: RegistryDep,
    principal: Anyone,
    now: NowDep,
) -> Response:
    results = await service.visible_results(
        session, registry=registry, principal=principal, round_id=round_id, today=now.date()
    )
    return download(
        export.results_xlsx(results, now=now), XLSX, export.download_name(results, "xlsx")
    )


@router.get(
    "/applications.xlsx",
    summary="Every application with its scores and selections (Excel, operators only)",
    description="申請一覧（内部資料）: per application the title, region, lead and member "
    "local-government codes, grant scheme, programmes applied to, amounts, the number of "
    "assessments and mean scores, the programmes that selected it and their amounts; a second "
    "sheet lists every assessment with its comments. Marked 内部資料・取扱注意（運営者限り） on "
    "the sheet and every printed page. Operators only, before and after publication.",
    response_class=Response,
    responses=problems(
        not_found="No such round",
        success={200: {"content": {XLSX: {}}}},
    ),
)
async def export_joint_review_workbook_xlsx(
    round_id: RoundId, session: SessionDep, _: Operator, now: NowDep
) -> Response:
    content = await internal.internal_workbook(session, round_id=round_id, now=now)
    return download(content, XLSX, f"joint-review-applications-{round_id}.xlsx")
