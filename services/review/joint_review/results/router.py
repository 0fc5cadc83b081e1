"""``/v1/joint-review-rounds/{id}/results`` (JSON, CSV, XLSX) — embargoed until the announcement.

Operators always see a round's results (its running tally while open). Everyone else sees them only
once published — a closed round whose announcement day has come, or an imported table — and gets
404 before, so an embargoed result is not even known to exist.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import APIRouter, Response

from libs.common.errors import problems
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.dependencies import NowDep, RegistryDep
from services.review.joint_review.dependencies import Anyone
from services.review.joint_review.results import export, service
from services.review.joint_review.results.schemas import ResultsOut

router = APIRouter(
    prefix="/v1/joint-review-rounds/{round_id}",
    tags=["joint-review"],
    route_class=UnitOfWorkRoute,
)
NOT_PUBLISHED = "No such round, or its results are not published yet (embargo)"
REGISTRY_SILENT = "The registry did not answer (earlier ☆ projects are read from it)"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.get(
    "/results",
    summary="Results per region, with the collaboration flag and totals",
    description="Per region: this round's programmes (marks ☆ □ ○ ● ■), earlier years' "
    "programmes (earlier rounds here, imported tables included, and the registry's ☆ projects "
    "of earlier fiscal years), and `collaborating`: two or more programmes this round, or any "
    "programme in an earlier year.",
    responses=problems(not_found=NOT_PUBLISHED, unavailable=REGISTRY_SILENT),
)
async def get_results(
    round_id: uuid.UUID,
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
async def get_results_csv(
    round_id: uuid.UUID,
    session: SessionDep,
    registry: RegistryDep,
    principal: Anyone,
    now: NowDep,
) -> Response:
    results = await service.visible_results(
        session, registry=registry, principal=principal, round_id=round_id, today=now.date()
    )
    return _download(
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
async def get_results_xlsx(
    round_id: uuid.UUID,
    session: SessionDep,
    registry: RegistryDep,
    principal: Anyone,
    now: NowDep,
) -> Response:
    results = await service.visible_results(
        session, registry=registry, principal=principal, round_id=round_id, today=now.date()
    )
    return _download(export.results_xlsx(results), XLSX, export.download_name(results, "xlsx"))
