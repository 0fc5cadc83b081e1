"""Reading a published results table (CSV): its rows, and every check against itself and against
the fiscal year it is imported as. All problems are reported at once; nothing is stored here.

The file is the published layout (項番, プロジェクト実施地域, 選定事業, 過年度選定; a fifth column
such as the workbook's 連携 is ignored: it is derived). Lines above the header are allowed — the
workbook's title row, its 公表前 marker and headline figures, saved as CSV, or the page's own
heading 「(参考) 令和3年度のスマートシティ関連事業の選定結果」 — and are checked when they state
something: a fiscal year must be the one imported (``fiscal_year_mismatch``), 選定地域数 and うち
事業間連携 must be what the rows give (``count_mismatch``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from libs.common.errors import FieldProblem, InvalidInput
from libs.common.fiscal_year import FiscalYearError, fiscal_year_label, parse_fiscal_year
from libs.common.search_text import normalise_search_key
from libs.common.uploads import CsvRow, read_csv
from services.review.joint_review.registry import Record

HEADERS = ["項番", "プロジェクト実施地域", "選定事業", "過年度選定"]
# A fiscal year as a heading writes it (after NFKC): 令和3年度, 平成30年度, R3年度, 2021年度,
# FY2021.
STATED_YEAR = re.compile(r"(?:令和|平成|[RH])(?:元|[0-9]{1,2})年度|[0-9]{4}年度|FY[0-9]{4}")
HEADLINES = {"選定地域数": "regions", "うち事業間連携": "collaborating"}
MAX_PREAMBLE = 10  # lines above the header; a file with more has no header where it should


@dataclass(frozen=True)
class TableRow:
    item_no: int
    region_label: str
    marks: str
    earlier_marks: str


def collaborating(marks: str, earlier_marks: str) -> bool:
    """事業間連携: two or more programmes this year, or any programme in an earlier year."""
    return len(set(marks)) >= 2 or bool(earlier_marks)


def _problem(line: int | None, column: str, rule: str, message: str) -> FieldProblem:
    return FieldProblem(
        field=f"line {line}: {column}" if line else column, rule=rule, message=message
    )


def _split(content: bytes, max_bytes: int, max_rows: int) -> tuple[list[CsvRow], Iterator[CsvRow]]:
    """(lines above the header, the data rows after it)."""
    reader = read_csv(content, max_bytes=max_bytes, max_rows=max_rows)
    rows = iter(reader)
    preamble = [CsvRow(1, reader.header or [])]
    while preamble[-1].cells[:4] != HEADERS:
        following = next(rows, None)
        if following is None or len(preamble) > MAX_PREAMBLE:
            got = ",".join(preamble[0].cells)
            raise InvalidInput.field(
                "file", "header", f"見出し行は {','.join(HEADERS)} です（got {got}）"
            )
        preamble.append(following)
    return preamble[:-1], rows


def _marks(
    value: str, known: Mapping[str, Record], line: int, column: str
) -> tuple[str, list[FieldProblem]]:
    marks = "".join(value.split())
    names = "".join(sorted(known))
    problems = [
        _problem(line, column, "unknown_mark", f"凡例にない記号です: {m!r}（known marks: {names}）")
        for m in dict.fromkeys(marks)
        if m not in known
    ]
    return marks, problems


def _row(
    cells: list[str], line: int, known: Mapping[str, Record]
) -> tuple[TableRow | None, list[FieldProblem]]:
    # The cells come as written (a label exported with the writer's apostrophe reads back without).
    number, label, this_year, earlier = (cells + [""] * 4)[:4]
    problems: list[FieldProblem] = []
    if not number.isdigit():
        problems.append(_problem(line, "項番", "integer", "項番は整数です"))
    if not label:
        problems.append(_problem(line, "プロジェクト実施地域", "required", "地域がありません"))
    marks, bad = _marks(this_year, known, line, "選定事業")
    problems += bad
    if not marks:
        problems.append(_problem(line, "選定事業", "required", "選定事業がありません"))
    earlier_marks, bad = _marks(earlier, known, line, "過年度選定")
    problems += bad
    if problems:
        return None, problems
    return TableRow(int(number), label, marks, earlier_marks), []


def _first_year(programme: Record) -> int | None:
    years = [int(row["fiscal_year"]) for row in programme.get("fiscal_years", [])]
    return min(years) if years else None


def _against_fiscal_year(
    row: TableRow, line: int, known: Mapping[str, Record], fiscal_year: int
) -> list[FieldProblem]:
    """A programme the registry records from year F cannot select in a year before F, nor be an
    earlier year's selection in year F itself (a programme with no fiscal-year rows: unknown)."""
    problems = []
    for mark in dict.fromkeys(row.marks):
        first = _first_year(known[mark])
        if first is not None and fiscal_year < first:
            problems.append(
                _problem(
                    line,
                    "選定事業",
                    "mark_not_in_fiscal_year",
                    f"{mark}（{known[mark]['name']}）の選定は{fiscal_year_label(first)}からです"
                    f"（{fiscal_year_label(fiscal_year)}の表にはありえません）",
                )
            )
    for mark in dict.fromkeys(row.earlier_marks):
        first = _first_year(known[mark])
        if first is not None and fiscal_year <= first:
            problems.append(
                _problem(
                    line,
                    "過年度選定",
                    "mark_not_in_earlier_years",
                    f"{mark}（{known[mark]['name']}）の選定は{fiscal_year_label(first)}からで、"
                    f"{fiscal_year_label(fiscal_year)}より前の年度にはありません",
                )
            )
    return problems


def _stated_year(text: str) -> int | None:
    found = STATED_YEAR.search(unicodedata.normalize("NFKC", text))
    if found is None:
        return None
    try:
        return parse_fiscal_year(found.group(0).removeprefix("FY"))
    except FiscalYearError:
        return None


def _check_preamble(
    preamble: list[CsvRow], rows: list[TableRow], fiscal_year: int
) -> list[FieldProblem]:
    problems = []
    actual = {
        "regions": len(rows),
        "collaborating": sum(collaborating(r.marks, r.earlier_marks) for r in rows),
    }
    for line in preamble:
        stated = next((y for y in map(_stated_year, line.cells) if y is not None), None)
        if stated is not None and stated != fiscal_year:
            problems.append(
                _problem(
                    line.line,
                    "年度",
                    "fiscal_year_mismatch",
                    f"ファイルは{fiscal_year_label(stated)}の表です（取り込み先は"
                    f"{fiscal_year_label(fiscal_year)}: the file states fiscal year {stated})",
                )
            )
        for name, value in zip(line.cells, line.cells[1:], strict=False):
            key = HEADLINES.get(name)
            if key and value.isdigit() and int(value) != actual[key]:
                problems.append(
                    _problem(
                        line.line,
                        name,
                        "count_mismatch",
                        f"{name}は{value}とありますが、表の行からは{actual[key]}です",
                    )
                )
    return problems


@dataclass
class _Seen:
    """The line that first listed each region (by normalised key) and each 項番."""

    regions: dict[str, int] = field(default_factory=dict)
    numbers: dict[int, int] = field(default_factory=dict)

    def repeats(self, row: TableRow, line: int) -> list[FieldProblem]:
        problems = []
        key = normalise_search_key(row.region_label)
        first_region, first_number = self.regions.get(key), self.numbers.get(row.item_no)
        if first_region is not None:
            problems.append(
                _problem(
                    line,
                    "プロジェクト実施地域",
                    "duplicate_region",
                    f"地域が重複しています: {row.region_label!r}（line {first_region} と同じ）",
                )
            )
        if first_number is not None:
            problems.append(
                _problem(
                    line,
                    "項番",
                    "duplicate",
                    f"項番が重複しています: {row.item_no}（line {first_number} と同じ）",
                )
            )
        self.regions.setdefault(key, line)
        self.numbers.setdefault(row.item_no, line)
        return problems


def parse_table(
    content: bytes,
    known: Mapping[str, Record],
    fiscal_year: int,
    *,
    max_bytes: int,
    max_rows: int,
) -> list[TableRow]:
    """The table's rows, or one 422 listing every problem (field ``line N: column``, a rule)."""
    preamble, data = _split(content, max_bytes, max_rows)
    rows: list[TableRow] = []
    problems: list[FieldProblem] = []
    seen = _Seen()
    for csv_row in data:
        row, bad = _row(csv_row.cells, csv_row.line, known)
        problems += bad
        if row is None:
            continue
        problems += _against_fiscal_year(row, csv_row.line, known, fiscal_year)
        problems += seen.repeats(row, csv_row.line)
        rows.append(row)
    problems += _check_preamble(preamble, rows, fiscal_year)
    if problems:
        raise InvalidInput(
            f"{len(problems)}件の誤りがあるため取り込みません（nothing was imported）",
            errors=problems,
        )
    return rows
