"""Queue jobs of projects: the term sweep the scheduler enqueues (``expiry.py``)."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.fiscal_year import today_tokyo
from libs.common.queue import JobContext, Payload, job
from services.registry.projects.expiry import end_expired_terms, sweep_day

log = structlog.get_logger(__name__)


@job
async def sweep_project_terms(session: AsyncSession, payload: Payload, ctx: JobContext) -> Any:
    """End what is past its term as of the slot's Tokyo day. A slot in the future (a replay
    asked for by hand) never ends a term before it is over: the day is today at the latest."""
    day = min(sweep_day(payload["as_of"]), today_tokyo())
    ended = await end_expired_terms(session, today=day)
    log.info("project_term_sweep", day=day.isoformat(), ended=ended)
    return {"day": day.isoformat(), "ended": ended}
