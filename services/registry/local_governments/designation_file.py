"""Reading a designation list (CSV): 団体コード, 中核市, 中枢中核都市, 基準日, 出典 (and,
optionally, 団体名 and 政令指定都市, checked against the registry). The layout is the
designation export's, so an exported file edited in a spreadsheet imports as it is.

Every row is checked before anything is applied: one bad row refuses the file (the 422 of
``libs.common.uploads``: the first 100 problems by line, column and rule, and how many in all).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common import uploads
from libs.common.auth import Principal
from libs.common.errors import FieldProblem, InvalidInput
from libs.common.fiscal_year import JapaneseDateError, parse_japanese_date
from libs.common.lg_code import LocalGovernmentCodeError, LocalGovernmentKind, validate_lg_code
from libs.common.uploads import CsvRow, FileProblems
from services.registry.local_governments import repository
from services.registry.local_governments.designations import Designation, apply_designations
from services.registry.local_governments.models import LocalGovernment
from services.registry.local_governments.schemas import DesignationImportOut
from services.registry.local_governments.service import check_flags

# The official lists have about 1,800 rows; a designation file is well under 1 MB.
MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
MAX_SOURCE = 300


class Column(StrEnum):
    CODE = "code"
    NAME = "name"
    DESIGNATED = "is_designated_city"
    CORE = "is_core_city"
    CENTRAL = "is_central_core_city"
    AS_OF = "as_of"
    SOURCE = "source"


# Keys are headers after NFKC, without spaces, casefolded.
_HEADERS: dict[str, Column] = {
    "団体コード": Column.CODE,
    "地方公共団体コード": Column.CODE,
    "コード": Column.CODE,
    "code": Column.CODE,
    "団体名": Column.NAME,
    "市区町村名": Column.NAME,
    "name": Column.NAME,
    "政令指定都市": Column.DESIGNATED,
    "指定都市": Column.DESIGNATED,
    "中核市": Column.CORE,
    "is_core_city": Column.CORE,
    "中枢中核都市": Column.CENTRAL,
    "is_central_core_city": Column.CENTRAL,
    "基準日": Column.AS_OF,
    "as_of": Column.AS_OF,
    "出典": Column.SOURCE,
    "source": Column.SOURCE,
}
REQUIRED = (Column.CODE, Column.CORE, Column.CENTRAL, Column.AS_OF, Column.SOURCE)
_YES = {"○", "◯", "〇", "●", "1", "true", "yes", "y", "はい", "該当", "✓"}
_NO = {"", "×", "✕", "-", "ー", "―", "0", "false", "no", "n", "いいえ", "非該当"}


@dataclass(frozen=True)
class Layout:
    positions: dict[Column, int]
    headers: dict[Column, str]  # as the file writes them


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _layout(header: list[str]) -> Layout:
    positions: dict[Column, int] = {}
    for index, text in enumerate(header):
        column = _HEADERS.get(_key(text))
        if column is not None and column not in positions:
            positions[column] = index
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        raise InvalidInput.field(
            "file.header",
            "missing_column",
            "見出し行に必要な列がありません: 団体コード, 中核市, 中枢中核都市, 基準日, 出典"
            f"（missing columns: {', '.join(missing)}; got {header!r}）",
        )
    return Layout(positions, {c: header[i] for c, i in positions.items()})


@dataclass(frozen=True)
class Defaults:
    """What an empty 基準日 or 出典 cell means: the list the whole file is (query parameters)."""

    as_of: date | None = None
    source: str | None = None


def defaults(as_of: str | None, source: str | None) -> Defaults:
    day = None
    if as_of:
        try:
            day = parse_japanese_date(as_of)
        except JapaneseDateError as exc:
            raise InvalidInput.field("query.as_of", "date", exc.message) from None
    if source is not None and len(source.strip()) > MAX_SOURCE:
        raise InvalidInput.field(
            "query.source", "max_length", f"出典は{MAX_SOURCE}文字以内です（max {MAX_SOURCE}）"
        )
    return Defaults(day, source.strip() if source and source.strip() else None)


class _Row:
    """One data row's cells by column, and its problems as the 422 names them."""

    def __init__(self, layout: Layout, row: CsvRow, given: Defaults) -> None:
        self.layout, self.line, self.cells, self.given = layout, row.line, row.cells, given
        self.problems: list[FieldProblem] = []

    def cell(self, column: Column) -> str | None:
        index = self.layout.positions.get(column)
        if index is None:
            return None
        return self.cells[index].strip() if index < len(self.cells) else ""

    def problem(self, column: Column, rule: str, message: str) -> None:
        header = self.layout.headers[column]
        self.problems.append(
            FieldProblem(
                field=f"line[{self.line}].{header}",
                rule=rule,
                message=f"{self.line}行目 {header}: {message}",
            )
        )

    def flag(self, column: Column) -> bool | None:
        text = self.cell(column)
        if text is None:
            return None
        value = _key(text)
        if value in _YES or value in _NO:
            return value in _YES
        self.problem(
            column, "boolean", f"○ か空欄で指定してください: {text!r}（○/1/true or empty）"
        )
        return None

    def as_of(self) -> date | None:
        text = self.cell(Column.AS_OF) or ""
        if not text and self.given.as_of is not None:
            return self.given.as_of
        if not text:
            self.problem(
                Column.AS_OF,
                "required",
                "基準日が空です。列に書くか as_of で指定してください（as_of is required）",
            )
            return None
        try:
            return parse_japanese_date(text)
        except JapaneseDateError as exc:
            self.problem(Column.AS_OF, "date", exc.message)
            return None

    def source(self) -> str | None:
        # As written (no NFKC): the name of a list is quoted, and an export imports unchanged.
        text = (self.cell(Column.SOURCE) or "").strip() or (self.given.source or "")
        if not text:
            self.problem(
                Column.SOURCE,
                "required",
                "出典が空です。列に書くか source で指定してください（source is required）",
            )
        elif len(text) > MAX_SOURCE:
            self.problem(Column.SOURCE, "max_length", f"出典は{MAX_SOURCE}文字以内です")
        else:
            return text
        return None


def _check_against(row: _Row, stored: LocalGovernment, core: bool, central: bool) -> None:
    """What the file says must fit the registered local government: its name, its kind."""
    name = row.cell(Column.NAME)
    if name and unicodedata.normalize("NFKC", name) != stored.name:
        row.problem(
            Column.NAME,
            "name_mismatch",
            f"コード{stored.code}は{stored.name}です: {name!r}"
            f"（code {stored.code} is {stored.name}）",
        )
    designated = row.flag(Column.DESIGNATED)
    is_designated = stored.kind == LocalGovernmentKind.DESIGNATED_CITY
    if designated is not None and designated != is_designated:
        row.problem(
            Column.DESIGNATED,
            "designated_city",
            f"政令指定都市かどうかはコードで決まります: {stored.name}は"
            f"{'政令指定都市です' if is_designated else '政令指定都市ではありません'}"
            "（follows from the code）",
        )
    for problem in check_flags(stored.kind, core, central):
        row.problem(Column(problem.key), problem.rule, problem.message)


def _designation(row: _Row, registered: dict[str, LocalGovernment]) -> Designation | None:
    text = row.cell(Column.CODE) or ""
    try:
        code = validate_lg_code(text)
    except LocalGovernmentCodeError as err:
        row.problem(Column.CODE, err.rule, err.message)
        code = None
    core, central = row.flag(Column.CORE), row.flag(Column.CENTRAL)
    as_of, source = row.as_of(), row.source()
    stored = registered.get(code) if code else None
    if code and stored is None:
        row.problem(
            Column.CODE,
            "not_registered",
            f"{code} は登録されていません。先に団体コード一覧を取り込んでください"
            "（not registered: import the code list first）",
        )
    if stored is not None and core is not None and central is not None:
        _check_against(row, stored, core, central)
    if row.problems or code is None or as_of is None or source is None:
        return None
    return Designation(code, bool(core), bool(central), as_of, source)


async def read_designations(
    session: AsyncSession, data: bytes, given: Defaults
) -> tuple[list[Designation], FileProblems]:
    """The file's designations, each checked against the registry, and its problems."""
    reader = uploads.read_csv(data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    if reader.header is None:
        raise InvalidInput.field("file", "empty", "ファイルが空です（the file is empty）")
    layout = _layout(reader.header)
    rows = [_Row(layout, row, given) for row in reader]
    if not rows:
        raise InvalidInput.field("file", "empty", "データ行がありません（no data rows）")
    codes = {validate_lg_code(c) for r in rows if (c := r.cell(Column.CODE)) and _valid(c)}
    registered = await repository.get_many(session, codes)
    designations: list[Designation] = []
    problems = FileProblems()
    first_line: dict[str, int] = {}
    for row in rows:
        designation = _designation(row, registered)
        if designation is not None and designation.code in first_line:
            first = first_line[designation.code]
            row.problem(
                Column.CODE,
                "duplicate",
                f"{designation.code} は{first}行目と重複しています（duplicate of line {first}）",
            )
            designation = None
        if row.problems:
            problems.add(row.line, row.problems)
        elif designation is not None:
            first_line[designation.code] = row.line
            designations.append(designation)
    return designations, problems


def _valid(code: str) -> bool:
    try:
        validate_lg_code(code)
    except LocalGovernmentCodeError:
        return False
    return True


async def import_designations(
    session: AsyncSession,
    *,
    data: bytes,
    actor: Principal | str,
    dry_run: bool,
    given: Defaults,
) -> DesignationImportOut:
    """Check the whole file, then apply it (each change audited) or, in a dry run, only say
    what would change."""
    designations, problems = await read_designations(session, data, given)
    if problems:
        raise problems.refuse()
    return await apply_designations(session, designations, actor=actor, dry_run=dry_run)
