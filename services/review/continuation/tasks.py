"""Queue jobs of the continuation review: the hourly sweep and the registry term changes.

The registry calls are idempotent by decision id and each job claims its own effect key in the
transaction that records the result, so a job arq runs twice changes the registry and the record
once. A registry that is unreachable raises (arq retries); one that refuses (the project ended, say)
is recorded in the audit trail and not retried, because retrying cannot change its answer.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import Conflict, NotFound
from libs.common.outbox import claim_effect
from libs.common.queue import JobContext, Payload, job
from services.review.audit.service import record
from services.review.config import get_review_settings
from services.review.continuation import repository
from services.review.continuation.cycles import subject_of
from services.review.continuation.sweeps import parse_as_of, sweep
from services.review.models import applied_effects
from services.review.registry_client import RegistryClient, RegistryRejected

log = structlog.get_logger(__name__)
ACTOR = "system:review-worker"


@job
async def continuation_sweep(session: AsyncSession, payload: Payload, ctx: JobContext) -> Any:
    """The scheduler's hourly sweep; ``as_of`` is its time slot."""
    report = await sweep(
        session, as_of=parse_as_of(payload["as_of"]), settings=get_review_settings()
    )
    log.info("continuation_sweep", **report.counts)
    return report.as_dict()


async def _refused(
    session: AsyncSession, *, action: str, subject_type: str, subject_id: str, error: Exception
) -> dict[str, Any]:
    log.warning("registry_refused", action=action, subject=subject_id, error=str(error))
    await record(
        session,
        actor=ACTOR,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        after={"error": str(error)},
    )
    return {"refused": str(error)}


@job
async def apply_term_extension(session: AsyncSession, payload: Payload, ctx: JobContext) -> Any:
    """An approval reaches the registry: the term grows by two fiscal years."""
    decision_id = payload["decision_id"]
    if not await claim_effect(session, applied_effects, f"registry-term-extension:{decision_id}"):
        return {"skipped": "already applied"}
    registry: RegistryClient = ctx["registry"]
    try:
        result = await registry.extend_term(
            payload["project_id"], decision_id=decision_id, reason=payload["reason"]
        )
    except (Conflict, NotFound, RegistryRejected) as exc:
        return await _refused(
            session,
            action="continuation_decision.term_extension_refused",
            subject_type="continuation_decision",
            subject_id=decision_id,
            error=exc,
        )
    decision = await repository.decision(session, uuid.UUID(decision_id))
    if decision is not None:
        decision.registry_result = result
    await record(
        session,
        actor=ACTOR,
        action="continuation_decision.term_extended",
        subject_type="continuation_decision",
        subject_id=decision_id,
        before={"term_end": result["previous_term_end"]},
        after={"term_end": result["new_term_end"], "status": result["status"]},
    )
    return result


@job
async def apply_term_end(session: AsyncSession, payload: Payload, ctx: JobContext) -> Any:
    """A project without an approved continuation ends in the registry at its term end."""
    decision_id = payload["decision_id"]
    if not await claim_effect(session, applied_effects, f"registry-{decision_id}"):
        return {"skipped": "already applied"}
    subject = subject_of(payload["cycle_id"], payload["project_id"])
    registry: RegistryClient = ctx["registry"]
    try:
        result = await registry.end_term(
            payload["project_id"],
            decision_id=decision_id,
            reason=payload["reason"],
            effective_on=date.fromisoformat(payload["effective_on"]),
        )
    except (Conflict, NotFound, RegistryRejected) as exc:
        return await _refused(
            session,
            action="continuation_project.term_end_refused",
            subject_type="continuation_project",
            subject_id=subject,
            error=exc,
        )
    entry = await repository.cycle_project(
        session, uuid.UUID(payload["cycle_id"]), uuid.UUID(payload["project_id"])
    )
    if entry is not None:
        entry.registry_result = result
    await record(
        session,
        actor=ACTOR,
        action="continuation_project.term_end_applied",
        subject_type="continuation_project",
        subject_id=subject,
        before={"registry_status": "supported", "term_end": result["previous_term_end"]},
        after={"registry_status": result["status"], "ended_on": result["ended_on"]},
    )
    return result
