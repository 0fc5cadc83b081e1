"""Reviewers' assignments and assessments as the API reads and writes them."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from libs.common.etag import etag_for
from libs.common.japanese_input import TokyoDatetime
from libs.common.pagination import Page
from services.review import field_help
from services.review.continuation.applications.schemas import SECTION_HELP
from services.review.continuation.models import ContinuationAssignment
from services.review.continuation.states import ContinuationAssessmentState
from services.review.reviewers.models import Reviewer

REVIEWER_SUBJECT = "審査員（the reviewer's subject, as registered under /v1/reviewers）"
REVIEWER_NAME = "審査員の氏名（the reviewer's name）"
APPLICATION_ID = "継続申請書の ID（continuation application id）"


class AssignmentCreate(BaseModel):
    reviewer_subject: str = Field(
        min_length=1, max_length=200, description=REVIEWER_SUBJECT, examples=["reviewer-yamada"]
    )


class AssignmentOut(BaseModel):
    id: uuid.UUID = Field(description="割当の ID（assignment id）")
    application_id: uuid.UUID = Field(description=APPLICATION_ID)
    reviewer_subject: str = Field(description=REVIEWER_SUBJECT, examples=["reviewer-yamada"])
    reviewer_name: str = Field(description=REVIEWER_NAME, examples=["山田 太郎"])
    assigned_by: str = Field(
        description="割り当てた職員（the operator who assigned, `role:subject`）",
        examples=[field_help.ACTOR_EXAMPLE],
    )
    assigned_at: TokyoDatetime = Field(
        description="割当日時（assigned at）", examples=["2021-11-02T10:00:00+09:00"]
    )
    state: ContinuationAssessmentState = Field(
        description="評価の状態（the state of this reviewer's assessment）", examples=["assigned"]
    )
    withdrawn_at: TokyoDatetime | None = Field(
        default=None, description="撤回日時（withdrawn at; null unless withdrawn）", examples=[None]
    )
    withdrawn_by: str | None = Field(
        default=None,
        description="撤回した職員（the operator who withdrew it; null unless withdrawn）",
        examples=[None],
    )
    withdrawal_reason: str | None = Field(
        default=None,
        description="撤回の理由（why it was withdrawn; null unless withdrawn）",
        examples=[None],
    )
    etag: str = Field(
        description="この割当の ETag。撤回の If-Match に使う（this assignment's ETag, for If-Match "
        "on its withdrawal）",
        examples=['"continuation-assignment-4f0c2a52-9a57-4c3e-8c39-0b6c4b7f7a10-v1"'],
    )


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
    score: int = Field(ge=1, le=5, description="評点（score, 1–5）", examples=[4])
    comment: str = Field(
        min_length=1,
        max_length=4000,
        description="講評（the reviewer's comment on this criterion）",
        examples=["実装の道筋が具体的である"],
    )


class ContinuationAssessmentIn(BaseModel):
    """One score 1–5 and a written comment for each criterion."""

    future_vision: CriterionScore = Field(description=SECTION_HELP["future_vision"])
    achievements: CriterionScore = Field(description=SECTION_HELP["achievements"])
    plan: CriterionScore = Field(description=SECTION_HELP["plan"])


class ContinuationAssessmentOut(BaseModel):
    assignment_id: uuid.UUID = Field(description="割当の ID（assignment id）")
    application_id: uuid.UUID = Field(description=APPLICATION_ID)
    reviewer_subject: str = Field(description=REVIEWER_SUBJECT, examples=["reviewer-yamada"])
    reviewer_name: str = Field(description=REVIEWER_NAME, examples=["山田 太郎"])
    state: ContinuationAssessmentState = Field(
        description="評価の状態（assessment state）", examples=["assessed"]
    )
    scores: ContinuationAssessmentIn | None = Field(
        description="3項目の評点と講評（score and comment per criterion; null before the first "
        "save and once withdrawn）"
    )
    total: int | None = Field(
        description="3項目の合計（3–15）（sum of the three scores; null without scores）",
        examples=[12],
    )
    updated_at: TokyoDatetime | None = Field(
        description="評価の最終保存日時（last saved at; null before the first save）",
        examples=["2021-11-20T15:00:00+09:00"],
    )
    submitted_at: TokyoDatetime | None = Field(
        description="評価の提出日時（submitted at; null until submitted）",
        examples=["2021-11-25T11:00:00+09:00"],
    )
    version: int = Field(description=field_help.VERSION, examples=[3])


class AssessmentList(Page[ContinuationAssessmentOut]):
    """A page of assessments (``items``, ``next``), and whether others' are among them."""

    items: list[ContinuationAssessmentOut] = Field(
        description="評価（assessments: operators see all, a reviewer their own and, once it is "
        "submitted, the others' submitted ones）"
    )
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
