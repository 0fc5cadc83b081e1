"""``/v1/projects`` — projects, their support terms, activity reports, export and import."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    Query,
    Request,
    Response,
    status,
)
from fastapi.responses import JSONResponse

from libs.common.auth import Operator, Principal, Role, require
from libs.common.documents import document_response
from libs.common.downloads import download
from libs.common.driver_reads import ReadsDep
from libs.common.errors import (
    problems,
)
from libs.common.etag import IfMatch
from libs.common.fiscal_year import today_tokyo
from libs.common.idempotency import json_body
from libs.common.pagination import (
    Key,
    Page,
    PageCursor,
    PageLimit,
    decode_cursor,
    encode_cursor,
    next_link,
)
from libs.common.unit_of_work import ReadOnly, SessionDep, UnitOfWorkRoute
from libs.common.uploads import UNSUPPORTED_UPLOAD, received, upload_request_body
from services.registry.projects import exchange, queries, repository, service
from services.registry.projects.schemas import (
    ImportResult,
    ProjectCreate,
    ProjectIdPath,
    ProjectOut,
    ProjectStats,
    ProjectUpdate,
    StatusAsOf,
)

router = APIRouter(prefix="/v1/projects", tags=["projects"], route_class=UnitOfWorkRoute)

MAX_IMPORT_BYTES = exchange.MAX_IMPORT_BYTES
CSV_EXAMPLE = (
    "選定年度,提案者,提案タイトル,主な活用技術\n"
    "令和2年度,埼玉県秩父市,山間地域におけるスマートモビリティによる生活交通・物流融合事業,"
    "IoT、自動運転、ドローン\n"
)


NO_SUCH_PROJECT = "No project with this id"
_read_role = require(*service.READERS)
Reader = Annotated[Principal, Depends(_read_role)]
# The review service registers the regions the Cabinet Office programme selects in the joint review.
Creator = Annotated[Principal, Depends(require(Role.operator, Role.service))]
Editor = Annotated[Principal, Depends(require(Role.operator, Role.municipality))]
AsOf = Annotated[
    str | None,
    Query(
        description="基準日（reference day; default: today in Asia/Tokyo）",
        examples=["2021-08-24", "令和3年8月24日"],
    ),
]


async def project_filters(
    session: SessionDep,
    principal: Reader,
    fiscal_year: Annotated[
        str | None,
        Query(
            description="選定年度（fiscal year of selection）: 2019, R1, 令和元年度 …",
            examples=["R1", "令和元年度", "2019"],
        ),
    ] = None,
    supported_as_of: Annotated[
        str | None,
        Query(description="この日に支援中（supported on this day）", examples=["2021-08-24"]),
    ] = None,
    technology: Annotated[
        str | None,
        Query(
            description="主な活用技術（technology from the vocabulary, in any width or case）",
            examples=["ドローン"],
        ),
    ] = None,
    prefecture: Annotated[
        str | None,
        Query(
            description="提案団体の都道府県（コードか名称）"
            "（prefecture of a proposer: its code or name）",
            examples=["埼玉県", "11"],
        ),
    ] = None,
    programme: Annotated[
        str | None,
        Query(
            description="事業の id か記号（programme id or mark）", examples=["☆", "mirai-gijutsu"]
        ),
    ] = None,
    project_status: Annotated[
        StatusAsOf | None,
        Query(
            alias="status",
            description="as_of の日の状態（status on as_of, by the rule of status_as_of; "
            "not_started too）",
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            description="タイトル・提案団体名の検索（表記ゆれを正規化）（search over the title and "
            "the proposers' names and kana, normalised）",
            examples=["秩父"],
        ),
    ] = None,
) -> repository.ProjectFilters:
    return await queries.parse_filters(
        session,
        principal=principal,
        fiscal_year=fiscal_year,
        supported_as_of=supported_as_of,
        technology=technology,
        prefecture=prefecture,
        programme=programme,
        status=project_status,
        q=q,
    )


Filters = Annotated[repository.ProjectFilters, Depends(project_filters)]


def _as_of(value: str | None) -> Any:
    return queries.parse_query_date(value, "query.as_of") or today_tokyo()


@router.get(
    "",
    summary="List projects",
    response_model=Page[ProjectOut],
    responses=problems(),
    dependencies=[ReadOnly],
)
async def list_projects(
    request: Request,
    session: SessionDep,
    filters: Filters,
    as_of: AsOf = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Response:
    day = _as_of(as_of)
    items, last = await queries.list_documents(
        session,
        filters=replace(filters, as_of=day),
        after=decode_cursor(request, cursor, Key.integer, Key.text, Key.uuid),
        limit=limit,
        day=day,
    )
    return document_response(
        {
            "items": items,
            "next": next_link(request.url, encode_cursor(request, last) if last else None),
        }
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a project (term derived from the selection fiscal year)",
    description="With an `Idempotency-Key`, a repeat of the same request returns the first "
    "answer (`Idempotent-Replayed: true`) and creates nothing.",
    response_model=ProjectOut,
    responses=problems(),
)
async def create_project(body: ProjectCreate, session: SessionDep, principal: Creator) -> Response:
    project = await service.create_project(session, actor=principal, data=body)
    headers = {
        "ETag": service.project_etag(project),
        "Location": f"{router.prefix}/{project.id}",
    }
    return JSONResponse(
        json_body(service.to_out(project)), status_code=status.HTTP_201_CREATED, headers=headers
    )


@router.get(
    "/stats",
    summary="Supported projects by selection cohort on a date, beside the published figures",
    description="`total` and `by_selection_fiscal_year` are counted from the stored project "
    "rows on `as_of`; `published` lists the figures the sources publish about projects they do "
    "not name (38 supported in FY2021, the cohorts' sizes …), each with its own 基準日 and "
    "source. Rows are stored only for what a source names, so the two differ: never read a "
    "published figure as a count of rows, or the other way round (docs/registry.md).",
    responses=problems(),
)
async def get_project_stats(session: SessionDep, _: Reader, as_of: AsOf = None) -> ProjectStats:
    return await queries.stats(session, as_of=_as_of(as_of))


def _download(content: bytes, media_type: str, extension: str) -> Response:
    return download(
        content, media_type, f"事業一覧.{extension}", ascii_name=f"projects.{extension}"
    )


@router.get(
    "/export.csv",
    summary="Export projects as CSV (UTF-8 with BOM, Japanese headers)",
    response_class=Response,
    responses=problems(success={200: {"content": {"text/csv": {}}}}),
)
async def export_projects_csv(
    session: SessionDep, filters: Filters, as_of: AsOf = None
) -> Response:
    day = _as_of(as_of)
    content = await exchange.export_filtered(
        session, filters=replace(filters, as_of=day), xlsx=False
    )
    return _download(content, "text/csv; charset=utf-8", "csv")


@router.get(
    "/export.xlsx",
    summary="Export projects as an Excel workbook (Japanese headers)",
    response_class=Response,
    responses=problems(success={200: {"content": {exchange.XLSX: {}}}}),
)
async def export_projects_xlsx(
    session: SessionDep, filters: Filters, as_of: AsOf = None
) -> Response:
    day = _as_of(as_of)
    content = await exchange.export_filtered(
        session, filters=replace(filters, as_of=day), xlsx=True
    )
    return _download(content, exchange.XLSX, "xlsx")


@router.post(
    "/imports",
    status_code=status.HTTP_201_CREATED,
    summary="Import projects from CSV (all rows or none)",
    description="Columns 選定年度, 提案者, 提案タイトル (required), "
    "主な活用技術, 支援開始, 支援終了 "
    "(事業ID and 状態 of an export are read past). 提案者: names or codes separated by ・ or 、, "
    "the lead first. UTF-8 (with or without BOM) or Shift_JIS. If any row is bad nothing is "
    "imported and the 422 lists the first 100 problems (`errors` with `line[N].<column>`) and "
    "bad lines (`lines`), with `error_count` and `line_count` for all of them. At most 5 MB "
    "(`too_large`) and 1,000 data rows (`too_many_rows`).",
    responses=problems(extra=UNSUPPORTED_UPLOAD),
    openapi_extra=upload_request_body(CSV_EXAMPLE),
)
async def import_projects(
    request: Request, session: SessionDep, principal: Operator
) -> ImportResult:
    content = await received(request, max_bytes=MAX_IMPORT_BYTES)
    return await exchange.import_csv(session, actor=principal, content=content)


@router.get(
    "/{project_id}",
    summary="Get a project, with its status on a date",
    response_model=ProjectOut,
    responses=problems(not_found=NO_SUCH_PROJECT),
)
async def get_project(
    project_id: ProjectIdPath,
    reads: ReadsDep,
    principal: Reader,
    as_of: AsOf = None,
) -> Response:
    project, etag = await queries.document(
        reads, principal=principal, project_id=project_id, day=_as_of(as_of)
    )
    return document_response(project, {"ETag": etag})


@router.patch(
    "/{project_id}",
    summary="Change a project (municipalities: summary sections of their own projects)",
    responses=problems(
        not_found=NO_SUCH_PROJECT, conflict="The project has ended", precondition=True
    ),
)
async def update_project(
    project_id: ProjectIdPath,
    body: ProjectUpdate,
    response: Response,
    session: SessionDep,
    principal: Editor,
    if_match: IfMatch = None,
) -> ProjectOut:
    project = await service.update_project(
        session, principal=principal, project_id=project_id, data=body, if_match=if_match
    )
    response.headers["ETag"] = service.project_etag(project)
    return service.to_out(project)
