"""Queue jobs of the continuation review: the hourly sweep and the registry term changes.

The registry calls are idempotent by decision id and each job claims its own effect key in the
transaction that records the result, so a job arq runs twice changes the registry and the record
once. A registry that is unreachable raises (arq retries); one that refuses (the project ended, say)
is recorded in the audit trail and not retried, because retrying cannot change its answer.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import Conflict, NotFound
from libs.common.outbox import claim_effect
from libs.common.queue import JobContext, Payload, job
from services.review.audit.service import record, record_many
from services.review.config import get_review_settings
from services.review.continuation.cycles.service import subject_of
from services.review.continuation.decisions import repository as decisions
from services.review.continuation.sweeps import repository as sweep_sql
from services.review.continuation.sweeps.service import parse_as_of, sweep
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
            payload["project_id"],
            decision_id=decision_id,
            reason=payload["reason"],
            decided_on=payload.get("decided_on"),  # absent from messages written before it
        )
    except (Conflict, NotFound, RegistryRejected) as exc:
        return await _refused(
            session,
            action="continuation_decision.term_extension_refused",
            subject_type="continuation_decision",
            subject_id=decision_id,
            error=exc,
        )
    decision = await decisions.decision(session, uuid.UUID(decision_id))
    if decision is not None:
        decision.registry_result = result
    # The registry's term before and after, as it answered: no row of ours to snapshot, so a
    # plain record rather than ``audited``.
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


REGISTRY_ITEM = ("project_id", "decision_id", "reason", "effective_on")


@job
async def apply_term_ends(session: AsyncSession, payload: Payload, ctx: JobContext) -> Any:
    """A batch of the sweep's term ends reaches the registry in one call (支援終了の台帳反映);
    each project's answer — applied, replayed or refused — is kept with its cycle entry."""
    cycle_id, reason = payload["cycle_id"], payload["reason"]
    items = {
        f"registry-term-end:{cycle_id}:{p['project_id']}": {
            **p,
            "cycle_id": cycle_id,
            "decision_id": f"term-end:{cycle_id}:{p['project_id']}",
            "reason": reason,
        }
        for p in payload["projects"]
    }
    todo = [items[key] for key in sorted(await sweep_sql.claim(session, list(items)))]
    if not todo:
        return {"skipped": "already applied"}
    registry: RegistryClient = ctx["registry"]
    try:
        outcomes = await registry.end_terms([{k: i[k] for k in REGISTRY_ITEM} for i in todo])
    except (Conflict, NotFound, RegistryRejected) as exc:
        problem = {"detail": str(exc)}
        outcomes = [{**i, "outcome": "refused", "problem": problem} for i in todo]
    by_decision = {o["decision_id"]: o for o in outcomes}
    answered = [(i, by_decision[i["decision_id"]]) for i in todo]
    applied = [(i, o["change"]) for i, o in answered if o["outcome"] != "refused"]
    refused = [(i, o["problem"]) for i, o in answered if o["outcome"] == "refused"]
    # Each answer stored on its row with its audit event (the registry's term before and after).
    await sweep_sql.store_registry_results(
        session, [(i["cycle_id"], i["project_id"], change) for i, change in applied], actor=ACTOR
    )
    await _record_refusals(session, refused)
    return {"applied": len(applied), "refused": len(refused)}


async def _record_refusals(
    session: AsyncSession, refused: list[tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    def subject(item: dict[str, Any]) -> str:
        return subject_of(item["cycle_id"], item["project_id"])

    for item, problem in refused:
        log.warning(
            "registry_refused",
            action="term_end",
            subject=subject(item),
            error=problem.get("detail"),
        )
    await record_many(
        session,
        actor=ACTOR,
        action="continuation_project.term_end_refused",
        subject_type="continuation_project",
        changes=[(subject(i), {}, {"error": problem.get("detail")}) for i, problem in refused],
    )
