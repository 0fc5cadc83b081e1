"""``/v1/programmes`` (the five smart-city programmes) and ``/v1/grant-schemes`` (交付金 types)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from libs.common.auth import Operator, Principal, Role, require
from libs.common.errors import problems
from libs.common.etag import IfMatch
from libs.common.pagination import (
    Key,
    Page,
    PageCursor,
    PageLimit,
    decode_cursor,
    encode_cursor,
    next_link,
)
from libs.common.programmes import legend_position
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.registry.programmes import service
from services.registry.programmes.schemas import (
    GrantSchemeOut,
    ProgrammeOut,
    ProgrammeUpdate,
    grant_scheme_out,
    programme_out,
)

programmes_router = APIRouter(
    prefix="/v1/programmes", tags=["programmes"], route_class=UnitOfWorkRoute
)
grant_schemes_router = APIRouter(
    prefix="/v1/grant-schemes", tags=["grant-schemes"], route_class=UnitOfWorkRoute
)

Reader = Annotated[
    Principal,
    Depends(require(Role.operator, Role.reviewer, Role.municipality, Role.partner, Role.service)),
]


NO_SUCH_PROGRAMME = "No such programme or grant scheme"
ProgrammeIdPath = Annotated[
    str,
    Path(description="スマートシティ関連事業のID（programme id）", examples=["mirai-gijutsu"]),
]


def _after(request: Request, cursor: str | None) -> str | None:
    values = decode_cursor(request, cursor, Key.text)
    return values[0] if values else None


@programmes_router.get(
    "",
    summary="List the smart-city programmes (in legend order ☆□○●■)",
    description="The programmes of the joint review (合同審査) with budgets and selection counts "
    "by fiscal year, in the legend's order. Readable by every role.",
    responses=problems(),
)
async def list_programmes(
    request: Request,
    session: SessionDep,
    _: Reader,
    mark: Annotated[
        str | None,
        Query(
            description="凡例の記号（mark: ☆ □ ○ ● ■, as people type it: 〇 finds ○）",
            examples=["☆"],
        ),
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[ProgrammeOut]:
    after = decode_cursor(request, cursor, Key.integer, Key.text)
    rows = await service.list_programmes(
        session, mark=mark, after=(after[0], after[1]) if after else None, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    next_cursor = encode_cursor(request, [legend_position(last.mark), last.id]) if last else None
    return Page[ProgrammeOut](
        items=[programme_out(r) for r in rows], next=next_link(request.url, next_cursor)
    )


@programmes_router.get(
    "/{programme_id}",
    summary="Get a programme",
    responses=problems(not_found=NO_SUCH_PROGRAMME),
)
async def get_programme(
    programme_id: ProgrammeIdPath,
    session: SessionDep,
    response: Response,
    _: Reader,
) -> ProgrammeOut:
    programme = await service.get_programme(session, programme_id)
    response.headers["ETag"] = service.programme_etag(programme)
    return programme_out(programme)


@programmes_router.patch(
    "/{programme_id}",
    summary="Change a programme",
    description="Only the fields sent change; `fiscal_years` upserts the fiscal years it names "
    "(any accepted form: 2022, R4, 令和4年度). Needs If-Match.",
    responses=problems(not_found=NO_SUCH_PROGRAMME, precondition=True),
)
async def update_programme(
    programme_id: ProgrammeIdPath,
    body: ProgrammeUpdate,
    session: SessionDep,
    response: Response,
    principal: Operator,
    if_match: IfMatch = None,
) -> ProgrammeOut:
    programme = await service.update_programme(
        session, principal=principal, programme_id=programme_id, if_match=if_match, body=body
    )
    response.headers["ETag"] = service.programme_etag(programme)
    return programme_out(programme)


@grant_schemes_router.get(
    "",
    summary="List grant schemes and their rules",
    description="Caps by applicant kind, maximum years, subsidy rate, new-application quotas, "
    "quota groups and required conditions, as the review service applies them.",
    responses=problems(),
)
async def list_grant_schemes(
    request: Request,
    session: SessionDep,
    _: Reader,
    grant: Annotated[
        str | None,
        Query(description="交付金の名称（grant name）", examples=["地方創生推進交付金"]),
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[GrantSchemeOut]:
    rows = await service.list_grant_schemes(
        session, grant=grant, after_id=_after(request, cursor), limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(request, [rows[-1].id]) if more and rows else None
    return Page[GrantSchemeOut](
        items=[grant_scheme_out(r) for r in rows], next=next_link(request.url, next_cursor)
    )


@grant_schemes_router.get(
    "/{scheme_id}",
    summary="Get a grant scheme and its rules",
    responses=problems(not_found=NO_SUCH_PROGRAMME),
)
async def get_grant_scheme(
    scheme_id: Annotated[
        str, Path(description="交付金タイプのID（grant scheme id）", examples=["suishin-senku"])
    ],
    session: SessionDep,
    response: Response,
    _: Reader,
) -> GrantSchemeOut:
    scheme = await service.get_grant_scheme(session, scheme_id)
    response.headers["ETag"] = service.grant_scheme_etag(scheme)
    return grant_scheme_out(scheme)
