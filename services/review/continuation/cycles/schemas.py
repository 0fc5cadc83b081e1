"""Cycles as the API reads and writes them. Times are returned in Asia/Tokyo (+09:00)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from libs.common.fiscal_year import fiscal_year_label
from libs.common.japanese_input import FiscalYearIn, TokyoDatetime
from services.review.continuation.models import (
    ContinuationApplication,
    ContinuationCycle,
    CycleProject,
)
from services.review.continuation.states import (
    ELIGIBLE_PROJECT,
    ContinuationApplicationState,
    EligibleProjectState,
)


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
    state: EligibleProjectState = Field(examples=["eligible"])
    state_label: str = Field(examples=["継続申請対象"])
    council_organisations: list[str]
    contacts: int = Field(description="通知先の連絡先の数")
    application_id: uuid.UUID | None
    application_state: ContinuationApplicationState | None
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


def cycle_out(cycle: ContinuationCycle, counts: dict[str, int]) -> CycleOut:
    def scheduled(name: str) -> ScheduledDate:
        requested, effective = getattr(cycle, f"{name}_requested"), getattr(cycle, name)
        return ScheduledDate(requested=requested, effective=effective, moved=requested != effective)

    return CycleOut(
        id=cycle.id,
        fiscal_year=cycle.fiscal_year,
        fiscal_year_label=fiscal_year_label(cycle.fiscal_year),
        term_end=cycle.term_end,
        opens_at=scheduled("opens_at"),
        deadline=scheduled("deadline"),
        review_due=scheduled("review_due"),
        decision_due=scheduled("decision_due"),
        eligible_projects=sum(counts.values()),
        counts=counts,
        created_by=cycle.created_by,
        created_at=cycle.created_at,
        version=cycle.version,
    )


def cycle_project_out(
    entry: CycleProject,
    application: ContinuationApplication | None,
    grace_until: datetime | None,
) -> CycleProjectOut:
    snapshot = entry.snapshot
    members = (snapshot.get("council") or {}).get("members", [])
    return CycleProjectOut(
        cycle_id=entry.cycle_id,
        project_id=entry.project_id,
        title=snapshot["title"],
        proposers=[ProposerSnapshot.model_validate(p) for p in snapshot["proposers"]],
        term_end=entry.term_end,
        state=entry.state,
        state_label=ELIGIBLE_PROJECT.labels[entry.state],
        council_organisations=[m["organisation"] for m in members],
        contacts=len(snapshot.get("contacts", [])),
        application_id=application.id if application else None,
        application_state=application.state if application else None,
        grace_until=grace_until,
        version=entry.version,
    )
