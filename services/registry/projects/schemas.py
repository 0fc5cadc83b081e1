"""Projects (未来技術社会実装事業の選定事業) as the API reads and writes them; their support
terms are in :mod:`~services.registry.projects.term_schemas`, their yearly activity reports in
:mod:`~services.registry.projects.report_schemas`."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from libs.common.japanese_input import FiscalYearIn, TokyoDatetime
from libs.common.named_schema import Named
from libs.common.omittable import Omittable
from libs.common.search_text import normalise_search_key
from services.registry.figures.schemas import PublishedFigureOut
from services.registry.projects.states import ProjectStatus
from services.registry.request_types import LONG_TEXT_MAX, LgCode


class Technology(StrEnum):
    """主な活用技術 — the controlled vocabulary; anything else goes into free ``tags``."""

    AI = "AI"
    IOT = "IoT"
    AUTONOMOUS_DRIVING = "自動運転"
    DRONE = "ドローン"
    FIVE_G = "5G"
    MAAS = "MaaS"
    TELEMEDICINE = "遠隔医療"
    ROBOT = "ロボット"
    BIG_DATA = "ビッグデータ"
    CASHLESS = "キャッシュレス"
    SMART_AGRICULTURE = "スマート農業"
    ONLINE_EDUCATION = "オンライン教育"
    DATA_PLATFORM = "データ連携基盤"


StatusAsOf = Annotated[
    Literal["not_started", "supported", "extended", "ended", "withdrawn"],
    Named(
        "ProjectStatusAsOf",
        "基準日における事業の状態（a project's status on a given day）: not_started 支援開始前, "
        "supported 支援中, extended 延長中, ended 終了, withdrawn 取下げ",
    ),
]

# Matching by search key lets "iot", "ＩｏＴ" or "ﾄﾞﾛｰﾝ" name the same technology.
_TECHNOLOGY_BY_KEY = {normalise_search_key(t.value): t for t in Technology}


def parse_technology(value: object) -> Technology:
    """The vocabulary entry ``value`` names; raises ``ValueError`` listing the accepted ones."""
    found = _TECHNOLOGY_BY_KEY.get(normalise_search_key(str(value)))
    if found is None:
        accepted = "、".join(t.value for t in Technology)
        raise ValueError(
            f"主な活用技術の語彙にありません: {value!r}（unknown technology; accepted: {accepted}）"
        )
    return found


def _technology(value: object) -> Technology:
    try:
        return parse_technology(value)
    except ValueError as exc:
        raise PydanticCustomError("technology", str(exc)) from None


TechnologyIn = Annotated[
    Technology,
    BeforeValidator(_technology),
]
Tag = Annotated[str, Field(min_length=1, max_length=60)]

MAX_LIST_ITEMS = 20
"""提案者 or 主な活用技術 of one project (real ones name a handful): the body's cap and the CSV
import's per-cell cap."""
MAX_TAGS = 30
MAX_INITIATIVES = 50  # 取組 of one project (the seed's name three)
MAX_PROGRAMME_REFERENCE = 40  # a programme's id (its column) or its mark

PROGRAMME_HELP = "事業（programme）の id か記号（its id or its mark: ☆ □ ○ ● ■, 〇 for ○ too）"
TITLE_HELP = "提案タイトル（project title）"
PROPOSERS_HELP = (
    "提案者（proposing local governments）: 代表はちょうど1団体"
    "（exactly one lead; a sole proposer is the lead）"
)
TECHNOLOGIES_HELP = (
    "主な活用技術（technologies）: the controlled vocabulary, matched in any width or case"
)
TAGS_HELP = "自由タグ（free tags）: what the vocabulary does not name"
SELECTION_FY_HELP = "選定年度（fiscal year of selection）"
FUTURE_VISION_HELP = "目指す将来像（future vision）"
REGIONAL_ISSUES_HELP = "地域課題（regional issues）"
SUMMARY_HELP = "課題解決に向けた取組（概要）（summary of how the project meets the issues）"
INITIATIVES_HELP = "取組（initiatives）, each with its own description, in the order shown"
PROJECT_ID_HELP = "事業ID（project id）"
ProjectIdPath = Annotated[uuid.UUID, Path(description=PROJECT_ID_HELP)]


class ProposerIn(BaseModel):
    lg_code: LgCode = Field(
        description="提案団体の全国地方公共団体コード（6桁）"
        "（6-digit local government code of the proposer）",
        examples=["112071"],
    )
    is_lead: bool = Field(
        default=False,
        description="代表提案者。提案者が1団体のみならその団体が代表"
        "（a sole proposer is the lead）",
    )


class ProposerOut(BaseModel):
    lg_code: str = Field(
        description="全国地方公共団体コード（6桁）（6-digit local government code）",
        examples=["112071"],
    )
    name: str = Field(description="提案団体名（name of the local government）", examples=["秩父市"])
    prefecture: str = Field(description="都道府県名（prefecture）", examples=["埼玉県"])
    is_lead: bool = Field(description="代表提案者（the lead proposer）", examples=[True])


class Initiative(BaseModel):
    """取組 — e.g. ドローン物流事業, with its own description."""

    title: str = Field(
        min_length=1,
        max_length=200,
        description="取組の名称（initiative）",
        examples=["ドローン物流事業"],
    )
    description: str = Field(
        default="",
        max_length=LONG_TEXT_MAX,
        description="取組の内容（what the initiative does）",
        examples=["ドローンを活用して日常の生活用品や医薬品の配送を行い、…"],
    )


_FUTURE_VISION_EXAMPLE = (
    "未来技術を活用し、人とモノの移動の困難さに着目した山間地域での物流・公共交通ネットワーク"
    "「秩父モデル」を構築する。"
)
_REGIONAL_ISSUES_EXAMPLE = (
    "首都圏の埼玉県にありながら、山間地を多く抱え、災害時はもとより、平時から生活交通・物流等の"
    "生活インフラを維持する新たなモデル構築が必要となっている。"
)
_SUMMARY_EXAMPLE = (
    "「秩父モデル」を構築することで、新たな事業や産業を誘致し、雇用の創出につなげて人口減少や"
    "流出を抑制し、地域の活力を生み出す。"
)
_TITLE_EXAMPLE = "山間地域におけるスマートモビリティによる生活交通・物流融合事業"
_PROPOSERS_EXAMPLE = [{"lg_code": "112071", "is_lead": True}]


class ProjectCreate(BaseModel):
    programme: str | None = Field(
        default=None,
        max_length=MAX_PROGRAMME_REFERENCE,
        description=PROGRAMME_HELP + "。省略時は ☆ 未来技術社会実装事業（omitted or null: ☆）",
        examples=["☆"],
    )
    title: str = Field(
        min_length=1, max_length=300, description=TITLE_HELP, examples=[_TITLE_EXAMPLE]
    )
    proposers: list[ProposerIn] = Field(
        min_length=1,
        max_length=MAX_LIST_ITEMS,
        description=PROPOSERS_HELP,
        examples=[_PROPOSERS_EXAMPLE],
    )
    technologies: list[TechnologyIn] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description=TECHNOLOGIES_HELP,
        examples=[["IoT", "自動運転", "ドローン"]],
    )
    tags: list[Tag] = Field(
        default_factory=list, max_length=MAX_TAGS, description=TAGS_HELP, examples=[["貨客混載"]]
    )
    selection_fiscal_year: FiscalYearIn = Field(
        description=SELECTION_FY_HELP, examples=["令和2年度"]
    )
    future_vision: str = Field(
        default="",
        max_length=LONG_TEXT_MAX,
        description=FUTURE_VISION_HELP,
        examples=[_FUTURE_VISION_EXAMPLE],
    )
    regional_issues: str = Field(
        default="",
        max_length=LONG_TEXT_MAX,
        description=REGIONAL_ISSUES_HELP,
        examples=[_REGIONAL_ISSUES_EXAMPLE],
    )
    summary: str = Field(
        default="", max_length=LONG_TEXT_MAX, description=SUMMARY_HELP, examples=[_SUMMARY_EXAMPLE]
    )
    initiatives: list[Initiative] = Field(
        default_factory=list, max_length=MAX_INITIATIVES, description=INITIATIVES_HELP
    )


class ProjectUpdate(BaseModel):
    """Only the fields sent change; none may be null. Municipalities may change the summary
    sections only."""

    programme: Omittable[str] = Field(
        default=None,
        max_length=MAX_PROGRAMME_REFERENCE,
        description=PROGRAMME_HELP,
        examples=["☆"],
    )
    title: Omittable[str] = Field(
        default=None,
        min_length=1,
        max_length=300,
        description=TITLE_HELP,
        examples=[_TITLE_EXAMPLE],
    )
    proposers: Omittable[list[ProposerIn]] = Field(
        default=None,
        min_length=1,
        max_length=MAX_LIST_ITEMS,
        description=PROPOSERS_HELP + "; replaces the proposers",
        examples=[_PROPOSERS_EXAMPLE],
    )
    technologies: Omittable[list[TechnologyIn]] = Field(
        default=None,
        max_length=MAX_LIST_ITEMS,
        description=TECHNOLOGIES_HELP,
        examples=[["IoT", "ドローン"]],
    )
    tags: Omittable[list[Tag]] = Field(
        default=None, max_length=MAX_TAGS, description=TAGS_HELP, examples=[["貨客混載"]]
    )
    selection_fiscal_year: Omittable[FiscalYearIn] = Field(
        default=None,
        description=SELECTION_FY_HELP + "; the support term follows it",
        examples=["令和2年度"],
    )
    future_vision: Omittable[str] = Field(
        default=None,
        max_length=LONG_TEXT_MAX,
        description=FUTURE_VISION_HELP,
        examples=[_FUTURE_VISION_EXAMPLE],
    )
    regional_issues: Omittable[str] = Field(
        default=None,
        max_length=LONG_TEXT_MAX,
        description=REGIONAL_ISSUES_HELP,
        examples=[_REGIONAL_ISSUES_EXAMPLE],
    )
    summary: Omittable[str] = Field(
        default=None,
        max_length=LONG_TEXT_MAX,
        description=SUMMARY_HELP,
        examples=[_SUMMARY_EXAMPLE],
    )
    initiatives: Omittable[list[Initiative]] = Field(
        default=None,
        max_length=MAX_INITIATIVES,
        description=INITIATIVES_HELP + "; replaces the initiatives",
    )
    status: Omittable[Literal["withdrawn"]] = Field(
        default=None,
        description="取下げ（withdrawal; operator only; term changes go through the review "
        "service）",
    )


SUMMARY_SECTIONS = frozenset({"future_vision", "regional_issues", "summary", "initiatives"})


class ProjectOut(BaseModel):
    id: uuid.UUID = Field(description=PROJECT_ID_HELP)
    programme_id: str = Field(
        description="スマートシティ関連事業のID（programme id）", examples=["mirai-gijutsu"]
    )
    title: str = Field(description=TITLE_HELP, examples=[_TITLE_EXAMPLE])
    proposers: list[ProposerOut] = Field(
        description="提案者（proposers）: 代表提案者が先頭（the lead first）"
    )
    technologies: list[Technology] = Field(
        description="主な活用技術（technologies, from the controlled vocabulary）",
        examples=[["IoT", "自動運転", "ドローン"]],
    )
    tags: list[str] = Field(description=TAGS_HELP, examples=[["貨客混載"]])
    selection_fiscal_year: int = Field(description=SELECTION_FY_HELP, examples=[2020])
    selection_fiscal_year_label: str = Field(
        description="選定年度の和暦表記（Japanese label of the selection fiscal year）",
        examples=["令和2年度"],
    )
    term_start: date = Field(
        examples=["2020-04-01"],
        description="支援開始日（first day of support: 1 April of the selection fiscal year）",
    )
    term_end: date = Field(
        examples=["2023-03-31"],
        description="支援終了日（last day of the support term: 31 March ending its last fiscal "
        "year, two fiscal years later per continuation）",
    )
    extensions: int = Field(
        description="承認された継続（2年度延長）の回数（approved continuations, two fiscal years "
        "each）",
        examples=[0],
    )
    extended_on: date | None = Field(
        description="延長の開始日: the first day of extended support (the first continuation's "
        "decision day, at the latest the day after the term it extended); null until extended",
        examples=["2021-12-17"],
    )
    status: ProjectStatus = Field(
        description="状態（現在）: follows the term — the registry's term sweep ends a project "
        "whose term is over (支援期間満了); the status on another day is `status_as_of`"
    )
    ended_on: date | None = Field(
        description="最終支援日（支援終了時）（last supported day once support ended; null until "
        "then）",
        examples=["2023-03-31"],
    )
    end_reason: str | None = Field(
        description="終了理由（why support ended: 支援期間満了, 継続申請なし …; null until then）",
        examples=["支援期間満了"],
    )
    as_of: date = Field(description="status_as_of の基準日（Asia/Tokyo）")
    status_as_of: StatusAsOf = Field(
        description="as_of の日の状態 (the same rule as the `status` filter of the list)"
    )
    future_vision: str = Field(description=FUTURE_VISION_HELP, examples=[_FUTURE_VISION_EXAMPLE])
    regional_issues: str = Field(
        description=REGIONAL_ISSUES_HELP, examples=[_REGIONAL_ISSUES_EXAMPLE]
    )
    summary: str = Field(description=SUMMARY_HELP, examples=[_SUMMARY_EXAMPLE])
    initiatives: list[Initiative] = Field(description=INITIATIVES_HELP)
    version: int = Field(description="版（version）: raised by every change", examples=[1])
    created_at: TokyoDatetime = Field(description="登録日時（created at, Asia/Tokyo）")
    updated_at: TokyoDatetime = Field(description="更新日時（last changed at, Asia/Tokyo）")


class CohortCount(BaseModel):
    fiscal_year: int = Field(description=SELECTION_FY_HELP, examples=[2018])
    fiscal_year_label: str = Field(
        description="選定年度の和暦表記（Japanese label）", examples=["平成30年度"]
    )
    supported: int = Field(
        description="支援中の事業数（projects of this cohort supported on `as_of`）", examples=[9]
    )


class ProjectStats(BaseModel):
    """Two kinds of number, never mixed: ``total`` and ``by_selection_fiscal_year`` are counted
    from the stored project rows on ``as_of``; ``published`` are the figures a source publishes
    (公表数値, with their own 基準日 and source), which no row reproduces."""

    as_of: date = Field(examples=["2021-08-24"], description="基準日 of the counted figures")
    total: int = Field(
        examples=[6], description="支援中の事業数: counted from the stored rows on `as_of`"
    )
    by_selection_fiscal_year: list[CohortCount] = Field(
        description="支援中の事業数 by 選定年度, counted from the stored rows on `as_of`"
    )
    published: list[PublishedFigureOut] = Field(
        description="公表数値 about the projects (topics projects and society5), as their "
        "sources publish them: not counted from rows and not filtered by `as_of` (each has its "
        "own `as_of`). Also at `GET /v1/published-figures`"
    )


class ImportedProject(BaseModel):
    id: uuid.UUID = Field(description=PROJECT_ID_HELP)
    title: str = Field(description=TITLE_HELP, examples=[_TITLE_EXAMPLE])
    selection_fiscal_year: int = Field(description=SELECTION_FY_HELP, examples=[2020])
    selection_fiscal_year_label: str = Field(
        description="選定年度の和暦表記（Japanese label）", examples=["令和2年度"]
    )


class ImportResult(BaseModel):
    created: int = Field(description="登録した事業の数（projects registered）", examples=[2])
    items: list[ImportedProject] = Field(
        description="登録した事業（the projects registered, in the file's order）"
    )
