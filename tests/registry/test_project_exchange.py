"""CSV/XLSX export with Japanese headers and the all-or-nothing CSV import of projects."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import httpx
import pytest
from openpyxl import load_workbook

from libs.common.auth import Role
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
        "/v1/projects/export.csv", params={"fiscal_year": "R2"}, headers=operator
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
        "令和元年度,静岡県,「VIRTUAL SHIZUOKA」が率先するデータ循環型SMART CITY,,2019-04-01,2024-03-31\n"
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
