"""CSV/XLSX export with Japanese headers and the all-or-nothing CSV import of projects."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.registry.projects.expiry import end_expired_terms
from tests.fixtures.clients import bearer
from tests.registry.projects_support import CHICHIBU_TITLE, create

HEADERS = [
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
]


# Every test here starts from the proposers' local governments and the ☆ programme.
pytestmark = pytest.mark.usefixtures("project_world")


async def all_titles(registry: httpx.AsyncClient, caller: dict[str, str]) -> list[str]:
    response = await registry.get("/v1/projects", params={"limit": 200}, headers=caller)
    return sorted(i["title"] for i in response.json()["items"])


async def upload(registry: httpx.AsyncClient, caller: dict[str, str], text: str) -> httpx.Response:
    return await registry.post(
        "/v1/projects/imports",
        files={"file": ("projects.csv", text.encode("utf-8-sig"), "text/csv")},
        headers=caller,
    )


async def test_csv_export_has_japanese_headers_a_bom_and_the_filters(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    project = (await create(registry, operator, proposers=[
        {"lg_code": "112071", "is_lead": True}, {"lg_code": "220001"}
    ])).json()  # fmt: skip
    await create(registry, operator, title="仙北市の事業", selection_fiscal_year="R1",
                 proposers=[{"lg_code": "052159"}])  # fmt: skip

    response = await registry.get(
        "/v1/projects/export.csv",
        params={"fiscal_year": "R2", "as_of": "2021-08-24"},
        headers=operator,
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        HEADERS,
        [
            project["id"],
            "令和2年度",
            "埼玉県秩父市・静岡県",
            CHICHIBU_TITLE,
            "IoT、自動運転、ドローン",
            "2020-04-01",
            "2023-03-31",
            "支援中",
            "",
            "0",
            "",
        ],
    ]


async def test_xlsx_export_opens_with_the_same_columns(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    await create(registry, operator)

    response = await registry.get("/v1/projects/export.xlsx", headers=bearer(token(Role.partner)))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[1][1:5] == ("令和2年度", "埼玉県秩父市", CHICHIBU_TITLE, "IoT、自動運転、ドローン")
    assert rows[1][6].date().isoformat() == "2023-03-31"


async def test_a_bad_line_imports_nothing_and_is_named(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    text = (
        "選定年度,提案者,提案タイトル,主な活用技術\n"
        "R2,秩父市,良い行,ドローン\n"
        "令和9年度,埼玉県所沢市・不明市,悪い行,テレパシー\n"
        "H30,052159,もう一つの良い行,\n"
    )

    response = await upload(registry, operator, text)

    assert response.status_code == 422
    problem = response.json()
    assert problem["lines"] == [3]
    assert {(e["field"], e["rule"]) for e in problem["errors"]} == {
        ("line[3].提案者", "unknown"),
        ("line[3].主な活用技術", "technology"),
    }
    assert await all_titles(registry, operator) == []


async def test_import_creates_every_row_with_the_lead_first(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    text = (
        "選定年度,提案者,提案タイトル,主な活用技術,支援開始,支援終了\n"
        "令和元年度,静岡県,「VIRTUAL SHIZUOKA」が率先するデータ循環型SMART CITY,,"
        "2019-04-01,2024-03-31\n"
        "R2,埼玉県秩父市、112089,山間地域の事業,IoT、ﾄﾞﾛｰﾝ,,\n"
    )

    response = await upload(registry, operator, text)

    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2
    listed = await registry.get("/v1/projects", headers=operator)
    by_title = {i["title"]: i for i in listed.json()["items"]}
    shizuoka = by_title["「VIRTUAL SHIZUOKA」が率先するデータ循環型SMART CITY"]
    assert (shizuoka["term_end"], shizuoka["extensions"], shizuoka["status"]) == (
        "2024-03-31",
        1,
        "extended",
    )
    chichibu = by_title["山間地域の事業"]
    assert [(p["lg_code"], p["is_lead"]) for p in chichibu["proposers"]] == [
        ("112071", True),
        ("112089", False),
    ]
    assert chichibu["technologies"] == ["IoT", "ドローン"]

    again = await upload(registry, operator, text)
    assert again.status_code == 422
    assert again.json()["lines"] == [2, 3]


async def test_import_refuses_a_term_that_does_not_follow_the_rule(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    text = "選定年度,提案者,提案タイトル,支援終了\nR2,秩父市,事業,2024-03-31\n"

    response = await upload(registry, operator, text)
    by_partner = await upload(registry, bearer(token(Role.partner)), text)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "line[2].支援終了"
    assert response.json()["errors"][0]["rule"] == "derived_term"
    assert by_partner.status_code == 403


async def test_import_takes_a_shift_jis_body(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    text = "選定年度,提案者,提案タイトル\r\n令和3年度,岐阜市,岐阜の事業\r\n"

    response = await registry.post(
        "/v1/projects/imports",
        content=text.encode("cp932"),
        headers={**operator, "Content-Type": "text/csv"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["items"][0]["selection_fiscal_year_label"] == "令和3年度"


async def test_exports_state_the_end_and_the_continuations_and_import_again(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    session: AsyncSession,
) -> None:
    """終了日, 延長回数 and 終了理由, in CSV as in XLSX; an edited export imports again (延長回数
    checked, the end read past)."""
    extended = (await create(registry, operator, title="延長", selection_fiscal_year="R1")).json()
    early = (await create(registry, operator, title="早期終了", selection_fiscal_year="R2")).json()
    await create(registry, operator, title="満了", selection_fiscal_year="H30")
    extend = f"/v1/projects/{extended['id']}/term-extensions"
    approval = {"decision_id": "x", "decided_on": "2021-09-01"}
    assert (await registry.post(extend, json=approval, headers=service_caller)).is_success
    end = {"decision_id": "e", "reason": "辞退", "effective_on": "2021-09-30"}
    ending = f"/v1/projects/{early['id']}/term-end"
    assert (await registry.post(ending, json=end, headers=service_caller)).is_success
    await end_expired_terms(session, today=date(2021, 10, 1))

    exported = await registry.get(
        "/v1/projects/export.csv", params={"as_of": "2021-10-01"}, headers=operator
    )
    workbook = await registry.get("/v1/projects/export.xlsx", headers=operator)

    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {row[3]: row[6:] for row in rows[1:]} == {
        "延長": ["2024-03-31", "支援延長", "", "1", ""],
        "早期終了": ["2021-09-30", "支援終了", "2021-09-30", "0", "辞退"],
        "満了": ["2021-03-31", "支援終了", "2021-03-31", "0", "支援期間満了"],
    }
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    cells = {row[3]: row[8:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells["延長"][1] == 1  # a number, not text
    assert (cells["満了"][0].date(), cells["満了"][2]) == (date(2021, 3, 31), "支援期間満了")

    edited = [rows[0], *([*row[:3], f"{row[3]}（再）", *row[4:]] for row in rows[1:])]
    text = io.StringIO()
    csv.writer(text).writerows(edited)  # the test plays a spreadsheet program
    imported = await upload(registry, operator, text.getvalue())

    assert imported.status_code == 201, imported.text
    listed = await registry.get("/v1/projects", params={"limit": 200}, headers=operator)
    again = {i["title"]: i for i in listed.json()["items"] if i["title"].endswith("（再）")}
    assert {t: (i["extensions"], i["term_end"], i["ended_on"]) for t, i in again.items()} == {
        "延長（再）": (1, "2024-03-31", None),
        "早期終了（再）": (0, "2023-03-31", None),  # the end is not imported
        "満了（再）": (0, "2021-03-31", None),
    }


async def test_import_checks_the_continuations_against_the_term(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    text = (
        "選定年度,提案者,提案タイトル,支援終了,延長回数,終了日,終了理由\n"
        "R1,秩父市,合う行,2024-03-31,1,,\n"
        "R1,秩父市,終了した行,2021-09-30,1,2021-09-30,辞退\n"
        "R1,秩父市,合わない行,2022-03-31,1,,\n"
        "R1,秩父市,数でない行,,一,,\n"
    )

    response = await upload(registry, operator, text)

    assert response.status_code == 422
    assert response.json()["lines"] == [4, 5]
    assert {(e["field"], e["rule"]) for e in response.json()["errors"]} == {
        ("line[4].延長回数", "derived_term"),
        ("line[5].延長回数", "integer"),
    }
