"""Continuation applications as the API reads and writes them (times in Asia/Tokyo)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from libs.common.japanese_input import TokyoDatetime
from services.review.continuation.decisions.schemas import DecisionOut, decision_out
from services.review.continuation.models import (
    ContinuationApplication,
    ContinuationCycle,
    ContinuationDecision,
    CycleProject,
)
from services.review.continuation.states import APPLICATION, ContinuationApplicationState


class Attachment(BaseModel):
    name: str = Field(min_length=1, max_length=255, examples=["継続申請書.pdf"])
    media_type: str = Field(min_length=3, max_length=100, examples=["application/pdf"])
    size_bytes: int = Field(ge=0, le=100 * 1024 * 1024, examples=[482113])
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", examples=["9f86d081884c7d65" * 4])


class ContinuationApplicationCreate(BaseModel):
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


class ContinuationApplicationOut(BaseModel):
    id: uuid.UUID
    cycle_id: uuid.UUID
    project_id: uuid.UUID
    project_title: str
    state: ContinuationApplicationState = Field(examples=["submitted"])
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
