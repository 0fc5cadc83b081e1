"""Each programme selects within its quota and its budget; refusals carry the numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from libs.common.auth import Role
from tests.review.joint.conftest import (
    ASAHIKAWA,
    HOKKAIDO,
    MURORAN,
    OBIHIRO,
    SAPPORO,
    application_body,
)


async def _applications(
    apply: Callable[..., Any], round_id: str, programmes: list[str], amounts: list[int]
) -> list[str]:
    leads = [HOKKAIDO, ASAHIKAWA, MURORAN, OBIHIRO, SAPPORO, HOKKAIDO, ASAHIKAWA]
    ids = []
    for n, amount in enumerate(amounts):
        body = application_body(
            leads[n], programmes=programmes, amounts=[amount], title=f"申請{n + 1}"
        )
        response = await apply(round_id, body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def test_programme_quota_exact_accepted_one_more_refused(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
) -> None:
    round_id = (await open_round())["id"]
    ids = await _applications(apply, round_id, ["mlit-smart-city-model"], [10_000_000] * 6)
    url = f"/v1/joint-review-rounds/{round_id}/selections"
    for app_id in ids[:5]:
        body = {"programme": "■", "application_id": app_id}
        response = await review.post(url, json=body, headers=auth())
        assert response.status_code == 201, response.text
    refused = await review.post(
        url, json={"programme": "■", "application_id": ids[5]}, headers=auth()
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert (problem["rule"], problem["programme"], problem["quota"], problem["selected"]) == (
        "programme_quota",
        "mlit-smart-city-model",
        5,
        5,
    )
    round_ = (await review.get(f"/v1/joint-review-rounds/{round_id}", headers=auth())).json()
    model = next(p for p in round_["programmes"] if p["mark"] == "■")
    assert (model["selected"], model["selected_amount_yen"]) == (5, 50_000_000)


async def test_programme_budget_exact_accepted_one_yen_more_refused(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
) -> None:
    round_id = (await open_round())["id"]  # ☆ budget 80,000,000 yen
    ids = await _applications(apply, round_id, ["mirai-gijutsu"], [50_000_000, 30_000_000, 1])
    url = f"/v1/joint-review-rounds/{round_id}/selections"
    for app_id in ids[:2]:
        response = await review.post(
            url, json={"programme": "mirai-gijutsu", "application_id": app_id}, headers=auth()
        )
        assert response.status_code == 201, response.text
    refused = await review.post(
        url, json={"programme": "mirai-gijutsu", "application_id": ids[2]}, headers=auth()
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert {k: problem[k] for k in ("rule", "budget_yen", "selected_yen", "requested_yen")} == {
        "rule": "programme_budget",
        "budget_yen": 80_000_000,
        "selected_yen": 80_000_000,
        "requested_yen": 1,
    }


async def test_selection_checks(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
) -> None:
    round_id = (await open_round())["id"]
    [app_id] = await _applications(apply, round_id, ["meti-maas"], [10_000_000])
    url = f"/v1/joint-review-rounds/{round_id}/selections"
    not_applied = await review.post(
        url, json={"programme": "☆", "application_id": app_id}, headers=auth()
    )
    assert not_applied.json()["errors"][0]["rule"] == "not_applied"
    body = {"programme": "○", "application_id": app_id}
    reviewer = auth(Role.reviewer, programme="meti-maas")
    assert (await review.post(url, json=body, headers=reviewer)).status_code == 403
    headers = {**auth(), "Idempotency-Key": "select-1"}
    first = await review.post(url, json=body, headers=headers)
    assert first.status_code == 201 and first.json()["mark"] == "○"
    assert first.json()["amount_yen"] == 10_000_000
    replay = await review.post(url, json=body, headers=headers)
    assert replay.json()["id"] == first.json()["id"]
    twice = await review.post(url, json=body, headers=auth())
    assert twice.status_code == 409
    refused = twice.json()  # the application machine: selected, per programme
    assert (refused["rule"], refused["state"], refused["event"]) == (
        "state_transition",
        "selected",
        "select",
    )
    assert refused["allowed_events"] == ["withdraw_selection"]
    deleted = await review.delete(f"{url}/{first.json()['id']}", headers=auth())
    assert deleted.status_code == 204
    assert (await review.get(url, headers=auth())).json() == {"items": [], "next": None}
    again = await review.post(url, json=body, headers=auth())
    assert again.status_code == 201
    application = await review.get(
        f"/v1/joint-review-rounds/{round_id}/applications/{app_id}", headers=auth()
    )
    assert application.json()["programmes"] == [
        {"programme_id": "meti-maas", "mark": "○", "selected": True}
    ]
