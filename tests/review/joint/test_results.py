"""Results: the FY2021 table reproduced (62 regions, 42 collaborating), exports in the published
layout, earlier years from imported tables and the registry, and the embargo."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from libs.common.fiscal_year import TOKYO
from services.review.joint_review.results.importer import import_results
from services.review.registry_client import RegistryClient
from tests.review.joint.conftest import (
    ASAHIKAWA,
    EARLY_CLOSE,
    FY2021_TABLE,
    MURORAN,
    OBIHIRO,
    SAPPORO,
    application_body,
)

CHICHIBU = "112071"  # 秩父市: a ☆ project of FY2020 in the registry's seed, not in the FY2021 table


def _table() -> list[list[str]]:
    with FY2021_TABLE.open(encoding="utf-8") as handle:
        return list(csv.reader(handle))


async def test_the_fy2021_table_gives_62_regions_and_42_collaborating(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]], fy2021: str
) -> None:
    response = await review.get(f"/v1/joint-review-rounds/{fy2021}/results", headers=auth())
    assert response.status_code == 200, response.text
    results = response.json()
    assert (results["fiscal_year"], results["fiscal_year_label"]) == (2021, "令和3年度")
    assert results["totals"]["regions_selected"] == 62
    assert results["totals"]["collaborating"] == 42
    rows = _table()[1:]
    expected = {m: sum(1 for r in rows if m in r[2]) for m in "☆□○●■"}
    assert expected == {"☆": 9, "□": 9, "○": 14, "●": 12, "■": 30}  # ☆ R3:9事業 as published
    assert {p["mark"]: p["selected"] for p in results["totals"]["by_programme"]} == expected
    assert [e["mark"] for e in results["legend"]] == list("☆□○●■")
    by_no = {r["item_no"]: r for r in results["regions"]}
    assert by_no[1]["region_label"] == "北海道札幌市" and by_no[1]["collaborating"] is True
    assert by_no[2]["collaborating"] is False  # 旭川市: ☆ only, nothing earlier
    assert by_no[43]["marks"] == "□■" and by_no[43]["collaborating"] is True
    round_ = (await review.get(f"/v1/joint-review-rounds/{fy2021}", headers=auth())).json()
    assert (round_["status"], round_["imported"], round_["published"]) == ("closed", True, True)
    # The round's own counts are its results' (they were 0 before: counted from selections only).
    for caller in (auth(), auth(Role.partner)):
        shown = (await review.get(f"/v1/joint-review-rounds/{fy2021}", headers=caller)).json()
        assert {p["mark"]: p["selected"] for p in shown["programmes"]} == expected
        assert {p["selected_amount_yen"] for p in shown["programmes"]} == {None}  # none stated


async def test_exports_reproduce_every_row_of_the_table(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]], fy2021: str
) -> None:
    table = _table()
    partner = auth(Role.partner)  # an imported table is published
    csv_response = await review.get(
        f"/v1/joint-review-rounds/{fy2021}/results.csv", headers=partner
    )
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    exported = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert exported == table

    xlsx = await review.get(f"/v1/joint-review-rounds/{fy2021}/results.xlsx", headers=partner)
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.content))
    sheet = workbook["選定結果"]
    cells = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    header = cells.index([*table[0], "連携"])  # below the title row and the headline figures
    assert [row[:4] for row in cells[header:]] == table
    legend = [row[0] for row in workbook["凡例"].iter_rows(min_row=4, values_only=True)]
    assert legend == list("☆□○●■")


async def test_an_imported_fiscal_year_cannot_be_imported_twice(
    session: AsyncSession, review_registry_client: RegistryClient, fy2021: str
) -> None:
    from libs.common.errors import Conflict, InvalidInput

    programmes = await review_registry_client.programmes()
    with pytest.raises(Conflict):
        await import_results(
            session,
            programmes=programmes,
            content=FY2021_TABLE.read_bytes(),
            fiscal_year=2021,
            actor="test",
        )
    bad = "項番,プロジェクト実施地域,選定事業,過年度選定\n1,北海道札幌市,★,\nx,,■,\n".encode()
    with pytest.raises(InvalidInput) as caught:
        await import_results(
            session, programmes=programmes, content=bad, fiscal_year=2020, actor="test"
        )
    rules = sorted(p.rule for p in caught.value.errors or [])
    assert rules == ["integer", "required", "unknown_mark"]


async def _select(
    review: httpx.AsyncClient, headers: dict[str, str], round_id: str, app_id: str, *marks: str
) -> None:
    for mark in marks:
        response = await review.post(
            f"/v1/joint-review-rounds/{round_id}/selections",
            json={"programme": mark, "application_id": app_id},
            headers=headers,
        )
        assert response.status_code == 201, response.text


async def _applied(apply: Callable[..., Any], round_id: str, lead: str, label: str) -> str:
    body = application_body(lead, programmes=["☆", "○", "■"], amounts=[10_000_000])
    body["region"]["label"] = label
    response = await apply(round_id, body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_live_round_counts_earlier_years_from_tables_rounds_and_the_registry(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
    fy2021: str,
) -> None:
    round_id = (await open_round())["id"]
    sapporo = await _applied(apply, round_id, SAPPORO, "北海道札幌市")
    muroran = await _applied(apply, round_id, MURORAN, "室蘭市スマートシティ")
    obihiro = await _applied(apply, round_id, OBIHIRO, "十勝・帯広地域")
    asahikawa = await _applied(apply, round_id, ASAHIKAWA, "旭川市")
    chichibu_body = application_body(CHICHIBU, programmes=["○"], amounts=[10_000_000])
    chichibu = (await apply(round_id, chichibu_body)).json()["id"]
    operator = auth()
    await _select(review, operator, round_id, sapporo, "■")
    await _select(review, operator, round_id, muroran, "○")
    await _select(review, operator, round_id, obihiro, "○", "☆")
    await _select(review, operator, round_id, chichibu, "○")
    results = (
        await review.get(f"/v1/joint-review-rounds/{round_id}/results", headers=operator)
    ).json()
    regions = {r["application_id"]: r for r in results["regions"]}
    assert asahikawa not in regions  # applied, not selected
    # 北海道札幌市: the FY2021 table's ■ this year and □● before it.
    assert (regions[sapporo]["marks"], regions[sapporo]["earlier_marks"]) == ("■", "□●■")
    # 室蘭市 matched by prefecture + name (北海道室蘭市, ○ in FY2021).
    assert regions[muroran]["earlier_marks"] == "○"
    assert {"mark": "○", "fiscal_year": 2021, "source": "round"} in regions[muroran]["earlier"]
    # 帯広: the label matches no table row, but the lead 北海道帯広市 does (○, earlier ●).
    assert (regions[obihiro]["marks"], regions[obihiro]["earlier_marks"]) == ("☆○", "○●")
    # 秩父市: a ☆ project selected in FY2020, known only to the registry.
    assert regions[chichibu]["earlier"] == [
        {"mark": "☆", "fiscal_year": 2020, "source": "registry"}
    ]
    assert all(r["collaborating"] for r in regions.values())
    assert results["totals"] == {
        "regions_selected": 4,
        "collaborating": 4,
        "by_programme": [
            {"programme_id": pid, "mark": mark, "name": name, "selected": n}
            for pid, mark, name, n in (
                ("mirai-gijutsu", "☆", "未来技術社会実装事業", 1),
                ("soumu-smart-city", "□", "地域課題解決のためのスマートシティ推進事業", 0),
                ("meti-maas", "○", "地域新MaaS創出推進事業", 3),
                ("mlit-japan-maas", "●", "日本版MaaS推進・支援事業", 0),
                ("mlit-smart-city-model", "■", "スマートシティモデルプロジェクト", 1),
            )
        ],
    }
    csv_text = (
        await review.get(f"/v1/joint-review-rounds/{round_id}/results.csv", headers=operator)
    ).content.decode("utf-8-sig")
    assert "1,北海道札幌市,■,□●■" in csv_text.splitlines()


async def test_a_region_with_one_programme_and_no_earlier_year_does_not_collaborate(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
) -> None:
    round_id = (await open_round())["id"]
    single = await _applied(apply, round_id, MURORAN, "室蘭市")
    double = await _applied(apply, round_id, OBIHIRO, "帯広市")
    await _select(review, auth(), round_id, single, "○")
    await _select(review, auth(), round_id, double, "○", "■")
    results = (
        await review.get(f"/v1/joint-review-rounds/{round_id}/results", headers=auth())
    ).json()
    flags = {r["application_id"]: r["collaborating"] for r in results["regions"]}
    assert flags == {single: False, double: True}
    assert results["totals"]["collaborating"] == 1


async def test_results_are_invisible_to_partners_before_the_announcement(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
    clock: Any,
) -> None:
    round_id = (await open_round())["id"]  # announcement 2022-03-31
    app_id = await _applied(apply, round_id, MURORAN, "室蘭市")
    await _select(review, auth(), round_id, app_id, "○")
    base = f"/v1/joint-review-rounds/{round_id}"
    partner = auth(Role.partner)
    for suffix in ("/results", "/results.csv", "/results.xlsx"):
        hidden = await review.get(base + suffix, headers=partner)
        assert hidden.status_code == 404, suffix
        assert hidden.headers["content-type"] == "application/problem+json"
    assert (await review.get(base + "/results", headers=auth())).status_code == 200
    etag = (await review.get(base, headers=auth())).headers["ETag"]
    closed = await review.post(
        f"{base}/close", json=EARLY_CLOSE, headers={**auth(), "If-Match": etag}
    )
    assert closed.status_code == 200
    assert (await review.get(base + "/results", headers=partner)).status_code == 404
    municipality = auth(Role.municipality, lg_code=MURORAN)
    assert (await review.get(base + "/results", headers=municipality)).status_code == 404
    clock.now = datetime(2022, 3, 31, 0, 0, tzinfo=TOKYO)
    visible = await review.get(base + "/results", headers=partner)
    assert visible.status_code == 200
    assert visible.json()["published"] is True
    assert visible.json()["totals"]["regions_selected"] == 1
