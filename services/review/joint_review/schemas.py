"""Rounds, applications, assessments and selections of the joint review as the API takes and shows
them. Amounts are integer yen; fiscal years are taken in any accepted form and returned as the
integer plus the Japanese label; times carry +09:00."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from libs.common.fiscal_year import (
    TOKYO,
    FiscalYearError,
    JapaneseDateError,
    parse_fiscal_year,
    parse_japanese_date,
)


def _fiscal_year(value: Any) -> int:
    try:
        return parse_fiscal_year(value)
    except FiscalYearError as exc:
        raise PydanticCustomError("fiscal_year", exc.message) from None


def _date(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return parse_japanese_date(value)
    except JapaneseDateError as exc:
        raise PydanticCustomError("date", exc.message) from None


def _in_tokyo(value: datetime) -> datetime:
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
            "description": "年度: 2022, R4, 令和4年度, H30, 平成30年度, R元 …",
            "examples": ["令和4年度"],
        }
    ),
]
DateIn = Annotated[
    date,
    BeforeValidator(_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["令和4年3月31日"]}),
]
TokyoDatetime = Annotated[datetime, AfterValidator(_in_tokyo)]
Yen = Annotated[
    StrictInt, Field(ge=0, le=10**15, description="integer yen", examples=[200_000_000])
]

# The three criteria every reviewer scores (1–5), with a comment each; see docs/review.md.
CRITERIA: dict[str, str] = {
    "innovation": "先進性・モデル性（未来技術の活用が先進的で、全国のモデルとなるか）",
    "feasibility": "実現可能性・持続性（体制・計画・資金が確かで、事業が続くか）",
    "spread": "横展開・連携の可能性（他地域や他事業との連携・展開が見込めるか）",
}


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


class RegionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(
        min_length=1,
        max_length=300,
        description="プロジェクト実施地域",
        examples=["川崎市、箱根町"],
    )
    lg_codes: list[str] = Field(min_length=1, max_length=50, examples=[["141305", "143821"]])
    lead_lg_code: str | None = Field(
        default=None,
        description="代表団体（one of lg_codes; may be omitted when there is only one）",
        examples=["141305"],
    )


class FundingYearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fiscal_year: FiscalYearIn
    amount_yen: Yen = Field(description="国費（円）")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["川崎 太郎"])
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320, examples=["t@example.jp"])


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300, examples=["MaaSによる観光回遊の実装"])
    region: RegionIn
    programmes: list[str] = Field(
        min_length=1, description="申請する事業（the round's programme ids or marks）"
    )
    scheme: str = Field(
        description="交付金の種類（registry grant-scheme id）", examples=["suishin-senku"]
    )
    funding: list[FundingYearIn] = Field(min_length=1, description="年度ごとの国費の申請額")
    duration_years: StrictInt = Field(ge=1, le=20, description="事業期間（か年度）", examples=[3])
    wide_area: bool = Field(default=False, description="広域連携事業")
    conditions: list[bool] = Field(
        default_factory=list,
        description="事業要件の充足（the scheme's required_conditions, in the registry's order; "
        "Society5.0 has four）",
        examples=[[True, True, True, True]],
    )
    summary: str = Field(default="", max_length=10_000)
    contact: ContactIn | None = Field(default=None, description="結果通知の宛先")


class MemberOut(BaseModel):
    lg_code: str = Field(examples=["141305"])
    name: str = Field(examples=["川崎市"])
    prefecture: str = Field(examples=["神奈川県"])
    is_lead: bool


class FundingYearOut(BaseModel):
    fiscal_year: int
    fiscal_year_label: str
    amount_yen: int


class ApplicationProgrammeOut(BaseModel):
    programme_id: str
    mark: str
    selected: bool | None = Field(
        description="この事業に選定されたか。公表前は運営者以外には null（embargoed: null for "
        "everyone but operators until the results are published）",
        examples=[True],
    )


class ApplicationOut(BaseModel):
    id: uuid.UUID
    round_id: uuid.UUID
    fiscal_year: int
    title: str
    region_label: str
    lead_lg_code: str
    members: list[MemberOut]
    applicant_kind: Literal["prefecture", "municipality", "central_core_city"]
    programmes: list[ApplicationProgrammeOut]
    scheme_id: str
    scheme_name: str
    quota_group: str | None = Field(description="null when outside the quota (Society5.0)")
    wide_area: bool
    duration_years: int
    funding: list[FundingYearOut]
    conditions: list[bool]
    summary: str
    version: int
    created_at: TokyoDatetime


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: StrictInt = Field(ge=1, le=5, examples=[4])
    comment: str = Field(default="", max_length=4000, examples=["実装体制が明確"])


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    innovation: CriterionIn = Field(description=CRITERIA["innovation"])
    feasibility: CriterionIn = Field(description=CRITERIA["feasibility"])
    spread: CriterionIn = Field(description=CRITERIA["spread"])


class CriterionOut(BaseModel):
    criterion: Literal["innovation", "feasibility", "spread"]
    label: str
    score: int
    comment: str


class AssessmentOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    programme_id: str
    reviewer: str = Field(description="The reviewer's subject")
    criteria: list[CriterionOut]
    total: int = Field(description="Sum of the three scores (3–15)", examples=[12])
    version: int
    updated_at: TokyoDatetime


class SelectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    programme: str = Field(description="The round's programme id or mark", examples=["☆"])
    application_id: uuid.UUID


class SelectionOut(BaseModel):
    id: uuid.UUID
    round_id: uuid.UUID
    application_id: uuid.UUID
    programme_id: str
    mark: str
    amount_yen: int = Field(description="初年度（the round's fiscal year）の国費")
    selected_by: str
    registry_project_id: uuid.UUID | None = Field(
        description="The registry project a ☆ selection became, once published"
    )
    created_at: TokyoDatetime
