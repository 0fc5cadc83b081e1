"""The FY2021 legend as that year's table printed it, and the workbooks an office sends on: the
results workbook (title row, 公表前 marker, headline figures, 連携 column, ministries in the legend,
print setup, document properties) and the operators' internal workbook of applications."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC
from typing import Any

import httpx
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from tests.review.joint.conftest import (
    ASAHIKAWA,
    MURORAN,
    NOW,
    OBIHIRO,
    application_body,
)
from tests.review.joint.test_review import SCORES, _reviewer

BASE = "/v1/joint-review-rounds"
FY2021_LEGEND = [
    ("☆", "内閣府", "未来技術社会実装事業", "地方創生推進事務局", None, ""),
    (
        "□",
        "総務省",
        "データ連携促進型スマートシティ推進事業",
        "情報流通行政局",
        "※1",
        "令和2年度までの施策名は「データ利活用型スマートシティ推進事業」",
    ),
    ("○", "経済産業省", "地域新MaaS創出推進事業", "製造産業局", None, ""),
    (
        "●",
        "国土交通省",
        "日本版MaaS推進・支援事業",
        "総合政策局",
        "※2",
        "令和元年度の施策名は「新モビリティサービス推進事業」",
    ),
    ("■", "国土交通省", "スマートシティモデルプロジェクト", "都市局", None, ""),
]


def _values(sheet: Worksheet) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def _workbook(review: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    return _opened(await review.get(url, headers=headers))


def _opened(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxml")
    return load_workbook(io.BytesIO(response.content))


async def test_the_fy2021_legend_names_that_years_programmes_and_their_ministries(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]], fy2021: str
) -> None:
    results = (await review.get(f"{BASE}/{fy2021}/results", headers=auth(Role.partner))).json()
    legend = [
        (e["mark"], e["ministry"], e["name"], e["bureau"], e["footnote"], e["note"])
        for e in results["legend"]
    ]
    assert legend == FY2021_LEGEND
    labels = [e["label"] for e in results["legend"]]
    assert labels[1] == "総務省「データ連携促進型スマートシティ推進事業」"
    # The totals and the round name the programmes as that year did, too.
    assert results["totals"]["by_programme"][1]["name"] == "データ連携促進型スマートシティ推進事業"
    shown = (await review.get(f"{BASE}/{fy2021}", headers=auth(Role.partner))).json()
    assert [(p["mark"], p["ministry"], p["name"]) for p in shown["programmes"]] == [
        row[:2] + row[2:3] for row in FY2021_LEGEND
    ]


async def test_the_published_workbook_has_title_figures_collaboration_legend_and_print_setup(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]], fy2021: str
) -> None:
    response = await review.get(f"{BASE}/{fy2021}/results.xlsx", headers=auth(Role.partner))
    workbook = _opened(response)
    # Both names, as every download sends them: a plain one for clients that read only it.
    assert response.headers["content-disposition"] == (
        'attachment; filename="joint-review-results-2021.xlsx"; '
        "filename*=UTF-8''joint-review-results-2021.xlsx"
    )
    sheet = workbook["選定結果"]
    rows = _values(sheet)
    assert rows[0][0] == "令和3年度 スマートシティ関連事業 合同審査 選定結果"
    # Published: no 公表前 marker, on the sheet or on the printed page.
    assert rows[1][:4] == ["選定地域数", 62, "うち事業間連携", 42]
    assert rows[3] == ["項番", "プロジェクト実施地域", "選定事業", "過年度選定", "連携"]
    data = rows[4:]
    assert len(data) == 62
    assert sum(row[4] == "あり" for row in data) == 42
    assert data[1][:5] == [2, "北海道旭川市", "☆", None, None]  # ☆ only, nothing earlier
    assert data[0][4] == "あり"
    assert not any("公表前" in str(v) for row in rows for v in row if v)
    assert not sheet.oddHeader.center.text
    # Print setup: A4 landscape, one page wide, the header row on every page.
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.freeze_panes == "A5"
    legend = workbook["凡例"]
    assert _values(legend)[2] == ["記号", "府省", "事業名", "所管部局", "注"]
    assert _values(legend)[3:] == [
        [mark, ministry, name, bureau, f"{footnote} {note}" if footnote else None]
        for mark, ministry, name, bureau, footnote, note in FY2021_LEGEND
    ]
    assert legend.page_setup.orientation == "landscape"
    properties = workbook.properties
    assert properties.title == "令和3年度 スマートシティ関連事業 合同審査 選定結果"
    assert properties.creator == "jisso"
    assert properties.category == "公表資料"
    assert properties.created == NOW.astimezone(UTC).replace(tzinfo=None)


async def _selected_live_round(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
) -> tuple[str, dict[str, str]]:
    """A FY2022 round still open: 室蘭市 applies to ☆ and ○ and both select it; 帯広市 applies to
    ○ and nobody selects it; 旭川市 applies to ☆ only."""
    round_id = (await open_round())["id"]
    ids = {}
    for name, lead, programmes, amounts in (
        ("muroran", MURORAN, ["☆", "○"], [30_000_000, 20_000_000]),
        ("obihiro", OBIHIRO, ["○"], [10_000_000]),
        ("asahikawa", ASAHIKAWA, ["☆"], [5_000_000]),
    ):
        body = application_body(lead, programmes=programmes, amounts=amounts)
        response = await apply(round_id, body)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    for mark in ("☆", "○"):
        selection = {"programme": mark, "application_id": ids["muroran"]}
        response = await review.post(
            f"{BASE}/{round_id}/selections", json=selection, headers=auth()
        )
        assert response.status_code == 201, response.text
    return round_id, ids


async def test_an_unpublished_workbook_says_so_on_the_sheet_the_page_and_the_file(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
) -> None:
    round_id, _ = await _selected_live_round(review, auth, open_round, apply)
    workbook = await _workbook(review, f"{BASE}/{round_id}/results.xlsx", auth())
    sheet = workbook["選定結果"]
    rows = _values(sheet)
    assert rows[0][0] == "令和4年度 スマートシティ関連事業 合同審査 選定結果"
    assert rows[1][0] == "公表前・取扱注意"
    assert rows[2][:4] == ["選定地域数", 1, "うち事業間連携", 1]
    assert rows[4][4] == "連携" and rows[5][2:5] == ["☆○", None, "あり"]
    assert sheet.print_title_rows == "$5:$5"
    assert sheet.oddHeader.center.text == "公表前・取扱注意"
    assert workbook["凡例"].oddHeader.center.text == "公表前・取扱注意"
    assert workbook.properties.category == "公表前・取扱注意"
    # FY2022: no fiscal-year row names □ otherwise, so its current name, with both earlier names.
    soumu = _values(workbook["凡例"])[5]  # title, marker, blank, header, ☆, □
    assert soumu[:3] == ["□", "総務省", "地域課題解決のためのスマートシティ推進事業"]
    assert soumu[4] == (
        "※1 令和2年度までの施策名は「データ利活用型スマートシティ推進事業」、"
        "令和3年度の施策名は「データ連携促進型スマートシティ推進事業」"
    )


async def test_the_internal_workbook_lists_every_application_for_operators_only(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
    session: AsyncSession,
) -> None:
    round_id, ids = await _selected_live_round(review, auth, open_round, apply)
    await _reviewer(session, "rev-internal", "mirai-gijutsu")
    reviewer = auth(Role.reviewer, programme="mirai-gijutsu", subject="rev-internal")
    scored = await review.put(
        f"{BASE}/{round_id}/applications/{ids['muroran']}/assessment",
        json=SCORES,
        headers=reviewer,
    )
    assert scored.status_code in (200, 201), scored.text
    url = f"{BASE}/{round_id}/applications.xlsx"
    outsiders = {
        "the applicant": auth(Role.municipality, lg_code=MURORAN),
        "a reviewer": reviewer,
        "a partner": auth(Role.partner),
        "a service": auth(Role.service),
    }
    for who, headers in outsiders.items():
        assert (await review.get(url, headers=headers)).status_code == 403, who
    workbook = await _workbook(review, url, auth())
    sheet = workbook["申請一覧"]
    rows = _values(sheet)
    assert rows[0][0] == "令和4年度 スマートシティ関連事業 合同審査 申請一覧"
    assert rows[1][0] == "内部資料・取扱注意（運営者限り） 公表前"
    assert rows[2][:4] == ["申請件数", 3, "選定済み", 1]
    header = rows[4]
    listed = {row[header.index("申請ID")]: dict(zip(header, row, strict=True)) for row in rows[5:]}
    assert set(listed) == set(ids.values())
    muroran = listed[ids["muroran"]]
    assert muroran["代表団体コード"] == MURORAN  # text: the leading zero stays
    assert muroran["交付金タイプ"] == "先駆タイプ"
    assert (muroran["申請先"], muroran["選定事業"]) == ("☆○", "☆○")
    assert (muroran["初年度国費（円）"], muroran["国費合計（円）"]) == (30_000_000, 50_000_000)
    assert muroran["選定額（円）"] == 60_000_000  # each programme's selection pays the first year
    # The criteria as the API labels them and docs/review.md names them.
    assert header[10:14] == [
        "先進性・モデル性（平均）",
        "実現可能性・持続性（平均）",
        "横展開・連携の可能性（平均）",
        "合計（平均）",
    ]
    averages = (muroran["先進性・モデル性（平均）"], muroran["合計（平均）"])
    assert (muroran["評価数"], *averages) == (1, 4, 12)
    obihiro = listed[ids["obihiro"]]
    assert (obihiro["評価数"], obihiro["選定事業"], obihiro["選定額（円）"]) == (0, None, None)
    scores = _values(workbook["評価"])
    assert scores[3][4:11] == [
        "先進性・モデル性",
        "実現可能性・持続性",
        "横展開・連携の可能性",
        "合計",
        "先進性・モデル性コメント",
        "実現可能性・持続性コメント",
        "横展開・連携の可能性コメント",
    ]
    assert scores[4][:8] == [
        "スマートシティ実装事業 " + MURORAN,
        MURORAN,
        "☆",
        "rev-internal",
        4,
        3,
        5,
        12,
    ]
    assert sheet.oddHeader.center.text == "内部資料・取扱注意（運営者限り） 公表前"
    assert workbook.properties.category == "内部資料・取扱注意（運営者限り）"
