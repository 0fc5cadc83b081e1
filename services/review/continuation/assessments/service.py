"""Reviewers on applications: assignment (with conflicts of interest refused) and assessments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.errors import Conflict, InvalidInput, NotFound
from libs.common.etag import check_if_match, etag_for
from services.review.audit.service import audited, state_of
from services.review.continuation.applications import repository as applications
from services.review.continuation.assessments import repository
from services.review.continuation.assessments.schemas import (
    AssessmentIn,
    AssessmentOut,
    AssignmentOut,
    assessment_out,
    assignment_out,
)
from services.review.continuation.cycles import repository as cycles
from services.review.continuation.models import ContinuationApplication, ContinuationAssignment
from services.review.continuation.repository import add
from services.review.continuation.states import (
    APPLICATION,
    ASSESSMENT,
    ContinuationApplicationState,
    ContinuationAssessmentState,
    Event,
)
from services.review.registry_client import RegistryClient
from services.review.reviewers import repository as reviewers
from services.review.reviewers.access import hidden_from, registered_reviewer
from services.review.reviewers.conflicts import ConflictSubject, conflict_reasons
from services.review.reviewers.models import Reviewer


def assessment_etag(assignment: ContinuationAssignment) -> str:
    return etag_for("continuation-assessment", assignment.id, assignment.version)


async def _application(
    session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False
) -> ContinuationApplication:
    application = await applications.application(session, application_id, lock=lock)
    if application is None:
        raise NotFound(f"継続申請書が見つかりません: {application_id}（no such application）")
    return application


def _council_organisations(council: dict[str, Any] | None) -> list[str]:
    return [m["organisation"] for m in (council or {}).get("members", [])]


async def conflict_subject(
    snapshot: dict[str, Any], project_id: uuid.UUID, registry: RegistryClient
) -> ConflictSubject:
    """The proposers, and council members both at the snapshot and now (a council may grow)."""
    current = await registry.council(project_id)
    proposers = snapshot["proposers"]
    return ConflictSubject.of(
        proposer_lg_codes=[p["lg_code"] for p in proposers],
        proposer_names=[n for p in proposers for n in (p["name"], p["prefecture"] + p["name"])],
        council_organisations=[
            *_council_organisations(snapshot.get("council")),
            *_council_organisations(current),
        ],
    )


async def assign_reviewer(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    reviewer_subject: str,
    registry: RegistryClient,
    now: datetime,
) -> tuple[ContinuationAssignment, Reviewer]:
    application = await _application(session, application_id, lock=True)
    next_state = APPLICATION.fire(application.state, Event.assign)
    reviewer = await reviewers.get(session, reviewer_subject)
    if reviewer is None:
        raise InvalidInput.field(
            "body.reviewer_subject",
            "unknown_reviewer",
            f"登録されていない審査員です: {reviewer_subject}（register the reviewer first）",
        )
    if await repository.assignment(session, application.id, reviewer_subject) is not None:
        raise Conflict(
            "この審査員は割当済みです（the reviewer is assigned already）",
            reviewer_subject=reviewer_subject,
        )
    entry = await cycles.cycle_project(session, application.cycle_id, application.project_id)
    assert entry is not None  # a foreign key guarantees it
    subject = await conflict_subject(entry.snapshot, application.project_id, registry)
    reasons = conflict_reasons(
        organisation=reviewer.organisation, lg_code=reviewer.lg_code, subject=subject
    )
    if reasons:
        raise Conflict(
            "利益相反のため割り当てできません（conflict of interest）: " + " / ".join(reasons),
            rule="conflict_of_interest",
            reviewer_subject=reviewer_subject,
            reasons=reasons,
        )
    assignment = await _add_assignment(session, principal, application, reviewer_subject, now)
    await _start_review(session, principal, application, next_state, now)
    return assignment, reviewer


async def _add_assignment(
    session: AsyncSession,
    principal: Principal,
    application: ContinuationApplication,
    reviewer_subject: str,
    now: datetime,
) -> ContinuationAssignment:
    assignment = ContinuationAssignment(
        application_id=application.id,
        reviewer_subject=reviewer_subject,
        assigned_by=principal.actor,
        assigned_at=now,
        state=ContinuationAssessmentState.assigned,
    )
    async with audited(
        session,
        assignment,
        kind="created",
        actor=principal,
        action="continuation_assignment.created",
        subject_type="continuation_assignment",
        snapshot=_assignment_facts,
    ):
        await add(session, assignment, conflict="the reviewer is assigned already")
    return assignment


def _assignment_facts(assignment: ContinuationAssignment) -> dict[str, Any]:
    return {
        "state": assignment.state,
        "application_id": str(assignment.application_id),
        "reviewer_subject": assignment.reviewer_subject,
    }


async def _start_review(
    session: AsyncSession,
    principal: Principal,
    application: ContinuationApplication,
    next_state: ContinuationApplicationState,
    now: datetime,
) -> None:
    """The first assignment starts the review; a later one changes nothing and records nothing."""
    async with audited(
        session,
        application,
        actor=principal,
        action="continuation_application.review_started",
        subject_type="continuation_application",
        snapshot=state_of,
    ) as change:
        change.after_note["by"] = "first_assignment"
        if application.state != next_state:
            application.state = next_state
            application.updated_at = now


async def visible_assignment(
    session: AsyncSession,
    principal: Principal,
    application: ContinuationApplication,
    registry: RegistryClient,
    *,
    lock: bool = False,
) -> ContinuationAssignment:
    """The reviewer's assignment to an application they may see: assigned to it, and not
    conflicted on it with the council as it is now (it may have grown since the assignment).
    Otherwise the application is not theirs to see: 404 (``reviewers/access.py``)."""
    reviewer = await registered_reviewer(session, principal)
    assignment = await repository.assignment(session, application.id, reviewer.subject, lock=lock)
    if assignment is not None:
        entry = await cycles.cycle_project(session, application.cycle_id, application.project_id)
        assert entry is not None  # a foreign key guarantees it
        subject = await conflict_subject(entry.snapshot, application.project_id, registry)
        if not hidden_from(reviewer, subject):
            return assignment
    raise NotFound(f"継続申請書が見つかりません: {application.id}（no such application）")


async def _own_assignment(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    registry: RegistryClient,
) -> tuple[ContinuationApplication, ContinuationAssignment]:
    application = await _application(session, application_id)
    assignment = await visible_assignment(session, principal, application, registry, lock=True)
    return application, assignment


async def save_assessment(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    data: AssessmentIn,
    if_match: str | None,
    now: datetime,
    registry: RegistryClient,
) -> ContinuationAssignment:
    """Create or replace the reviewer's draft; replacing a draft needs its ETag."""
    application, assignment = await _own_assignment(session, principal, application_id, registry)
    APPLICATION.fire(application.state, Event.assess)
    next_state = ASSESSMENT.fire(assignment.state, Event.save_assessment)
    if assignment.state != ContinuationAssessmentState.assigned:
        check_if_match(if_match, assessment_etag(assignment))
    async with audited(
        session,
        assignment,
        actor=principal,
        action="continuation_assessment.saved",
        subject_type="continuation_assignment",
        snapshot=_assessment,
        always=True,  # every save is recorded, even of the same scores
    ):
        assignment.state = next_state
        assignment.scores = data.model_dump()
        assignment.assessment_updated_at = now
    return assignment


def _assessment(assignment: ContinuationAssignment) -> dict[str, Any]:
    return {"state": assignment.state, "scores": assignment.scores}


async def submit_assessment(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    if_match: str | None,
    now: datetime,
    registry: RegistryClient,
) -> ContinuationAssignment:
    application, assignment = await _own_assignment(session, principal, application_id, registry)
    APPLICATION.fire(application.state, Event.assess)
    next_state = ASSESSMENT.fire(assignment.state, Event.submit_assessment)
    check_if_match(if_match, assessment_etag(assignment))
    async with audited(
        session,
        assignment,
        actor=principal,
        action="continuation_assessment.submitted",
        subject_type="continuation_assignment",
        snapshot=state_of,
        always=True,
    ):
        assignment.state = next_state
        assignment.assessment_submitted_at = now
    return assignment


async def visible_assessments(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    registry: RegistryClient,
) -> tuple[list[tuple[ContinuationAssignment, Reviewer]], bool]:
    """Operators see every assessment; a reviewer sees their own, and others' submitted ones only
    once their own is submitted (so no one is swayed before judging)."""
    application = await _application(session, application_id)
    if principal.role is not Role.operator:
        await visible_assignment(session, principal, application, registry)
    rows = await repository.assignments_with_reviewers(session, application_id)
    if principal.role is Role.operator:
        return rows, True
    own = next(a for a, _ in rows if a.reviewer_subject == principal.subject)
    submitted = ContinuationAssessmentState.assessed
    others_visible = own.state == submitted
    return [
        (a, r) for a, r in rows if a is own or (others_visible and a.state == submitted)
    ], others_visible


async def list_assignments(
    session: AsyncSession, *, application_id: uuid.UUID
) -> list[AssignmentOut]:
    """An application's reviewers, in the order they were assigned."""
    rows = await repository.assignments_with_reviewers(session, application_id)
    return [assignment_out(a, r) for a, r in rows]


async def own_assessment_out(
    session: AsyncSession, *, principal: Principal, assignment: ContinuationAssignment
) -> AssessmentOut:
    """The caller's own assessment, as they just saved or submitted it."""
    reviewer = await reviewers.get(session, principal.subject)
    assert reviewer is not None  # the assignment's foreign key guarantees it
    return assessment_out(assignment, reviewer)
