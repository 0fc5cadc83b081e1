"""``/v1/councils`` and ``/v1/projects/{id}/council`` — 地域実装協議会 and their members."""

from __future__ import annotations

import uuid
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
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.registry.councils import service
from services.registry.councils.models import Council, CouncilMember
from services.registry.councils.schemas import (
    COUNCIL_ID_HELP,
    MEMBER_ID_HELP,
    CouncilCreate,
    CouncilOut,
    CouncilUpdate,
    MemberCreate,
    MemberOut,
    MemberUpdate,
)
from services.registry.projects.schemas import ProjectIdPath

CouncilIdPath = Annotated[uuid.UUID, Path(description=COUNCIL_ID_HELP)]
MemberIdPath = Annotated[uuid.UUID, Path(description=MEMBER_ID_HELP)]

router = APIRouter(tags=["councils"], route_class=UnitOfWorkRoute)

Reader = Annotated[
    Principal,
    Depends(require(Role.operator, Role.municipality, Role.partner, Role.reviewer, Role.service)),
]
Editor = Annotated[Principal, Depends(require(Role.operator, Role.municipality))]


NO_SUCH_COUNCIL = "No such project, council or member"
DUPLICATE_MEMBER = "The organisation is already a member"


def member_out(member: CouncilMember) -> MemberOut:
    return MemberOut.model_validate(
        {
            "id": member.id,
            "council_id": member.council_id,
            "organisation": member.organisation,
            "organisation_key": member.organisation_key,
            "category": member.category,
            "role": member.role,
            "lg_code": member.lg_code,
            "position": member.position,
            "etag": service.member_etag(member),
        }
    )


def council_out(council: Council, response: Response | None = None) -> CouncilOut:
    if response is not None:
        response.headers["ETag"] = service.council_etag(council)
    return CouncilOut(
        id=council.id,
        project_id=council.project_id,
        name=council.name,
        members=[member_out(m) for m in council.members],
        version=council.version,
    )


@router.post(
    "/v1/projects/{project_id}/council",
    status_code=201,
    summary="Create a project's council (地域実装協議会)",
    responses=problems(not_found=NO_SUCH_COUNCIL, conflict="The project already has a council"),
)
async def create_council(
    project_id: ProjectIdPath,
    body: CouncilCreate,
    session: SessionDep,
    principal: Operator,
    response: Response,
) -> CouncilOut:
    council = await service.create_council(
        session, principal=principal, project_id=project_id, data=body
    )
    response.headers["Location"] = f"/v1/councils/{council.id}"
    return council_out(council, response)


@router.get(
    "/v1/projects/{project_id}/council",
    summary="Get a project's council",
    responses=problems(not_found=NO_SUCH_COUNCIL),
)
async def get_project_council(
    project_id: ProjectIdPath, session: SessionDep, principal: Reader, response: Response
) -> CouncilOut:
    council = await service.get_project_council(session, principal=principal, project_id=project_id)
    return council_out(council, response)


@router.get(
    "/v1/councils",
    summary="List councils, e.g. those an organisation belongs to",
    responses=problems(),
)
async def list_councils(
    request: Request,
    session: SessionDep,
    principal: Reader,
    organisation: Annotated[
        str | None,
        Query(
            description="構成団体名（organisation name, matched by its normalised key: NFKC, "
            "kana, spacing）",
            examples=["早稲田大学"],
        ),
    ] = None,
    project_id: Annotated[
        uuid.UUID | None, Query(description="この事業の協議会（the council of this project）")
    ] = None,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> Page[CouncilOut]:
    after = decode_cursor(request, cursor, Key.uuid)
    councils = await service.list_councils(
        session,
        principal=principal,
        organisation=organisation,
        project_id=project_id,
        after_id=after[0] if after else None,
        limit=limit + 1,
    )
    more = len(councils) > limit
    councils = councils[:limit]
    next_cursor = encode_cursor(request, [councils[-1].id]) if more and councils else None
    return Page[CouncilOut](
        items=[council_out(c) for c in councils], next=next_link(request.url, next_cursor)
    )


@router.get(
    "/v1/councils/{council_id}",
    summary="Get a council",
    responses=problems(not_found=NO_SUCH_COUNCIL),
)
async def get_council(
    council_id: CouncilIdPath, session: SessionDep, principal: Reader, response: Response
) -> CouncilOut:
    council = await service.get_council(session, principal=principal, council_id=council_id)
    return council_out(council, response)


@router.patch(
    "/v1/councils/{council_id}",
    summary="Rename a council",
    responses=problems(not_found=NO_SUCH_COUNCIL, precondition=True),
)
async def update_council(
    council_id: CouncilIdPath,
    body: CouncilUpdate,
    session: SessionDep,
    principal: Editor,
    response: Response,
    if_match: IfMatch = None,
) -> CouncilOut:
    council = await service.update_council(
        session, principal=principal, council_id=council_id, data=body, if_match=if_match
    )
    return council_out(council, response)


@router.post(
    "/v1/councils/{council_id}/members",
    status_code=201,
    summary="Add a member organisation to a council",
    responses=problems(not_found=NO_SUCH_COUNCIL, conflict=DUPLICATE_MEMBER),
)
async def add_council_member(
    council_id: CouncilIdPath,
    body: MemberCreate,
    session: SessionDep,
    principal: Editor,
    response: Response,
) -> MemberOut:
    member = await service.add_member(
        session, principal=principal, council_id=council_id, data=body
    )
    response.headers["ETag"] = service.member_etag(member)
    response.headers["Location"] = f"/v1/councils/{council_id}/members/{member.id}"
    return member_out(member)


@router.get(
    "/v1/councils/{council_id}/members/{member_id}",
    summary="Get one member of a council",
    responses=problems(not_found=NO_SUCH_COUNCIL),
)
async def get_council_member(
    council_id: CouncilIdPath,
    member_id: MemberIdPath,
    session: SessionDep,
    principal: Reader,
    response: Response,
) -> MemberOut:
    member = await service.get_member(
        session, principal=principal, council_id=council_id, member_id=member_id
    )
    response.headers["ETag"] = service.member_etag(member)
    return member_out(member)


@router.patch(
    "/v1/councils/{council_id}/members/{member_id}",
    summary="Change a member (If-Match: the member's ETag)",
    responses=problems(not_found=NO_SUCH_COUNCIL, conflict=DUPLICATE_MEMBER, precondition=True),
)
async def update_council_member(
    council_id: CouncilIdPath,
    member_id: MemberIdPath,
    body: MemberUpdate,
    session: SessionDep,
    principal: Editor,
    response: Response,
    if_match: IfMatch = None,
) -> MemberOut:
    member = await service.update_member(
        session,
        principal=principal,
        council_id=council_id,
        member_id=member_id,
        data=body,
        if_match=if_match,
    )
    response.headers["ETag"] = service.member_etag(member)
    return member_out(member)


@router.delete(
    "/v1/councils/{council_id}/members/{member_id}",
    status_code=204,
    summary="Remove a member (If-Match: the member's ETag)",
    responses=problems(not_found=NO_SUCH_COUNCIL, precondition=True),
)
async def remove_council_member(
    council_id: CouncilIdPath,
    member_id: MemberIdPath,
    session: SessionDep,
    principal: Editor,
    if_match: IfMatch = None,
) -> Response:
    await service.remove_member(
        session,
        principal=principal,
        council_id=council_id,
        member_id=member_id,
        if_match=if_match,
    )
    return Response(status_code=204)
