"""Queue jobs of symposia: the daily sweep that marks ended symposia held (開催済み)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.fiscal_year import now_tokyo
from libs.common.queue import JobContext, Payload, job
from services.registry.symposia.service import hold_ended

log = structlog.get_logger(__name__)
ACTOR = "system:registry-worker"


@job
async def hold_past_symposia(session: AsyncSession, payload: Payload, ctx: JobContext) -> Any:
    """The scheduler's daily sweep; ``as_of`` is its time slot (now when absent)."""
    as_of = datetime.fromisoformat(payload["as_of"]) if payload.get("as_of") else now_tokyo()
    held = await hold_ended(session, as_of=as_of, actor=ACTOR)
    log.info("symposia_held", count=len(held))
    return {"held": [str(i) for i in held]}
