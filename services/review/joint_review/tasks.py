"""Queue jobs of the joint review: publishing results at the announcement, and turning ☆ selections
into registry projects over HTTP (the rules are in ``rounds/publication.py``).

The registry's ``POST /v1/projects`` is called with an Idempotency-Key, after looking for the
project (``GET /v1/projects?programme=…&fiscal_year=…&q=title``, same title and lead); the project
id is recorded on the selection in the same unit of work as the job's effect key, so a rerun finds
either the id or the project, and a retried create gets the first answer back.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.fiscal_year import TOKYO, now_tokyo
from libs.common.outbox import claim_effect
from libs.common.queue import JobContext, Payload, job
from services.review.joint_review.rounds import publication
from services.review.models import applied_effects
from services.review.registry_client import RegistryClient


def registry_of(ctx: JobContext) -> RegistryClient:
    """The worker's registry client, made on first use when the worker did not put one in ctx."""
    if "registry" not in ctx:
        ctx["registry"] = RegistryClient.from_settings(ctx["settings"])
    registry: RegistryClient = ctx["registry"]
    return registry


def _as_of(payload: Payload) -> datetime:
    value = payload.get("as_of")
    return datetime.fromisoformat(value).astimezone(TOKYO) if value else now_tokyo()


@job
async def publish_joint_review_results(
    session: AsyncSession, payload: Payload, ctx: JobContext
) -> int:
    """Sweep: publish the closed rounds whose announcement day has come (as of the slot)."""
    as_of = _as_of(payload)
    return await publication.publish_due(session, as_of=as_of.date(), now=as_of)


@job
async def register_joint_review_project(
    session: AsyncSession, payload: Payload, ctx: JobContext
) -> str | None:
    """A ☆ selection becomes a registry project, once."""
    selection = await publication.selection_to_register(
        session, selection_id=uuid.UUID(payload["selection_id"])
    )
    if selection is None:
        return None
    if not await claim_effect(session, applied_effects, f"joint-project:{selection.id}"):
        return None
    project_id = await publication.register_project(
        session, registry=registry_of(ctx), selection=selection
    )
    return str(project_id)


JOBS = [publish_joint_review_results, register_joint_review_project]
