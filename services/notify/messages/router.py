"""``/v1/messages`` — transactional letters: decisions, deadline reminders, review results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from libs.common.auth import Principal, Role, require
from libs.common.errors import problems
from libs.common.idempotency import json_body
from libs.common.unit_of_work import SessionDep, UnitOfWorkRoute
from services.notify.deliveries.models import Delivery
from services.notify.deliveries.schemas import DeliveryOut
from services.notify.messages import service
from services.notify.messages.models import Message
from services.notify.messages.schemas import MessageCreate, MessageOut
from services.notify.parameters import MessageId

router = APIRouter(prefix="/v1/messages", tags=["messages"], route_class=UnitOfWorkRoute)

Sender = Annotated[Principal, Depends(require(Role.operator, Role.service))]


def _out(message: Message, deliveries: list[Delivery]) -> MessageOut:
    return MessageOut.model_validate(
        {
            "id": message.id,
            "kind": message.kind,
            "dedupe_key": message.dedupe_key,
            "context": message.context,
            "created_at": message.created_at,
            "counts": service.counts(deliveries),
            "deliveries": [DeliveryOut.model_validate(d) for d in deliveries],
        }
    )


@router.post(
    "",
    status_code=201,
    summary="Send a transactional message to its recipients, once",
    description="One delivery per distinct address (suppressed addresses are recorded, not "
    "written to). A second message with the same `dedupe_key`, kind and context sends nothing "
    "and answers 200 with the first, marked `Idempotent-Replayed: true`; the same key with "
    "another kind or context is a 422 (`dedupe_key_reused` on `body.dedupe_key`). "
    "`Idempotency-Key` replays the first response.",
    responses=problems(
        success={
            200: {
                "model": MessageOut,
                "description": "The dedupe_key was known with this content: nothing new sent "
                "(header `Idempotent-Replayed: true`)",
            }
        }
    ),
)
async def create_message(
    body: MessageCreate, session: SessionDep, principal: Sender
) -> JSONResponse:
    created = await service.create_message(
        session,
        kind=body.kind,
        dedupe_key=body.dedupe_key,
        context=body.context,
        recipients=[r.model_dump() for r in body.recipients],
    )
    out = _out(*await service.get_message(session, created.message.id))
    headers = {"Location": f"/v1/messages/{out.id}"}
    if not created.created:
        headers["Idempotent-Replayed"] = "true"  # the kernel's replay marker: nothing new sent
    return JSONResponse(
        json_body(out), status_code=201 if created.created else 200, headers=headers
    )


@router.get(
    "/{message_id}",
    summary="A message and its deliveries",
    responses=problems(not_found="No such message"),
)
async def get_message(message_id: MessageId, session: SessionDep, principal: Sender) -> MessageOut:
    return _out(*await service.get_message(session, message_id))
