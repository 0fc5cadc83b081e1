"""Programmes and grant schemes as the API shows and takes them. Amounts are integer yen plus a
億円 label, fiscal years an integer plus the Japanese label."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from libs.common.fiscal_year import fiscal_year_label
from libs.common.japanese_input import MAX_YEN, FiscalYearIn
from libs.common.omittable import Omittable
from services.registry.programmes.models import (
    GrantScheme,
    GrantSchemeCap,
    GrantSchemeQuota,
    Programme,
    ProgrammeFiscalYear,
)
from services.registry.request_types import LONG_TEXT_MAX

_OKU = Decimal(100_000_000)


def oku_label(yen: int) -> str:
    """``300000000`` → ``"3.0億円"``, ``85000000`` → ``"0.85億円"`` (the seed's own notation)."""
    text = format((Decimal(yen) / _OKU).normalize(), "f")
    return f"{text if '.' in text else text + '.0'}億円"


class ApplicantKind(StrEnum):
    """Who applies for a grant, as the cap and quota tables distinguish them."""

    PREFECTURE = "prefecture"  # 都道府県
    MUNICIPALITY = "municipality"  # 市区町村
    CENTRAL_CORE_CITY = "central_core_city"  # 中枢中核都市


APPLICANT_KIND_ORDER = list(ApplicantKind)


APPLICANT_KIND_HELP = (
    "申請主体の区分（applicant kind）: prefecture 都道府県, municipality 市区町村, "
    "central_core_city 中枢中核都市"
)
MINISTRY_HELP = "所管府省庁（ministry）"
BUREAU_HELP = "担当部局（bureau）"
PROGRAMME_NAME_HELP = "事業名（施策名）（current name of the programme）"
SUMMARY_HELP = "概要（summary）"
SUPPORT_TARGET_HELP = "主な支援対象（what the programme supports）"
CONTACT_HELP = "問合せ先（contact, as published: (atmark) included）"
SELECTION_COUNT_NOTE_HELP = "選定数の注記（what the selection counts mean, when qualified）"
BUDGET_NOTE_HELP = "予算の注記（budget in words, or what the amount covers）"
BUDGET_YEN_HELP = "予算額（budget, integer yen）; null when given only in words (see budget_note)"
SELECTION_COUNT_HELP = "過去の選定数（projects selected that fiscal year）; null: not stated"
_SUMMARY_EXAMPLE = (
    "地域のSociety5.0の実現に向け、地方創生の観点から優れた自治体の未来技術の実装事業について、"
    "関係府省庁による総合的な支援を実施"
)
_SUPPORT_TARGET_EXAMPLE = (
    "社会実装に向けた関係府省庁による総合的な支援（各種補助金、制度的・技術的課題等に対する助言等）"
)
_CONTACT_EXAMPLE = "未来技術実装担当 電話：03-6206-6175"
_BUDGET_NOTE_EXAMPLE = "シンポジウム等、普及啓発を目的とした取組に係る費用"


class FormerNameOut(BaseModel):
    name: str = Field(
        description="以前の名称（former name）", examples=["データ利活用型スマートシティ推進事業"]
    )
    until_fiscal_year: int | None = Field(
        description="その名称を使った最後の年度（last fiscal year the name was used, when the "
        "seed says so）",
        examples=[2020],
    )
    until_fiscal_year_label: str | None = Field(
        description="最後の年度の和暦表記（Japanese label of until_fiscal_year）",
        examples=["令和2年度"],
    )
    note: str = Field(
        description="名称についての記述（what the seed says about the name）",
        examples=["令和2年度までの施策名"],
    )


class ProgrammeFiscalYearOut(BaseModel):
    fiscal_year: int = Field(description="年度（fiscal year）", examples=[2021])
    fiscal_year_label: str = Field(
        description="年度の和暦表記（Japanese label of the fiscal year）", examples=["令和3年度"]
    )
    name: str = Field(
        description="その年度の事業名（施策名）: the name that year's tables print (the current "
        "`name` unless the programme was called otherwise then)",
        examples=["データ連携促進型スマートシティ推進事業"],
    )
    budget_yen: int | None = Field(description=BUDGET_YEN_HELP, examples=[690_000_000])
    budget_label: str | None = Field(
        description="予算額の億円表記（budget in 億円, as the seed writes it）; null with "
        "budget_yen",
        examples=["6.9億円"],
    )
    budget_note: str = Field(description=BUDGET_NOTE_HELP, examples=["数億円程度"])
    selection_count: int | None = Field(description=SELECTION_COUNT_HELP, examples=[9])


class ProgrammeOut(BaseModel):
    id: str = Field(
        description="スマートシティ関連事業のID（programme id）", examples=["mirai-gijutsu"]
    )
    mark: str = Field(
        description="凡例の記号（mark in the joint review's tables: ☆ □ ○ ● ■）", examples=["☆"]
    )
    ministry: str = Field(description=MINISTRY_HELP, examples=["内閣府"])
    bureau: str = Field(description=BUREAU_HELP, examples=["地方創生推進事務局"])
    name: str = Field(description=PROGRAMME_NAME_HELP, examples=["未来技術社会実装事業"])
    former_names: list[FormerNameOut] = Field(description="以前の名称（former names）")
    summary: str = Field(description=SUMMARY_HELP, examples=[_SUMMARY_EXAMPLE])
    support_target: str = Field(description=SUPPORT_TARGET_HELP, examples=[_SUPPORT_TARGET_EXAMPLE])
    contact: str = Field(description=CONTACT_HELP, examples=[_CONTACT_EXAMPLE])
    selection_count_note: str = Field(
        description=SELECTION_COUNT_NOTE_HELP, examples=["先行モデルプロジェクト選定数を記載"]
    )
    fiscal_years: list[ProgrammeFiscalYearOut] = Field(
        description="年度ごとの名称・予算・選定数（name, budget and selections by fiscal year, "
        "oldest first）"
    )


def fiscal_year_out(row: ProgrammeFiscalYear, current_name: str) -> ProgrammeFiscalYearOut:
    return ProgrammeFiscalYearOut(
        fiscal_year=row.fiscal_year,
        fiscal_year_label=fiscal_year_label(row.fiscal_year),
        name=row.name or current_name,
        budget_yen=row.budget_yen,
        budget_label=oku_label(row.budget_yen) if row.budget_yen is not None else None,
        budget_note=row.budget_note,
        selection_count=row.selection_count,
    )


def programme_out(programme: Programme) -> ProgrammeOut:
    former = [
        FormerNameOut(
            name=item["name"],
            until_fiscal_year=item.get("until_fiscal_year"),
            until_fiscal_year_label=fiscal_year_label(item["until_fiscal_year"])
            if item.get("until_fiscal_year")
            else None,
            note=item.get("note", ""),
        )
        for item in programme.former_names
    ]
    return ProgrammeOut(
        id=programme.id,
        mark=programme.mark,
        ministry=programme.ministry,
        bureau=programme.bureau,
        name=programme.name,
        former_names=former,
        summary=programme.summary,
        support_target=programme.support_target,
        contact=programme.contact,
        selection_count_note=programme.selection_count_note,
        fiscal_years=[
            fiscal_year_out(row, programme.name)
            for row in sorted(programme.fiscal_years, key=lambda r: r.fiscal_year)
        ],
    )


MAX_FISCAL_YEARS_PER_CHANGE = 50


class ProgrammeFiscalYearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fiscal_year: FiscalYearIn = Field(
        description="年度（fiscal year, in any accepted form）", examples=["R4"]
    )
    budget_yen: int | None = Field(
        default=None, ge=0, le=MAX_YEN, description=BUDGET_YEN_HELP, examples=[80_000_000]
    )
    budget_note: str = Field(
        default="", max_length=500, description=BUDGET_NOTE_HELP, examples=[_BUDGET_NOTE_EXAMPLE]
    )
    selection_count: int | None = Field(
        default=None, ge=0, le=100_000, description=SELECTION_COUNT_HELP, examples=[9]
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="その年度の施策名（the name that year's tables print）; null: the current "
        "name. Left as it is when not sent.",
        examples=["データ連携促進型スマートシティ推進事業"],
    )


class ProgrammeUpdate(BaseModel):
    """Only the fields sent change, none to null; ``fiscal_years`` upserts the years it names."""

    model_config = ConfigDict(extra="forbid")

    ministry: Omittable[str] = Field(
        default=None, min_length=1, max_length=50, description=MINISTRY_HELP, examples=["内閣府"]
    )
    bureau: Omittable[str] = Field(
        default=None,
        min_length=1,
        max_length=100,
        description=BUREAU_HELP,
        examples=["地方創生推進事務局"],
    )
    name: Omittable[str] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description=PROGRAMME_NAME_HELP,
        examples=["未来技術社会実装事業"],
    )
    summary: Omittable[str] = Field(
        default=None,
        max_length=LONG_TEXT_MAX,
        description=SUMMARY_HELP,
        examples=[_SUMMARY_EXAMPLE],
    )
    support_target: Omittable[str] = Field(
        default=None,
        max_length=LONG_TEXT_MAX,
        description=SUPPORT_TARGET_HELP,
        examples=[_SUPPORT_TARGET_EXAMPLE],
    )
    contact: Omittable[str] = Field(
        default=None,
        max_length=LONG_TEXT_MAX,
        description=CONTACT_HELP,
        examples=[_CONTACT_EXAMPLE],
    )
    selection_count_note: Omittable[str] = Field(
        default=None,
        max_length=LONG_TEXT_MAX,
        description=SELECTION_COUNT_NOTE_HELP,
        examples=["先行モデルプロジェクト選定数を記載"],
    )
    fiscal_years: Omittable[list[ProgrammeFiscalYearIn]] = Field(
        default=None,
        max_length=MAX_FISCAL_YEARS_PER_CHANGE,
        description="年度ごとの名称・予算・選定数（fiscal years to add or change; each year once; "
        "years not named stay）",
    )


class GrantSchemeCapOut(BaseModel):
    applicant_kind: ApplicantKind = Field(description=APPLICANT_KIND_HELP)
    yearly_cap_yen: int = Field(
        description="交付上限額（国費）（yearly cap of national funding per project, integer yen）",
        examples=[300_000_000],
    )
    yearly_cap_label: str = Field(
        description="交付上限額の億円表記（the cap in 億円）", examples=["3.0億円"]
    )


class GrantSchemeQuotaOut(BaseModel):
    applicant_kind: ApplicantKind = Field(description=APPLICANT_KIND_HELP)
    max_new: int = Field(
        description="新規事業の申請上限件数（new applications one applicant may file a year）",
        examples=[9],
    )
    max_wide_area: int | None = Field(
        description="うち広域連携の上限（of which wide-area projects; null when not stated）",
        examples=[3],
    )


class GrantSchemeOut(BaseModel):
    """A grant type and every rule the seed states for it; absent rules are null or empty."""

    id: str = Field(description="交付金タイプのID（grant scheme id）", examples=["suishin-senku"])
    name: str = Field(description="交付金タイプの名称（grant scheme）", examples=["先駆タイプ"])
    grant: str = Field(description="交付金の名称（grant）", examples=["地方創生推進交付金"])
    description: str = Field(
        description="概要（what the scheme supports）",
        examples=["他の地域等で既に確立されている優良モデル・サービスを活用した実装の取組"],
    )
    budget_note: str = Field(
        description="予算の記述（budget, as the seed words it）",
        examples=["令和3年度予算 1,000億円の内数"],
    )
    subsidy_rate: str | None = Field(
        description="補助率（subsidy rate as n/d; null when not stated）", examples=["1/2"]
    )
    max_years: int | None = Field(
        description="事業期間（最長…か年度）（maximum fiscal years; null when not stated）",
        examples=[5],
    )
    quota_group: str | None = Field(
        description="申請上限件数を共有するグループ（schemes with the same group share one "
        "new-application quota）",
        examples=["suishin"],
    )
    outside_quota: bool = Field(
        description="申請上限件数の枠外（outside the new-application quota）", examples=[False]
    )
    required_conditions: list[str] = Field(
        description="事業要件（required conditions: all must hold）",
        examples=[
            ["国・専門家等の協働PDCAサイクルが存在", "既に一部実証済で、5年後までに本格実装"]
        ],
    )
    caps: list[GrantSchemeCapOut] = Field(
        description="申請主体ごとの交付上限額（yearly caps by applicant kind）"
    )
    quotas: list[GrantSchemeQuotaOut] = Field(
        description="申請主体ごとの申請上限件数（new-application quotas by applicant kind）"
    )


def grant_scheme_out(scheme: GrantScheme) -> GrantSchemeOut:
    def order(row: GrantSchemeCap | GrantSchemeQuota) -> int:
        return APPLICANT_KIND_ORDER.index(ApplicantKind(row.applicant_kind))

    return GrantSchemeOut(
        id=scheme.id,
        name=scheme.name,
        grant=scheme.grant,
        description=scheme.description,
        budget_note=scheme.budget_note,
        subsidy_rate=scheme.subsidy_rate,
        max_years=scheme.max_years,
        quota_group=scheme.quota_group,
        outside_quota=scheme.outside_quota,
        required_conditions=list(scheme.required_conditions),
        caps=[
            GrantSchemeCapOut(
                applicant_kind=ApplicantKind(cap.applicant_kind),
                yearly_cap_yen=cap.yearly_cap_yen,
                yearly_cap_label=oku_label(cap.yearly_cap_yen),
            )
            for cap in sorted(scheme.caps, key=order)
        ],
        quotas=[
            GrantSchemeQuotaOut(
                applicant_kind=ApplicantKind(quota.applicant_kind),
                max_new=quota.max_new,
                max_wide_area=quota.max_wide_area,
            )
            for quota in sorted(scheme.quotas, key=order)
        ],
    )
