"""Reviewers on applications: assignment (with conflicts of interest refused), withdrawal, and
assessments."""

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
    AssignmentOut,
    ContinuationAssessmentIn,
    ContinuationAssessmentOut,
    assessment_out,
    assignment_etag,
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
from services.review.reviewers.access import (
    conflict_judge,
    refuse_conflicted,
    registered_reviewer,
)
from services.review.reviewers.conflicts import ConflictSubject
from services.review.reviewers.models import Reviewer

WITHDRAWN = ContinuationAssessmentState.withdrawn


def assessment_etag(assignment: ContinuationAssignment) -> str:
    return etag_for("continuation-assessment", assignment.id, assignment.version)


async def _application(
    session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False
) -> ContinuationApplication:
    application = await applications.application(session, application_id, lock=lock)
    if application is None:
        raise NotFound(f"継続申請書が見つかりません: {application_id}（no such application）")
    return application


def _council_members(council: dict[str, Any] | None) -> list[dict[str, Any]]:
    members: list[dict[str, Any]] = (council or {}).get("members", [])
    return members


async def conflict_subject(
    snapshot: dict[str, Any], project_id: uuid.UUID, registry: RegistryClient
) -> ConflictSubject:
    """The proposers, and council members both at the snapshot and now (a council may grow)."""
    current = await registry.council(project_id)
    return ConflictSubject.of(
        proposers=snapshot["proposers"],
        council_members=[
            *_council_members(snapshot.get("council")),
            *_council_members(current),
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
    earlier = await repository.assignment(session, application.id, reviewer_subject, lock=True)
    if earlier is not None and earlier.state != WITHDRAWN:
        raise Conflict(
            "この審査員は割当済みです（the reviewer is assigned already）",
            reviewer_subject=reviewer_subject,
        )
    entry = await cycles.cycle_project(session, application.cycle_id, application.project_id)
    assert entry is not None  # a foreign key guarantees it
    subject = await conflict_subject(entry.snapshot, application.project_id, registry)
    reasons = (await conflict_judge(session))(reviewer, subject)
    if reasons:
        raise Conflict(
            "利益相反のため割り当てできません（conflict of interest）: " + " / ".join(reasons),
            rule="conflict_of_interest",
            reviewer_subject=reviewer_subject,
            reasons=reasons,
        )
    if earlier is not None:  # withdrawn before: the same row is assigned again, from scratch
        assignment = await _reassign(session, principal, earlier, now)
    else:
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


def _withdrawal_facts(assignment: ContinuationAssignment) -> dict[str, Any]:
    """What a withdrawal changes, the scores included: the audit keeps what the row lets go."""
    return {
        **_assignment_facts(assignment),
        "scores": assignment.scores,
        "assessment_submitted_at": (
            submitted.isoformat() if (submitted := assignment.assessment_submitted_at) else None
        ),
        "withdrawn_by": assignment.withdrawn_by,
        "withdrawal_reason": assignment.withdrawal_reason,
    }


async def _reassign(
    session: AsyncSession,
    principal: Principal,
    assignment: ContinuationAssignment,
    now: datetime,
) -> ContinuationAssignment:
    next_state = ASSESSMENT.fire(assignment.state, Event.assign)
    async with audited(
        session,
        assignment,
        actor=principal,
        action="continuation_assignment.reassigned",
        subject_type="continuation_assignment",
        snapshot=_withdrawal_facts,
    ):
        assignment.state = next_state
        assignment.assigned_by, assignment.assigned_at = principal.actor, now
        assignment.scores = None
        assignment.assessment_updated_at = assignment.assessment_submitted_at = None
        assignment.withdrawn_at = assignment.withdrawn_by = assignment.withdrawal_reason = None
    return assignment


async def withdraw_assignment(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    assignment_id: uuid.UUID,
    reason: str,
    if_match: str | None,
    now: datetime,
) -> tuple[ContinuationAssignment, Reviewer]:
    """割当の撤回 while the application is under review (a decided one keeps its reviewers). A
    draft is discarded and a submitted assessment no longer counts: the row keeps neither score,
    the audit event keeps both, with who, when and why."""
    application = await _application(session, application_id, lock=True)
    assignment = await repository.assignment_by_id(session, application.id, assignment_id)
    if assignment is None:
        raise NotFound(f"割当が見つかりません: {assignment_id}（no such assignment）")
    APPLICATION.fire(application.state, Event.withdraw)
    next_state = ASSESSMENT.fire(assignment.state, Event.withdraw)
    check_if_match(if_match, assignment_etag(assignment))
    async with audited(
        session,
        assignment,
        actor=principal,
        action="continuation_assignment.withdrawn",
        subject_type="continuation_assignment",
        snapshot=_withdrawal_facts,
    ):
        assignment.state = next_state
        assignment.scores = None
        assignment.withdrawn_at, assignment.withdrawn_by = now, principal.actor
        assignment.withdrawal_reason = reason
    reviewer = await reviewers.get(session, assignment.reviewer_subject)
    assert reviewer is not None  # the assignment's foreign key guarantees it
    return assignment, reviewer


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
    write: bool = False,
) -> ContinuationAssignment:
    """The reviewer's assignment to an application they may see: assigned to it (not withdrawn),
    and not conflicted on it with the council as it is now (it may have grown since the
    assignment). Otherwise the application is not theirs to see: 404; but a ``write`` by an
    assigned reviewer who is conflicted is a 403 naming the conflict (``reviewers/access.py``)."""
    reviewer = await registered_reviewer(session, principal)
    assignment = await repository.assignment(session, application.id, reviewer.subject, lock=lock)
    if assignment is not None and assignment.state != WITHDRAWN:
        entry = await cycles.cycle_project(session, application.cycle_id, application.project_id)
        assert entry is not None  # a foreign key guarantees it
        subject = await conflict_subject(entry.snapshot, application.project_id, registry)
        reasons = (await conflict_judge(session))(reviewer, subject)
        if not reasons:
            return assignment
        if write:
            refuse_conflicted(reviewer, reasons)
    raise NotFound(f"継続申請書が見つかりません: {application.id}（no such application）")


async def _own_assignment(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    registry: RegistryClient,
) -> tuple[ContinuationApplication, ContinuationAssignment]:
    application = await _application(session, application_id)
    assignment = await visible_assignment(
        session, principal, application, registry, lock=True, write=True
    )
    return application, assignment


async def save_assessment(
    session: AsyncSession,
    *,
    principal: Principal,
    application_id: uuid.UUID,
    data: ContinuationAssessmentIn,
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
    """Operators see every assessment, withdrawn ones too (state ``withdrawn``, no scores); a
    reviewer sees their own, and others' submitted ones only once their own is submitted (so no
    one is swayed before judging)."""
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
) -> ContinuationAssessmentOut:
    """The caller's own assessment, as they just saved or submitted it."""
    reviewer = await reviewers.get(session, principal.subject)
    assert reviewer is not None  # the assignment's foreign key guarantees it
    return assessment_out(assignment, reviewer)
