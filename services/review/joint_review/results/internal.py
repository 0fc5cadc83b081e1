"""The operators' internal workbook (申請一覧・内部資料) of a round: every application — title, lead
local-government code, scheme, amounts, its reviewers' scores and the programmes that selected it —
and, on a second sheet, every assessment with its comments.

It holds what the embargo hides and what is never published (scores, comments, amounts of
applications nobody selected), so only operators get it (the route says so), it is marked
内部資料・取扱注意（運営者限り） on the sheet and on every printed page, and it is no results table:
an import would refuse it (its header is not the published one).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from statistics import fmean
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.fiscal_year import fiscal_year_label
from libs.common.programmes import marks_in_legend_order
from libs.common.spreadsheet import PageSetup, Properties, Table, to_xlsx
from services.review.joint_review.assessments.schemas import CRITERION_NAMES
from services.review.joint_review.models import (
    JointApplication,
    JointAssessment,
    JointReviewRound,
    JointSelection,
)
from services.review.joint_review.results import repository
from services.review.joint_review.rounds.service import get_round
from services.review.joint_review.selections import repository as selections
from services.review.joint_review.visibility import is_published

MARKER = "内部資料・取扱注意（運営者限り）"


class _OfApplication(Protocol):
    @property
    def application_id(self) -> uuid.UUID: ...


T = TypeVar("T", bound=_OfApplication)
CRITERIA = tuple(CRITERION_NAMES)
APPLICATION_HEADERS = (
    "件名",
    "プロジェクト実施地域",
    "代表団体コード",
    "構成団体コード",
    "交付金タイプ",
    "申請先",
    "事業年数",
    "初年度国費（円）",
    "国費合計（円）",
    "評価数",
    *(f"{CRITERION_NAMES[c]}（平均）" for c in CRITERIA),
    "合計（平均）",
    "選定事業",
    "選定額（円）",
    "申請日時",
    "申請ID",
)
ASSESSMENT_HEADERS = (
    "件名",
    "代表団体コード",
    "事業",
    "評価者",
    *(CRITERION_NAMES[c] for c in CRITERIA),
    "合計",
    *(f"{CRITERION_NAMES[c]}コメント" for c in CRITERIA),
    "申請ID",
)


def _scores(assessment: JointAssessment) -> list[int]:
    return [getattr(assessment, f"{criterion}_score") for criterion in CRITERIA]


def _averages(assessments: Sequence[JointAssessment]) -> list[float | None]:
    """Per criterion and for the total, the mean over the application's assessments (2 places)."""
    if not assessments:
        return [None] * (len(CRITERIA) + 1)
    columns = [list(column) for column in zip(*map(_scores, assessments), strict=True)]
    columns.append([sum(_scores(a)) for a in assessments])
    return [round(fmean(column), 2) for column in columns]


def _application_row(
    application: JointApplication,
    marks: dict[str, str],
    assessments: Sequence[JointAssessment],
    chosen: Sequence[JointSelection],
) -> list[Any]:
    funding: list[dict[str, int]] = application.funding
    return [
        application.title,
        application.region_label,
        application.lead_lg_code,
        "、".join(application.lg_codes),
        application.scheme_name,
        marks_in_legend_order(marks.get(p, p) for p in application.programme_ids),
        application.duration_years,
        application.round_year_amount_yen,
        sum(year["amount_yen"] for year in funding),
        len(assessments),
        *_averages(assessments),
        marks_in_legend_order(s.mark for s in chosen),
        sum(s.amount_yen for s in chosen) if chosen else None,
        application.created_at,
        str(application.id),
    ]


def _assessment_row(
    assessment: JointAssessment, application: JointApplication, marks: dict[str, str]
) -> list[Any]:
    return [
        application.title,
        application.lead_lg_code,
        marks.get(assessment.programme_id, assessment.programme_id),
        assessment.reviewer_subject,
        *_scores(assessment),
        sum(_scores(assessment)),
        assessment.innovation_comment,
        assessment.feasibility_comment,
        assessment.spread_comment,
        str(application.id),
    ]


def _title(round_: JointReviewRound, what: str) -> str:
    label = fiscal_year_label(round_.fiscal_year)
    title = round_.title if round_.title.startswith(label) else f"{label} {round_.title}"
    return f"{title} {what}"


def _grouped(rows: Sequence[T]) -> dict[uuid.UUID, list[T]]:
    """Assessments or selections by their application."""
    grouped: dict[uuid.UUID, list[T]] = {}
    for row in rows:
        grouped.setdefault(row.application_id, []).append(row)
    return grouped


async def _sheets(session: AsyncSession, round_: JointReviewRound, marker: str) -> list[Table]:
    marks = {p.programme_id: p.mark for p in round_.programmes}
    applications = await repository.round_applications(session, round_.id)
    by_id = {a.id: a for a in applications}
    assessments = await repository.round_assessments(session, round_.id)
    scored = _grouped(assessments)
    chosen = _grouped(await selections.selections_of_round(session, round_.id))
    page = PageSetup(page_header=marker)
    return [
        Table(
            title="申請一覧",
            headers=APPLICATION_HEADERS,
            rows=[
                _application_row(a, marks, scored.get(a.id, []), chosen.get(a.id, []))
                for a in applications
            ],
            widths=(40, 30, 12, 20, 22, 10, 8, 16, 16, 8, 10, 12, 10, 10, 10, 16, 17, 38),
            centred=(5, 14),
            title_row=_title(round_, "申請一覧"),
            marker=marker,
            preamble=[("申請件数", len(applications), "選定済み", len(chosen))],
            page=page,
        ),
        Table(
            title="評価",
            headers=ASSESSMENT_HEADERS,
            rows=[_assessment_row(a, by_id[a.application_id], marks) for a in assessments],
            widths=(40, 12, 6, 24, 8, 10, 8, 8, 40, 40, 40, 38),
            centred=(2,),
            title_row=_title(round_, "評価一覧"),
            marker=marker,
            page=page,
        ),
    ]


async def internal_workbook(session: AsyncSession, *, round_id: uuid.UUID, now: datetime) -> bytes:
    round_ = await get_round(session, round_id=round_id)
    marker = MARKER if is_published(round_, now.date()) else f"{MARKER} 公表前"
    sheets = await _sheets(session, round_, marker)
    properties = Properties(
        title=_title(round_, "申請一覧（内部資料）"),
        creator="jisso",
        created=now,
        subject="スマートシティ関連事業 合同審査 申請・評価・選定の一覧",
        category=MARKER,
    )
    return to_xlsx(*sheets, properties=properties)
