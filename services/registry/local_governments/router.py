"""``/v1/local-governments`` — the code list every project and council refers to."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from libs.common.auth import Operator, Principal, Role, require
from libs.common.errors import (
    InvalidInput,
    problems,
)
from libs.common.lg_code import LocalGovernmentCodeError, LocalGovernmentKind, validate_lg_code
from libs.common.pagination import Key, Page, decode_cursor, encode_cursor, next_link
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from libs.common.uploads import received
from services.registry.local_governments import csv_file, importer, service
from services.registry.local_governments.schemas import (
    ImportResultOut,
    LocalGovernmentCreate,
    LocalGovernmentOut,
    LocalGovernmentUpdate,
)

router = APIRouter(
    prefix="/v1/local-governments", tags=["local-governments"], route_class=UnitOfWorkRoute
)

Reader = Annotated[
    Principal,
    Depends(require(Role.operator, Role.reviewer, Role.municipality, Role.partner, Role.service)),
]
CodePath = Annotated[str, Path(description="全国地方公共団体コード", examples=["112071"])]


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
        str | None, Query(description="都道府県コード or name", examples=["11", "埼玉県"])
    ] = None,
    kind: Annotated[LocalGovernmentKind | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100, examples=["ﾁﾁﾌﾞ", "ちちぶ"])] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
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
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
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
    responses=problems(extra={415: "Neither text/csv nor multipart/form-data"}),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    },
)
async def import_local_governments(
    request: Request, session: SessionDep, principal: Operator
) -> ImportResultOut:
    data = await received(request, max_bytes=csv_file.MAX_BYTES)
    return await importer.import_csv(session, data=data, actor=principal)
