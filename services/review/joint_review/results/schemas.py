"""Results of a round as the API shows them: per region, the legend and the totals."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from libs.common.named_schema import Named
from services.review import field_help

EarlierSelectionSource = Annotated[
    Literal["round", "registry", "published"],
    Named(
        "EarlierSelectionSource",
        "過年度選定の出典（where an earlier selection was found）: round 過年度の回（取り込んだ表を"
        "含む）, registry 台帳の☆事業, published 公表された表の過年度選定の欄",
    ),
]


class LegendEntry(BaseModel):
    """One line of the legend (凡例), as that year's table printed it."""

    mark: str = Field(description=field_help.MARK, examples=["□"])
    programme_id: str | None = Field(
        description=field_help.PROGRAMME_ID, examples=["soumu-smart-city"]
    )
    name: str = Field(
        description="事業名 in the round's fiscal year",
        examples=["データ連携促進型スマートシティ推進事業"],
    )
    ministry: str = Field(description="府省（ministry）", examples=["総務省"])
    bureau: str = Field(description="所管部局（bureau）", examples=["情報流通行政局"])
    label: str = Field(
        description="凡例の表記: 府省「事業名」 (the name alone when no ministry is known)",
        examples=["総務省「データ連携促進型スマートシティ推進事業」"],
    )
    footnote: str | None = Field(
        description="注の記号 (※1, ※2 … in legend order); null when the name has no note",
        examples=["※1"],
    )
    note: str = Field(
        description='注: earlier names, "" when none',
        examples=["令和2年度までの施策名は「データ利活用型スマートシティ推進事業」"],
    )


class EarlierSelection(BaseModel):
    mark: str = Field(description=field_help.MARK, examples=["■"])
    fiscal_year: int | None = Field(
        description="選定された年度（fiscal year selected; null when only a published table's "
        "過年度選定 column says so）",
        examples=[2020],
    )
    source: EarlierSelectionSource = Field(
        description="出典（where it was found）", examples=["round"]
    )


class RegionResult(BaseModel):
    item_no: int = Field(description="項番（item number, as the table prints it）", examples=[1])
    region_label: str = Field(
        description="プロジェクト実施地域（the region）", examples=["北海道札幌市"]
    )
    lead_lg_code: str | None = Field(
        description="代表団体の全国地方公共団体コード（6桁）（the lead's code; null for imported "
        "rows）",
        examples=["011002"],
    )
    lg_codes: list[str] = Field(
        description="構成団体の全国地方公共団体コード（the region's codes; empty for imported "
        "rows）",
        examples=[["011002"]],
    )
    application_id: uuid.UUID | None = Field(
        description="合同審査の申請の ID（the application; null for imported rows）"
    )
    marks: str = Field(
        description="選定事業（this round's programmes that selected it, legend order）",
        examples=["■"],
    )
    earlier_marks: str = Field(
        description="過年度選定（programmes that selected it in earlier fiscal years）",
        examples=["□●"],
    )
    earlier: list[EarlierSelection] = Field(
        description="過年度選定の内訳（each earlier selection with its year and source）"
    )
    collaborating: bool = Field(
        description="事業間連携（two or more programmes this round, or any in an earlier year）",
        examples=[True],
    )


class ProgrammeTotal(BaseModel):
    programme_id: str | None = Field(
        description=field_help.PROGRAMME_ID, examples=["mirai-gijutsu"]
    )
    mark: str = Field(description=field_help.MARK, examples=["☆"])
    name: str = Field(description=field_help.PROGRAMME_NAME, examples=["未来技術社会実装事業"])
    selected: int = Field(
        description="選定数（selections by this programme in the round）", examples=[9]
    )


class Totals(BaseModel):
    regions_selected: int = Field(
        description="選定地域数（regions selected by any programme）", examples=[62]
    )
    collaborating: int = Field(
        description="うち事業間連携（of which collaborating）", examples=[42]
    )
    by_programme: list[ProgrammeTotal] = Field(
        description="事業ごとの選定数。凡例の順（selections per programme, in legend order）"
    )


class ResultsOut(BaseModel):
    round_id: uuid.UUID = Field(description="合同審査の回の ID（joint-review round id）")
    fiscal_year: int = Field(description=field_help.FISCAL_YEAR, examples=[2021])
    fiscal_year_label: str = Field(description=field_help.FISCAL_YEAR_LABEL, examples=["令和3年度"])
    title: str = Field(
        description="回の名称（the round's title）",
        examples=["令和3年度 スマートシティ関連事業 合同審査"],
    )
    published: bool = Field(
        description="公表済みか（whether the results are public; operators also see them before）",
        examples=[True],
    )
    legend: list[LegendEntry] = Field(description="凡例。凡例の順（the legend, in its order）")
    totals: Totals = Field(description="集計（totals）")
    regions: list[RegionResult] = Field(description="地域ごとの結果（results per region）")
