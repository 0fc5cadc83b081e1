"""Reviewers' assignments and assessments as the API reads and writes them."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from libs.common.etag import etag_for
from libs.common.japanese_input import TokyoDatetime
from libs.common.pagination import Page
from services.review.continuation.models import ContinuationAssignment
from services.review.continuation.states import ContinuationAssessmentState
from services.review.reviewers.models import Reviewer

Criterion = Literal["future_vision", "achievements", "plan"]
CRITERIA: tuple[Criterion, ...] = ("future_vision", "achievements", "plan")
CRITERION_LABELS = {
    "future_vision": "目指す将来像",
    "achievements": "事業成果",
    "plan": "今後の事業計画",
}


class AssignmentCreate(BaseModel):
    reviewer_subject: str = Field(min_length=1, max_length=200, examples=["reviewer-yamada"])


class AssignmentOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    reviewer_subject: str
    reviewer_name: str
    assigned_by: str
    assigned_at: TokyoDatetime
    state: ContinuationAssessmentState = Field(examples=["assigned"])
    withdrawn_at: TokyoDatetime | None = Field(default=None, description="撤回日時")
    withdrawn_by: str | None = Field(default=None, description="撤回した職員")
    withdrawal_reason: str | None = Field(default=None, description="撤回の理由")
    etag: str = Field(description="This assignment's ETag, for If-Match on its withdrawal")


class WithdrawalIn(BaseModel):
    """割当の撤回: why the office takes the reviewer off the application."""

    reason: str = Field(
        min_length=1,
        max_length=2000,
        description="撤回の理由（stored and audited）",
        examples=["審査員の所属が地域実装協議会に加入したため（利益相反）"],
    )


def assignment_etag(assignment: ContinuationAssignment) -> str:
    return etag_for("continuation-assignment", assignment.id, assignment.version)


class CriterionScore(BaseModel):
    score: int = Field(ge=1, le=5, examples=[4])
    comment: str = Field(min_length=1, max_length=4000, examples=["実装の道筋が具体的である"])


class ContinuationAssessmentIn(BaseModel):
    """One score 1–5 and a written comment for each criterion."""

    future_vision: CriterionScore = Field(description="目指す将来像")
    achievements: CriterionScore = Field(description="事業成果")
    plan: CriterionScore = Field(description="今後の事業計画")


class ContinuationAssessmentOut(BaseModel):
    assignment_id: uuid.UUID
    application_id: uuid.UUID
    reviewer_subject: str
    reviewer_name: str
    state: ContinuationAssessmentState = Field(examples=["assessed"])
    scores: ContinuationAssessmentIn | None
    total: int | None = Field(description="3項目の合計（3–15）", examples=[12])
    updated_at: TokyoDatetime | None
    submitted_at: TokyoDatetime | None
    version: int


class AssessmentList(Page[ContinuationAssessmentOut]):
    """A page of assessments (``items``, ``next``), and whether others' are among them."""

    others_visible: bool = Field(
        description="他の審査員の評価を含むか（a reviewer sees them once their own is submitted）"
    )


def assignment_out(assignment: ContinuationAssignment, reviewer: Reviewer) -> AssignmentOut:
    return AssignmentOut(
        id=assignment.id,
        application_id=assignment.application_id,
        reviewer_subject=assignment.reviewer_subject,
        reviewer_name=reviewer.name,
        assigned_by=assignment.assigned_by,
        assigned_at=assignment.assigned_at,
        state=assignment.state,
        withdrawn_at=assignment.withdrawn_at,
        withdrawn_by=assignment.withdrawn_by,
        withdrawal_reason=assignment.withdrawal_reason,
        etag=assignment_etag(assignment),
    )


def assessment_out(
    assignment: ContinuationAssignment, reviewer: Reviewer
) -> ContinuationAssessmentOut:
    scores = (
        ContinuationAssessmentIn.model_validate(assignment.scores) if assignment.scores else None
    )
    total = (
        scores.future_vision.score + scores.achievements.score + scores.plan.score
        if scores
        else None
    )
    return ContinuationAssessmentOut(
        assignment_id=assignment.id,
        application_id=assignment.application_id,
        reviewer_subject=assignment.reviewer_subject,
        reviewer_name=reviewer.name,
        state=assignment.state,
        scores=scores,
        total=total,
        updated_at=assignment.assessment_updated_at,
        submitted_at=assignment.assessment_submitted_at,
        version=assignment.version,
    )
