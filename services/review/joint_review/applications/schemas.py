"""An application of the joint review as the API takes and shows it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from libs.common.fiscal_year import fiscal_year_label
from libs.common.japanese_input import FiscalYearIn, TokyoDatetime, Yen
from libs.common.named_schema import Named
from libs.common.programmes import legend_key
from services.review.joint_review.models import JointApplication, JointReviewRound

ApplicantKind = Annotated[
    Literal["prefecture", "municipality", "central_core_city"],
    Named(
        "ApplicantKind",
        "応募団体の種類（applicant kind）: prefecture 都道府県, municipality 市区町村, "
        "central_core_city 中枢中核都市",
    ),
]


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


class JointReviewApplicationCreate(BaseModel):
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


class JointReviewApplicationOut(BaseModel):
    id: uuid.UUID
    round_id: uuid.UUID
    fiscal_year: int
    title: str
    region_label: str
    lead_lg_code: str
    members: list[MemberOut]
    applicant_kind: ApplicantKind
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


def application_out(
    application: JointApplication, round_: JointReviewRound, selected: Sequence[str] | None
) -> JointReviewApplicationOut:
    """``selected`` None (embargo, see visibility): every ``programmes[].selected`` is null."""
    marks = {p.programme_id: p.mark for p in round_.programmes}
    members: list[dict[str, Any]] = application.members
    return JointReviewApplicationOut(
        id=application.id,
        round_id=application.round_id,
        fiscal_year=application.fiscal_year,
        title=application.title,
        region_label=application.region_label,
        lead_lg_code=application.lead_lg_code,
        members=[
            MemberOut(
                lg_code=m["code"], name=m["name"], prefecture=m["prefecture"], is_lead=m["is_lead"]
            )
            for m in members
        ],
        applicant_kind=application.applicant_kind,  # type: ignore[arg-type]
        programmes=[
            ApplicationProgrammeOut(
                programme_id=p,
                mark=marks.get(p, ""),
                selected=None if selected is None else p in selected,
            )
            for p in sorted(
                application.programme_ids, key=lambda p: legend_key(marks.get(p, ""), p)
            )
        ],
        scheme_id=application.scheme_id,
        scheme_name=application.scheme_name,
        quota_group=application.quota_group,
        wide_area=application.wide_area,
        duration_years=application.duration_years,
        funding=[
            FundingYearOut(
                fiscal_year=y["fiscal_year"],
                fiscal_year_label=fiscal_year_label(y["fiscal_year"]),
                amount_yen=y["amount_yen"],
            )
            for y in application.funding
        ],
        conditions=application.conditions,
        summary=application.summary,
        version=application.version,
        created_at=application.created_at,
    )
