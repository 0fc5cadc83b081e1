"""Queue jobs of deliveries: the sender, and mirroring a suppression into the registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.logging import bind_request_id
from libs.common.queue import JobContext, Payload, job
from services.notify.deliveries.sender import send_due
from services.notify.registry_client import RegistryClient


async def send_due_deliveries(ctx: JobContext, payload: Payload) -> dict[str, int]:
    """Send every due delivery (enqueued by the outbox after a message or an approval, and by
    the scheduler every 10 s). Not one unit of work: each claim and each send commits alone."""
    bind_request_id(payload.get("_request_id"))
    as_of = payload.get("as_of")
    report = await send_due(ctx, as_of=datetime.fromisoformat(as_of) if as_of else None)
    return dict(report)


@job
async def record_suppression_in_registry(
    session: AsyncSession, payload: Payload, ctx: JobContext
) -> dict[str, Any]:
    """Tell the registry an address bounced or unsubscribed; the registry's call is idempotent,
    so a job run twice changes nothing more."""
    registry: RegistryClient = ctx["registry"]
    await registry.record_suppression(
        email=payload["email"], state=payload["state"], reason=payload.get("reason", "")
    )
    return {"email": payload["email"], "state": payload["state"]}
