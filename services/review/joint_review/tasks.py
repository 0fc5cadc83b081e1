"""Queue jobs of the joint review: publishing results at the announcement, and turning ☆ selections
into registry projects over HTTP.

The registry's ``POST /v1/projects`` takes no idempotency key, so the job looks for the project
first (``GET /v1/projects?programme=…&fiscal_year=…&q=title``, same title and lead) and records
the project id on the selection in the same unit of work; a rerun finds either the id or the
project. What remains is a narrow window: the registry created the project, and this job's commit
failed *and* the project's title was changed before the retry — then a second project appears.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.fiscal_year import TOKYO, now_tokyo
from libs.common.outbox import claim_effect
from libs.common.queue import JobContext, Payload, job
from services.review.joint_review import repository
from services.review.joint_review.models import JointApplication, JointReviewRound
from services.review.joint_review.registry import Record, create_project, projects
from services.review.joint_review.rounds import publish_due
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
    return await publish_due(session, as_of.date(), as_of)


def _same_project(project: Record, application: JointApplication) -> bool:
    lead = next((p for p in project.get("proposers", []) if p.get("is_lead")), None)
    return (
        project.get("title") == application.title
        and lead is not None
        and lead.get("lg_code") == application.lead_lg_code
    )


def _project_body(
    application: JointApplication, round_: JointReviewRound, programme: str
) -> Record:
    members: list[dict[str, Any]] = application.members
    return {
        "programme": programme,
        "title": application.title,
        "proposers": [{"lg_code": m["code"], "is_lead": m["is_lead"]} for m in members],
        "selection_fiscal_year": round_.fiscal_year,
        "summary": application.summary,
    }


@job
async def register_joint_review_project(
    session: AsyncSession, payload: Payload, ctx: JobContext
) -> str | None:
    """A ☆ selection becomes a registry project, once."""
    selection = await repository.get_selection(
        session, uuid.UUID(payload["selection_id"]), for_update=True
    )
    if selection is None or selection.registry_project_id is not None:
        return None
    if not await claim_effect(session, applied_effects, f"joint-project:{selection.id}"):
        return None
    application = await repository.get_application(session, selection.application_id)
    round_ = await repository.get_round(session, selection.round_id)
    assert application is not None and round_ is not None  # foreign keys
    registry = registry_of(ctx)
    found = await projects(
        registry,
        programme=selection.programme_id,
        fiscal_year=round_.fiscal_year,
        q=application.title,
    )
    project = next((p for p in found if _same_project(p, application)), None)
    if project is None:
        project = await create_project(
            registry,
            _project_body(application, round_, selection.programme_id),
            key=f"joint-project:{selection.id}",
        )
    selection.registry_project_id = uuid.UUID(str(project["id"]))
    await session.flush()
    return str(selection.registry_project_id)


JOBS = [publish_joint_review_results, register_joint_review_project]
