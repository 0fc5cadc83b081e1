"""Figures the seed document publishes about things it does not name, stored as published.

Source: 内閣府地方創生推進事務局「未来技術社会実装事業における最近の取組」（令和4年2月9日）. The
document has no page numbers: each figure names its section by the slide's heading, and quotes
its words. Its date is each figure's 基準日 unless the slide states another (R3.8.24時点,
令和3年12月17日付, 令和3年12月末時点). One figure is not written as a number (the nine H30 projects
that continued): it says how it follows (``derivation``).

Idempotent by key: a missing figure is added through the figures service (audited, actor
``seed``); one that exists is left as it is, since an operator may have corrected it (audited).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.figures import service
from services.registry.figures.schemas import PublishedFigureCreate

ACTOR = "seed"
SOURCE = "内閣府地方創生推進事務局「未来技術社会実装事業における最近の取組」（令和4年2月9日）"
DECK_DATE = date(2022, 2, 9)
DECK_NOTE = "資料の日付（令和4年2月9日）: 記述に別の時点の記載なし"
OVERVIEW = "1. 未来技術社会実装事業の概要「未来技術社会実装事業 概要」"
OVERVIEW_TEXT = (
    "未来技術を活用した地方創生に関する提案を地方公共団体から募集し、H30年度に14事業、R1年度に"
    "8事業、R2年度に12事業、R3年度に9事業を選定、現在38事業に対して支援を実施中。"
    "（H30年度選定の5事業はR2年度末をもって支援を終了。）"
)
CONTINUATION = "1. 未来技術社会実装事業の概要「継続事業一覧（令和元年度選定事業）」"
CONTINUATION_DATE = date(2021, 12, 17)
CONTINUATION_NOTE = "同ページの「令和3年12月17日付」"
SOCIETY5 = "3. 地方創生推進交付金「Society5.0タイプ」の概要"
PLATFORM = "2. スマートシティ関連事業について「スマートシティ官民連携プラットフォームについて」"


def _selected(fiscal_year: int, value: int, era: str) -> dict[str, Any]:
    return {
        "key": f"projects.selected.fy{fiscal_year}",
        "topic": "projects",
        "label": f"{era}年度に選定された事業数",
        "label_en": f"projects selected in FY{fiscal_year}",
        "value": value,
        "unit": "事業",
        "fiscal_year": fiscal_year,
        "cohort_fiscal_year": fiscal_year,
        "as_of": DECK_DATE,
        "as_of_note": DECK_NOTE,
        "source_section": OVERVIEW,
        "source_text": OVERVIEW_TEXT,
    }


FIGURES: tuple[dict[str, Any], ...] = (
    _selected(2018, 14, "H30"),
    _selected(2019, 8, "R1"),
    _selected(2020, 12, "R2"),
    _selected(2021, 9, "R3"),
    {
        "key": "projects.supported.current",
        "topic": "projects",
        "label": "支援を実施中の事業数",
        "label_en": "projects supported (「現在」, FY2021)",
        "value": 38,
        "unit": "事業",
        "fiscal_year": 2021,
        "as_of": DECK_DATE,
        "as_of_note": "「現在」: 資料の日付（令和4年2月9日）。事業一覧のページは「R3.8.24時点」",
        "source_section": OVERVIEW,
        "source_text": OVERVIEW_TEXT,
    },
    {
        "key": "projects.fy2018.ended_fy2020",
        "topic": "projects",
        "label": "H30年度選定のうちR2年度末をもって支援を終了した事業数",
        "label_en": "FY2018 projects whose support ended at the end of FY2020",
        "value": 5,
        "unit": "事業",
        "fiscal_year": 2020,
        "cohort_fiscal_year": 2018,
        "as_of": DECK_DATE,
        "as_of_note": DECK_NOTE,
        "source_section": OVERVIEW,
        "source_text": OVERVIEW_TEXT,
    },
    {
        "key": "projects.fy2018.continued",
        "topic": "projects",
        "label": "H30年度選定のうちR3年度も支援を継続している事業数",
        "label_en": "FY2018 projects whose support continued past FY2020",
        "value": 9,
        "unit": "事業",
        "fiscal_year": 2021,
        "cohort_fiscal_year": 2018,
        "as_of": DECK_DATE,
        "as_of_note": DECK_NOTE,
        "source_section": OVERVIEW,
        "source_text": OVERVIEW_TEXT,
        "derivation": "14 − 5: H30年度に選定した14事業のうち、"
        "R2年度末をもって支援を終了した5事業を除く",
    },
    {
        "key": "projects.fy2019.continued",
        "topic": "projects",
        "label": "令和元年度選定のうち支援継続が認められた事業数",
        "label_en": "FY2019 projects approved for continuation",
        "value": 5,
        "unit": "事業",
        "fiscal_year": 2021,
        "cohort_fiscal_year": 2019,
        "as_of": CONTINUATION_DATE,
        "as_of_note": CONTINUATION_NOTE,
        "source_section": CONTINUATION,
        "source_text": "継続事業一覧（令和元年度選定事業） 令和3年12月17日付（No.1〜5）",
    },
    {
        "key": "projects.fy2019.ending_fy2021",
        "topic": "projects",
        "label": "令和元年度選定のうち令和3年度末をもって支援を終了する予定の事業数",
        "label_en": "FY2019 projects whose support is to end at the end of FY2021",
        "value": 3,
        "unit": "事業",
        "fiscal_year": 2021,
        "cohort_fiscal_year": 2019,
        "as_of": CONTINUATION_DATE,
        "as_of_note": CONTINUATION_NOTE,
        "source_section": CONTINUATION,
        "source_text": "※3事業については令和3年度末をもって支援を終了する予定",
    },
    {
        "key": "society5.adopted.fy2021",
        "topic": "society5",
        "label": "地方創生推進交付金「Society5.0タイプ」の採択事業数（継続事業を含む）",
        "label_en": "Society5.0-type grants adopted in FY2021 (continuing ones included)",
        "value": 19,
        "unit": "件",
        "fiscal_year": 2021,
        "as_of": DECK_DATE,
        "as_of_note": DECK_NOTE,
        "source_section": SOCIETY5,
        "source_text": "令和3年度は自動運転やドローンを活用した事業など19件を採択"
        "（継続事業を含む）。／地方創生推進交付金「Society5.0タイプ」採択事業一覧（令和3年度） "
        "令和3年度 採択事業19件",
    },
    {
        "key": "society5.adopted.fy2021.programme_projects",
        "topic": "society5",
        "label": "うち、未来技術社会実装事業選定事業の数",
        "label_en": "of the FY2021 Society5.0-type adoptions, projects of this programme",
        "value": 8,
        "unit": "件",
        "fiscal_year": 2021,
        "as_of": DECK_DATE,
        "as_of_note": DECK_NOTE,
        "source_section": SOCIETY5 + "「採択事業一覧（令和3年度）」",
        "source_text": "※うち、未来技術社会実装事業選定事業 8件",
    },
    {
        "key": "platform.members",
        "topic": "platform",
        "label": "スマートシティ官民連携プラットフォームの会員数",
        "label_en": "members of the public-private smart-city platform",
        "value": 869,
        "unit": "団体",
        "as_of": date(2021, 12, 31),
        "as_of_note": "※会員数は令和3年12月末時点",
        "source_section": PLATFORM,
        "source_text": "スマートシティ官民連携プラットフォームの構成（合計869団体）"
        "※会員数は令和3年12月末時点",
    },
)


async def seed_figures(session: AsyncSession) -> None:
    for fields in FIGURES:
        if await service.find_by_key(session, fields["key"]) is not None:
            continue
        data = PublishedFigureCreate.model_validate({"source": SOURCE, **fields})
        await service.create_figure(session, actor=ACTOR, data=data)
