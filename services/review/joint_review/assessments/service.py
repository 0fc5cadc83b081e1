"""評価 — reviewers score the applications of their own programme (1–5 on three criteria, with
comments) while the round is open, unless a conflict of interest hides the application from them
(``services/review/reviewers/access.py``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.etag import check_if_match, etag_for
from libs.common.programmes import legend_key
from services.review.audit.service import audited, text_digest
from services.review.joint_review.applications.service import visible_application
from services.review.joint_review.assessments import repository
from services.review.joint_review.assessments.schemas import (
    CRITERIA,
    CriterionOut,
    JointReviewAssessmentIn,
    JointReviewAssessmentOut,
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
    body: JointReviewAssessmentIn,
    if_match: str | None,
) -> tuple[JointAssessment, bool]:
    """Create the reviewer's assessment, or replace it (If-Match). Returns (row, created). An
    application of another programme is a 404; one of theirs they are conflicted on, a 403
    ``conflict_of_interest`` (nothing stored)."""
    reviewer = await registered_reviewer(session, principal)
    await visible_application(
        session, principal=principal, round_id=round_id, app_id=app_id, write=True
    )
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
    else:
        check_if_match(if_match, assessment_etag(assessment))
    async with audited(
        session,
        assessment,
        kind="created" if created else "updated",
        actor=principal,
        action="joint_review_assessment.saved",
        subject_type="joint_review_assessment",
        snapshot=scored,
        save=lambda: repository.save(session, assessment),
    ):
        for criterion in CRITERIA:
            given = getattr(body, criterion)
            setattr(assessment, f"{criterion}_score", given.score)
            setattr(assessment, f"{criterion}_comment", given.comment)
        if created:
            repository.add(session, assessment)
    if created:  # read back the server's timestamps, as a replacement's save does
        await repository.save(session, assessment)
    return assessment, created


def scored(assessment: JointAssessment) -> dict[str, Any]:
    """An assessment as its audit events show it: whose, each score, each comment's digest."""
    return {
        "application_id": str(assessment.application_id),
        "programme_id": assessment.programme_id,
        **{f"{c}_score": getattr(assessment, f"{c}_score") for c in CRITERIA},
        **{
            f"{c}_comment": text_digest(getattr(assessment, f"{c}_comment") or "") for c in CRITERIA
        },
    }


async def list_assessments(
    session: AsyncSession, *, principal: Principal, round_id: uuid.UUID, app_id: uuid.UUID
) -> list[JointAssessment]:
    """Operators read every programme's assessments, a reviewer only their own: by programme in
    legend order (☆□○●■), then in the order they were made."""
    await visible_application(session, principal=principal, round_id=round_id, app_id=app_id)
    own = principal.subject if principal.role is Role.reviewer else None
    rows = await repository.assessments_of(session, app_id, reviewer_subject=own)
    round_ = await get_round(session, round_id=round_id)
    marks = {p.programme_id: p.mark for p in round_.programmes}
    return sorted(rows, key=lambda a: (legend_key(marks.get(a.programme_id, "")), a.created_at))


def to_out(assessment: JointAssessment) -> JointReviewAssessmentOut:
    criteria = [
        CriterionOut(
            criterion=name,  # type: ignore[arg-type]
            label=label,
            score=getattr(assessment, f"{name}_score"),
            comment=getattr(assessment, f"{name}_comment"),
        )
        for name, label in CRITERIA.items()
    ]
    return JointReviewAssessmentOut(
        id=assessment.id,
        application_id=assessment.application_id,
        programme_id=assessment.programme_id,
        reviewer=assessment.reviewer_subject,
        criteria=criteria,
        total=sum(c.score for c in criteria),
        version=assessment.version,
        updated_at=assessment.updated_at,
    )
