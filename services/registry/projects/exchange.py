"""CSV and XLSX export of projects (Japanese headers) and the all-or-nothing CSV import."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import FieldProblem, InvalidInput
from libs.common.fiscal_year import (
    FiscalYearError,
    JapaneseDateError,
    fiscal_year_label,
    parse_fiscal_year,
    parse_japanese_date,
    support_term_end,
    support_term_start,
)
from libs.common.lg_code import PREFECTURES, LocalGovernmentCodeError, validate_lg_code
from services.registry.local_governments.csv_file import checked_rows
from services.registry.local_governments.models import LocalGovernment
from services.registry.projects import repository
from services.registry.projects.models import Project
from services.registry.projects.schemas import (
    STATUS_LABELS,
    ImportedProject,
    ImportResult,
    ProjectCreate,
    ProposerIn,
    parse_technology,
)
from services.registry.projects.service import create_project, display_name

HEADERS = (
    "事業ID",
    "選定年度",
    "提案者",
    "提案タイトル",
    "主な活用技術",
    "支援開始",
    "支援終了",
    "状態",
)
IMPORT_REQUIRED = ("選定年度", "提案者", "提案タイトル")
IMPORT_OPTIONAL = ("主な活用技術", "支援開始", "支援終了")
EXPORT_ONLY = ("事業ID", "状態")  # present in an edited export: read past, never imported
MAX_EXTENSIONS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_LIST_SEPARATORS = re.compile(r"[・、]")


def _row(project: Project) -> list[str | date]:
    return [
        str(project.id),
        fiscal_year_label(project.selection_fiscal_year),
        "・".join(display_name(p.local_government) for p in project.proposers),
        project.title,
        "、".join(project.technologies),
        project.term_start,
        project.term_end,
        STATUS_LABELS[project.status],
    ]


def export_csv(projects: Sequence[Project]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for project in projects:
        writer.writerow([v.isoformat() if isinstance(v, date) else v for v in _row(project)])
    # UTF-8 with a BOM: Excel opens it as UTF-8 instead of guessing Shift_JIS.
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(projects: Sequence[Project]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "事業一覧"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for project in projects:
        sheet.append(_row(project))
        for cell in sheet[sheet.max_row][5:7]:
            cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGH", (38, 12, 30, 60, 24, 12, 12, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass
class _Line:
    number: int
    values: dict[str, str]
    problems: list[FieldProblem] = field(default_factory=list)
    data: ProjectCreate | None = None
    extensions: int = 0

    def problem(self, column: str, rule: str, message: str) -> None:
        # Same shape as the local-government import: line[N].<column>, "N行目 <column>: …".
        self.problems.append(
            FieldProblem(
                field=f"line[{self.number}].{column}",
                rule=rule,
                message=f"{self.number}行目 {column}: {message}",
            )
        )


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):  # Excel in Japan saves CSV as Shift_JIS (cp932)
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput.field(
        "file", "encoding", "文字コードを判別できません（save the CSV as UTF-8 or Shift_JIS）"
    )


def _lines(text: str) -> Iterator[_Line]:
    # newline="": a quoted field may hold a line break (the csv module's documented requirement).
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = checked_rows(reader)
    header = [h.strip() for h in next(rows, [])]
    missing = [h for h in IMPORT_REQUIRED if h not in header]
    unknown = [h for h in header if h not in (*IMPORT_REQUIRED, *IMPORT_OPTIONAL, *EXPORT_ONLY)]
    if missing or unknown:
        raise InvalidInput.field(
            "file.header",
            "missing_column" if missing else "unknown_column",
            f"見出し行が不正です（missing: {'、'.join(missing) or '-'}; "
            f"unknown: {'、'.join(unknown) or '-'}）",
        )
    start = reader.line_num + 1
    for values in rows:
        if any(v.strip() for v in values):
            padded = [*values, *[""] * (len(header) - len(values))]
            yield _Line(start, {h: v.strip() for h, v in zip(header, padded, strict=False)})
        start = reader.line_num + 1


class _Proposers:
    """Resolves 提案者 tokens: codes, names, or 都道府県名 + names for names that repeat."""

    def __init__(self, candidates: Sequence[LocalGovernment]) -> None:
        self.by_name: dict[str, list[LocalGovernment]] = {}
        for lg in candidates:
            self.by_name.setdefault(lg.name, []).append(lg)

    @staticmethod
    def split(token: str) -> tuple[str | None, str]:
        for prefecture in PREFECTURES.values():
            if token.startswith(prefecture) and token != prefecture:
                return prefecture, token[len(prefecture) :]
        return None, token

    def resolve(self, token: str) -> LocalGovernment | str:
        prefecture, name = self.split(token)
        found = [lg for lg in self.by_name.get(name, []) if prefecture in (None, lg.prefecture)]
        if len(found) == 1:
            return found[0]
        if found:
            return f"同名の団体が複数あります。都道府県名を付けてください: {token}（ambiguous）"
        return f"地方公共団体が見つかりません: {token}（unknown local government）"


def _tokens(text: str) -> list[str]:
    normalised = unicodedata.normalize("NFKC", text)
    return [t.strip() for t in _LIST_SEPARATORS.split(normalised) if t.strip()]


def _code_of(token: str, proposers: _Proposers) -> str:
    """The code a 提案者 token names; raises ``ValueError`` (rule, message) otherwise."""
    if token.isdigit():
        try:
            return validate_lg_code(token)
        except LocalGovernmentCodeError as err:
            raise ValueError(err.rule, err.message) from None
    resolved = proposers.resolve(token)
    if isinstance(resolved, str):
        raise ValueError("unknown", resolved)
    return resolved.code


async def _codes(session: AsyncSession, line: _Line) -> list[str]:
    """Proposer codes in file order (the first is the lead)."""
    tokens = _tokens(line.values["提案者"])
    if not tokens:
        line.problem("提案者", "required", "提案者がありません（at least one proposer）")
    names = {_Proposers.split(t)[1] for t in tokens if not t.isdigit()}
    proposers = _Proposers(await repository.local_governments_named(session, names))
    codes: list[str] = []
    for token in tokens:
        try:
            code = _code_of(token, proposers)
        except ValueError as exc:
            line.problem("提案者", *exc.args)
            continue
        if code in codes:
            line.problem("提案者", "duplicate", f"提案者が重複しています: {token}")
        codes.append(code)
    known = await repository.local_governments(session, codes)
    for code in dict.fromkeys(codes):
        if code not in known:
            line.problem("提案者", "unknown", f"地方公共団体が登録されていません: {code}")
    return list(dict.fromkeys(codes))


def _date_column(line: _Line, column: str) -> date | None:
    text = line.values.get(column, "")
    if not text:
        return None
    try:
        return parse_japanese_date(text)
    except JapaneseDateError as exc:
        line.problem(column, "date", exc.message)
        return None


def _extensions(line: _Line, fy: int) -> int:
    """Continuations a given 支援終了 implies (an edited export round-trips); 0 when empty."""
    start = _date_column(line, "支援開始")
    if start is not None and start != support_term_start(fy):
        line.problem("支援開始", "derived_term", f"支援開始は{support_term_start(fy)}です: {start}")
    end = _date_column(line, "支援終了")
    if end is None:
        return 0
    for extensions in range(MAX_EXTENSIONS + 1):
        if support_term_end(fy, extensions) == end:
            return extensions
    line.problem(
        "支援終了",
        "derived_term",
        f"支援終了は{support_term_end(fy)}か、2年度ずつ延長した年度末です: {end}",
    )
    return 0


async def _parse(session: AsyncSession, line: _Line) -> None:
    """Fill ``line.data``/``line.extensions``, or record the line's problems."""
    title = line.values["提案タイトル"]
    if not title:
        line.problem("提案タイトル", "required", "提案タイトルがありません")
    fy: int | None = None
    try:
        fy = parse_fiscal_year(line.values["選定年度"])
    except FiscalYearError as exc:
        line.problem("選定年度", "fiscal_year", exc.message)
    technologies = []
    for token in _tokens(line.values.get("主な活用技術", "")):
        try:
            technologies.append(parse_technology(token))
        except ValueError as exc:
            line.problem("主な活用技術", "technology", str(exc))
    codes = await _codes(session, line)
    if fy is not None:
        line.extensions = _extensions(line, fy)
    if line.problems or fy is None:
        return
    line.data = ProjectCreate(
        title=title,
        proposers=[ProposerIn(lg_code=code, is_lead=n == 0) for n, code in enumerate(codes)],
        technologies=technologies,
        selection_fiscal_year=fy,
    )


def _check_duplicates(lines: Sequence[_Line], existing: set[tuple[int, str]]) -> None:
    seen: dict[tuple[int, str], int] = {}
    for line in lines:
        if line.data is None:
            continue
        key = (line.data.selection_fiscal_year, line.data.title)
        if key in existing:
            line.problem(
                "提案タイトル", "exists", f"同じ選定年度・タイトルの事業が登録済みです: {key[1]}"
            )
        elif key in seen:
            line.problem("提案タイトル", "duplicate", f"{seen[key]}行目と重複しています: {key[1]}")
        seen.setdefault(key, line.number)


async def import_csv(session: AsyncSession, *, actor: Principal, content: bytes) -> ImportResult:
    """Every row is checked before any is stored; one bad row and nothing is imported."""
    lines = list(_lines(_decode(content)))
    if not lines:
        raise InvalidInput.field("file", "empty", "取り込む行がありません（no data rows）")
    for line in lines:
        await _parse(session, line)
    keys = [(ln.data.selection_fiscal_year, ln.data.title) for ln in lines if ln.data]
    _check_duplicates(lines, await repository.existing_titles(session, keys))
    bad = [line for line in lines if line.problems]
    if bad:
        raise InvalidInput(
            f"{len(bad)}行に誤りがあるため、何も取り込んでいません"
            f"（{len(bad)} bad rows; nothing was imported）",
            errors=[p for line in bad for p in line.problems],
            lines=[line.number for line in bad],
        )
    created = [
        await create_project(session, actor=actor, data=line.data, extensions=line.extensions)
        for line in lines
        if line.data is not None
    ]
    return ImportResult(
        created=len(created),
        items=[
            ImportedProject(
                id=p.id,
                title=p.title,
                selection_fiscal_year=p.selection_fiscal_year,
                selection_fiscal_year_label=fiscal_year_label(p.selection_fiscal_year),
            )
            for p in created
        ],
    )
