"""Results as the published table: 項番, プロジェクト実施地域, 選定事業, 過年度選定 with the marks.

The CSV is exactly that table (so `jisso review import-joint-review-results` reads it back); the
workbook adds the legend (凡例) on a second sheet, as the published page shows it under the table.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from services.review.joint_review.results import ResultsOut, region_rows

HEADERS = ["項番", "プロジェクト実施地域", "選定事業", "過年度選定"]


def results_csv(results: ResultsOut) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(region_rows(results))
    # UTF-8 with a BOM: Excel opens it as UTF-8 instead of guessing Shift_JIS.
    return buffer.getvalue().encode("utf-8-sig")


def results_xlsx(results: ResultsOut) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "選定結果"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in region_rows(results):
        sheet.append(row)
    for letter, width in zip("ABCD", (8, 60, 14, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    for cells in sheet.iter_rows(min_row=2, min_col=3, max_col=4):
        for cell in cells:
            cell.alignment = Alignment(horizontal="center")
    sheet.freeze_panes = "A2"
    legend = workbook.create_sheet("凡例")
    legend.append(["事業", "記号"])
    for entry in results.legend:
        legend.append([entry.name, entry.mark])
    legend.column_dimensions["A"].width = 50
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download_name(results: ResultsOut, extension: str) -> str:
    return f"joint-review-results-{results.fiscal_year}.{extension}"
