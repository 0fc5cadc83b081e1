"""Importing a published results table: a region listed twice, a file of another fiscal year (its
heading, its headline figures, marks of programmes that had not started), a fiscal year still to
come — each a 422 naming the line, the field and the rule, all at once; and the results workbook,
saved as CSV by a spreadsheet program, imports back as the table it shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from libs.common.errors import InvalidInput
from services.review.joint_review.results.importer import MAX_BYTES, MAX_ROWS, import_results
from services.review.joint_review.results.table import parse_table
from services.review.registry_client import RegistryClient
from tests.review.joint.conftest import FY2021_TABLE

HEADER = "項番,プロジェクト実施地域,選定事業,過年度選定\n"


@pytest.fixture
async def programmes(
    review_registry_client: RegistryClient, registry: httpx.AsyncClient
) -> list[dict[str, Any]]:
    return await review_registry_client.programmes()


async def _refused(
    session: AsyncSession,
    programmes: list[dict[str, Any]],
    text: str,
    fiscal_year: int,
    today: date | None = None,
) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        await import_results(
            session,
            programmes=programmes,
            content=text.encode(),
            fiscal_year=fiscal_year,
            actor="test",
            today=today,
        )
    assert caught.value.status == 422
    return [(p.field, p.rule) for p in caught.value.errors or []]


async def test_a_region_listed_twice_is_refused_naming_both_lines(
    session: AsyncSession, programmes: list[dict[str, Any]]
) -> None:
    text = HEADER + "1,北海道札幌市,■,\n2,北海道旭川市,☆,\n3,北海道　札幌市,○,\n3,宮崎県,●,\n"
    problems = await _refused(session, programmes, text, 2021)
    assert problems == [
        ("line 4: プロジェクト実施地域", "duplicate_region"),  # the space is no difference
        ("line 5: 項番", "duplicate"),
    ]


async def test_a_file_of_another_fiscal_year_is_refused_with_every_reason_at_once(
    session: AsyncSession, programmes: list[dict[str, Any]]
) -> None:
    # The seed page's own heading and the workbook's headline figures, above the header.
    text = (
        "(参考) 令和2年度のスマートシティ関連事業の選定結果\n"
        "選定地域数,3,うち事業間連携,1\n" + HEADER + "1,北海道札幌市,■,□●\n2,北海道旭川市,☆,\n"
    )
    problems = await _refused(session, programmes, text, 2021)
    assert problems == [
        ("line 1: 年度", "fiscal_year_mismatch"),
        ("line 2: 選定地域数", "count_mismatch"),  # 2 rows; うち事業間連携 1 is right
    ]


async def test_marks_of_programmes_not_yet_selecting_that_year_are_refused(
    session: AsyncSession, programmes: list[dict[str, Any]]
) -> None:
    # FY2018: ■ ○ ● selected from FY2019 (the registry's 過去の選定数), ☆ from FY2018 itself.
    text = HEADER + "1,北海道札幌市,■,○\n2,北海道旭川市,☆,☆\n3,長崎県,□,□\n"
    problems = await _refused(session, programmes, text, 2018)
    assert problems == [
        ("line 2: 選定事業", "mark_not_in_fiscal_year"),
        ("line 2: 過年度選定", "mark_not_in_earlier_years"),
        ("line 3: 過年度選定", "mark_not_in_earlier_years"),
    ]  # □ selected in FY2017 already: an earlier □ in FY2018 is right


async def test_a_fiscal_year_still_to_come_is_refused(
    session: AsyncSession, programmes: list[dict[str, Any]]
) -> None:
    text = HEADER + "1,北海道札幌市,■,\n"
    problems = await _refused(session, programmes, text, 2022, today=date(2022, 3, 31))
    assert problems == [("fiscal_year", "fiscal_year_future")]


async def test_the_results_workbook_saved_as_csv_reads_back_as_its_table(
    session: AsyncSession,
    programmes: list[dict[str, Any]],
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
) -> None:
    round_ = await import_results(
        session,
        programmes=programmes,
        content=FY2021_TABLE.read_bytes(),
        fiscal_year=2021,
        actor="test",
    )
    await session.commit()
    xlsx = await review.get(
        f"/v1/joint-review-rounds/{round_.id}/results.xlsx", headers=auth(Role.partner)
    )
    sheet = load_workbook(io.BytesIO(xlsx.content))["選定結果"]
    saved = io.StringIO()  # the test plays a spreadsheet program's "save as CSV"
    csv.writer(saved).writerows(
        ["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)
    )
    content = saved.getvalue().encode("utf-8")
    by_mark = {p["mark"]: p for p in programmes}
    rows = parse_table(content, by_mark, 2021, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    table = list(csv.reader(io.StringIO(FY2021_TABLE.read_text(encoding="utf-8"))))[1:]
    assert [[str(r.item_no), r.region_label, r.marks, r.earlier_marks] for r in rows] == table
    with pytest.raises(InvalidInput) as caught:
        parse_table(content, by_mark, 2020, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    problems = [(p.field, p.rule) for p in caught.value.errors or []]
    assert ("line 1: 年度", "fiscal_year_mismatch") in problems
