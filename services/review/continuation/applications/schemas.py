"""Continuation applications as the API reads and writes them (times in Asia/Tokyo)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from libs.common.japanese_input import TokyoDatetime
from libs.common.omittable import Omittable
from services.review import field_help
from services.review.continuation.decisions.schemas import DecisionOut, decision_out
from services.review.continuation.models import (
    ContinuationApplication,
    ContinuationCycle,
    ContinuationDecision,
    CycleProject,
)
from services.review.continuation.states import APPLICATION, ContinuationApplicationState

# The three sections of a 継続申請書, which are also what reviewers score (assessments/).
SECTIONS = {"future_vision": "目指す将来像", "achievements": "事業成果", "plan": "今後の事業計画"}
SECTION_HELP = {
    "future_vision": "目指す将来像（future vision）",
    "achievements": "事業成果（achievements）",
    "plan": "今後の事業計画（plan）",
}
_DRAFTED = "。下書きでは空でもよく、提出時に必須（may be empty in a draft; required to submit）"
SECTION_MAX_LENGTH = 20000
MAX_ATTACHMENTS = 20
ATTACHMENTS = (
    "添付書類（attached files: name, media type, size and digest of each; "
    f"at most {MAX_ATTACHMENTS}）"
)
_SECTION_EXAMPLES = {
    "future_vision": "実証で得た知見を生かし、近未来技術が住民の暮らしを支える地域をつくる",
    "achievements": "実証の結果と、地域の受入体制の整備状況",
    "plan": "令和4年度以降の実装の範囲、体制と資金計画",
}


class Attachment(BaseModel):
    name: str = Field(
        min_length=1,
        max_length=255,
        description="ファイル名（file name）",
        examples=["継続申請書.pdf"],
    )
    media_type: str = Field(
        min_length=3,
        max_length=100,
        description="ファイルの種類（media type）",
        examples=["application/pdf"],
    )
    size_bytes: int = Field(
        ge=0,
        le=100 * 1024 * 1024,
        description="ファイルの大きさ（size in bytes, at most 100 MiB）",
        examples=[482113],
    )
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="ファイルの SHA-256（hex digest of the file, lower case）",
        examples=["9f86d081884c7d65" * 4],
    )


class ContinuationApplicationCreate(BaseModel):
    project_id: uuid.UUID = Field(
        description="対象事業の ID（the registry's project id; one of the cycle's eligible "
        "projects, led by the caller's local government）"
    )
    future_vision: str = Field(
        default="",
        max_length=SECTION_MAX_LENGTH,
        description=SECTION_HELP["future_vision"] + _DRAFTED,
        examples=[_SECTION_EXAMPLES["future_vision"]],
    )
    achievements: str = Field(
        default="",
        max_length=SECTION_MAX_LENGTH,
        description=SECTION_HELP["achievements"] + _DRAFTED,
        examples=[_SECTION_EXAMPLES["achievements"]],
    )
    plan: str = Field(
        default="",
        max_length=SECTION_MAX_LENGTH,
        description=SECTION_HELP["plan"] + _DRAFTED,
        examples=[_SECTION_EXAMPLES["plan"]],
    )
    attachments: list[Attachment] = Field(
        default_factory=list, max_length=MAX_ATTACHMENTS, description=ATTACHMENTS
    )


class ApplicationUpdate(BaseModel):
    """Only the fields sent change (draft only); none may be null (``""`` empties a section,
    ``[]`` removes the attachments)."""

    future_vision: Omittable[str] = Field(
        default=None,
        max_length=SECTION_MAX_LENGTH,
        description=SECTION_HELP["future_vision"],
        examples=[_SECTION_EXAMPLES["future_vision"]],
    )
    achievements: Omittable[str] = Field(
        default=None,
        max_length=SECTION_MAX_LENGTH,
        description=SECTION_HELP["achievements"],
        examples=[_SECTION_EXAMPLES["achievements"]],
    )
    plan: Omittable[str] = Field(
        default=None,
        max_length=SECTION_MAX_LENGTH,
        description=SECTION_HELP["plan"],
        examples=[_SECTION_EXAMPLES["plan"]],
    )
    attachments: Omittable[list[Attachment]] = Field(
        default=None,
        max_length=MAX_ATTACHMENTS,
        description=ATTACHMENTS + "。送ると一覧ごと置き換わる（replaces the whole list）",
    )


class ContinuationApplicationOut(BaseModel):
    id: uuid.UUID = Field(description="継続申請書の ID（continuation application id）")
    cycle_id: uuid.UUID = Field(description="継続審査の回の ID（continuation cycle id）")
    project_id: uuid.UUID = Field(description="対象事業の ID（the registry's project id）")
    project_title: str = Field(
        description="事業名（project title, as the registry had it when the cycle opened）",
        examples=["近未来技術を活用した仙北市版グローバルイノベーション"],
    )
    state: ContinuationApplicationState = Field(
        description="継続申請書の状態（application state）", examples=["submitted"]
    )
    state_label: str = Field(
        description="状態の表示名（the state in Japanese）", examples=["提出済み"]
    )
    future_vision: str = Field(
        description=SECTION_HELP["future_vision"], examples=[_SECTION_EXAMPLES["future_vision"]]
    )
    achievements: str = Field(
        description=SECTION_HELP["achievements"], examples=[_SECTION_EXAMPLES["achievements"]]
    )
    plan: str = Field(description=SECTION_HELP["plan"], examples=[_SECTION_EXAMPLES["plan"]])
    attachments: list[Attachment] = Field(description=ATTACHMENTS)
    created_by: str = Field(
        description="作成者（who drafted it: the lead proposer's municipality token）",
        examples=["municipality:lg-052159"],
    )
    created_at: TokyoDatetime = Field(
        description=field_help.CREATED_AT, examples=["2021-09-15T10:00:00+09:00"]
    )
    updated_at: TokyoDatetime = Field(
        description="最終編集日時（last edited at; an edit that changes nothing leaves it）",
        examples=["2021-10-20T16:30:00+09:00"],
    )
    submitted_by: str | None = Field(
        description="提出者（who submitted it; null until submitted）",
        examples=["municipality:lg-052159"],
    )
    submitted_at: TokyoDatetime | None = Field(
        description="提出日時（submitted at; null until submitted）",
        examples=["2021-10-29T15:00:00+09:00"],
    )
    submitted_under_grace_until: TokyoDatetime | None = Field(
        description="猶予期間中の提出ならその猶予期限（the grace period's end when submitted after "
        "the deadline under one; null otherwise）",
        examples=[None],
    )
    deadline: TokyoDatetime = Field(
        description="申請締切（開庁日に調整済み）（the cycle's deadline, moved off a closed day）",
        examples=["2021-11-01T17:00:00+09:00"],
    )
    decision: DecisionOut | None = Field(
        default=None, description="継続可否の決定（the decision; null until decided）"
    )
    version: int = Field(description=field_help.VERSION, examples=[3])


def application_out(
    application: ContinuationApplication,
    entry: CycleProject,
    cycle: ContinuationCycle,
    decision: ContinuationDecision | None = None,
) -> ContinuationApplicationOut:
    return ContinuationApplicationOut(
        id=application.id,
        cycle_id=application.cycle_id,
        project_id=application.project_id,
        project_title=entry.snapshot["title"],
        state=application.state,
        state_label=APPLICATION.labels[application.state],
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
