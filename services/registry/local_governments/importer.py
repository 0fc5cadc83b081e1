"""Importing the official code list: every row is checked before anything is stored.

One bad row refuses the whole file (a 422 listing the first bad rows by line, column and rule, and
how many there were), so a file is never half imported; a good file is upserted by code in the
caller's one transaction.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.errors import FieldProblem
from libs.common.uploads import FileProblems
from services.registry.local_governments.csv_file import Column, CsvRow, CsvTable, read_table
from services.registry.local_governments.schemas import ImportResultOut
from services.registry.local_governments.service import (
    Entry,
    EntryProblem,
    Progress,
    check_entry,
    upsert_entries,
)


def _row_problems(table: CsvTable, row: CsvRow) -> tuple[Entry | None, list[FieldProblem]]:
    headers = table.headers
    if row.is_prefecture_row:
        # The prefecture's own row names it in 都道府県名 and spells it in 都道府県名（カナ）.
        name, name_column = row.prefecture, Column.PREFECTURE
        use_prefecture_kana = row.prefecture_kana is not None
        kana = row.prefecture_kana if use_prefecture_kana else row.kana
        kana_column = Column.PREFECTURE_KANA if use_prefecture_kana else Column.KANA
    else:
        name, name_column = row.municipality, Column.MUNICIPALITY
        kana, kana_column = row.kana, Column.KANA
    entry, problems = check_entry(row.code, name, kana, prefecture=row.prefecture)
    if entry is not None and entry.kind == "prefecture" and not row.is_prefecture_row:
        problems.append(
            EntryProblem(
                "municipality",
                "prefecture_row",
                "都道府県のコードの行は市区町村名を空にします"
                "（a prefecture code's row leaves 市区町村名 empty）",
            )
        )
    if entry is not None and entry.kind != "prefecture" and row.is_prefecture_row:
        problems.append(
            EntryProblem("municipality", "required", "市区町村名が空です（市区町村名 is required）")
        )
    columns = {
        "code": Column.CODE,
        "prefecture": Column.PREFECTURE,
        "municipality": Column.MUNICIPALITY,
        "name": name_column,
        "kana": kana_column,
    }
    found: dict[tuple[str, str], FieldProblem] = {}
    for problem in problems:
        header = headers[columns[problem.key]]
        found.setdefault(
            (header, problem.rule),
            FieldProblem(
                field=f"line[{row.line}].{header}",
                rule=problem.rule,
                message=f"{row.line}行目 {header}: {problem.message}",
            ),
        )
    return (entry if not found else None), list(found.values())


def check_table(table: CsvTable) -> tuple[list[Entry], FileProblems]:
    """The entries of a whole file, and its problems (bounded: ``libs.common.uploads``)."""
    entries: list[Entry] = []
    problems = FileProblems()
    first_line_of: dict[str, int] = {}
    for row in table.rows:
        entry, row_problems = _row_problems(table, row)
        if entry is not None and entry.code in first_line_of:
            header = table.headers[Column.CODE]
            first = first_line_of[entry.code]
            row_problems.append(
                FieldProblem(
                    field=f"line[{row.line}].{header}",
                    rule="duplicate",
                    message=f"{row.line}行目 {header}: {entry.code} は{first}行目と重複しています"
                    f"（duplicate of line {first}）",
                )
            )
        if row_problems:
            problems.add(row.line, row_problems)
        elif entry is not None:
            first_line_of[entry.code] = row.line
            if not problems:  # a file that will be refused keeps no entries
                entries.append(entry)
    return entries, problems


async def import_csv(
    session: AsyncSession,
    *,
    data: bytes,
    actor: Principal | str,
    progress: Progress | None = None,
) -> ImportResultOut:
    entries, problems = check_table(read_table(data))
    if problems:
        raise problems.refuse()
    return await upsert_entries(session, entries, actor=actor, progress=progress)
