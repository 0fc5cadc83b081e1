"""Results as the published table: 項番, プロジェクト実施地域, 選定事業, 過年度選定 with the marks.

The CSV is exactly that table (so `jisso review import-joint-review-results` reads it back). The
workbook is the table as an office prints and sends it on: a title row (年度 and the round), the
公表前・取扱注意 marker until publication (also at the top of every printed page), the headline
figures (選定地域数, うち事業間連携) as the published page states them, a 連携 column, and on a
second sheet the legend (凡例) with ministries and the notes on earlier names; A4 landscape, fit
to width, the header row on every page; document properties (title, creator, created).
"""

from __future__ import annotations

from datetime import datetime

from libs.common.spreadsheet import PageSetup, Properties, Table, to_csv, to_xlsx
from services.review.joint_review.results.schemas import ResultsOut
from services.review.joint_review.results.service import region_rows
from services.review.joint_review.results.table import HEADERS

CREATOR = "jisso"
EMBARGO_MARKER = "公表前・取扱注意"
COLLABORATING = "あり"  # not ○, which is a programme's mark in the same table
LEGEND_HEADERS = ("記号", "府省", "事業名", "所管部局", "注")


def _table(results: ResultsOut) -> Table:
    return Table(
        title="選定結果",
        headers=HEADERS,
        rows=region_rows(results),
        widths=(8, 60, 14, 14),
        centred=(2, 3),  # the marks
    )


def results_csv(results: ResultsOut) -> bytes:
    return to_csv(_table(results))


def title_row(results: ResultsOut, what: str) -> str:
    """「令和3年度 スマートシティ関連事業 合同審査 選定結果」: the fiscal year, the round, ``what``
    (the year is added when the round's title does not start with it)."""
    title = results.title
    if not title.startswith(results.fiscal_year_label):
        title = f"{results.fiscal_year_label} {title}"
    return f"{title} {what}"


def _page(results: ResultsOut) -> PageSetup:
    return PageSetup(page_header="" if results.published else EMBARGO_MARKER)


def _workbook_table(results: ResultsOut) -> Table:
    totals = results.totals
    return Table(
        title="選定結果",
        headers=[*HEADERS, "連携"],
        rows=[
            [*row, COLLABORATING if region.collaborating else ""]
            for row, region in zip(region_rows(results), results.regions, strict=True)
        ],
        widths=(14, 60, 14, 14, 8),
        centred=(2, 3, 4),
        title_row=title_row(results, "選定結果"),
        marker="" if results.published else EMBARGO_MARKER,
        preamble=[("選定地域数", totals.regions_selected, "うち事業間連携", totals.collaborating)],
        page=_page(results),
    )


def _legend_table(results: ResultsOut) -> Table:
    return Table(
        title="凡例",
        headers=LEGEND_HEADERS,
        rows=[
            (
                entry.mark,
                entry.ministry,
                entry.name,
                entry.bureau,
                f"{entry.footnote} {entry.note}" if entry.footnote else "",
            )
            for entry in results.legend
        ],
        widths=(6, 14, 50, 22, 70),
        centred=(0,),
        title_row=title_row(results, "凡例"),
        marker="" if results.published else EMBARGO_MARKER,
        page=_page(results),
    )


def results_xlsx(results: ResultsOut, *, now: datetime) -> bytes:
    properties = Properties(
        title=title_row(results, "選定結果"),
        creator=CREATOR,
        created=now,
        subject="スマートシティ関連事業 合同審査 選定結果",
        category="公表資料" if results.published else EMBARGO_MARKER,
    )
    return to_xlsx(_workbook_table(results), _legend_table(results), properties=properties)


def download_name(results: ResultsOut, extension: str) -> str:
    return f"joint-review-results-{results.fiscal_year}.{extension}"
