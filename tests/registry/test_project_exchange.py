"""CSV/XLSX export with Japanese headers and the all-or-nothing CSV import of projects."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from tests.registry.projects_support import CHICHIBU_TITLE, bearer, create, prepare

HEADERS = [
    "事業ID",
    "選定年度",
    "提案者",
    "提案タイトル",
    "主な活用技術",
    "支援開始",
    "支援終了",
    "状態",
]


@pytest.fixture
async def client(
    api: Callable[[str], httpx.AsyncClient], session: AsyncSession
) -> httpx.AsyncClient:
    await prepare(session)
    return api("registry")


@pytest.fixture
def operator(token: Callable[..., str]) -> str:
    return token(Role.operator)


async def all_titles(client: httpx.AsyncClient, token: str) -> list[str]:
    response = await client.get("/v1/projects", params={"limit": 200}, headers=bearer(token))
    return sorted(i["title"] for i in response.json()["items"])


async def upload(client: httpx.AsyncClient, token: str, text: str) -> httpx.Response:
    return await client.post(
        "/v1/projects/imports",
        files={"file": ("projects.csv", text.encode("utf-8-sig"), "text/csv")},
        headers=bearer(token),
    )


async def test_csv_export_has_japanese_headers_a_bom_and_the_filters(
    client: httpx.AsyncClient, operator: str
) -> None:
    project = (await create(client, operator, proposers=[
        {"lg_code": "112071", "is_lead": True}, {"lg_code": "220001"}
    ])).json()  # fmt: skip
    await create(client, operator, title="仙北市の事業", selection_fiscal_year="R1",
                 proposers=[{"lg_code": "052159"}])  # fmt: skip

    response = await client.get(
        "/v1/projects/export.csv", params={"fiscal_year": "R2"}, headers=bearer(operator)
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
        ],
    ]


async def test_xlsx_export_opens_with_the_same_columns(
    client: httpx.AsyncClient, operator: str, token: Callable[..., str]
) -> None:
    await create(client, operator)

    response = await client.get("/v1/projects/export.xlsx", headers=bearer(token(Role.partner)))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[1][1:5] == ("令和2年度", "埼玉県秩父市", CHICHIBU_TITLE, "IoT、自動運転、ドローン")
    assert rows[1][6].date().isoformat() == "2023-03-31"


async def test_a_bad_line_imports_nothing_and_is_named(
    client: httpx.AsyncClient, operator: str
) -> None:
    text = (
        "選定年度,提案者,提案タイトル,主な活用技術\n"
        "R2,秩父市,良い行,ドローン\n"
        "令和9年度,埼玉県所沢市・不明市,悪い行,テレパシー\n"
        "H30,052159,もう一つの良い行,\n"
    )

    response = await upload(client, operator, text)

    assert response.status_code == 422
    problem = response.json()
    assert problem["lines"] == [3]
    assert {(e["field"], e["rule"]) for e in problem["errors"]} == {
        ("line[3].提案者", "unknown"),
        ("line[3].主な活用技術", "technology"),
    }
    assert await all_titles(client, operator) == []


async def test_import_creates_every_row_with_the_lead_first(
    client: httpx.AsyncClient, operator: str
) -> None:
    text = (
        "選定年度,提案者,提案タイトル,主な活用技術,支援開始,支援終了\n"
        "令和元年度,静岡県,「VIRTUAL SHIZUOKA」が率先するデータ循環型SMART CITY,,2019-04-01,2024-03-31\n"
        "R2,埼玉県秩父市、112089,山間地域の事業,IoT、ﾄﾞﾛｰﾝ,,\n"
    )

    response = await upload(client, operator, text)

    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2
    listed = await client.get("/v1/projects", headers=bearer(operator))
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

    again = await upload(client, operator, text)
    assert again.status_code == 422
    assert again.json()["lines"] == [2, 3]


async def test_import_refuses_a_term_that_does_not_follow_the_rule(
    client: httpx.AsyncClient, operator: str, token: Callable[..., str]
) -> None:
    text = "選定年度,提案者,提案タイトル,支援終了\nR2,秩父市,事業,2024-03-31\n"

    response = await upload(client, operator, text)
    by_partner = await upload(client, token(Role.partner), text)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "line[2].支援終了"
    assert response.json()["errors"][0]["rule"] == "derived_term"
    assert by_partner.status_code == 403


async def test_import_takes_a_shift_jis_body(client: httpx.AsyncClient, operator: str) -> None:
    text = "選定年度,提案者,提案タイトル\r\n令和3年度,岐阜市,岐阜の事業\r\n"

    response = await client.post(
        "/v1/projects/imports",
        content=text.encode("cp932"),
        headers={**bearer(operator), "Content-Type": "text/csv"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["items"][0]["selection_fiscal_year_label"] == "令和3年度"
