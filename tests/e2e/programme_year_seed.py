"""The year's first day (2021-08-24, the deck's 「R3.8.24時点」): what a fresh ``jisso seed``
states, each fact as the seed publishes it — counted rows beside published figures, the FY2021
joint-review round with its counts and that year's legend, symposia that took place, designations
from the official lists, the term history of a continued project — and the one API shape."""

from __future__ import annotations

from typing import Any

from tests.e2e.programme_year_support import Year, ok, problem

TOYAMA, GIFU, FUKUYAMA, CHICHIBU = "162019", "212016", "342076", "112071"
FY2021_COUNTS = {"☆": 9, "□": 9, "○": 14, "●": 12, "■": 30}
PUBLISHED = {
    "projects.selected.fy2018": 14,
    "projects.selected.fy2019": 8,
    "projects.selected.fy2020": 12,
    "projects.selected.fy2021": 9,
    "projects.supported.current": 38,
    "projects.fy2018.ended_fy2020": 5,
    "projects.fy2018.continued": 9,
    "projects.fy2019.continued": 5,
    "projects.fy2019.ending_fy2021": 3,
    "society5.adopted.fy2021": 19,
    "society5.adopted.fy2021.programme_projects": 8,
}


async def the_seed_states_its_facts(year: Year) -> None:
    assert year.seed_lines[0].startswith("令和3年度の合同審査の選定結果を取り込みました")
    await _counted_beside_published(year)
    await _the_fy2021_round(year)
    await _symposia_and_designations(year)
    await _a_continued_projects_term_history(year)
    await _one_api_shape(year)


async def _counted_beside_published(year: Year) -> None:
    stats = ok(await year.registry.get("/v1/projects/stats?as_of=2021-08-24", headers=year.partner))
    # Counted from the rows the seed names: the five R1 continuations and 秩父市's R2 project.
    assert (stats["as_of"], stats["total"]) == ("2021-08-24", 6)
    assert [(c["fiscal_year"], c["supported"]) for c in stats["by_selection_fiscal_year"]] == [
        (2019, 5),
        (2020, 1),
    ]
    # Published: what the deck states about projects it does not name, each with its 基準日.
    published = {f["key"]: f for f in stats["published"]}
    assert {k: f["value"] for k, f in published.items()} == PUBLISHED
    current = published["projects.supported.current"]
    assert (current["unit"], current["as_of"], current["fiscal_year_label"]) == (
        "事業",
        "2022-02-09",
        "令和3年度",
    )
    assert "現在38事業に対して支援を実施中" in current["source_text"]
    assert published["projects.fy2019.ending_fy2021"]["as_of"] == "2021-12-17"
    listed = ok(
        await year.registry.get(
            "/v1/projects?status=supported&as_of=2021-08-24&limit=200", headers=year.partner
        )
    )
    assert len(listed["items"]) == 6  # the filter agrees with the counted stats
    assert {p["status_as_of"] for p in listed["items"]} == {"supported"}


async def _the_fy2021_round(year: Year) -> None:
    """Loaded by the seed: published, so a partner sees it all."""
    [round_] = ok(
        await year.review.get("/v1/joint-review-rounds?fiscal_year=R3", headers=year.partner)
    )["items"]
    assert (round_["imported"], round_["published"], round_["status"]) == (True, True, "closed")
    assert {p["mark"]: p["selected"] for p in round_["programmes"]} == FY2021_COUNTS
    assert [p["mark"] for p in round_["programmes"]] == list(FY2021_COUNTS)
    square = round_["programmes"][1]
    assert (square["ministry"], square["name"]) == (
        "総務省",
        "データ連携促進型スマートシティ推進事業",
    )
    results = ok(
        await year.review.get(
            f"/v1/joint-review-rounds/{round_['id']}/results", headers=year.partner
        )
    )
    assert (results["totals"]["regions_selected"], results["totals"]["collaborating"]) == (62, 42)
    assert {p["mark"]: p["selected"] for p in results["totals"]["by_programme"]} == FY2021_COUNTS
    legend = {entry["mark"]: entry for entry in results["legend"]}
    assert list(legend) == list(FY2021_COUNTS)
    assert legend["□"]["label"] == "総務省「データ連携促進型スマートシティ推進事業」"
    assert (legend["□"]["footnote"], legend["●"]["footnote"], legend["☆"]["footnote"]) == (
        "※1",
        "※2",
        None,
    )
    assert "データ利活用型スマートシティ推進事業" in legend["□"]["note"]
    assert {entry["ministry"] for entry in results["legend"]} == {
        "内閣府",
        "総務省",
        "経済産業省",
        "国土交通省",
    }


async def _symposia_and_designations(year: Year) -> None:
    symposia = ok(await year.registry.get("/v1/symposia?limit=50", headers=year.partner))["items"]
    by_year: dict[int, list[dict[str, Any]]] = {}
    for symposium in symposia:
        by_year.setdefault(symposium["fiscal_year"], []).append(symposium)
    assert {fy: len(held) for fy, held in by_year.items()} == {2020: 3, 2021: 4}
    assert {s["status"] for s in symposia} == {"held"}  # every one has ended by now
    # A format only where the seed states one (FY2021: ※web開催予定; FY2020's record states none).
    assert {s["format"] for s in by_year[2021]} == {"web"}
    assert {s["format"] for s in by_year[2020]} == {None}

    for code, flags in ((TOYAMA, True), (GIFU, True), (FUKUYAMA, True), (CHICHIBU, False)):
        lg = ok(await year.registry.get(f"/v1/local-governments/{code}", headers=year.partner))
        assert (lg["is_core_city"], lg["is_central_core_city"]) == (flags, flags), lg
        assert lg["designations_as_of"] == "2021-04-01"
        assert "中枢中核都市一覧" in lg["designations_source"]


async def _a_continued_projects_term_history(year: Year) -> None:
    [toyama] = ok(
        await year.registry.get("/v1/projects?fiscal_year=R1&q=富山市", headers=year.operator)
    )["items"]
    history = ok(
        await year.registry.get(f"/v1/projects/{toyama['id']}/term-history", headers=year.partner)
    )
    assert [(e["kind"], e["on"], e["term_end"]) for e in history["events"]] == [
        ("selected", "2019-04-01", "2022-03-31"),
        ("extended", "2021-12-17", "2024-03-31"),
    ]
    assert history["events"][1]["decided_on"] == "2021-12-17"
    assert (history["status"], history["extensions"], history["end_reason"]) == (
        "extended",
        1,
        None,
    )


async def _one_api_shape(year: Year) -> None:
    programmes = ok(await year.registry.get("/v1/programmes", headers=year.partner))
    assert [p["mark"] for p in programmes["items"]] == list(FY2021_COUNTS)  # legend order
    by_mark = ok(await year.registry.get("/v1/projects?programme=☆", headers=year.partner))
    by_id = ok(
        await year.registry.get("/v1/projects?programme=mirai-gijutsu", headers=year.partner)
    )
    assert len(by_mark["items"]) == 6
    assert [p["id"] for p in by_mark["items"]] == [p["id"] for p in by_id["items"]]
    assert set(by_mark) == {"items", "next"}
    misspelt = await year.registry.get("/v1/projects?programe=☆", headers=year.partner)
    error = problem(misspelt, 422, "unknown_parameter")["errors"][0]
    assert error["field"] == "query.programe"
    misspelt = await year.review.get("/v1/joint-review-rounds?fiscalyear=R3", headers=year.partner)
    assert problem(misspelt, 422, "unknown_parameter")["errors"][0]["field"] == "query.fiscalyear"
    # FastAPI's own validation, Japanese first.
    too_many = await year.registry.get("/v1/projects?limit=999", headers=year.partner)
    assert too_many.status_code == 422
    [error] = too_many.json()["errors"]
    assert error["field"] == "query.limit"
    assert error["message"].startswith("200 以下の値にしてください")
