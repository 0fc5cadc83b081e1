"""Programmes and grant schemes as the API shows and takes them. Amounts are integer yen plus a
億円 label, fiscal years an integer plus the Japanese label."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from libs.common.fiscal_year import fiscal_year_label
from services.registry.programmes.models import (
    GrantScheme,
    GrantSchemeCap,
    GrantSchemeQuota,
    Programme,
    ProgrammeFiscalYear,
)

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


class FormerNameOut(BaseModel):
    name: str = Field(examples=["データ利活用型スマートシティ推進事業"])
    until_fiscal_year: int | None = Field(
        description="Last fiscal year the name was used, when the seed says so", examples=[2020]
    )
    until_fiscal_year_label: str | None = Field(examples=["令和2年度"])
    note: str = Field(
        description="What the seed says about the name", examples=["令和2年度までの施策名"]
    )


class ProgrammeFiscalYearOut(BaseModel):
    fiscal_year: int = Field(examples=[2021])
    fiscal_year_label: str = Field(examples=["令和3年度"])
    name: str = Field(
        description="その年度の事業名（施策名）: the name that year's tables print (the current "
        "`name` unless the programme was called otherwise then)",
        examples=["データ連携促進型スマートシティ推進事業"],
    )
    budget_yen: int | None = Field(
        description="null when the budget is given only as text (see budget_note)",
        examples=[690_000_000],
    )
    budget_label: str | None = Field(examples=["6.9億円"])
    budget_note: str = Field(examples=["数億円程度"])
    selection_count: int | None = Field(description="過去の選定数", examples=[9])


class ProgrammeOut(BaseModel):
    id: str = Field(examples=["mirai-gijutsu"])
    mark: str = Field(description="Mark in the joint review's tables", examples=["☆"])
    ministry: str = Field(examples=["内閣府"])
    bureau: str = Field(examples=["地方創生推進事務局"])
    name: str = Field(examples=["未来技術社会実装事業"])
    former_names: list[FormerNameOut]
    summary: str = Field(description="概要")
    support_target: str = Field(description="主な支援対象")
    contact: str = Field(description="問合せ先, as published ((atmark) included)")
    selection_count_note: str = Field(examples=["先行モデルプロジェクト選定数を記載"])
    fiscal_years: list[ProgrammeFiscalYearOut]


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


class ProgrammeFiscalYearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fiscal_year: int | str = Field(
        description="Any form: 2021, R3, 令和3年度, H30 …", examples=["R4"]
    )
    budget_yen: int | None = Field(default=None, ge=0, le=10**15, examples=[80_000_000])
    budget_note: str = Field(default="", max_length=500, examples=["数億円程度"])
    selection_count: int | None = Field(default=None, ge=0, le=100_000, examples=[9])
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="その年度の施策名; null: the current name. Left as it is when not sent.",
        examples=["データ連携促進型スマートシティ推進事業"],
    )


class ProgrammeUpdate(BaseModel):
    """Only the fields sent change; ``fiscal_years`` upserts the years it names."""

    model_config = ConfigDict(extra="forbid")

    ministry: str | None = Field(default=None, min_length=1, max_length=50)
    bureau: str | None = Field(default=None, min_length=1, max_length=100)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    summary: str | None = None
    support_target: str | None = None
    contact: str | None = None
    selection_count_note: str | None = None
    fiscal_years: list[ProgrammeFiscalYearIn] | None = None


class GrantSchemeCapOut(BaseModel):
    applicant_kind: ApplicantKind
    yearly_cap_yen: int = Field(
        description="交付上限額（国費）per project and year", examples=[300_000_000]
    )
    yearly_cap_label: str = Field(examples=["3.0億円"])


class GrantSchemeQuotaOut(BaseModel):
    applicant_kind: ApplicantKind
    max_new: int = Field(description="新規事業の申請上限件数", examples=[9])
    max_wide_area: int | None = Field(
        description="Of which wide-area (広域連携) projects; null when not stated", examples=[3]
    )


class GrantSchemeOut(BaseModel):
    """A grant type and every rule the seed states for it; absent rules are null or empty."""

    id: str = Field(examples=["suishin-senku"])
    name: str = Field(examples=["先駆タイプ"])
    grant: str = Field(examples=["地方創生推進交付金"])
    description: str
    budget_note: str = Field(examples=["令和3年度予算 1,000億円の内数"])
    subsidy_rate: str | None = Field(description="補助率 as n/d", examples=["1/2"])
    max_years: int | None = Field(description="事業期間 (最長…か年度)", examples=[5])
    quota_group: str | None = Field(
        description="Schemes with the same group share one new-application quota",
        examples=["suishin"],
    )
    outside_quota: bool = Field(description="申請上限件数の枠外", examples=[False])
    required_conditions: list[str] = Field(description="事業要件: all must hold")
    caps: list[GrantSchemeCapOut]
    quotas: list[GrantSchemeQuotaOut]


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
