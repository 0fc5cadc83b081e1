"""CSV and XLSX export of projects (Japanese headers) and the all-or-nothing CSV import."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import InvalidInput
from libs.common.fiscal_year import (
    FiscalYearError,
    JapaneseDateError,
    fiscal_year_label,
    parse_fiscal_year,
    parse_japanese_date,
    support_term_end,
    support_term_start,
    today_tokyo,
)
from libs.common.lg_code import PREFECTURES, LocalGovernmentCodeError, validate_lg_code
from libs.common.spreadsheet import XLSX_MEDIA_TYPE, Table, to_csv, to_xlsx
from libs.common.uploads import FileProblems, read_csv
from services.registry.local_governments.models import LocalGovernment
from services.registry.projects import repository
from services.registry.projects.models import Project
from services.registry.projects.schemas import (
    MAX_LIST_ITEMS,
    ImportedProject,
    ImportResult,
    ProjectCreate,
    ProposerIn,
    parse_technology,
)
from services.registry.projects.service import create_project, display_name, status_as_of
from services.registry.projects.states import STATUS_AS_OF_LABELS

HEADERS = (
    "事業ID",
    "選定年度",
    "提案者",
    "提案タイトル",
    "主な活用技術",
    "支援開始",
    "支援終了",
    "状態",
    "終了日",
    "延長回数",
    "終了理由",
)
IMPORT_REQUIRED = ("選定年度", "提案者", "提案タイトル")
IMPORT_OPTIONAL = ("主な活用技術", "支援開始", "支援終了", "延長回数")
# Present in an edited export: read past, never imported. An import registers projects; an end
# comes only from the review's decision or the term sweep (which ends an imported project whose
# term is over, 支援期間満了), so 終了日 and 終了理由 are not taken from a file.
EXPORT_ONLY = ("事業ID", "状態", "終了日", "終了理由")
MAX_EXTENSIONS = 10
# Caps of an import (docs/registry.md): the scheme has dozens of projects, so a file of a thousand
# rows is already far past any real one.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 1000
MAX_TITLE = 300  # ProjectCreate.title
LOOKUP_CHUNK = 5000  # names or codes per query (PostgreSQL takes at most 32,767 parameters)
XLSX = XLSX_MEDIA_TYPE
_LIST_SEPARATORS = re.compile(r"[・、]")


def _row(project: Project, day: date) -> list[str | int | date | None]:
    """状態 is the status on ``day`` (the list's ``status_as_of``, the filter's rule)."""
    return [
        str(project.id),
        fiscal_year_label(project.selection_fiscal_year),
        "・".join(display_name(p.local_government) for p in project.proposers),
        project.title,
        "、".join(project.technologies),
        project.term_start,
        project.term_end,
        STATUS_AS_OF_LABELS[status_as_of(project, day)],
        project.ended_on,
        project.extensions,
        project.end_reason or "",
    ]


def _table(projects: Sequence[Project], day: date) -> Table:
    return Table(
        title="事業一覧",
        headers=HEADERS,
        rows=(_row(project, day) for project in projects),
        widths=(38, 12, 30, 60, 24, 12, 12, 10, 12, 8, 30),
    )


def export_csv(projects: Sequence[Project], day: date | None = None) -> bytes:
    return to_csv(_table(projects, day or today_tokyo()))


async def export_filtered(
    session: AsyncSession, *, filters: repository.ProjectFilters, xlsx: bool
) -> bytes:
    """The projects the list would show for ``filters``, as one CSV or XLSX file."""
    projects = await repository.list_projects(session, filters)
    day = filters.as_of or today_tokyo()
    return export_xlsx(projects, day) if xlsx else export_csv(projects, day)


def export_xlsx(projects: Sequence[Project], day: date | None = None) -> bytes:
    return to_xlsx(_table(projects, day or today_tokyo()))


@dataclass
class _Line:
    number: int
    values: dict[str, str]
    problems: FileProblems  # the file's, shared by its lines
    bad: bool = False
    tokens: list[str] = field(default_factory=list)  # 提案者, split
    data: ProjectCreate | None = None
    extensions: int = 0

    def problem(self, column: str, rule: str, message: str) -> None:
        # Same shape as the local-government import: line[N].<column>, "N行目 <column>: …".
        self.bad = True
        self.problems.report(
            self.number,
            f"line[{self.number}].{column}",
            rule,
            f"{self.number}行目 {column}: {message}",
        )


def _lines(content: bytes, problems: FileProblems) -> list[_Line]:
    """Every data row, read within the byte and row caps (a refused file is refused here)."""
    reader = read_csv(content, max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS)
    header = reader.header or []
    missing = [h for h in IMPORT_REQUIRED if h not in header]
    unknown = [h for h in header if h not in (*IMPORT_REQUIRED, *IMPORT_OPTIONAL, *EXPORT_ONLY)]
    if missing or unknown:
        raise InvalidInput.field(
            "file.header",
            "missing_column" if missing else "unknown_column",
            f"見出し行が不正です（missing: {'、'.join(missing) or '-'}; "
            f"unknown: {'、'.join(unknown) or '-'}）",
        )
    padding = [""] * len(header)
    return [
        _Line(row.line, dict(zip(header, [*row.cells, *padding], strict=False)), problems)
        for row in reader
    ]


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


def _tokens(line: _Line, column: str) -> list[str]:
    """The column's list, split on ・ and 、; a list longer than any project has is a problem
    (and is not looked at further, so a huge cell costs nothing more)."""
    normalised = unicodedata.normalize("NFKC", line.values.get(column, ""))
    tokens = [t.strip() for t in _LIST_SEPARATORS.split(normalised) if t.strip()]
    if len(tokens) > MAX_LIST_ITEMS:
        line.problem(column, "too_many", f"{MAX_LIST_ITEMS}件までです（{len(tokens)} given）")
        return []
    return tokens


def _chunks(values: set[str]) -> Iterator[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        yield ordered[start : start + LOOKUP_CHUNK]


async def _proposer_lookup(
    session: AsyncSession, lines: Sequence[_Line]
) -> tuple[_Proposers, set[str]]:
    """Every local government the file's 提案者 may name, and the registered codes among those it
    gives as codes: a few queries for the whole file, not two per line."""
    names: set[str] = set()
    codes: set[str] = set()
    for line in lines:
        line.tokens = _tokens(line, "提案者")
        if not line.tokens and not line.bad:
            line.problem("提案者", "required", "提案者がありません（at least one proposer）")
        for token in line.tokens:
            (codes if token.isdigit() else names).add(_Proposers.split(token)[1])
    candidates = [
        lg
        for chunk in _chunks(names)
        for lg in await repository.local_governments_named(session, chunk)
    ]
    known = {lg.code for lg in candidates}
    for chunk in _chunks(codes):
        known.update(await repository.local_governments(session, chunk))
    return _Proposers(candidates), known


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


def _codes(line: _Line, proposers: _Proposers, known: set[str]) -> list[str]:
    """Proposer codes in file order (the first is the lead)."""
    codes: list[str] = []
    for token in line.tokens:
        try:
            code = _code_of(token, proposers)
        except ValueError as exc:
            line.problem("提案者", *exc.args)
            continue
        if code in codes:
            line.problem("提案者", "duplicate", f"提案者が重複しています: {token}")
        codes.append(code)
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


def _extension_count(line: _Line) -> int | None:
    """延長回数 as given (an integer 0–MAX_EXTENSIONS), or ``None`` when the cell is empty."""
    text = unicodedata.normalize("NFKC", line.values.get("延長回数", "")).strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_EXTENSIONS:
        line.problem("延長回数", "integer", f"0〜{MAX_EXTENSIONS}の整数です: {text}")
        return None
    return int(text)


def _extensions(line: _Line, fy: int) -> int:
    """Continuations of the row: 延長回数 when given, else those a given 支援終了 implies; 0 when
    both are empty. Given both, 支援終了 must be the term they derive, or the row's 終了日 (an
    ended project's last day: its end is not imported), so an edited export round-trips."""
    start = _date_column(line, "支援開始")
    if start is not None and start != support_term_start(fy):
        line.problem("支援開始", "derived_term", f"支援開始は{support_term_start(fy)}です: {start}")
    end = _date_column(line, "支援終了")
    count = _extension_count(line)
    if count is not None:
        derived = support_term_end(fy, count)
        if end not in (None, derived) and _date_column(line, "終了日") != end:
            line.problem(
                "延長回数",
                "derived_term",
                f"延長{count}回の支援終了は{derived}です（支援終了: {end}）",
            )
        return count
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


def _title(line: _Line) -> str:
    title = line.values["提案タイトル"]
    if not title:
        line.problem("提案タイトル", "required", "提案タイトルがありません")
    elif len(title) > MAX_TITLE:
        line.problem("提案タイトル", "max_length", f"提案タイトルは{MAX_TITLE}文字までです")
    return title


def _parse(line: _Line, proposers: _Proposers, known: set[str]) -> None:
    """Fill ``line.data``/``line.extensions``, or report the line's problems."""
    title = _title(line)
    fy: int | None = None
    try:
        fy = parse_fiscal_year(line.values["選定年度"])
    except FiscalYearError as exc:
        line.problem("選定年度", "fiscal_year", exc.message)
    technologies = []
    for token in _tokens(line, "主な活用技術"):
        try:
            technologies.append(parse_technology(token))
        except ValueError as exc:
            line.problem("主な活用技術", "technology", str(exc))
    codes = _codes(line, proposers, known)
    if fy is not None:
        line.extensions = _extensions(line, fy)
    if line.bad or fy is None:
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
    """Every row is checked before any is stored; one bad row and nothing is imported. The file
    is read within its caps and checked with a few queries in all; a refused file builds no
    project and answers with the first problems and their count (``libs.common.uploads``)."""
    problems = FileProblems()
    lines = _lines(content, problems)
    if not lines:
        raise InvalidInput.field("file", "empty", "取り込む行がありません（no data rows）")
    proposers, known = await _proposer_lookup(session, lines)
    for line in lines:
        _parse(line, proposers, known)
    keys = [(ln.data.selection_fiscal_year, ln.data.title) for ln in lines if ln.data]
    _check_duplicates(lines, await repository.existing_titles(session, keys))
    if problems:
        raise problems.refuse()
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
