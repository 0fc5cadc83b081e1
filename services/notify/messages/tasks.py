"""Queue jobs of transactional messages: what the review service publishes through its outbox."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import DomainError
from libs.common.queue import JobContext, Payload, job
from services.notify.messages import service

log = structlog.get_logger(__name__)


@job
async def send_transactional(
    session: AsyncSession, payload: Payload, ctx: JobContext
) -> dict[str, Any]:
    """Payload ``{kind, dedupe_key, context, recipients: [{name, email, contact_id?}]}``.

    Run twice (arq may), the second run finds the dedupe key and queues nothing. A payload the
    templates cannot use is logged and dropped: retrying would never make it valid."""
    try:
        created = await service.create_message(
            session,
            kind=payload["kind"],
            dedupe_key=payload["dedupe_key"],
            context=payload.get("context") or {},
            recipients=payload["recipients"],
        )
    except DomainError as exc:
        log.error(
            "transactional_message_rejected",
            dedupe_key=payload.get("dedupe_key"),
            detail=exc.detail,
            errors=[e.model_dump() for e in exc.errors or []],
        )
        return {"rejected": exc.detail}
    return {"message_id": str(created.message.id), "created": created.created}
