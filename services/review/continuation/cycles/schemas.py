"""Cycles as the API reads and writes them. Times are returned in Asia/Tokyo (+09:00)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from libs.common.fiscal_year import fiscal_year_label
from libs.common.japanese_input import FiscalYearIn, TokyoDatetime
from services.review import field_help
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

CYCLE_ID = "継続審査の回の ID（continuation cycle id）"
PROJECT_ID = "対象事業の ID（the registry's project id）"
CLOSED_DAY = "閉庁日なら次の開庁日へ（a closed day moves to the next open day, keeping the time）"


class CycleCreate(BaseModel):
    fiscal_year: FiscalYearIn = Field(
        description="支援期間がこの年度に終わる事業が対象（the cohort whose term ends in it）"
    )
    opens_at: TokyoDatetime = Field(
        description="申請受付開始（JST if no offset）", examples=["2021-09-01T10:00:00+09:00"]
    )
    deadline: TokyoDatetime = Field(
        description=f"申請締切。{CLOSED_DAY}", examples=["2021-10-31T17:00:00+09:00"]
    )
    review_due: TokyoDatetime = Field(
        description=f"審査期限（review due）。{CLOSED_DAY}",
        examples=["2021-11-30T17:00:00+09:00"],
    )
    decision_due: TokyoDatetime = Field(
        description="決定期限。支援期間の終了まで（decision due, by the cohort's term end）",
        examples=["2021-12-17T17:00:00+09:00"],
    )


class ScheduledDate(BaseModel):
    requested: TokyoDatetime = Field(
        description="指定された日時（as requested）", examples=["2021-10-31T17:00:00+09:00"]
    )
    effective: TokyoDatetime = Field(
        description="閉庁日（土日祝・年末年始）なら次の開庁日（the date every rule uses: the next "
        "open day when the requested one is closed）",
        examples=["2021-11-01T17:00:00+09:00"],
    )
    moved: bool = Field(
        description="閉庁日のため移動したか（requested fell on a closed day）", examples=[True]
    )


class CycleOut(BaseModel):
    id: uuid.UUID = Field(description=CYCLE_ID)
    fiscal_year: int = Field(description=field_help.FISCAL_YEAR, examples=[2021])
    fiscal_year_label: str = Field(description=field_help.FISCAL_YEAR_LABEL, examples=["令和3年度"])
    term_end: date = Field(
        description="対象事業の支援期間の終了日（the cohort's term end）", examples=["2022-03-31"]
    )
    opens: ScheduledDate = Field(description="申請受付開始（applications open）")
    deadline: ScheduledDate = Field(description="申請締切（application deadline）")
    review_due: ScheduledDate = Field(description="審査期限（review due）")
    decision_due: ScheduledDate = Field(description="決定期限（decision due）")
    eligible_projects: int = Field(
        description="対象事業の数（eligible projects, taken from the registry when it opened）",
        examples=[8],
    )
    counts: dict[str, int] = Field(
        description="対象事業の状態ごとの件数（eligible projects by state）",
        examples=[{"eligible": 3, "applied": 5}],
    )
    created_by: str = Field(description=field_help.ACTOR, examples=[field_help.ACTOR_EXAMPLE])
    created_at: TokyoDatetime = Field(
        description=field_help.CREATED_AT, examples=["2021-08-20T10:00:00+09:00"]
    )
    version: int = Field(description=field_help.VERSION, examples=[1])


class ProposerSnapshot(BaseModel):
    lg_code: str = Field(description=field_help.LG_CODE, examples=["052159"])
    name: str = Field(description=field_help.LG_NAME, examples=["仙北市"])
    prefecture: str = Field(description=field_help.PREFECTURE, examples=["秋田県"])
    is_lead: bool = Field(description=field_help.IS_LEAD, examples=[True])


class CycleProjectOut(BaseModel):
    cycle_id: uuid.UUID = Field(description=CYCLE_ID)
    project_id: uuid.UUID = Field(description=PROJECT_ID)
    title: str = Field(
        description="事業名（project title, as the registry had it when the cycle opened）",
        examples=["近未来技術を活用した仙北市版グローバルイノベーション"],
    )
    proposers: list[ProposerSnapshot] = Field(
        description="提案団体。代表提案者が先頭（proposing local governments, the lead first）"
    )
    term_end: date = Field(
        description="支援期間の終了日（the project's term end）", examples=["2022-03-31"]
    )
    state: EligibleProjectState = Field(
        description="対象事業の状態（the project's place in the cycle）", examples=["eligible"]
    )
    state_label: str = Field(
        description="状態の表示名（the state in Japanese）", examples=["継続申請対象"]
    )
    council_organisations: list[str] = Field(
        description="地域実装協議会の構成団体（the council's member organisations when the cycle "
        "opened）",
        examples=[["仙北市"]],
    )
    contacts: int = Field(
        description="通知先の連絡先の数（contacts the cycle's letters go to; suppressed "
        "addresses left out）",
        examples=[2],
    )
    application_id: uuid.UUID | None = Field(
        description="継続申請書の ID（the project's application in this cycle; null until drafted）"
    )
    application_state: ContinuationApplicationState | None = Field(
        description="継続申請書の状態（its application's state; null until drafted）",
        examples=["draft"],
    )
    grace_until: TokyoDatetime | None = Field(
        description="猶予期限（あれば）（the latest grace period's end, if one was granted）",
        examples=[None],
    )
    version: int = Field(description=field_help.VERSION, examples=[1])


class GracePeriodCreate(BaseModel):
    project_id: uuid.UUID = Field(description=f"{PROJECT_ID}（one of the cycle's）")
    until: TokyoDatetime = Field(
        description="猶予期限。締切より後、支援期間の終了日まで（after the deadline, within the "
        "project's term）",
        examples=["2021-11-05T17:00:00+09:00"],
    )
    reason: str = Field(
        min_length=1,
        max_length=2000,
        description="猶予の理由（why; stored and audited）",
        examples=["災害対応のため提出が遅延"],
    )


class GracePeriodOut(BaseModel):
    id: uuid.UUID = Field(description="猶予の ID（grace period id）")
    cycle_id: uuid.UUID = Field(description=CYCLE_ID)
    project_id: uuid.UUID = Field(description=PROJECT_ID)
    until: TokyoDatetime = Field(
        description="猶予期限（the project may submit until then）",
        examples=["2021-11-05T17:00:00+09:00"],
    )
    reason: str = Field(description="猶予の理由（why）", examples=["災害対応のため提出が遅延"])
    granted_by: str = Field(
        description="猶予を与えた職員（the operator who granted it）",
        examples=["operator:office-1"],
    )
    granted_at: TokyoDatetime = Field(
        description="付与日時（granted at）", examples=["2021-11-02T09:30:00+09:00"]
    )


def cycle_out(cycle: ContinuationCycle, counts: dict[str, int]) -> CycleOut:
    def scheduled(name: str) -> ScheduledDate:
        requested, effective = getattr(cycle, f"{name}_requested"), getattr(cycle, name)
        return ScheduledDate(requested=requested, effective=effective, moved=requested != effective)

    return CycleOut(
        id=cycle.id,
        fiscal_year=cycle.fiscal_year,
        fiscal_year_label=fiscal_year_label(cycle.fiscal_year),
        term_end=cycle.term_end,
        opens=scheduled("opens_at"),
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
