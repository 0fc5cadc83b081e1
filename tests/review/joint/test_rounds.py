"""Rounds: fiscal year in any form, programmes from the registry, closed-day dates, idempotency,
closing with If-Match."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from libs.common.auth import Role
from tests.review.joint.conftest import EARLY_CLOSE, PROGRAMMES, round_body


async def test_round_takes_any_fiscal_year_form_and_the_registry_programmes(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    response = await review.post(
        "/v1/joint-review-rounds", json=round_body(fiscal_year="R4"), headers=auth()
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["fiscal_year"], body["fiscal_year_label"]) == (2022, "令和4年度")
    assert body["title"] == "令和4年度 スマートシティ関連事業 合同審査"
    assert body["status"] == "open" and body["published"] is False
    assert [
        (p["programme_id"], p["mark"], p["quota"], p["budget_yen"]) for p in body["programmes"]
    ] == [
        ("mirai-gijutsu", "☆", 9, 80_000_000),
        ("soumu-smart-city", "□", 9, 690_000_000),
        ("meti-maas", "○", 14, 500_000_000),
        ("mlit-japan-maas", "●", 12, 100_000_000),
        ("mlit-smart-city-model", "■", 5, 220_000_000),
    ]
    read = await review.get(f"/v1/joint-review-rounds/{body['id']}", headers=auth())
    assert response.headers["ETag"] == read.headers["ETag"]  # one ETag per representation
    assert response.headers["Location"] == f"/v1/joint-review-rounds/{body['id']}"
    listed = await review.get(
        "/v1/joint-review-rounds?fiscal_year=令和4年度", headers=auth(Role.partner)
    )
    assert [r["id"] for r in listed.json()["items"]] == [body["id"]]


async def test_dates_on_closed_days_move_to_the_next_open_day_and_both_are_shown(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    body = round_body(
        deadline_at="2022-02-19T12:00:00",  # Saturday; naive is Tokyo time
        review_due_on="令和4年3月19日",  # Saturday, then Sunday and 春分の日 (Mon 21)
        announcement_on="2022-03-31",  # Thursday, open
    )
    created = (await review.post("/v1/joint-review-rounds", json=body, headers=auth())).json()
    assert created["deadline_at"] == "2022-02-19T12:00:00+09:00"
    assert created["deadline_effective_at"] == "2022-02-21T12:00:00+09:00"
    assert (created["review_due_on"], created["review_due_effective_on"]) == (
        "2022-03-19",
        "2022-03-22",
    )
    assert created["announcement_on"] == created["announcement_effective_on"] == "2022-03-31"


async def test_unknown_programme_and_dates_out_of_order_are_refused(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    programmes = [{"programme_id": "no-such-programme", "quota": 1, "budget_yen": 1}]
    response = await review.post(
        "/v1/joint-review-rounds", json=round_body(programmes=programmes), headers=auth()
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == (
        "body.programmes.0.programme_id",
        "unknown_programme",
    )

    response = await review.post(
        "/v1/joint-review-rounds",
        json=round_body(announcement_on="2022-03-01", review_due_on="2022-03-11"),
        headers=auth(),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "date_order"

    response = await review.post(
        "/v1/joint-review-rounds",
        json=round_body(programmes=[{"programme_id": "meti-maas", "quota": 1, "budget_yen": 1.5}]),
        headers=auth(),
    )
    assert response.status_code == 422  # integer yen only


async def test_only_operators_create_rounds_and_a_repeated_key_replays(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    forbidden = await review.post(
        "/v1/joint-review-rounds", json=round_body(), headers=auth(Role.partner)
    )
    assert forbidden.status_code == 403
    headers = {**auth(), "Idempotency-Key": "round-r4"}
    first = await review.post("/v1/joint-review-rounds", json=round_body(), headers=headers)
    again = await review.post("/v1/joint-review-rounds", json=round_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = await review.get("/v1/joint-review-rounds", headers=auth())
    assert len(listed.json()["items"]) == 1


async def test_closing_needs_if_match_and_freezes_selections(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
) -> None:
    created = await open_round()
    url = f"/v1/joint-review-rounds/{created['id']}/close"
    assert (await review.post(url, headers=auth())).status_code == 428
    stale = await review.post(url, headers={**auth(), "If-Match": '"joint-review-round-x-v9"'})
    assert stale.status_code == 412
    etag = (await review.get(f"/v1/joint-review-rounds/{created['id']}", headers=auth())).headers[
        "ETag"
    ]
    # Before the deadline (2022-02-18): forced, with a reason (test_round_close.py)
    closed = await review.post(url, json=EARLY_CLOSE, headers={**auth(), "If-Match": etag})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["published"] is False  # the announcement (2022-03-31) has not come
    again = await review.post(url, headers={**auth(), "If-Match": closed.headers["ETag"]})
    assert again.status_code == 409
    refused = again.json()  # the round machine's refusal (joint_review/states.py)
    assert (refused["rule"], refused["state"], refused["event"]) == (
        "state_transition",
        "closed",
        "close",
    )
    assert refused["allowed_events"] == []  # publication comes by itself on the announcement day
    assert len(PROGRAMMES) == len(closed.json()["programmes"])
