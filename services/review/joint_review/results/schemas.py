"""Results of a round as the API shows them: per region, the legend and the totals."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class LegendEntry(BaseModel):
    """One line of the legend (凡例), as that year's table printed it."""

    mark: str = Field(examples=["□"])
    programme_id: str | None = Field(examples=["soumu-smart-city"])
    name: str = Field(
        description="事業名 in the round's fiscal year",
        examples=["データ連携促進型スマートシティ推進事業"],
    )
    ministry: str = Field(description="府省", examples=["総務省"])
    bureau: str = Field(description="所管部局", examples=["情報流通行政局"])
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
    mark: str = Field(examples=["■"])
    fiscal_year: int | None = Field(
        description="null when only a published table's 過年度選定 column says so"
    )
    source: str = Field(description="round, registry or published", examples=["round"])


class RegionResult(BaseModel):
    item_no: int = Field(description="項番", examples=[1])
    region_label: str = Field(description="プロジェクト実施地域", examples=["北海道札幌市"])
    lead_lg_code: str | None = Field(description="null for imported rows", examples=["011002"])
    lg_codes: list[str]
    application_id: uuid.UUID | None
    marks: str = Field(description="選定事業 (legend order)", examples=["■"])
    earlier_marks: str = Field(description="過年度選定", examples=["□●"])
    earlier: list[EarlierSelection]
    collaborating: bool = Field(description="事業間連携")


class ProgrammeTotal(BaseModel):
    programme_id: str | None
    mark: str
    name: str
    selected: int = Field(examples=[9])


class Totals(BaseModel):
    regions_selected: int = Field(examples=[62])
    collaborating: int = Field(examples=[42])
    by_programme: list[ProgrammeTotal]


class ResultsOut(BaseModel):
    round_id: uuid.UUID
    fiscal_year: int
    fiscal_year_label: str
    title: str
    published: bool
    legend: list[LegendEntry]
    totals: Totals
    regions: list[RegionResult]
