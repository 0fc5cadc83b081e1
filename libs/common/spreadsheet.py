"""The one way jisso writes a spreadsheet: CSV and XLSX from the same rows, text never a formula.

A cell a caller wrote (a project title, a region label) that begins with ``=``, ``+``, ``-``, ``@``,
tab or CR would be evaluated as a formula by Excel or LibreOffice when the file is opened: CSV
(formula) injection. Both formats are neutralised here, so no export can forget it:

- CSV: such a text cell gets a leading apostrophe, as OWASP's CSV-injection guidance says and as
  spreadsheet programs themselves mark "text, not a formula". Full-width ＝＋－＠ count too, because
  Japanese Excel turns them into formulas as it turns the ASCII ones. A text that already starts
  with an apostrophe before such a character is given one more, so :func:`as_written` (used by
  every CSV import) gives back exactly the text that was exported.
- XLSX: every text cell is typed as a string. openpyxl would store a string starting with ``=`` as a
  live formula (and ``#N/A`` as an error); forcing the type writes it as an inline string. A cell
  that would start a formula also gets Excel's quote-prefix style, so it stays text when edited.

Numbers and dates are not text: ``-1`` stays the number −1 in both formats.

A workbook meant to be printed and sent on (an office's results table) may have, per sheet, a title
row, a marker (公表前・取扱注意) also printed at the top of every page, rows of headline figures
above the header, and a print setup (A4, landscape, fit to width, the header row on every page);
the workbook has document properties (title, creator, created). All of it is XLSX only: the CSV of
the same table stays the bare header and rows, which imports read back. Every one of those cells is
written by the same guarded ``_set``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from libs.common.fiscal_year import TOKYO

CellValue = str | int | float | Decimal | date | None
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
QUOTE = "'"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MARKER_FONT = Font(bold=True, color="C00000")


def starts_formula(text: str) -> bool:
    """True when a spreadsheet program could read ``text`` as a formula, or when it is the
    apostrophe-marked form of such a text (so marking stays reversible)."""
    while text.startswith(QUOTE):
        text = text[1:]
    return text.startswith(FORMULA_STARTS)


def neutralised(text: str) -> str:
    """``text`` as a CSV cell: with a leading apostrophe when it would start a formula."""
    return QUOTE + text if starts_formula(text) else text


def as_written(cell: str) -> str:
    """The text a CSV cell written by :func:`neutralised` stands for (every import reads cells
    so)."""
    if cell.startswith(QUOTE) and starts_formula(cell[1:]):
        return cell[1:]
    return cell


@dataclass(frozen=True)
class PageSetup:
    """How a sheet prints (XLSX only): paper A4, the orientation, all columns on one page's width,
    the header row repeated on every page, and a text at the top of every page."""

    landscape: bool = True
    fit_to_width: bool = True
    repeat_header: bool = True
    page_header: str = ""


@dataclass(frozen=True)
class Table:
    """One sheet: its name, header row and rows; widths (in characters) and centred columns
    (0-based) shape the XLSX only, and so do the rows above the header — ``title_row`` (bold,
    larger), ``marker`` (bold red: 公表前・取扱注意), ``preamble`` (headline figures) — and
    ``page``, the print setup."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[CellValue]]
    widths: Sequence[float] = ()
    centred: Sequence[int] = field(default_factory=tuple)
    title_row: str = ""
    marker: str = ""
    preamble: Sequence[Sequence[CellValue]] = ()
    page: PageSetup | None = None


@dataclass(frozen=True)
class Properties:
    """The workbook's document properties (ファイルのプロパティ: タイトル, 作成者, 作成日時)."""

    title: str
    creator: str
    created: datetime
    subject: str = ""
    keywords: str = ""
    category: str = ""


def _csv_cell(value: CellValue) -> str | int | float | Decimal:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralised(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM (Excel then reads it as UTF-8 instead of guessing Shift_JIS), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in table.headers])
    writer.writerows([_csv_cell(v) for v in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value: CellValue) -> CellValue:
    # Excel has no time zones: an aware instant is written as Tokyo wall-clock time.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(TOKYO).replace(tzinfo=None)
    return value


def _set(cell: Cell, value: CellValue) -> None:
    cell.value = _xlsx_value(value)
    if isinstance(value, str):
        cell.data_type = "s"  # never 'f' (formula) or 'e' (error), whatever the text starts with
        if starts_formula(value):
            cell.quotePrefix = True
    elif isinstance(value, date):
        cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT


def _fill_top(sheet: Worksheet, table: Table) -> int:
    """The rows above the header; the header's row number (1 when there are none)."""
    number = 1
    for text, font in ((table.title_row, Font(bold=True, size=14)), (table.marker, MARKER_FONT)):
        if text:
            cell = sheet.cell(row=number, column=1)
            _set(cell, text)
            cell.font = font
            number += 1
    for values in table.preamble:
        for column, value in enumerate(values, start=1):
            _set(sheet.cell(row=number, column=column), value)
        number += 1
    return number + 1 if number > 1 else 1  # a blank row between them and the table


def _header_footer_text(text: str) -> str:
    return text.replace("&", "&&")  # & starts a field code (&P, &D) in a printed header


def _print_setup(sheet: Worksheet, page: PageSetup, header_row: int) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if page.landscape else "portrait"
    if page.fit_to_width:
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    if page.repeat_header:
        sheet.print_title_rows = f"{header_row}:{header_row}"
    if page.page_header:
        sheet.oddHeader.center.text = _header_footer_text(page.page_header)
        sheet.oddHeader.center.color = "C00000"
    sheet.oddFooter.center.text = "&P / &N"


def _fill_sheet(sheet: Worksheet, table: Table) -> None:
    sheet.title = table.title
    header_row = _fill_top(sheet, table)
    for column, header in enumerate(table.headers, start=1):
        cell = sheet.cell(row=header_row, column=column)
        _set(cell, header)
        cell.font = Font(bold=True)
    centre = Alignment(horizontal="center")
    for row_number, row in enumerate(table.rows, start=header_row + 1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            _set(cell, value)
            if column - 1 in table.centred:
                cell.alignment = centre
    for column, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
    if table.page is not None:
        _print_setup(sheet, table.page, header_row)


def _properties(workbook: Workbook, properties: Properties) -> None:
    document = workbook.properties
    document.title = properties.title
    document.creator = properties.creator
    document.lastModifiedBy = properties.creator
    # The file format keeps UTC without an offset.
    document.created = properties.created.astimezone(UTC).replace(tzinfo=None)
    document.subject = properties.subject or None
    document.keywords = properties.keywords or None
    document.category = properties.category or None
    document.language = "ja-JP"


def to_xlsx(*tables: Table, properties: Properties | None = None) -> bytes:
    """A workbook with one sheet per table, in order, and its document properties."""
    workbook = Workbook()
    for index, table in enumerate(tables):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert isinstance(sheet, Worksheet)
        _fill_sheet(sheet, table)
    if properties is not None:
        _properties(workbook, properties)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
