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
from services.review import field_help
from services.review.input_types import LgCodeIn, ProgrammeReference
from services.review.joint_review.models import JointApplication, JointReviewRound
from services.review.joint_review.rounds.schemas import MAX_ROUND_PROGRAMMES

ApplicantKind = Annotated[
    Literal["prefecture", "municipality", "central_core_city"],
    Named(
        "ApplicantKind",
        "応募団体の種類（applicant kind）: prefecture 都道府県, municipality 市区町村, "
        "central_core_city 中枢中核都市",
    ),
]


REGION_LABEL = "プロジェクト実施地域（the region as the results table names it）"
MAX_CONDITIONS = 20  # the registry's schemes state four at most (Society5.0)
MAX_DURATION_YEARS = 20
SCHEME_ID_LENGTH = 40  # joint_applications.scheme_id


class RegionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(
        min_length=1, max_length=300, description=REGION_LABEL, examples=["川崎市、箱根町"]
    )
    lg_codes: list[LgCodeIn] = Field(
        min_length=1,
        max_length=50,
        description="構成団体の全国地方公共団体コード（6桁）（the region's 6-digit local "
        "government codes; each must be in the registry）",
        examples=[["141305", "143821"]],
    )
    lead_lg_code: LgCodeIn | None = Field(
        default=None,
        description="代表団体の全国地方公共団体コード（6桁）（the lead: one of lg_codes; may be "
        "omitted when there is only one）",
        examples=["141305"],
    )


class FundingYearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fiscal_year: FiscalYearIn = Field(
        description="国費を申請する年度。回の年度から事業期間内で重複なく（a fiscal year of the "
        "project, from the round's, each once）"
    )
    amount_yen: Yen = Field(description="国費（円）（national funding requested, integer yen）")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=100,
        description="担当者名（the person the result letter is addressed to）",
        examples=["川崎 太郎"],
    )
    email: str = Field(
        pattern=r"^[^@\s]+@[^@\s]+$",
        max_length=320,
        description="担当者のメールアドレス（where the result letter goes）",
        examples=["t@example.jp"],
    )


class JointReviewApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(
        min_length=1,
        max_length=300,
        description="件名（title; a ☆ selection becomes a registry project of this title）",
        examples=["MaaSによる観光回遊の実装"],
    )
    region: RegionIn = Field(description="申請地域（the applying region）")
    programmes: list[ProgrammeReference] = Field(
        min_length=1,
        max_length=MAX_ROUND_PROGRAMMES,
        description="申請する事業（the round's programme ids or marks）",
        examples=[["☆", "meti-maas"]],
    )
    scheme: str = Field(
        max_length=SCHEME_ID_LENGTH,
        description="交付金の種類（registry grant-scheme id）",
        examples=["suishin-senku"],
    )
    funding: list[FundingYearIn] = Field(
        min_length=1,
        max_length=MAX_DURATION_YEARS,
        description="年度ごとの国費の申請額（national funding requested per fiscal year）",
    )
    duration_years: StrictInt = Field(
        ge=1,
        le=MAX_DURATION_YEARS,
        description="事業期間（か年度）（the project's length in fiscal years）",
        examples=[3],
    )
    wide_area: bool = Field(
        default=False,
        description="広域連携事業（a wide-area application: also counted against the scheme's "
        "wide-area quota）",
        examples=[False],
    )
    conditions: list[bool] = Field(
        default_factory=list,
        max_length=MAX_CONDITIONS,
        description="事業要件の充足（the scheme's required_conditions, in the registry's order; "
        "Society5.0 has four）",
        examples=[[True, True, True, True]],
    )
    summary: str = Field(
        default="",
        max_length=10_000,
        description="事業の概要（summary; a ☆ selection's registry project takes it）",
        examples=["観光客の回遊を MaaS で促し、二次交通の空白を解消する"],
    )
    contact: ContactIn | None = Field(
        default=None,
        description="結果通知の宛先（where the result letter goes; without one none is sent）",
    )


class MemberOut(BaseModel):
    lg_code: str = Field(description=field_help.LG_CODE, examples=["141305"])
    name: str = Field(description=field_help.LG_NAME, examples=["川崎市"])
    prefecture: str = Field(description=field_help.PREFECTURE, examples=["神奈川県"])
    is_lead: bool = Field(description=field_help.IS_LEAD, examples=[True])


class FundingYearOut(BaseModel):
    fiscal_year: int = Field(description=field_help.FISCAL_YEAR, examples=[2022])
    fiscal_year_label: str = Field(description=field_help.FISCAL_YEAR_LABEL, examples=["令和4年度"])
    amount_yen: int = Field(
        description="国費（円）（national funding requested, yen）", examples=[200_000_000]
    )


class ApplicationProgrammeOut(BaseModel):
    programme_id: str = Field(description=field_help.PROGRAMME_ID, examples=["mirai-gijutsu"])
    mark: str = Field(description=field_help.MARK, examples=["☆"])
    selected: bool | None = Field(
        description="この事業に選定されたか。公表前は運営者以外には null（embargoed: null for "
        "everyone but operators until the results are published）",
        examples=[True],
    )


class JointReviewApplicationOut(BaseModel):
    id: uuid.UUID = Field(description="合同審査の申請の ID（joint-review application id）")
    round_id: uuid.UUID = Field(description="合同審査の回の ID（joint-review round id）")
    fiscal_year: int = Field(description="回の年度（the round's fiscal year）", examples=[2022])
    title: str = Field(description="件名（title）", examples=["MaaSによる観光回遊の実装"])
    region_label: str = Field(description=REGION_LABEL, examples=["川崎市、箱根町"])
    lead_lg_code: str = Field(
        description="代表団体の全国地方公共団体コード（6桁）（the lead's 6-digit code）",
        examples=["141305"],
    )
    members: list[MemberOut] = Field(
        description="構成団体（the region's local governments as the registry named them at "
        "submission）"
    )
    applicant_kind: ApplicantKind = Field(
        description="応募団体の種類（applicant kind, from the lead's registry record）",
        examples=["municipality"],
    )
    programmes: list[ApplicationProgrammeOut] = Field(
        description="申請先の事業。凡例の順（the programmes applied to, in legend order）"
    )
    scheme_id: str = Field(
        description="交付金の種類の id（registry grant-scheme id）", examples=["suishin-senku"]
    )
    scheme_name: str = Field(
        description="交付金の種類の名称（grant-scheme name at submission）", examples=["先駆タイプ"]
    )
    quota_group: str | None = Field(
        description="申請件数の上限を数える区分（the scheme's quota group at submission; null when "
        "outside the quota, as Society5.0 is）",
        examples=["suishin"],
    )
    wide_area: bool = Field(description="広域連携事業（wide-area application）", examples=[False])
    duration_years: int = Field(
        description="事業期間（か年度）（the project's length in fiscal years）", examples=[3]
    )
    funding: list[FundingYearOut] = Field(
        description="年度ごとの国費の申請額。年度順（national funding per fiscal year, in order）"
    )
    conditions: list[bool] = Field(
        description="事業要件の充足（the scheme's required_conditions as answered）",
        examples=[[True, True, True, True]],
    )
    summary: str = Field(
        description="事業の概要（summary）",
        examples=["観光客の回遊を MaaS で促し、二次交通の空白を解消する"],
    )
    version: int = Field(description=field_help.VERSION, examples=[1])
    created_at: TokyoDatetime = Field(
        description="申請日時（submitted at）", examples=["2022-02-10T14:00:00+09:00"]
    )


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
