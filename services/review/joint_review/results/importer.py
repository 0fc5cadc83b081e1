"""Load a published results table (the seed's layout) as a closed, published round of a fiscal year,
so earlier years count in later rounds' results.

The table names regions in free text (「北海道札幌市」, 「川崎市、箱根町」): the label is stored
with a normalised key, and no local government code is required. Marks must be marks of the
registry's programmes. The whole file is taken, or nothing (every bad line is reported). The file is
read like every import (``libs.common.uploads``): within a byte and a row cap, UTF-8 or Shift_JIS.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.errors import Conflict, FieldProblem, InvalidInput
from libs.common.fiscal_year import fiscal_year_label, now_tokyo
from libs.common.search_text import normalise_search_key
from libs.common.uploads import read_csv
from services.review.joint_review.models import (
    JointImportedRegion,
    JointReviewRound,
    JointRoundProgramme,
)
from services.review.joint_review.registry import Record
from services.review.joint_review.results import repository
from services.review.joint_review.results.export import HEADERS
from services.review.joint_review.results.service import sort_marks
from services.review.joint_review.rounds.service import default_title
from services.review.joint_review.states import JointRoundState
from services.review.registry_client import RegistryClient

Progress = Callable[[int, int], None]
# A fiscal year's table lists some dozens of regions (62 in 令和3年度); the caps only bound a wrong file.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000


@dataclass(frozen=True)
class TableRow:
    item_no: int
    region_label: str
    marks: str
    earlier_marks: str


def _marks(value: str, known: set[str], line: int, column: str) -> tuple[str, list[FieldProblem]]:
    marks = "".join(value.split())
    problems = [
        FieldProblem(
            field=f"line {line}: {column}",
            rule="unknown_mark",
            message=f"凡例にない記号です: {mark!r}（known marks: {''.join(sorted(known))}）",
        )
        for mark in dict.fromkeys(marks)
        if mark not in known
    ]
    return marks, problems


def _row(
    values: list[str], line: int, known: set[str]
) -> tuple[TableRow | None, list[FieldProblem]]:
    problems: list[FieldProblem] = []
    # The cells come as written (a label exported with the writer's apostrophe reads back without).
    cells = values + [""] * (4 - len(values))
    number, label, this_year, earlier = cells[:4]
    if not number.isdigit():
        problems.append(
            FieldProblem(field=f"line {line}: 項番", rule="integer", message="項番は整数です")
        )
    if not label:
        problems.append(
            FieldProblem(
                field=f"line {line}: プロジェクト実施地域",
                rule="required",
                message="地域がありません",
            )
        )
    marks, bad = _marks(this_year, known, line, "選定事業")
    problems += bad
    if not marks:
        problems.append(
            FieldProblem(
                field=f"line {line}: 選定事業", rule="required", message="選定事業がありません"
            )
        )
    earlier_marks, bad = _marks(earlier, known, line, "過年度選定")
    problems += bad
    if problems:
        return None, problems
    return TableRow(int(number), label, marks, earlier_marks), []


def parse_table(content: bytes, known_marks: set[str]) -> list[TableRow]:
    reader = read_csv(content, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    header = reader.header or []
    if header[:4] != HEADERS:
        raise InvalidInput.field(
            "file",
            "header",
            f"見出し行は {','.join(HEADERS)} です（got {','.join(header)}）",
        )
    rows: list[TableRow] = []
    problems: list[FieldProblem] = []
    for csv_row in reader:
        row, bad = _row(csv_row.cells, csv_row.line, known_marks)
        problems += bad
        if row is not None:
            rows.append(row)
    numbers = [r.item_no for r in rows]
    if len(set(numbers)) != len(numbers):
        problems.append(
            FieldProblem(field="項番", rule="duplicate", message="項番が重複しています")
        )
    if problems:
        raise InvalidInput(
            f"{len(problems)}件の誤りがあるため取り込みません（nothing was imported）",
            errors=problems,
        )
    return rows


def _imported_round(
    rows: list[TableRow], programmes: dict[str, Record], fiscal_year: int, actor: str, source: str
) -> JointReviewRound:
    """A published round (stored ``closed`` with ``published_at``) whose legend is the registry
    programmes the table marks."""
    used = sort_marks(m for r in rows for m in r.marks + r.earlier_marks)
    now = now_tokyo()
    return JointReviewRound(
        id=uuid.uuid4(),
        fiscal_year=fiscal_year,
        title=default_title(fiscal_year),
        status=JointRoundState.closed,
        imported=True,
        source=source[:300],
        closed_at=now,
        published_at=now,
        created_by=actor,
        programmes=[
            JointRoundProgramme(
                programme_id=programmes[mark]["id"],
                mark=mark,
                name=programmes[mark]["name"],
                position=position,
            )
            for position, mark in enumerate(used)
        ],
    )


async def import_results(
    session: AsyncSession,
    *,
    registry: RegistryClient,
    content: bytes,
    fiscal_year: int,
    actor: str,
    source: str = "",
    progress: Progress | None = None,
) -> JointReviewRound:
    if await repository.imported_round_of(session, fiscal_year) is not None:
        raise Conflict(
            f"{fiscal_year_label(fiscal_year)}の選定結果は取り込み済みです"
            f"（a table for fiscal year {fiscal_year} was already imported）"
        )
    programmes = {p["mark"]: p for p in await registry.programmes()}
    rows = parse_table(content, set(programmes))
    round_ = _imported_round(rows, programmes, fiscal_year, actor, source)
    await repository.insert_round(session, round_)
    for done, row in enumerate(rows, start=1):
        repository.add_region(
            session,
            JointImportedRegion(
                round_id=round_.id,
                item_no=row.item_no,
                region_label=row.region_label,
                region_key=normalise_search_key(row.region_label),
                marks=row.marks,
                earlier_marks=row.earlier_marks,
            ),
        )
        if progress:
            progress(done, len(rows))
    await repository.flush(session)
    return round_
