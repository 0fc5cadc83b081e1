"""``/v1/joint-review-rounds/{id}/results`` (JSON, CSV, XLSX) — embargoed until the announcement.

Operators always see a round's results (its running tally while open). Everyone else sees them only
once published — a closed round whose announcement day has come, or an imported table — and gets
404 before, so an embargoed result is not even known to exist.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Response

from libs.common.auth import Principal
from libs.common.errors import PROBLEM_RESPONSES, problem_doc
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.dependencies import NowDep, RegistryDep
from services.review.joint_review import export, rounds, visibility
from services.review.joint_review.dependencies import Anyone, Responses
from services.review.joint_review.results import ResultsOut, round_results

router = APIRouter(
    prefix="/v1/joint-review-rounds/{round_id}",
    tags=["joint-review"],
    route_class=UnitOfWorkRoute,
)
RESPONSES: Responses = {
    **PROBLEM_RESPONSES,
    404: problem_doc("No such round, or its results are not published yet (embargo)"),
    503: problem_doc("The registry did not answer (earlier ☆ projects are read from it)"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _results(
    session: SessionDep,
    registry: RegistryDep,
    principal: Principal,
    round_id: uuid.UUID,
    now: datetime,
) -> ResultsOut:
    round_ = await rounds.get_round(session, round_id)
    visibility.require_results_visible(principal, round_, now.date())
    return await round_results(session, registry=registry, round_=round_, today=now.date())


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
    responses=RESPONSES,
)
async def get_results(
    round_id: uuid.UUID,
    session: SessionDep,
    registry: RegistryDep,
    principal: Anyone,
    now: NowDep,
) -> ResultsOut:
    return await _results(session, registry, principal, round_id, now)


@router.get(
    "/results.csv",
    summary="Results as the published table (CSV, UTF-8 with BOM)",
    response_class=Response,
    responses={**RESPONSES, 200: {"content": {"text/csv": {}}}},
)
async def get_results_csv(
    round_id: uuid.UUID,
    session: SessionDep,
    registry: RegistryDep,
    principal: Anyone,
    now: NowDep,
) -> Response:
    results = await _results(session, registry, principal, round_id, now)
    return _download(
        export.results_csv(results),
        "text/csv; charset=utf-8",
        export.download_name(results, "csv"),
    )


@router.get(
    "/results.xlsx",
    summary="Results as the published table (Excel), with the legend on a second sheet",
    response_class=Response,
    responses={**RESPONSES, 200: {"content": {XLSX: {}}}},
)
async def get_results_xlsx(
    round_id: uuid.UUID,
    session: SessionDep,
    registry: RegistryDep,
    principal: Anyone,
    now: NowDep,
) -> Response:
    results = await _results(session, registry, principal, round_id, now)
    return _download(export.results_xlsx(results), XLSX, export.download_name(results, "xlsx"))
