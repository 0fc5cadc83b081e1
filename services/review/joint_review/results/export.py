"""Results as the published table: 項番, プロジェクト実施地域, 選定事業, 過年度選定 with the marks.

The CSV is exactly that table (so `jisso review import-joint-review-results` reads it back); the
workbook adds the legend (凡例) on a second sheet, as the published page shows it under the table.
"""

from __future__ import annotations

from libs.common.spreadsheet import Table, to_csv, to_xlsx
from services.review.joint_review.results.schemas import ResultsOut
from services.review.joint_review.results.service import region_rows

HEADERS = ["項番", "プロジェクト実施地域", "選定事業", "過年度選定"]


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


def results_xlsx(results: ResultsOut) -> bytes:
    legend = Table(
        title="凡例",
        headers=("事業", "記号"),
        rows=[(entry.name, entry.mark) for entry in results.legend],
        widths=(50,),
    )
    return to_xlsx(_table(results), legend)


def download_name(results: ResultsOut, extension: str) -> str:
    return f"joint-review-results-{results.fiscal_year}.{extension}"
