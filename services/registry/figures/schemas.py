"""公表数値 (published figures) as the API shows and takes them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from libs.common.fiscal_year import TOKYO, fiscal_year_label
from libs.common.japanese_input import DateIn, FiscalYearIn

if TYPE_CHECKING:
    from services.registry.figures.models import PublishedFigure


class FigureTopic(StrEnum):
    """What a figure is about (公表数値の対象)."""

    projects = "projects"  # 未来技術社会実装事業の事業
    society5 = "society5"  # 地方創生推進交付金 Society5.0タイプの採択
    platform = "platform"  # スマートシティ官民連携プラットフォーム


TOPIC_HELP = (
    "projects 未来技術社会実装事業, society5 地方創生推進交付金Society5.0タイプ, "
    "platform スマートシティ官民連携プラットフォーム"
)
KEY_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


class _FigureFields(BaseModel):
    """The fields an operator writes (every one but the key may be corrected later)."""

    model_config = ConfigDict(extra="forbid")

    topic: FigureTopic = Field(description=TOPIC_HELP, examples=["projects"])
    label: str = Field(
        min_length=1,
        max_length=200,
        description="何を数えた数値か（日本語）",
        examples=["支援を実施中の事業数"],
    )
    label_en: str = Field(
        default="", max_length=200, examples=["projects supported (as the source states it)"]
    )
    value: int = Field(ge=0, le=10_000_000, examples=[38])
    unit: str = Field(min_length=1, max_length=20, description="単位", examples=["事業"])
    fiscal_year: FiscalYearIn | None = Field(default=None, description="数値が対象とする年度")
    cohort_fiscal_year: FiscalYearIn | None = Field(
        default=None, description="数えた事業の選定年度（一つの選定年度についての数値のとき）"
    )
    as_of: DateIn = Field(description="出典が示す基準日", examples=["2022-02-09"])
    as_of_note: str = Field(
        default="",
        max_length=500,
        description="基準日の根拠",
        examples=["「現在」: 資料の日付（令和4年2月9日）"],
    )
    source: str = Field(
        min_length=1,
        max_length=500,
        description="出典（作成者・資料名・日付）",
        examples=[
            "内閣府地方創生推進事務局「未来技術社会実装事業における最近の取組」（令和4年2月9日）"
        ],
    )
    source_section: str = Field(
        min_length=1,
        max_length=500,
        description="出典のページ・節",
        examples=["1. 未来技術社会実装事業の概要「未来技術社会実装事業 概要」"],
    )
    source_text: str = Field(default="", max_length=2000, description="出典の記述（原文のまま）")
    derivation: str | None = Field(
        default=None,
        max_length=500,
        description="出典に数値として書かれていないときの導き方",
        examples=["14 − 5（H30年度選定14事業のうちR2年度末で支援終了の5事業を除く）"],
    )


class PublishedFigureCreate(_FigureFields):
    key: str = Field(
        min_length=1,
        max_length=100,
        pattern=KEY_PATTERN,
        description="安定したキー (stable key: lower-case letters, digits, `.`, `_`, `-`)",
        examples=["projects.supported.current"],
    )


class PublishedFigureUpdate(BaseModel):
    """Only the fields sent change; the key never does."""

    model_config = ConfigDict(extra="forbid")

    topic: FigureTopic | None = None
    label: str | None = Field(default=None, min_length=1, max_length=200)
    label_en: str | None = Field(default=None, max_length=200)
    value: int | None = Field(default=None, ge=0, le=10_000_000)
    unit: str | None = Field(default=None, min_length=1, max_length=20)
    fiscal_year: FiscalYearIn | None = None
    cohort_fiscal_year: FiscalYearIn | None = None
    as_of: DateIn | None = None
    as_of_note: str | None = Field(default=None, max_length=500)
    source: str | None = Field(default=None, min_length=1, max_length=500)
    source_section: str | None = Field(default=None, min_length=1, max_length=500)
    source_text: str | None = Field(default=None, max_length=2000)
    derivation: str | None = Field(default=None, max_length=500)


class PublishedFigureOut(BaseModel):
    """A figure as its source publishes it: never counted from the registry's rows."""

    id: uuid.UUID
    key: str = Field(examples=["projects.supported.current"])
    topic: FigureTopic = Field(description=TOPIC_HELP)
    label: str = Field(examples=["支援を実施中の事業数"])
    label_en: str
    value: int = Field(examples=[38])
    unit: str = Field(examples=["事業"])
    fiscal_year: int | None = Field(examples=[2021])
    fiscal_year_label: str | None = Field(examples=["令和3年度"])
    cohort_fiscal_year: int | None = Field(examples=[None])
    cohort_fiscal_year_label: str | None = Field(examples=[None])
    as_of: date = Field(examples=["2022-02-09"])
    as_of_note: str
    source: str
    source_section: str
    source_text: str
    derivation: str | None
    version: int
    created_at: datetime
    updated_at: datetime


def _label(year: int | None) -> str | None:
    return fiscal_year_label(year) if year is not None else None


def figure_view(figure: PublishedFigure) -> PublishedFigureOut:
    fields: dict[str, Any] = {
        name: getattr(figure, name)
        for name in PublishedFigureOut.model_fields
        if not name.endswith("_label")
    }
    fields.update(
        fiscal_year_label=_label(figure.fiscal_year),
        cohort_fiscal_year_label=_label(figure.cohort_fiscal_year),
        created_at=figure.created_at.astimezone(TOKYO),
        updated_at=figure.updated_at.astimezone(TOKYO),
    )
    return PublishedFigureOut.model_validate(fields)
