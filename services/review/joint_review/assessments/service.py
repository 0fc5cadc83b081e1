"""評価 — reviewers score the applications of their own programme (1–5 on three criteria, with
comments) while the round is open, unless a conflict of interest hides the application from them
(``services/review/reviewers/access.py``)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.etag import check_if_match, etag_for
from services.review.joint_review.applications.service import visible_application
from services.review.joint_review.assessments import repository
from services.review.joint_review.assessments.schemas import (
    CRITERIA,
    AssessmentIn,
    AssessmentOut,
    CriterionOut,
)
from services.review.joint_review.models import JointAssessment
from services.review.joint_review.rounds.service import fire, get_round
from services.review.joint_review.states import JointReviewEvent
from services.review.reviewers.access import registered_reviewer


def assessment_etag(assessment: JointAssessment) -> str:
    return etag_for("joint-assessment", assessment.id, assessment.version)


async def put_assessment(
    session: AsyncSession,
    *,
    principal: Principal,
    round_id: uuid.UUID,
    app_id: uuid.UUID,
    body: AssessmentIn,
    if_match: str | None,
) -> tuple[JointAssessment, bool]:
    """Create the reviewer's assessment, or replace it (If-Match). Returns (row, created). An
    application of another programme, or one a conflict of interest hides, is a 404."""
    reviewer = await registered_reviewer(session, principal)
    await visible_application(session, principal=principal, round_id=round_id, app_id=app_id)
    fire(await get_round(session, round_id=round_id), JointReviewEvent.assess)
    assessment = await repository.get_assessment(session, app_id, reviewer.subject)
    created = assessment is None
    if assessment is None:
        assessment = JointAssessment(
            id=uuid.uuid4(),
            application_id=app_id,
            programme_id=reviewer.programme,
            reviewer_subject=reviewer.subject,
        )
        repository.add(session, assessment)
    else:
        check_if_match(if_match, assessment_etag(assessment))
    for criterion in CRITERIA:
        scored = getattr(body, criterion)
        setattr(assessment, f"{criterion}_score", scored.score)
        setattr(assessment, f"{criterion}_comment", scored.comment)
    await repository.save(session, assessment)
    return assessment, created


async def list_assessments(
    session: AsyncSession, *, principal: Principal, round_id: uuid.UUID, app_id: uuid.UUID
) -> list[JointAssessment]:
    """Operators read every programme's assessments; a reviewer reads only their own."""
    await visible_application(session, principal=principal, round_id=round_id, app_id=app_id)
    own = principal.subject if principal.role is Role.reviewer else None
    return await repository.assessments_of(session, app_id, reviewer_subject=own)


def to_out(assessment: JointAssessment) -> AssessmentOut:
    criteria = [
        CriterionOut(
            criterion=name,  # type: ignore[arg-type]
            label=label,
            score=getattr(assessment, f"{name}_score"),
            comment=getattr(assessment, f"{name}_comment"),
        )
        for name, label in CRITERIA.items()
    ]
    return AssessmentOut(
        id=assessment.id,
        application_id=assessment.application_id,
        programme_id=assessment.programme_id,
        reviewer=assessment.reviewer_subject,
        criteria=criteria,
        total=sum(c.score for c in criteria),
        version=assessment.version,
        updated_at=assessment.updated_at,
    )
