"""One API shape in the joint review: programmes in legend order (☆□○●■) wherever a round lists
them, filters that take a programme's id or mark, selections as a page, and a round's body
checked whole (every broken rule in one 422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.review.joint.conftest import (
    ASAHIKAWA,
    HOKKAIDO,
    MURORAN,
    PROGRAMMES,
    application_body,
    round_body,
)

LEGEND = list("☆□○●■")


def _scrambled() -> list[dict[str, Any]]:
    """The five programmes out of legend order, two of them named by mark."""
    given = [
        {"programme_id": pid, "quota": quota, "budget_yen": budget}
        for pid, quota, budget in reversed(PROGRAMMES)
    ]
    given[0]["programme_id"] = "■"
    given[2]["programme_id"] = "〇"  # as people type ○
    return given


async def test_a_round_lists_its_programmes_in_legend_order_whatever_order_it_was_given(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    created = await review.post(
        "/v1/joint-review-rounds", json=round_body(programmes=_scrambled()), headers=auth()
    )
    assert created.status_code == 201, created.text
    programmes = created.json()["programmes"]
    assert [p["mark"] for p in programmes] == LEGEND
    assert [p["programme_id"] for p in programmes] == [pid for pid, _, _ in PROGRAMMES]
    read = await review.get(f"/v1/joint-review-rounds/{created.json()['id']}", headers=auth())
    assert [p["mark"] for p in read.json()["programmes"]] == LEGEND


async def test_a_round_body_reports_every_broken_rule_at_once(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    programmes = [
        {"programme_id": "meti-maas", "quota": 1, "budget_yen": 1},
        {"programme_id": "no-such-programme", "quota": 1, "budget_yen": 1},
        {"programme_id": "○", "quota": 1, "budget_yen": 1},  # meti-maas again, by mark
    ]
    body = round_body(
        deadline_at="2021-12-01T12:00:00+09:00",  # before the call opens (2022-01-04)
        announcement_on="2022-03-01",  # before the review is due (2022-03-11)
        programmes=programmes,
    )
    response = await review.post("/v1/joint-review-rounds", json=body, headers=auth())
    assert response.status_code == 422
    found = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert found == {
        ("body.deadline_at", "date_order"),
        ("body.announcement_on", "date_order"),
        ("body.programmes.1.programme_id", "unknown_programme"),
        ("body.programmes.2.programme_id", "duplicate"),
    }
    assert all(not e["message"][:2].isascii() for e in response.json()["errors"])
    # Field rules first: a body the schema refuses is refused for that alone, every field listed.
    broken = round_body(
        title="x" * 201, programmes=[{"programme_id": "☆", "quota": -1, "budget_yen": 1}]
    )
    response = await review.post("/v1/joint-review-rounds", json=broken, headers=auth())
    assert {(e["field"], e["rule"]) for e in response.json()["errors"]} == {
        ("body.title", "string_too_long"),
        ("body.programmes.0.quota", "greater_than_equal"),
    }
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages["body.title"].startswith("200文字以下にしてください（")


async def _submit(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]], round_id: str
) -> dict[str, str]:
    ids = {}
    for name, lead, programmes in [
        ("maas", HOKKAIDO, ["■", "meti-maas"]),
        ("star", ASAHIKAWA, ["☆", "mlit-smart-city-model"]),
        ("both", MURORAN, ["mirai-gijutsu", "○"]),
    ]:
        body = application_body(lead, programmes=programmes, amounts=[10_000_000], title=name)
        response = await review.post(
            f"/v1/joint-review-rounds/{round_id}/applications", json=body, headers=auth()
        )
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    return ids


async def test_filters_take_an_id_or_a_mark_and_selections_are_a_page_in_legend_order(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]], open_round: Any
) -> None:
    round_id = (await open_round())["id"]
    ids = await _submit(review, auth, round_id)
    base = f"/v1/joint-review-rounds/{round_id}"

    async def listed(url: str) -> list[str]:
        response = await review.get(url, headers=auth())
        assert response.status_code == 200, response.text
        return sorted(item["title"] for item in response.json()["items"])

    star = await listed(f"{base}/applications?programme=☆")
    assert star == await listed(f"{base}/applications?programme=mirai-gijutsu") == ["both", "star"]
    assert await listed(f"{base}/applications?programme=〇") == ["both", "maas"]
    refused = await review.get(f"{base}/applications?programme=◎", headers=auth())
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("query.programme", "not_in_round")
    ]
    # An application lists its programmes in legend order, whatever order it named them in.
    maas = (await review.get(f"{base}/applications/{ids['maas']}", headers=auth())).json()
    assert [p["mark"] for p in maas["programmes"]] == ["○", "■"]

    for programme, name in [("■", "maas"), ("○", "both"), ("☆", "star"), ("○", "maas")]:
        body = {"programme": programme, "application_id": ids[name]}
        response = await review.post(f"{base}/selections", json=body, headers=auth())
        assert response.status_code == 201, response.text
    pages, url = [], f"{base}/selections?limit=2"
    while url:
        page = (await review.get(url, headers=auth())).json()
        pages.append([(s["mark"], s["application_id"]) for s in page["items"]])
        url = page["next"]
    assert [len(p) for p in pages] == [2, 2]
    assert [mark for page in pages for mark, _ in page] == ["☆", "○", "○", "■"]
    # Within ○, the order they were made (here one transaction: the same instant, then by id).
    assert {app for page in pages for mark, app in page if mark == "○"} == {
        ids["both"],
        ids["maas"],
    }
    maas_selections = (await review.get(f"{base}/selections?programme=〇", headers=auth())).json()
    assert {s["application_id"] for s in maas_selections["items"]} == {ids["both"], ids["maas"]}
    assert [s["mark"] for s in maas_selections["items"]] == ["○", "○"]
    forged = await review.get(f"{base}/selections?cursor=abc.def", headers=auth())
    assert [e["field"] for e in forged.json()["errors"]] == ["query.cursor"]
