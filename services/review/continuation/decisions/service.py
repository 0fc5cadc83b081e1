"""継続可否の決定: one per application; approval extends the registry term through the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import NotFound
from libs.common.etag import check_if_match
from libs.common.fiscal_year import TOKYO
from libs.common.outbox import add_message
from services.review.audit.service import audited, state_of
from services.review.continuation import notices
from services.review.continuation.applications import repository as applications
from services.review.continuation.applications.service import application_etag, load_for_reader
from services.review.continuation.cycles import repository as cycles
from services.review.continuation.cycles.service import load as load_cycle
from services.review.continuation.cycles.service import subject_of
from services.review.continuation.decisions import repository
from services.review.continuation.decisions.schemas import DecisionCreate, extended_term_end
from services.review.continuation.models import (
    ContinuationApplication,
    ContinuationCycle,
    ContinuationDecision,
    CycleProject,
)
from services.review.continuation.repository import add
from services.review.continuation.states import (
    APPLICATION,
    ELIGIBLE_PROJECT,
    ContinuationApplicationState,
    EligibleProjectState,
    Event,
)
from services.review.models import outbox
from services.review.registry_client import RegistryClient

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
    application = await applications.application(session, application_id, lock=True)
    if application is None:
        raise NotFound(f"継続申請書が見つかりません: {application_id}（no such application）")
    check_if_match(if_match, application_etag(application))
    event = Event.approve if data.outcome == "approved" else Event.reject
    next_application = APPLICATION.fire(application.state, event)
    entry = await cycles.cycle_project(
        session, application.cycle_id, application.project_id, lock=True
    )
    assert entry is not None  # a foreign key guarantees it
    next_entry = ELIGIBLE_PROJECT.fire(entry.state, event)
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
    await add(
        session,
        decision,
        conflict="この継続申請書は決定済みです（the application has been decided）",
        rule="decided",
    )
    await _apply(
        session, principal, decision, (application, next_application), (entry, next_entry), now
    )
    await _publish(session, decision, entry, cycle)
    return decision, application, entry, cycle


async def _apply(
    session: AsyncSession,
    principal: Principal,
    decision: ContinuationDecision,
    application_move: tuple[ContinuationApplication, ContinuationApplicationState],
    entry_move: tuple[CycleProject, EligibleProjectState],
    now: datetime,
) -> None:
    """Move the application and its project to their decided states, audited.

    The project's change encloses the application's: both rows are written in one flush, the
    application's event comes first, and the project's only when its state moved (an approval).
    """
    (application, next_application), (entry, next_entry) = application_move, entry_move
    facts = {
        "decision_id": str(decision.id),
        "outcome": decision.outcome,
        "reason": decision.reason,
    }
    async with (
        audited(
            session,
            entry,
            actor=principal,
            action="continuation_project.continued",
            subject_type="continuation_project",
            subject_id=subject_of(entry.cycle_id, entry.project_id),
            snapshot=state_of,
        ) as entry_change,
        audited(
            session,
            application,
            actor=principal,
            action=f"continuation_application.{decision.outcome}",
            subject_type="continuation_application",
            snapshot=state_of,
            always=True,
        ) as application_change,
    ):
        application.state, entry.state = next_application, next_entry
        application.updated_at = entry.updated_at = now
        application_change.after_note.update(facts)
        entry_change.after_note.update(facts)


async def _publish(
    session: AsyncSession,
    decision: ContinuationDecision,
    entry: CycleProject,
    cycle: ContinuationCycle,
) -> None:
    """Approval: the registry term extension (a review job) and the letter; rejection: the
    letter."""
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
                # The registry's term history dates the extension by the decision, not by the
                # moment the job reached it (the registry may have been down).
                "decided_on": decision.decided_at.astimezone(TOKYO).date().isoformat(),
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


async def read_decision(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    registry: RegistryClient,
) -> tuple[ContinuationDecision, CycleProject]:
    """The decision on an application its reader may see; 404 until it is decided."""
    application, entry, _ = await load_for_reader(session, principal, application_id, registry)
    decision = await repository.decision_for(session, application.id)
    if decision is None:
        raise NotFound("まだ決定されていません（the application has not been decided）")
    return decision, entry
