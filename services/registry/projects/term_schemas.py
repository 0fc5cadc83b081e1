"""Support terms (支援期間) of projects as the API reads and writes them: the review service's
extensions and ends, the batch of ends, and a project's term history."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from libs.common.errors import Problem
from libs.common.japanese_input import DateIn, TokyoDatetime
from libs.common.named_schema import Named
from services.registry.projects.schemas import (
    PROJECT_ID_HELP,
    SELECTION_FY_HELP,
    TITLE_HELP,
)
from services.registry.projects.states import ProjectStatus
from services.registry.request_types import LONG_TEXT_MAX

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

DECISION_ID_HELP = (
    "呼び出し側の決定ID（冪等キー）（the caller's decision id: a repeat returns the first result "
    "and changes nothing）"
)
_DECISION_ID_EXAMPLE = "8d0f5c1e-4b7a-4a8e-9a55-2f7d3c9e1b20"
END_REASON_HELP = "終了理由（reason for the end: 継続申請なし（支援期間満了）, 辞退 …）"
EFFECTIVE_ON_HELP = (
    "最終支援日。省略時は現在の支援終了日（last supported day; omitted: the current term end）"
)
ENDED_ON_HELP = "最終支援日（last supported day; null unless support has ended）"

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
        min_length=1, max_length=100, description=DECISION_ID_HELP, examples=[_DECISION_ID_EXAMPLE]
    )
    reason: str = Field(
        default="",
        max_length=LONG_TEXT_MAX,
        description="延長の理由（reason for the extension, as the decision gives it）",
        examples=["令和3年12月17日付 継続承認"],
    )
    decided_on: DecidedOn = None


class TermEndIn(BaseModel):
    decision_id: str = Field(
        min_length=1, max_length=100, description=DECISION_ID_HELP, examples=[_DECISION_ID_EXAMPLE]
    )
    reason: str = Field(
        min_length=1,
        max_length=LONG_TEXT_MAX,
        description=END_REASON_HELP,
        examples=["継続申請なし（支援期間満了）"],
    )
    effective_on: DateIn | None = Field(
        default=None, description=EFFECTIVE_ON_HELP, examples=["2022-03-31"]
    )
    decided_on: DecidedOn = None


class TermChangeOut(BaseModel):
    decision_id: str = Field(description="決定ID（decision id）", examples=[_DECISION_ID_EXAMPLE])
    kind: TermChangeKind = Field(description="変更の種類（kind of term change）")
    project_id: uuid.UUID = Field(description=PROJECT_ID_HELP)
    previous_term_end: date = Field(
        description="変更前の支援終了日（term end before the change）", examples=["2022-03-31"]
    )
    new_term_end: date = Field(
        description="変更後の支援終了日（term end after the change）", examples=["2024-03-31"]
    )
    status: ProjectStatus = Field(description="変更後の事業の状態（project status after it）")
    extensions: int = Field(
        description="変更後の継続回数（approved continuations after the change）", examples=[1]
    )
    ended_on: date | None = Field(description=ENDED_ON_HELP, examples=[None])
    reason: str = Field(
        description="理由（reason, as the decision gives it）",
        examples=["令和3年12月17日付 継続承認"],
    )
    decided_on: date | None = Field(
        default=None,
        description="決定日（the decision's day when the caller stated it）",
        examples=["2021-12-17"],
    )
    recorded_at: TokyoDatetime = Field(description="台帳に記録した時刻（recorded at, Asia/Tokyo）")


# Projects per batch call: one sweep message's worth, small enough for one short transaction.
MAX_TERM_ENDS = 500


class TermEndItemIn(TermEndIn):
    project_id: uuid.UUID = Field(description="終了させる事業のID（project id）")


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
        Field(
            min_length=1,
            max_length=MAX_TERM_ENDS,
            description=f"終了させる事業（term ends, 1–{MAX_TERM_ENDS}; each decision_id once）",
        ),
        AfterValidator(_distinct_decisions),
    ]


class TermEndOutcome(BaseModel):
    """One item's answer: ``applied`` now, ``replayed`` (applied before; the stored result), or
    ``refused`` with the problem a single call would have answered (ended, unknown, out of term)."""

    project_id: uuid.UUID = Field(description=PROJECT_ID_HELP)
    decision_id: str = Field(description="決定ID（decision id）", examples=[_DECISION_ID_EXAMPLE])
    outcome: TermEndResult = Field(description="この行の結果（outcome of this item）")
    change: TermChangeOut | None = Field(
        default=None,
        description="支援期間の変更（the change applied or replayed; null if refused）",
    )
    problem: Problem | None = Field(
        default=None,
        description="拒否の理由（the problem a single call would answer; null unless refused）",
    )


class TermEndsOut(BaseModel):
    items: list[TermEndOutcome] = Field(
        description="各行の結果（one outcome per item, in the order sent）"
    )


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
    term_end: date | None = Field(
        description="この時点の支援終了日（term end after this step）", examples=["2024-03-31"]
    )
    reason: str | None = Field(
        description="理由（reason, as recorded）", examples=["令和3年12月17日付 継続承認"]
    )
    decision_id: str | None = Field(
        description="決定の参照: the caller's decision id (the review service's decision id for "
        "an approval, `term-end:<cycle id>:<project id>` for its sweep's end); "
        "`expiry:<project id>:<last day>` for the registry's own expiry",
        examples=[_DECISION_ID_EXAMPLE],
    )
    decided_on: date | None = Field(description="決定日 when the decision states it")
    recorded_at: TokyoDatetime | None = Field(
        description="台帳に記録した時刻（recorded at, Asia/Tokyo）"
    )
    superseded: bool = Field(
        default=False,
        description="後の決定に置き換えられた期間満了（an expiry a later decision replaced: the "
        "review's end of the same project (its reason stands) or its approved continuation (the "
        "term goes on)）",
    )


class TermHistoryOut(BaseModel):
    """支援期間の履歴 — selection, each continuation and the end, from what the registry stored."""

    project_id: uuid.UUID = Field(description=PROJECT_ID_HELP)
    title: str = Field(
        description=TITLE_HELP,
        examples=["先端技術を活用した地域課題解決実証事業 ～「まるごと実験都市福山」の推進～"],
    )
    selection_fiscal_year: int = Field(description=SELECTION_FY_HELP, examples=[2019])
    selection_fiscal_year_label: str = Field(
        description="選定年度の和暦表記（Japanese label）", examples=["令和元年度"]
    )
    term_start: date = Field(
        description="支援開始日（first day of support）", examples=["2019-04-01"]
    )
    initial_term_end: date = Field(
        description="選定時の支援終了日（term end at selection）", examples=["2022-03-31"]
    )
    term_end: date = Field(
        description="現在の支援終了日（current term end）", examples=["2024-03-31"]
    )
    extensions: int = Field(
        description="承認された継続の回数（approved continuations）", examples=[1]
    )
    status: ProjectStatus = Field(description="事業の状態（project status now）")
    ended_on: date | None = Field(description=ENDED_ON_HELP, examples=[None])
    end_reason: str | None = Field(
        description="終了理由（why support ended; null until then）", examples=[None]
    )
    events: list[TermEvent] = Field(description="支援期間の出来事（term events, oldest first）")
