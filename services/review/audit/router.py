"""``GET /v1/audit`` — the review service's audit trail, for operators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from libs.common.auth import Principal, Role, require
from libs.common.errors import PROBLEM_RESPONSES
from libs.common.pagination import Page, decode_cursor, encode_cursor, next_link
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.review.audit import service
from services.review.audit.schemas import AuditEventOut

router = APIRouter(prefix="/v1/audit", tags=["audit"], route_class=UnitOfWorkRoute)


@router.get("", summary="List audit events", responses=PROBLEM_RESPONSES)
async def list_audit_events(
    request: Request,
    session: SessionDep,
    _: Annotated[Principal, Depends(require(Role.operator))],
    subject: Annotated[
        str | None,
        Query(
            description="`type:id`, e.g. `continuation_application:…` or `continuation_project:"
            "<cycle id>:<project id>`",
            examples=["continuation_application:0b6f…"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[AuditEventOut]:
    after = decode_cursor(cursor)
    events = await service.list_events(
        session, subject=subject, after_id=int(after[0]) if after else None, limit=limit + 1
    )
    more = len(events) > limit
    events = events[:limit]
    next_cursor = encode_cursor([events[-1].id]) if more and events else None
    return Page[AuditEventOut](
        items=[AuditEventOut.model_validate(e) for e in events],
        next=next_link(request.url, next_cursor),
    )
