"""公表数値 (published figures) as the API shows and takes them."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from libs.common.fiscal_year import TOKYO, fiscal_year_label
from libs.common.japanese_input import DateIn, FiscalYearIn, TokyoDatetime
from libs.common.omittable import Omittable

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
FIGURE_ID_HELP = "公表数値のID（published figure id）"


TOPIC_FIELD_HELP = "数値の対象（topic）: " + TOPIC_HELP
LABEL_HELP = "何を数えた数値か（日本語）（what the figure counts, in Japanese）"
LABEL_EN_HELP = "何を数えた数値か（英語）（what the figure counts, in English）"
VALUE_HELP = "数値（the value, as published）"
UNIT_HELP = "単位（unit: 事業, 件, 団体 …）"
FISCAL_YEAR_HELP = "数値が対象とする年度（fiscal year the figure is about）"
COHORT_HELP = (
    "数えた事業の選定年度（一つの選定年度についての数値のとき）"
    "（selection fiscal year of the projects counted, when the figure is about one cohort）"
)
AS_OF_HELP = "出典が示す基準日（the date the source states the figure as of）"
AS_OF_NOTE_HELP = "基準日の根拠（where that date comes from）"
SOURCE_HELP = "出典（作成者・資料名・日付）（source document: author, title, date）"
SOURCE_SECTION_HELP = "出典のページ・節（page or section of the source）"
SOURCE_TEXT_HELP = "出典の記述（原文のまま）（the source's words, verbatim）"
DERIVATION_HELP = (
    "出典に数値として書かれていないときの導き方（how the figure follows from the source when it "
    "is not written as a number）; null: written as one"
)
_LABEL_EXAMPLE = "支援を実施中の事業数"
_LABEL_EN_EXAMPLE = "projects supported (「現在」, FY2021)"
_AS_OF_NOTE_EXAMPLE = "「現在」: 資料の日付（令和4年2月9日）"
_SOURCE_EXAMPLE = (
    "内閣府地方創生推進事務局「未来技術社会実装事業における最近の取組」（令和4年2月9日）"
)
_SOURCE_SECTION_EXAMPLE = "1. 未来技術社会実装事業の概要「未来技術社会実装事業 概要」"
_SOURCE_TEXT_EXAMPLE = "現在38事業に対して支援を実施中。"
_DERIVATION_EXAMPLE = "14 − 5（H30年度選定14事業のうちR2年度末で支援終了の5事業を除く）"


class _FigureFields(BaseModel):
    """The fields an operator writes (every one but the key may be corrected later)."""

    model_config = ConfigDict(extra="forbid")

    topic: FigureTopic = Field(description=TOPIC_FIELD_HELP, examples=["projects"])
    label: str = Field(
        min_length=1, max_length=200, description=LABEL_HELP, examples=[_LABEL_EXAMPLE]
    )
    label_en: str = Field(
        default="", max_length=200, description=LABEL_EN_HELP, examples=[_LABEL_EN_EXAMPLE]
    )
    value: int = Field(ge=0, le=10_000_000, description=VALUE_HELP, examples=[38])
    unit: str = Field(min_length=1, max_length=20, description=UNIT_HELP, examples=["事業"])
    fiscal_year: FiscalYearIn | None = Field(
        default=None, description=FISCAL_YEAR_HELP, examples=["令和3年度"]
    )
    cohort_fiscal_year: FiscalYearIn | None = Field(
        default=None, description=COHORT_HELP, examples=[None]
    )
    as_of: DateIn = Field(description=AS_OF_HELP, examples=["2022-02-09"])
    as_of_note: str = Field(
        default="", max_length=500, description=AS_OF_NOTE_HELP, examples=[_AS_OF_NOTE_EXAMPLE]
    )
    source: str = Field(
        min_length=1, max_length=500, description=SOURCE_HELP, examples=[_SOURCE_EXAMPLE]
    )
    source_section: str = Field(
        min_length=1,
        max_length=500,
        description=SOURCE_SECTION_HELP,
        examples=[_SOURCE_SECTION_EXAMPLE],
    )
    source_text: str = Field(
        default="", max_length=2000, description=SOURCE_TEXT_HELP, examples=[_SOURCE_TEXT_EXAMPLE]
    )
    derivation: str | None = Field(
        default=None, max_length=500, description=DERIVATION_HELP, examples=[_DERIVATION_EXAMPLE]
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
    """Only the fields sent change; the key never does. ``fiscal_year``, ``cohort_fiscal_year``
    and ``derivation`` may be cleared with null, the others not."""

    model_config = ConfigDict(extra="forbid")

    topic: Omittable[FigureTopic] = Field(
        default=None, description=TOPIC_FIELD_HELP, examples=["projects"]
    )
    label: Omittable[str] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description=LABEL_HELP,
        examples=[_LABEL_EXAMPLE],
    )
    label_en: Omittable[str] = Field(
        default=None, max_length=200, description=LABEL_EN_HELP, examples=[_LABEL_EN_EXAMPLE]
    )
    value: Omittable[int] = Field(
        default=None, ge=0, le=10_000_000, description=VALUE_HELP, examples=[41]
    )
    unit: Omittable[str] = Field(
        default=None, min_length=1, max_length=20, description=UNIT_HELP, examples=["事業"]
    )
    fiscal_year: FiscalYearIn | None = Field(
        default=None, description=FISCAL_YEAR_HELP, examples=["令和3年度"]
    )
    cohort_fiscal_year: FiscalYearIn | None = Field(
        default=None, description=COHORT_HELP, examples=[None]
    )
    as_of: Omittable[DateIn] = Field(default=None, description=AS_OF_HELP, examples=["2022-02-09"])
    as_of_note: Omittable[str] = Field(
        default=None, max_length=500, description=AS_OF_NOTE_HELP, examples=[_AS_OF_NOTE_EXAMPLE]
    )
    source: Omittable[str] = Field(
        default=None,
        min_length=1,
        max_length=500,
        description=SOURCE_HELP,
        examples=[_SOURCE_EXAMPLE],
    )
    source_section: Omittable[str] = Field(
        default=None,
        min_length=1,
        max_length=500,
        description=SOURCE_SECTION_HELP,
        examples=[_SOURCE_SECTION_EXAMPLE],
    )
    source_text: Omittable[str] = Field(
        default=None,
        max_length=2000,
        description=SOURCE_TEXT_HELP,
        examples=[_SOURCE_TEXT_EXAMPLE],
    )
    derivation: str | None = Field(
        default=None, max_length=500, description=DERIVATION_HELP, examples=["訂正: 41"]
    )


class PublishedFigureOut(BaseModel):
    """A figure as its source publishes it: never counted from the registry's rows."""

    id: uuid.UUID = Field(description=FIGURE_ID_HELP)
    key: str = Field(
        description="安定したキー（stable key）", examples=["projects.supported.current"]
    )
    topic: FigureTopic = Field(description=TOPIC_FIELD_HELP)
    label: str = Field(description=LABEL_HELP, examples=[_LABEL_EXAMPLE])
    label_en: str = Field(description=LABEL_EN_HELP, examples=[_LABEL_EN_EXAMPLE])
    value: int = Field(description=VALUE_HELP, examples=[38])
    unit: str = Field(description=UNIT_HELP, examples=["事業"])
    fiscal_year: int | None = Field(description=FISCAL_YEAR_HELP, examples=[2021])
    fiscal_year_label: str | None = Field(
        description="対象年度の和暦表記（Japanese label of fiscal_year）", examples=["令和3年度"]
    )
    cohort_fiscal_year: int | None = Field(description=COHORT_HELP, examples=[None])
    cohort_fiscal_year_label: str | None = Field(
        description="選定年度の和暦表記（Japanese label of cohort_fiscal_year）", examples=[None]
    )
    as_of: date = Field(description=AS_OF_HELP, examples=["2022-02-09"])
    as_of_note: str = Field(description=AS_OF_NOTE_HELP, examples=[_AS_OF_NOTE_EXAMPLE])
    source: str = Field(description=SOURCE_HELP, examples=[_SOURCE_EXAMPLE])
    source_section: str = Field(description=SOURCE_SECTION_HELP, examples=[_SOURCE_SECTION_EXAMPLE])
    source_text: str = Field(description=SOURCE_TEXT_HELP, examples=[_SOURCE_TEXT_EXAMPLE])
    derivation: str | None = Field(description=DERIVATION_HELP, examples=[None])
    version: int = Field(description="版（version）: raised by every correction", examples=[1])
    created_at: TokyoDatetime = Field(description="登録日時（created at, Asia/Tokyo）")
    updated_at: TokyoDatetime = Field(description="更新日時（last corrected at, Asia/Tokyo）")


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
