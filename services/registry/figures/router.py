"""``/v1/published-figures`` — 公表数値: what a source publishes, beside what rows count."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from libs.common.auth import Operator, Principal, Role, require
from libs.common.errors import problems
from libs.common.etag import IfMatch
from libs.common.idempotency import json_body
from libs.common.openapi_links import BODY_ID, ETAG, link_to, response_links
from libs.common.pagination import (
    Key,
    Page,
    PageCursor,
    PageLimit,
    decode_cursor,
    encode_cursor,
    next_link,
)
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.registry.figures import service
from services.registry.figures.schemas import (
    FIGURE_ID_HELP,
    TOPIC_FIELD_HELP,
    FigureTopic,
    PublishedFigureCreate,
    PublishedFigureOut,
    PublishedFigureUpdate,
    figure_view,
)

FigureIdPath = Annotated[uuid.UUID, Path(description=FIGURE_ID_HELP)]

router = APIRouter(
    prefix="/v1/published-figures", tags=["published-figures"], route_class=UnitOfWorkRoute
)

# Whoever may read the projects' stats, where these figures are served too.
Reader = Annotated[
    Principal,
    Depends(require(Role.operator, Role.municipality, Role.partner, Role.reviewer, Role.service)),
]

NO_SUCH_FIGURE = "No published figure with this id"
FIGURE = "/v1/published-figures/{figure_id}"
CHANGE_FIGURE = link_to("PATCH", FIGURE, "Correct it", figure_id=BODY_ID, if_match=ETAG)
CREATED_LINKS = response_links(
    "The figure, with its `ETag`",
    GetPublishedFigure=link_to("GET", FIGURE, "Read it again", figure_id=BODY_ID),
    ChangePublishedFigure=CHANGE_FIGURE,
)
DESCRIPTION = (
    "A figure is stored as its source publishes it (value, unit, the date it is stated as of, "
    "the document and its section, the words verbatim) and is never counted from rows; "
    "`GET /v1/projects/stats` serves the project figures beside its counts."
)


@router.get("", summary="List published figures", description=DESCRIPTION, responses=problems())
async def list_published_figures(
    request: Request,
    session: SessionDep,
    _: Reader,
    topic: Annotated[FigureTopic | None, Query(description=TOPIC_FIELD_HELP)] = None,
    fiscal_year: Annotated[
        str | None,
        Query(
            description="対象年度（fiscal year the figures are about）: 2021, R3, 令和3年度 …",
            examples=["R3", "令和3年度", "2021"],
        ),
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[PublishedFigureOut]:
    after = decode_cursor(request, cursor, Key.text)
    figures = await service.list_figures(
        session,
        topics=[topic] if topic else None,
        fiscal_year=fiscal_year,
        after_key=after[0] if after else None,
        limit=limit + 1,
    )
    page = figures[:limit]
    last = encode_cursor(request, [page[-1].key]) if len(figures) > limit and page else None
    return Page[PublishedFigureOut](
        items=[figure_view(f) for f in page], next=next_link(request.url, last)
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a published figure",
    description=DESCRIPTION + " With an `Idempotency-Key`, a repeat returns the first answer.",
    response_model=PublishedFigureOut,
    responses=problems(conflict="The key is registered already", success={201: CREATED_LINKS}),
)
async def create_published_figure(
    body: PublishedFigureCreate,
    session: SessionDep,
    principal: Operator,
) -> Response:
    figure = await service.create_figure(session, actor=principal, data=body)
    headers = {"ETag": service.etag(figure), "Location": f"{router.prefix}/{figure.id}"}
    return JSONResponse(
        json_body(figure_view(figure)), status_code=status.HTTP_201_CREATED, headers=headers
    )


@router.get(
    "/{figure_id}",
    summary="Get a published figure",
    responses=problems(
        not_found=NO_SUCH_FIGURE,
        success={
            200: response_links("The figure, with its `ETag`", ChangePublishedFigure=CHANGE_FIGURE)
        },
    ),
)
async def get_published_figure(
    figure_id: FigureIdPath, session: SessionDep, _: Reader, response: Response
) -> PublishedFigureOut:
    figure = await service.get_figure(session, figure_id=figure_id)
    response.headers["ETag"] = service.etag(figure)
    return figure_view(figure)


@router.patch(
    "/{figure_id}",
    summary="Correct a published figure (If-Match)",
    description="Every field but the key may be corrected; the audit trail keeps before and after "
    "(`GET /v1/audit?subject=published_figure:<id>`).",
    responses=problems(not_found=NO_SUCH_FIGURE, precondition=True),
)
async def update_published_figure(
    figure_id: FigureIdPath,
    body: PublishedFigureUpdate,
    session: SessionDep,
    principal: Operator,
    response: Response,
    if_match: IfMatch = None,
) -> PublishedFigureOut:
    figure = await service.update_figure(
        session, actor=principal, figure_id=figure_id, data=body, if_match=if_match
    )
    response.headers["ETag"] = service.etag(figure)
    return figure_view(figure)
