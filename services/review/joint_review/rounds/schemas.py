"""A round of the joint review as the API takes and shows it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from libs.common.japanese_input import DateIn, FiscalYearIn, TokyoDatetime, Yen
from libs.common.named_schema import Named

RoundStatus = Annotated[
    Literal["open", "closed"],
    Named(
        "RoundStatus",
        "公募回の状態（round status）: open 受付中, closed 締切済み",
    ),
]


class RoundProgrammeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme_id: str = Field(
        description="The registry's programme id or mark (stored as the id)",
        examples=["meti-maas", "○"],
    )
    quota: StrictInt = Field(ge=0, le=10_000, description="選定予定数", examples=[14])
    budget_yen: Yen = Field(description="予算額（円）")


class RoundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fiscal_year: FiscalYearIn
    title: str = Field(
        default="", max_length=200, examples=["令和4年度 スマートシティ関連事業 合同審査"]
    )
    call_opens_on: DateIn = Field(description="公募開始日")
    deadline_at: TokyoDatetime = Field(
        description="応募締切（naive = Asia/Tokyo）", examples=["2022-03-18T12:00:00+09:00"]
    )
    review_due_on: DateIn = Field(description="審査（評価）期限")
    announcement_on: DateIn = Field(description="選定結果の公表日（それまで結果は非公開）")
    programmes: list[RoundProgrammeIn] = Field(
        min_length=1,
        description="参加事業（順不同: the round lists them in legend order ☆□○●■）. Once the "
        "fields are well formed, the dates' order and the programmes (known to the registry, "
        "each named once) are checked together: one 422 lists every broken rule",
    )


class RoundProgrammeOut(BaseModel):
    programme_id: str = Field(examples=["mirai-gijutsu"])
    mark: str = Field(examples=["☆"])
    name: str = Field(
        description="事業名: the name the programme bore in the round's fiscal year",
        examples=["データ連携促進型スマートシティ推進事業"],
    )
    ministry: str = Field(
        description='府省 ("" for rounds stored before it was kept)', examples=["総務省"]
    )
    bureau: str = Field(description="所管部局", examples=["情報流通行政局"])
    name_note: str = Field(
        description='凡例の注: earlier names ("" when none)',
        examples=["令和2年度までの施策名は「データ利活用型スマートシティ推進事業」"],
    )
    quota: int | None = Field(description="null for imported rounds", examples=[9])
    budget_yen: int | None = Field(examples=[80_000_000])
    selected: int | None = Field(
        description="選定済み件数。公表前は運営者以外には null（embargoed: null for everyone but "
        "operators until the results are published）",
        examples=[3],
    )
    selected_amount_yen: int | None = Field(
        description="選定済みの初年度国費の合計。公表前は運営者以外には null（embargoed like "
        "`selected`）。取り込んだ選定結果の回は金額がないため null（an imported table states "
        "no amounts）",
        examples=[30_000_000],
    )


class RoundOut(BaseModel):
    id: uuid.UUID
    fiscal_year: int = Field(examples=[2022])
    fiscal_year_label: str = Field(examples=["令和4年度"])
    title: str
    status: RoundStatus
    imported: bool = Field(description="Loaded from a published results table")
    published: bool = Field(description="Results public (partners may read them)")
    call_opens_on: date | None
    deadline_at: TokyoDatetime | None = Field(description="締切（指定どおり）")
    deadline_effective_at: TokyoDatetime | None = Field(description="締切（閉庁日なら翌開庁日）")
    review_due_on: date | None
    review_due_effective_on: date | None
    announcement_on: date | None
    announcement_effective_on: date | None
    closed_at: TokyoDatetime | None
    published_at: TokyoDatetime | None
    programmes: list[RoundProgrammeOut]
    version: int
    created_at: TokyoDatetime


class RoundClose(BaseModel):
    """締切前の締切り: the body of a close. Closing before the round's effective application
    deadline needs ``force`` and a ``reason``; after the deadline no body is needed."""

    model_config = ConfigDict(extra="forbid")

    force: bool = Field(
        default=False,
        description="応募締切前でも締め切る（close before the effective application deadline: "
        "applications are refused from then on）",
        examples=[True],
    )
    reason: str = Field(
        default="",
        max_length=500,
        description="理由。force のとき必須で、監査証跡に記録される（required with force; "
        "written to the audit trail with the close）",
        examples=["全応募団体から提出完了の連絡を受け、審査日程を前倒しするため"],
    )
