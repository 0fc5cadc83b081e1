"""A round of the joint review as the API takes and shows it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from libs.common.japanese_input import DateIn, FiscalYearIn, TokyoDatetime, Yen
from libs.common.named_schema import Named
from services.review import field_help
from services.review.input_types import ProgrammeReference

RoundStatus = Annotated[
    Literal["open", "closed"],
    Named(
        "RoundStatus",
        "公募回の状態（round status）: open 受付中, closed 締切済み",
    ),
]


MAX_ROUND_PROGRAMMES = 20  # five take part; the bound keeps a body's list finite
ROUND_ID = "合同審査の回の ID（joint-review round id）"
EMBARGOED = (
    "公表前は運営者以外には null（embargoed: null for everyone but operators until the "
    "results are published）"
)


class RoundProgrammeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme_id: ProgrammeReference = Field(
        description="参加する事業の id か記号（the registry's programme id or mark, stored as "
        "the id）",
        examples=["meti-maas", "○"],
    )
    quota: StrictInt = Field(
        ge=0,
        le=10_000,
        description="選定予定数（how many this programme may select）",
        examples=[14],
    )
    budget_yen: Yen = Field(
        description="予算額（円）（the programme's budget for selections, integer yen）",
        examples=[80_000_000],
    )


class RoundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fiscal_year: FiscalYearIn = Field(description="回の年度（the round's fiscal year）")
    title: str = Field(
        default="",
        max_length=200,
        description="回の名称。省略時は「<年度> スマートシティ関連事業 合同審査」"
        "（title; by default the fiscal year's label and スマートシティ関連事業 合同審査）",
        examples=["令和4年度 スマートシティ関連事業 合同審査"],
    )
    call_opens_on: DateIn = Field(
        description="公募開始日（the call opens）", examples=["2022-01-04"]
    )
    deadline_at: TokyoDatetime = Field(
        description="応募締切（naive = Asia/Tokyo）。閉庁日なら次の開庁日へ（a closed day moves "
        "to the next open day, keeping the time）",
        examples=["2022-02-18T12:00:00+09:00"],
    )
    review_due_on: DateIn = Field(
        description="審査（評価）期限。閉庁日なら次の開庁日へ（review due; a closed day moves to "
        "the next open day）",
        examples=["2022-03-11"],
    )
    announcement_on: DateIn = Field(
        description="選定結果の公表日（それまで結果は非公開）。閉庁日なら次の開庁日へ（results "
        "are embargoed until then; a closed day moves to the next open day）",
        examples=["2022-03-31"],
    )
    programmes: list[RoundProgrammeIn] = Field(
        min_length=1,
        max_length=MAX_ROUND_PROGRAMMES,
        description="参加事業（順不同: the round lists them in legend order ☆□○●■）. Once the "
        "fields are well formed, the dates' order and the programmes (known to the registry, "
        "each named once) are checked together: one 422 lists every broken rule",
    )


class RoundProgrammeOut(BaseModel):
    programme_id: str = Field(description=field_help.PROGRAMME_ID, examples=["mirai-gijutsu"])
    mark: str = Field(description=field_help.MARK, examples=["☆"])
    name: str = Field(
        description="事業名: the name the programme bore in the round's fiscal year",
        examples=["データ連携促進型スマートシティ推進事業"],
    )
    ministry: str = Field(
        description='府省 ("" for rounds stored before it was kept)', examples=["総務省"]
    )
    bureau: str = Field(
        description='所管部局（bureau; "" for rounds stored before it was kept）',
        examples=["情報流通行政局"],
    )
    name_note: str = Field(
        description='凡例の注: earlier names ("" when none)',
        examples=["令和2年度までの施策名は「データ利活用型スマートシティ推進事業」"],
    )
    quota: int | None = Field(
        description="選定予定数（quota; null for imported rounds）", examples=[9]
    )
    budget_yen: int | None = Field(
        description="予算額（円）（budget, yen; null for imported rounds）", examples=[80_000_000]
    )
    selected: int | None = Field(
        description=f"選定済み件数。{EMBARGOED}",
        examples=[3],
    )
    selected_amount_yen: int | None = Field(
        description="選定済みの初年度国費の合計。公表前は運営者以外には null（embargoed like "
        "`selected`）。取り込んだ選定結果の回は金額がないため null（an imported table states "
        "no amounts）",
        examples=[30_000_000],
    )


class RoundOut(BaseModel):
    id: uuid.UUID = Field(description=ROUND_ID)
    fiscal_year: int = Field(description=field_help.FISCAL_YEAR, examples=[2022])
    fiscal_year_label: str = Field(description=field_help.FISCAL_YEAR_LABEL, examples=["令和4年度"])
    title: str = Field(
        description="回の名称（title）", examples=["令和4年度 スマートシティ関連事業 合同審査"]
    )
    status: RoundStatus = Field(
        description="受付中か締切済みか（open or closed; see `published` for publication）",
        examples=["open"],
    )
    imported: bool = Field(
        description="公表済みの選定結果の表から取り込んだ回か（loaded from a published results "
        "table）",
        examples=[False],
    )
    published: bool = Field(
        description="選定結果が公表済みか（results public: partners may read them）",
        examples=[False],
    )
    call_opens_on: date | None = Field(
        description="公募開始日（the call opens; null for imported rounds）",
        examples=["2022-01-04"],
    )
    deadline_at: TokyoDatetime | None = Field(
        description="締切（指定どおり）（the deadline as requested; null for imported rounds）",
        examples=["2022-02-18T12:00:00+09:00"],
    )
    deadline_effective_at: TokyoDatetime | None = Field(
        description="締切（閉庁日なら翌開庁日）（the deadline every rule uses）",
        examples=["2022-02-18T12:00:00+09:00"],
    )
    review_due_on: date | None = Field(
        description="審査期限（指定どおり）（review due as requested）", examples=["2022-03-11"]
    )
    review_due_effective_on: date | None = Field(
        description="審査期限（閉庁日なら翌開庁日）（review due as it applies）",
        examples=["2022-03-11"],
    )
    announcement_on: date | None = Field(
        description="公表日（指定どおり）（announcement as requested）", examples=["2022-03-31"]
    )
    announcement_effective_on: date | None = Field(
        description="公表日（閉庁日なら翌開庁日）（the day results become public）",
        examples=["2022-03-31"],
    )
    closed_at: TokyoDatetime | None = Field(
        description="締め切った日時（closed at; null while open）", examples=[None]
    )
    published_at: TokyoDatetime | None = Field(
        description="公表した日時（published at; null until published）", examples=[None]
    )
    programmes: list[RoundProgrammeOut] = Field(
        description="参加事業。凡例の順（participating programmes, in legend order ☆□○●■）"
    )
    version: int = Field(description=field_help.VERSION, examples=[1])
    created_at: TokyoDatetime = Field(
        description=field_help.CREATED_AT, examples=["2021-12-20T10:00:00+09:00"]
    )


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
