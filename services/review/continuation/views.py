"""Rows to API shapes, shared by the continuation routers."""

from __future__ import annotations

from datetime import date

from libs.common.fiscal_year import fiscal_year_end, fiscal_year_of
from services.review.continuation.models import (
    ContinuationApplication,
    ContinuationAssignment,
    ContinuationCycle,
    ContinuationDecision,
    CycleProject,
)
from services.review.continuation.schemas import (
    ApplicationOut,
    AssessmentIn,
    AssessmentOut,
    AssignmentOut,
    Attachment,
    DecisionOut,
)
from services.review.continuation.states import LABELS, State
from services.review.reviewers.models import Reviewer

EXTENSION_FISCAL_YEARS = 2


def extended_term_end(term_end: date) -> date:
    """An approved continuation adds two fiscal years to the current term."""
    return fiscal_year_end(fiscal_year_of(term_end) + EXTENSION_FISCAL_YEARS)


def decision_out(decision: ContinuationDecision, entry: CycleProject) -> DecisionOut:
    approved = decision.outcome == "approved"
    return DecisionOut(
        id=decision.id,
        application_id=decision.application_id,
        project_id=decision.project_id,
        outcome="approved" if approved else "rejected",
        reason=decision.reason,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
        new_term_end=extended_term_end(entry.term_end) if approved else None,
        registry_result=decision.registry_result,
    )


def application_out(
    application: ContinuationApplication,
    entry: CycleProject,
    cycle: ContinuationCycle,
    decision: ContinuationDecision | None = None,
) -> ApplicationOut:
    return ApplicationOut(
        id=application.id,
        cycle_id=application.cycle_id,
        project_id=application.project_id,
        project_title=entry.snapshot["title"],
        state=State(application.state),
        state_label=LABELS[State(application.state)],
        future_vision=application.future_vision,
        achievements=application.achievements,
        plan=application.plan,
        attachments=[Attachment.model_validate(a) for a in application.attachments],
        created_by=application.created_by,
        created_at=application.created_at,
        updated_at=application.updated_at,
        submitted_by=application.submitted_by,
        submitted_at=application.submitted_at,
        submitted_under_grace_until=application.submitted_under_grace_until,
        deadline=cycle.deadline,
        decision=decision_out(decision, entry) if decision else None,
        version=application.version,
    )


def assignment_out(assignment: ContinuationAssignment, reviewer: Reviewer) -> AssignmentOut:
    return AssignmentOut(
        id=assignment.id,
        application_id=assignment.application_id,
        reviewer_subject=assignment.reviewer_subject,
        reviewer_name=reviewer.name,
        assigned_by=assignment.assigned_by,
        assigned_at=assignment.assigned_at,
        state=State(assignment.state),
    )


def assessment_out(assignment: ContinuationAssignment, reviewer: Reviewer) -> AssessmentOut:
    scores = AssessmentIn.model_validate(assignment.scores) if assignment.scores else None
    total = (
        scores.future_vision.score + scores.achievements.score + scores.plan.score
        if scores
        else None
    )
    return AssessmentOut(
        assignment_id=assignment.id,
        application_id=assignment.application_id,
        reviewer_subject=assignment.reviewer_subject,
        reviewer_name=reviewer.name,
        state=State(assignment.state),
        scores=scores,
        total=total,
        updated_at=assignment.assessment_updated_at,
        submitted_at=assignment.assessment_submitted_at,
        version=assignment.version,
    )
