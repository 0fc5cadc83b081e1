"""A round of the joint review as the API takes and shows it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from libs.common.japanese_input import DateIn, FiscalYearIn, TokyoDatetime, Yen


class RoundProgrammeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme_id: str = Field(description="The registry's programme id", examples=["meti-maas"])
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
    programmes: list[RoundProgrammeIn] = Field(min_length=1, description="参加事業（凡例の順）")

    @model_validator(mode="after")
    def _dates_in_order(self) -> RoundCreate:
        if not (
            self.call_opens_on
            <= self.deadline_at.date()
            <= self.review_due_on
            <= self.announcement_on
        ):
            raise PydanticCustomError(
                "date_order",
                "公募開始 ≤ 締切 ≤ 審査期限 ≤ 公表日 の順でなければなりません"
                "（call opening ≤ deadline ≤ review due ≤ announcement）",
            )
        ids = [p.programme_id for p in self.programmes]
        if len(set(ids)) != len(ids):
            raise PydanticCustomError("duplicate", "事業が重複しています（duplicate programme）")
        return self


class RoundProgrammeOut(BaseModel):
    programme_id: str = Field(examples=["mirai-gijutsu"])
    mark: str = Field(examples=["☆"])
    name: str = Field(examples=["未来技術社会実装事業"])
    quota: int | None = Field(description="null for imported rounds", examples=[9])
    budget_yen: int | None = Field(examples=[80_000_000])
    selected: int | None = Field(
        description="選定済み件数。公表前は運営者以外には null（embargoed: null for everyone but "
        "operators until the results are published）",
        examples=[3],
    )
    selected_amount_yen: int | None = Field(
        description="選定済みの初年度国費の合計。公表前は運営者以外には null（embargoed like "
        "`selected`）",
        examples=[30_000_000],
    )


class RoundOut(BaseModel):
    id: uuid.UUID
    fiscal_year: int = Field(examples=[2022])
    fiscal_year_label: str = Field(examples=["令和4年度"])
    title: str
    status: Literal["open", "closed"]
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
