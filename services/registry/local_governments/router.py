"""``/v1/local-governments`` — the code list every project and council refers to."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from libs.common.auth import Operator, Principal, Role, require
from libs.common.downloads import download
from libs.common.errors import (
    InvalidInput,
    problems,
)
from libs.common.etag import IfMatch
from libs.common.lg_code import LocalGovernmentCodeError, LocalGovernmentKind, validate_lg_code
from libs.common.pagination import (
    Key,
    Page,
    PageCursor,
    PageLimit,
    decode_cursor,
    encode_cursor,
    next_link,
)
from libs.common.spreadsheet import CSV_MEDIA_TYPE, to_csv
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from libs.common.uploads import UNSUPPORTED_UPLOAD, received, upload_request_body
from services.registry.local_governments import (
    csv_file,
    designation_file,
    designations,
    importer,
    service,
)
from services.registry.local_governments.schemas import (
    DesignationImportOut,
    ImportResultOut,
    LocalGovernmentCreate,
    LocalGovernmentOut,
    LocalGovernmentUpdate,
)
from services.registry.request_types import (
    LG_CODE_HELP,
)

router = APIRouter(
    prefix="/v1/local-governments", tags=["local-governments"], route_class=UnitOfWorkRoute
)

Reader = Annotated[
    Principal,
    Depends(require(Role.operator, Role.reviewer, Role.municipality, Role.partner, Role.service)),
]
CodePath = Annotated[str, Path(description=LG_CODE_HELP, examples=["112071"])]


NO_SUCH_CODE = "No local government has this code"

CSV_EXAMPLE = (
    "団体コード,都道府県名（漢字）,市区町村名（漢字）,都道府県名（カナ）,市区町村名（カナ）\n"
)
CSV_EXAMPLE += "110001,埼玉県,,ｻｲﾀﾏｹﾝ,\n112071,埼玉県,秩父市,ｻｲﾀﾏｹﾝ,ﾁﾁﾌﾞｼ\n"


def _checked_code(code: str) -> str:
    try:
        return validate_lg_code(code)
    except LocalGovernmentCodeError as err:
        raise InvalidInput.field("path.code", err.rule, err.message) from err


def _out(response: Response, row: Any) -> LocalGovernmentOut:
    response.headers["ETag"] = service.etag(row)
    return LocalGovernmentOut.model_validate(row)


@router.get(
    "",
    summary="List local governments",
    description="Filter by prefecture (code or name), kind, and `q`: a normalised search over "
    "name and kana (half-width katakana, hiragana and spacing variants all match).",
    responses=problems(),
)
async def list_local_governments(
    request: Request,
    session: SessionDep,
    _: Reader,
    prefecture: Annotated[
        str | None,
        Query(
            description="都道府県（prefecture: its 2-digit code or its name）",
            examples=["11", "埼玉県"],
        ),
    ] = None,
    kind: Annotated[
        LocalGovernmentKind | None,
        Query(description="団体の種類（kind of local government, derived from the code）"),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="団体名・カナの検索（search over name and kana, normalised: half-width "
            "katakana, hiragana and spacing all match）",
            examples=["ﾁﾁﾌﾞ", "ちちぶ"],
        ),
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[LocalGovernmentOut]:
    after = decode_cursor(request, cursor, Key.text)
    rows = await service.list_local_governments(
        session,
        prefecture=prefecture,
        kind=kind,
        q=q,
        after_code=after[0] if after else None,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(request, [rows[-1].code]) if more and rows else None
    return Page[LocalGovernmentOut](
        items=[LocalGovernmentOut.model_validate(r) for r in rows],
        next=next_link(request.url, next_cursor),
    )


DESIGNATION_CSV_EXAMPLE = (
    "団体コード,団体名,政令指定都市,中核市,中枢中核都市,基準日,出典\n"
    "162019,富山市,,○,○,2021-04-01,総務省 中核市一覧（令和3年4月1日現在）\n"
    "112071,秩父市,,,,2021-04-01,総務省 中核市一覧（令和3年4月1日現在）\n"
)


@router.get(
    "/designations/export.csv",
    summary="Export every local government's designations (CSV, the import's layout)",
    description="団体コード, 団体名, 政令指定都市, 中核市, 中枢中核都市 (○ or empty), "
    "基準日 and 出典 of every registered local government, UTF-8 with BOM: edit it and import "
    "it back.",
    response_class=Response,
    responses=problems(
        success={200: {"content": {"text/csv": {"example": DESIGNATION_CSV_EXAMPLE}}}}
    ),
)
async def export_designations_csv(session: SessionDep, _: Reader) -> Response:
    content = to_csv(await designations.export_table(session))
    return download(content, CSV_MEDIA_TYPE, "designations.csv")


@router.post(
    "/designations/imports",
    summary="Import designations (中核市・中枢中核都市) as of a date, all or nothing",
    description="Columns 団体コード, 中核市, 中枢中核都市 (○, 1 or true; empty, ×, 0 or "
    "false), 基準日 (any accepted date form) and 出典, and optionally 団体名 and 政令指定都市 "
    "(checked against the registry: 政令指定都市 follows from the code). Every code must be "
    "registered already; an empty 基準日 or 出典 takes the `as_of` or `source` parameter (the "
    "list the whole file is). If any row is bad nothing is applied and the 422 lists the problems "
    "by line and column. A row whose 基準日 is older than the stored one is not applied "
    "(`kept_newer`). With `dry_run=true` nothing is written and the answer says what would "
    "change; otherwise each change is audited (`local_government.designations_changed`). At "
    "most 1 MB and 5,000 data rows.",
    responses=problems(extra=UNSUPPORTED_UPLOAD),
    openapi_extra=upload_request_body(DESIGNATION_CSV_EXAMPLE),
)
async def import_designations(
    request: Request,
    session: SessionDep,
    principal: Operator,
    dry_run: Annotated[
        bool,
        Query(description="試行（dry run: check and report what would change; write nothing）"),
    ] = False,
    as_of: Annotated[
        str | None,
        Query(
            description="一覧全体の基準日（as of: the whole list's date, for rows whose 基準日 is "
            "empty）",
            examples=["2021-04-01"],
        ),
    ] = None,
    source: Annotated[
        str | None,
        Query(
            description="一覧全体の出典（source of the whole list, for rows whose 出典 is empty）",
            examples=["総務省 中核市一覧（令和3年4月1日現在）"],
        ),
    ] = None,
) -> DesignationImportOut:
    given = designation_file.defaults(as_of, source)
    data = await received(request, max_bytes=designation_file.MAX_BYTES)
    return await designation_file.import_designations(
        session, data=data, actor=principal, dry_run=dry_run, given=given
    )


@router.get(
    "/{code}",
    summary="Get a local government",
    responses=problems(not_found=NO_SUCH_CODE),
)
async def get_local_government(
    code: CodePath, session: SessionDep, response: Response, _: Reader
) -> LocalGovernmentOut:
    return _out(response, await service.get_local_government(session, _checked_code(code)))


@router.post(
    "",
    status_code=201,
    summary="Register a local government",
    description="The code is checked (format and check digit); prefecture and kind follow from it.",
    responses=problems(conflict="The code is registered already"),
)
async def create_local_government(
    body: LocalGovernmentCreate, session: SessionDep, response: Response, principal: Operator
) -> LocalGovernmentOut:
    row = await service.create_local_government(session, principal=principal, body=body)
    response.headers["Location"] = f"/v1/local-governments/{row.code}"
    return _out(response, row)


@router.patch(
    "/{code}",
    summary="Change a local government's name, kana or city flags",
    responses=problems(not_found=NO_SUCH_CODE, precondition=True),
)
async def update_local_government(
    code: CodePath,
    body: LocalGovernmentUpdate,
    session: SessionDep,
    response: Response,
    principal: Operator,
    if_match: IfMatch = None,
) -> LocalGovernmentOut:
    row = await service.update_local_government(
        session, principal=principal, code=_checked_code(code), if_match=if_match, body=body
    )
    return _out(response, row)


@router.post(
    "/imports",
    summary="Import the official code list (CSV), all or nothing",
    description="Columns 団体コード, 都道府県名（漢字）, 市区町村名（漢字）, 都道府県名（カナ）, "
    "市区町村名（カナ） (or code, 都道府県名, 市区町村名, カナ); UTF-8, UTF-8 with BOM or "
    "Shift_JIS; half-width kana accepted. Rows are upserted by code in one transaction. If any "
    "row is bad, nothing is imported and the 422 lists the first 100 problems (`errors` with "
    "`line[N].<column>`, rule and message) and bad lines (`lines`), with `error_count` and "
    "`line_count` for all of them. At most 10 MB (`too_large`) and 5,000 data rows "
    "(`too_many_rows`).",
    responses=problems(extra=UNSUPPORTED_UPLOAD),
    openapi_extra=upload_request_body(CSV_EXAMPLE),
)
async def import_local_governments(
    request: Request, session: SessionDep, principal: Operator
) -> ImportResultOut:
    data = await received(request, max_bytes=csv_file.MAX_BYTES)
    return await importer.import_csv(session, data=data, actor=principal)
