"""Closing a round before its application deadline takes a force and a reason, both audited; after
the deadline a close needs no body, and is audited too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.fixtures.apps import FrozenClock

REASON = "全応募団体から提出完了の連絡を受け、審査日程を前倒しするため"


async def _etag(review: httpx.AsyncClient, auth: Callable[..., dict[str, str]], url: str) -> str:
    return (await review.get(url, headers=auth())).headers["ETag"]


async def _audit(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]], round_id: str
) -> list[dict[str, Any]]:
    response = await review.get(f"/v1/audit?subject=joint_review_round:{round_id}", headers=auth())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_before_the_deadline_a_close_needs_force_and_a_reason(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
) -> None:
    created = await open_round()  # deadline 2022-02-18 12:00; the clock says 2022-01-20
    url = f"/v1/joint-review-rounds/{created['id']}"
    headers = {**auth(), "If-Match": await _etag(review, auth, url)}

    plain = await review.post(f"{url}/close", headers=headers)
    assert plain.status_code == 422, plain.text
    assert plain.headers["content-type"] == "application/problem+json"
    problem = plain.json()
    assert problem["rule"] == "round_close_before_deadline"
    assert problem["deadline_effective_at"] == "2022-02-18T12:00:00+09:00"
    assert problem["detail"].startswith("応募締切（令和4年2月18日 12:00）前")

    for body in ({"force": True}, {"force": True, "reason": "  "}):
        no_reason = await review.post(f"{url}/close", json=body, headers=headers)
        assert no_reason.status_code == 422, no_reason.text
        assert [(e["field"], e["rule"]) for e in no_reason.json()["errors"]] == [
            ("body.reason", "required")
        ]
    reason_alone = await review.post(f"{url}/close", json={"reason": REASON}, headers=headers)
    assert reason_alone.json()["rule"] == "round_close_before_deadline"
    still = await review.get(url, headers=auth())
    assert still.json()["status"] == "open" and still.headers["ETag"] == headers["If-Match"]
    # A refusal changes and records nothing: the trail holds the opening alone.
    assert [e["action"] for e in await _audit(review, auth, created["id"])] == [
        "joint_review_round.opened"
    ]

    forced = await review.post(
        f"{url}/close", json={"force": True, "reason": REASON}, headers=headers
    )
    assert forced.status_code == 200, forced.text
    assert forced.json()["status"] == "closed"
    opened, event = await _audit(review, auth, created["id"])
    assert opened["after"]["deadline_effective_at"] == "2022-02-18T12:00:00+09:00"
    assert event["action"] == "joint_review_round.closed"
    assert event["actor"] == "operator:operator-test"
    assert event["before"] == {"state": "open"}
    assert event["after"] == {
        "state": "closed",
        "forced_before_deadline": True,
        "deadline_effective_at": "2022-02-18T12:00:00+09:00",
        "reason": REASON,
    }


async def test_after_the_deadline_a_close_needs_no_body_and_is_audited(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    clock: FrozenClock,
) -> None:
    created = await open_round()
    url = f"/v1/joint-review-rounds/{created['id']}"
    clock.set("2022-02-18T12:00:00")  # the deadline itself: no longer before it
    closed = await review.post(
        f"{url}/close", headers={**auth(), "If-Match": await _etag(review, auth, url)}
    )
    assert closed.status_code == 200, closed.text
    _, event = await _audit(review, auth, created["id"])
    assert (event["action"], event["before"], event["after"]) == (
        "joint_review_round.closed",
        {"state": "open"},
        {"state": "closed"},
    )
