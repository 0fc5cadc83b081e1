"""継続可否の決定: one per application; approval extends the registry term through the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import NotFound
from libs.common.etag import check_if_match
from libs.common.outbox import add_message
from services.review.audit.service import record
from services.review.continuation import notices, repository
from services.review.continuation.applications import APPLICATION, PROJECT, application_etag
from services.review.continuation.cycles import load as load_cycle
from services.review.continuation.cycles import subject_of
from services.review.continuation.models import (
    ContinuationApplication,
    ContinuationCycle,
    ContinuationDecision,
    CycleProject,
)
from services.review.continuation.schemas import DecisionCreate
from services.review.continuation.states import Event, transition
from services.review.continuation.views import extended_term_end
from services.review.models import outbox

log = structlog.get_logger(__name__)
TERM_EXTENSION_JOB = "apply_term_extension"


async def decide(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    data: DecisionCreate,
    if_match: str | None,
    now: datetime,
) -> tuple[ContinuationDecision, ContinuationApplication, CycleProject, ContinuationCycle]:
    """Approve or reject. The application row is locked, so of two operators deciding at once the
    second sees the new version (412); the unique key on the decision is the last guard (409)."""
    application = await repository.application(session, application_id, lock=True)
    if application is None:
        raise NotFound(f"継続申請書が見つかりません: {application_id}（no such application）")
    check_if_match(if_match, application_etag(application))
    event = Event.approve if data.outcome == "approved" else Event.reject
    next_application = transition(application.state, event, subject=APPLICATION)
    entry = await repository.cycle_project(
        session, application.cycle_id, application.project_id, lock=True
    )
    assert entry is not None  # a foreign key guarantees it
    next_entry = transition(entry.state, event, subject=PROJECT)
    cycle = await load_cycle(session, application.cycle_id)
    decision = ContinuationDecision(
        id=uuid.uuid4(),
        application_id=application.id,
        cycle_id=application.cycle_id,
        project_id=application.project_id,
        outcome=data.outcome,
        reason=data.reason,
        decided_by=principal.actor,
        decided_at=now,
    )
    await repository.add(
        session,
        decision,
        conflict="この継続申請書は決定済みです（the application has been decided）",
        rule="decided",
    )
    before = (application.state, entry.state)
    application.state, entry.state = next_application, next_entry
    application.updated_at = entry.updated_at = now
    await session.flush()
    await _record(session, principal, decision, application, entry, before)
    await _publish(session, decision, entry, cycle)
    return decision, application, entry, cycle


async def _record(
    session: AsyncSession,
    principal: Principal,
    decision: ContinuationDecision,
    application: ContinuationApplication,
    entry: CycleProject,
    before: tuple[str, str],
) -> None:
    facts = {
        "decision_id": str(decision.id),
        "outcome": decision.outcome,
        "reason": decision.reason,
    }
    await record(
        session,
        actor=principal,
        action=f"continuation_application.{decision.outcome}",
        subject_type="continuation_application",
        subject_id=application.id,
        before={"state": before[0]},
        after={"state": application.state, **facts},
    )
    if entry.state != before[1]:
        await record(
            session,
            actor=principal,
            action="continuation_project.continued",
            subject_type="continuation_project",
            subject_id=subject_of(entry.cycle_id, entry.project_id),
            before={"state": before[1]},
            after={"state": entry.state, **facts},
        )


async def _publish(
    session: AsyncSession,
    decision: ContinuationDecision,
    entry: CycleProject,
    cycle: ContinuationCycle,
) -> None:
    """Approval: the registry term extension (a review job) and the letter; rejection: the letter."""
    approved = decision.outcome == "approved"
    if approved:
        await add_message(
            session,
            outbox,
            queue="review",
            function=TERM_EXTENSION_JOB,
            payload={
                "decision_id": str(decision.id),
                "project_id": str(decision.project_id),
                "reason": f"継続承認（{notices.datetime_label(decision.decided_at)}）: "
                f"{decision.reason}",
            },
        )
    letter = notices.decision_letter(
        decision_id=decision.id,
        fiscal_year=cycle.fiscal_year,
        project_id=decision.project_id,
        snapshot=entry.snapshot,
        outcome=decision.outcome,
        reason=decision.reason,
        decided_at=decision.decided_at,
        term_end=extended_term_end(entry.term_end) if approved else entry.term_end,
    )
    if not letter["recipients"]:
        log.warning("decision_letter_without_recipients", decision_id=str(decision.id))
        return
    await add_message(
        session, outbox, queue="notify", function=notices.NOTIFY_FUNCTION, payload=letter
    )
