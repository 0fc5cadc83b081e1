"""Queue jobs of campaigns: the hourly reminder run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.queue import JobContext, Payload, job, utcnow
from services.notify.campaigns.reminders import send_reminders
from services.notify.config import get_notify_settings
from services.notify.registry_client import RegistryClient


@job
async def send_symposium_reminders(
    session: AsyncSession, payload: Payload, ctx: JobContext
) -> dict[str, Any]:
    """Reminders and moved-symposium updates due at ``as_of`` (the scheduler's slot; an operator
    may replay a day by enqueueing it with that day's instant)."""
    as_of = datetime.fromisoformat(payload["as_of"]) if payload.get("as_of") else utcnow()
    registry: RegistryClient = ctx["registry"]
    notify = ctx.get("notify_settings") or get_notify_settings()
    report = await send_reminders(session, registry=registry, notify=notify, as_of=as_of)
    return report.as_dict()
