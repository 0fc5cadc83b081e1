"""継続審査 as the API reads and writes it. Times are returned in Asia/Tokyo (+09:00)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from libs.common.fiscal_year import TOKYO, FiscalYearError, parse_fiscal_year
from services.review.continuation.states import State


def _fiscal_year(value: Any) -> int:
    try:
        return parse_fiscal_year(value)
    except FiscalYearError as exc:
        raise PydanticCustomError("fiscal_year", exc.message) from None


def _in_tokyo(value: datetime) -> datetime:
    """Aware, in Tokyo; a naive input is Tokyo wall-clock time (the office's time)."""
    try:
        return value.replace(tzinfo=TOKYO) if value.tzinfo is None else value.astimezone(TOKYO)
    except OverflowError:  # 0001-01-01T00:15+01:00 is year 0 in UTC: a 422, not a 500
        raise ValueError("日時が範囲外です（datetime out of range）") from None


FiscalYearIn = Annotated[
    int,
    BeforeValidator(_fiscal_year),
    WithJsonSchema(
        {
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "description": "年度: 2021, R3, 令和3年度, H30, 平成30年度, R元 …",
            "examples": ["令和3年度", 2021, "R3"],
        }
    ),
]
TokyoDatetime = Annotated[datetime, AfterValidator(_in_tokyo)]
Criterion = Literal["future_vision", "achievements", "plan"]
CRITERIA: tuple[Criterion, ...] = ("future_vision", "achievements", "plan")
CRITERION_LABELS = {
    "future_vision": "目指す将来像",
    "achievements": "事業成果",
    "plan": "今後の事業計画",
}


class CycleCreate(BaseModel):
    fiscal_year: FiscalYearIn = Field(
        description="支援期間がこの年度に終わる事業が対象（the cohort whose term ends in it）"
    )
    opens_at: TokyoDatetime = Field(
        description="申請受付開始（JST if no offset）", examples=["2021-09-01T10:00:00+09:00"]
    )
    deadline: TokyoDatetime = Field(
        description="申請締切。閉庁日なら次の開庁日へ", examples=["2021-10-31T17:00:00+09:00"]
    )
    review_due: TokyoDatetime = Field(
        description="審査期限", examples=["2021-11-30T17:00:00+09:00"]
    )
    decision_due: TokyoDatetime = Field(
        description="決定期限（支援期間の終了まで）", examples=["2021-12-17T17:00:00+09:00"]
    )


class ScheduledDate(BaseModel):
    requested: TokyoDatetime = Field(examples=["2021-10-31T17:00:00+09:00"])
    effective: TokyoDatetime = Field(
        description="閉庁日（土日祝・年末年始）なら次の開庁日",
        examples=["2021-11-01T17:00:00+09:00"],
    )
    moved: bool = Field(description="requested fell on a closed day")


class CycleOut(BaseModel):
    id: uuid.UUID
    fiscal_year: int = Field(examples=[2021])
    fiscal_year_label: str = Field(examples=["令和3年度"])
    term_end: date = Field(description="対象事業の支援期間の終了日", examples=["2022-03-31"])
    opens_at: ScheduledDate
    deadline: ScheduledDate
    review_due: ScheduledDate
    decision_due: ScheduledDate
    eligible_projects: int = Field(examples=[8])
    counts: dict[str, int] = Field(
        description="対象事業の状態ごとの件数", examples=[{"eligible": 3, "applied": 5}]
    )
    created_by: str
    created_at: TokyoDatetime
    version: int


class ProposerSnapshot(BaseModel):
    lg_code: str = Field(examples=["052159"])
    name: str = Field(examples=["仙北市"])
    prefecture: str = Field(examples=["秋田県"])
    is_lead: bool


class CycleProjectOut(BaseModel):
    cycle_id: uuid.UUID
    project_id: uuid.UUID
    title: str
    proposers: list[ProposerSnapshot] = Field(description="代表提案者が先頭")
    term_end: date
    state: State = Field(examples=["eligible"])
    state_label: str = Field(examples=["継続申請対象"])
    council_organisations: list[str]
    contacts: int = Field(description="通知先の連絡先の数")
    application_id: uuid.UUID | None
    application_state: State | None
    grace_until: TokyoDatetime | None = Field(description="猶予期限（あれば）")
    version: int


class GracePeriodCreate(BaseModel):
    project_id: uuid.UUID
    until: TokyoDatetime = Field(examples=["2021-11-05T17:00:00+09:00"])
    reason: str = Field(min_length=1, max_length=2000, examples=["災害対応のため提出が遅延"])


class GracePeriodOut(BaseModel):
    id: uuid.UUID
    cycle_id: uuid.UUID
    project_id: uuid.UUID
    until: TokyoDatetime
    reason: str
    granted_by: str = Field(examples=["operator:office-1"])
    granted_at: TokyoDatetime


class Attachment(BaseModel):
    name: str = Field(min_length=1, max_length=255, examples=["継続申請書.pdf"])
    media_type: str = Field(min_length=3, max_length=100, examples=["application/pdf"])
    size_bytes: int = Field(ge=0, le=100 * 1024 * 1024, examples=[482113])
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", examples=["9f86d081884c7d65" * 4])


class ApplicationCreate(BaseModel):
    project_id: uuid.UUID
    future_vision: str = Field(default="", max_length=20000, description="目指す将来像")
    achievements: str = Field(default="", max_length=20000, description="事業成果")
    plan: str = Field(default="", max_length=20000, description="今後の事業計画")
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


class ApplicationUpdate(BaseModel):
    """Only the fields sent change (draft only)."""

    future_vision: str | None = Field(default=None, max_length=20000)
    achievements: str | None = Field(default=None, max_length=20000)
    plan: str | None = Field(default=None, max_length=20000)
    attachments: list[Attachment] | None = Field(default=None, max_length=20)


class ApplicationOut(BaseModel):
    id: uuid.UUID
    cycle_id: uuid.UUID
    project_id: uuid.UUID
    project_title: str
    state: State = Field(examples=["submitted"])
    state_label: str = Field(examples=["提出済み"])
    future_vision: str
    achievements: str
    plan: str
    attachments: list[Attachment]
    created_by: str
    created_at: TokyoDatetime
    updated_at: TokyoDatetime
    submitted_by: str | None
    submitted_at: TokyoDatetime | None
    submitted_under_grace_until: TokyoDatetime | None
    deadline: TokyoDatetime = Field(description="申請締切（開庁日に調整済み）")
    decision: DecisionOut | None = None
    version: int


class AssignmentCreate(BaseModel):
    reviewer_subject: str = Field(min_length=1, max_length=200, examples=["reviewer-yamada"])


class AssignmentOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    reviewer_subject: str
    reviewer_name: str
    assigned_by: str
    assigned_at: TokyoDatetime
    state: State = Field(examples=["assigned"])


class CriterionScore(BaseModel):
    score: int = Field(ge=1, le=5, examples=[4])
    comment: str = Field(min_length=1, max_length=4000, examples=["実装の道筋が具体的である"])


class AssessmentIn(BaseModel):
    """One score 1–5 and a written comment for each criterion."""

    future_vision: CriterionScore = Field(description="目指す将来像")
    achievements: CriterionScore = Field(description="事業成果")
    plan: CriterionScore = Field(description="今後の事業計画")


class AssessmentOut(BaseModel):
    assignment_id: uuid.UUID
    application_id: uuid.UUID
    reviewer_subject: str
    reviewer_name: str
    state: State = Field(examples=["assessed"])
    scores: AssessmentIn | None
    total: int | None = Field(description="3項目の合計（3–15）", examples=[12])
    updated_at: TokyoDatetime | None
    submitted_at: TokyoDatetime | None
    version: int


class AssessmentList(BaseModel):
    items: list[AssessmentOut]
    others_visible: bool = Field(
        description="他の審査員の評価を含むか（a reviewer sees them once their own is submitted）"
    )


class DecisionCreate(BaseModel):
    outcome: Literal["approved", "rejected"]
    reason: str = Field(min_length=1, max_length=4000, examples=["事業成果が十分であり継続を承認"])


class DecisionOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    project_id: uuid.UUID
    outcome: Literal["approved", "rejected"]
    reason: str
    decided_by: str
    decided_at: TokyoDatetime
    new_term_end: date | None = Field(
        description="承認時の延長後の支援終了日（2年度延長）", examples=["2024-03-31"]
    )
    registry_result: dict[str, Any] | None = Field(description="台帳に反映した結果（反映済みなら）")


ApplicationOut.model_rebuild()
