"""Projects (未来技術社会実装事業の選定事業) as the API reads and writes them."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from libs.common.errors import Problem
from libs.common.japanese_input import DateIn, FiscalYearIn, TokyoDatetime
from libs.common.named_schema import Named
from libs.common.search_text import normalise_search_key
from services.registry.figures.schemas import PublishedFigureOut
from services.registry.projects.states import ProjectStatus

TermChangeKind = Annotated[
    Literal["extension", "end"],
    Named(
        "TermChangeKind",
        "支援期間の変更の種類（kind of term change）: extension 延長, end 終了",
    ),
]
TermEndResult = Annotated[
    Literal["applied", "replayed", "refused"],
    Named(
        "TermEndResult",
        "一括終了の各行の結果（outcome of one row）: applied 適用, replayed 同じ指示の再送, "
        "refused 拒否",
    ),
]


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


class ProposerIn(BaseModel):
    lg_code: str = Field(description="全国地方公共団体コード（6桁）", examples=["112071"])
    is_lead: bool = Field(
        default=False,
        description="代表提案者。提案者が1団体のみならその団体が代表"
        "（a sole proposer is the lead）",
    )


class ProposerOut(BaseModel):
    lg_code: str = Field(examples=["112071"])
    name: str = Field(examples=["秩父市"])
    prefecture: str = Field(examples=["埼玉県"])
    is_lead: bool


class Initiative(BaseModel):
    """取組 — e.g. ドローン物流事業, with its own description."""

    title: str = Field(min_length=1, max_length=200, examples=["ドローン物流事業"])
    description: str = Field(
        default="", examples=["ドローンを活用して日常の生活用品や医薬品の配送を行い、…"]
    )


class ProjectCreate(BaseModel):
    programme: str | None = Field(
        default=None,
        description="事業（programme）の id か記号。省略時は ☆ 未来技術社会実装事業",
        examples=["☆"],
    )
    title: str = Field(
        min_length=1,
        max_length=300,
        examples=["山間地域におけるスマートモビリティによる生活交通・物流融合事業"],
    )
    proposers: list[ProposerIn] = Field(min_length=1, description="提案者（代表はちょうど1団体）")
    technologies: list[TechnologyIn] = Field(
        default_factory=list, description="主な活用技術", examples=[["IoT", "自動運転", "ドローン"]]
    )
    tags: list[Tag] = Field(default_factory=list, max_length=30, examples=[["貨客混載"]])
    selection_fiscal_year: FiscalYearIn = Field(description="選定年度")
    future_vision: str = Field(default="", description="目指す将来像")
    regional_issues: str = Field(default="", description="地域課題")
    summary: str = Field(default="", description="課題解決に向けた取組（概要）")
    initiatives: list[Initiative] = Field(default_factory=list, description="取組")


class ProjectUpdate(BaseModel):
    """Only the fields sent change. Municipalities may change the summary sections only."""

    programme: str | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    proposers: list[ProposerIn] | None = Field(default=None, min_length=1)
    technologies: list[TechnologyIn] | None = None
    tags: list[Tag] | None = Field(default=None, max_length=30)
    selection_fiscal_year: FiscalYearIn | None = None
    future_vision: str | None = None
    regional_issues: str | None = None
    summary: str | None = None
    initiatives: list[Initiative] | None = None
    status: Literal["withdrawn"] | None = Field(
        default=None,
        description="取下げ（operator only; term changes go through the review service)",
    )


SUMMARY_SECTIONS = frozenset({"future_vision", "regional_issues", "summary", "initiatives"})


class ProjectOut(BaseModel):
    id: uuid.UUID
    programme_id: str = Field(examples=["cao-future-tech"])
    title: str
    proposers: list[ProposerOut] = Field(description="代表提案者が先頭")
    technologies: list[Technology]
    tags: list[str]
    selection_fiscal_year: int = Field(examples=[2020])
    selection_fiscal_year_label: str = Field(examples=["令和2年度"])
    term_start: date = Field(examples=["2020-04-01"], description="支援開始")
    term_end: date = Field(examples=["2023-03-31"], description="支援終了")
    extensions: int = Field(description="承認された継続（2年度延長）の回数")
    extended_on: date | None = Field(
        description="延長の開始日: the first day of extended support (the first continuation's "
        "decision day, at the latest the day after the term it extended); null until extended",
        examples=["2021-12-17"],
    )
    status: ProjectStatus = Field(
        description="状態（現在）: follows the term — the registry's term sweep ends a project "
        "whose term is over (支援期間満了); the status on another day is `status_as_of`"
    )
    ended_on: date | None = Field(description="最終支援日（支援終了時）")
    end_reason: str | None
    as_of: date = Field(description="status_as_of の基準日（Asia/Tokyo）")
    status_as_of: StatusAsOf = Field(
        description="as_of の日の状態 (the same rule as the `status` filter of the list)"
    )
    future_vision: str
    regional_issues: str
    summary: str
    initiatives: list[Initiative]
    version: int
    created_at: TokyoDatetime
    updated_at: TokyoDatetime


class CohortCount(BaseModel):
    fiscal_year: int = Field(examples=[2018])
    fiscal_year_label: str = Field(examples=["平成30年度"])
    supported: int = Field(examples=[9])


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


DecidedOn = Annotated[
    DateIn | None,
    Field(
        description="決定日（the decision's day, not after today; omitted: the term history "
        "shows the day the registry recorded it)",
        examples=["2021-12-17"],
    ),
]


class TermExtensionIn(BaseModel):
    decision_id: str = Field(
        min_length=1, max_length=100, description="呼び出し側の決定ID（冪等キー）"
    )
    reason: str = Field(default="", examples=["令和3年12月17日付 継続承認"])
    decided_on: DecidedOn = None


class TermEndIn(BaseModel):
    decision_id: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, examples=["継続申請なし（支援期間満了）"])
    effective_on: DateIn | None = Field(
        default=None, description="最終支援日。省略時は現在の支援終了日"
    )
    decided_on: DecidedOn = None


class TermChangeOut(BaseModel):
    decision_id: str
    kind: TermChangeKind
    project_id: uuid.UUID
    previous_term_end: date
    new_term_end: date
    status: ProjectStatus
    extensions: int
    ended_on: date | None
    reason: str
    decided_on: date | None = None
    recorded_at: TokyoDatetime


# Projects per batch call: one sweep message's worth, small enough for one short transaction.
MAX_TERM_ENDS = 500


class TermEndItemIn(TermEndIn):
    project_id: uuid.UUID


def _distinct_decisions(items: list[TermEndItemIn]) -> list[TermEndItemIn]:
    seen: set[str] = set()
    for item in items:
        if item.decision_id in seen:
            raise PydanticCustomError(
                "unique", "決定IDが重複しています: {decision_id}", {"decision_id": item.decision_id}
            )
        seen.add(item.decision_id)
    return items


class TermEndsIn(BaseModel):
    items: Annotated[
        list[TermEndItemIn],
        Field(min_length=1, max_length=MAX_TERM_ENDS),
        AfterValidator(_distinct_decisions),
    ]


class TermEndOutcome(BaseModel):
    """One item's answer: ``applied`` now, ``replayed`` (applied before; the stored result), or
    ``refused`` with the problem a single call would have answered (ended, unknown, out of term)."""

    project_id: uuid.UUID
    decision_id: str
    outcome: TermEndResult
    change: TermChangeOut | None = None
    problem: Problem | None = None


class TermEndsOut(BaseModel):
    items: list[TermEndOutcome]


class ActivityReportIn(BaseModel):
    body: str = Field(min_length=1, examples=["地域課題やニーズ把握を目的に、…アンケートを実施"])


class ActivityReportOut(BaseModel):
    project_id: uuid.UUID
    fiscal_year: int = Field(examples=[2020])
    fiscal_year_label: str = Field(examples=["令和2年度"])
    body: str
    version: int


class ImportedProject(BaseModel):
    id: uuid.UUID
    title: str
    selection_fiscal_year: int
    selection_fiscal_year_label: str


class ImportResult(BaseModel):
    created: int = Field(examples=[2])
    items: list[ImportedProject]


TermEventKind = Annotated[
    Literal["selected", "selection_changed", "extended", "expired", "ended", "withdrawn"],
    Named(
        "TermEventKind",
        "支援期間の出来事（kind of support-term event）: selected 選定, "
        "selection_changed 選定年度の訂正, extended 継続（延長）, expired 支援期間満了, "
        "ended 支援終了, withdrawn 取下げ",
    ),
]


class TermEvent(BaseModel):
    """One step of a project's support term, oldest first."""

    kind: TermEventKind = Field(
        description="selected 選定 / selection_changed 選定年度の訂正 / extended 継続（延長） / "
        "expired 支援期間満了（台帳の期間満了処理） / ended 支援終了（決定） / withdrawn 取下げ"
    )
    on: date | None = Field(
        description="効力の日: selected — 支援開始日; extended — 決定日 (the day recorded when the "
        "decision's day is not known; null for continuations that came with an imported record); "
        "expired, ended — 最終支援日; withdrawn, selection_changed — the day recorded",
        examples=["2021-12-17"],
    )
    term_end: date | None = Field(description="この時点の支援終了日", examples=["2024-03-31"])
    reason: str | None = Field(examples=["令和3年12月17日付 継続承認"])
    decision_id: str | None = Field(
        description="決定の参照: the caller's decision id (the review service's decision id for "
        "an approval, `term-end:<cycle id>:<project id>` for its sweep's end); "
        "`expiry:<project id>:<last day>` for the registry's own expiry"
    )
    decided_on: date | None = Field(description="決定日 when the decision states it")
    recorded_at: TokyoDatetime | None = Field(description="台帳に記録した時刻")
    superseded: bool = Field(
        default=False,
        description="an expiry a later decision replaced: the review's end of the same project "
        "(its reason stands) or its approved continuation (the term goes on)",
    )


class TermHistoryOut(BaseModel):
    """支援期間の履歴 — selection, each continuation and the end, from what the registry stored."""

    project_id: uuid.UUID
    title: str
    selection_fiscal_year: int = Field(examples=[2019])
    selection_fiscal_year_label: str = Field(examples=["令和元年度"])
    term_start: date = Field(examples=["2019-04-01"])
    initial_term_end: date = Field(description="選定時の支援終了日", examples=["2022-03-31"])
    term_end: date = Field(description="現在の支援終了日", examples=["2024-03-31"])
    extensions: int
    status: ProjectStatus
    ended_on: date | None
    end_reason: str | None
    events: list[TermEvent]
