"""Every change of the joint review is in the audit trail: a round opened and closed, an
application submitted, an assessment saved (and saved again only when it changed), a selection made
and taken back. The trail is operators' alone, so the embargo holds (test_joint_review_embargo)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from libs.common.search_text import normalise_search_key
from services.review.reviewers.models import Reviewer
from tests.review.joint.conftest import ASAHIKAWA, EARLY_CLOSE, application_body

SCORES = {
    "innovation": {"score": 4, "comment": "先進性が高い"},
    "feasibility": {"score": 3, "comment": "体制は確か"},
    "spread": {"score": 5, "comment": ""},
}


async def _trail(
    review: httpx.AsyncClient, auth: Callable[..., dict[str, str]], subject: str
) -> list[dict[str, Any]]:
    response = await review.get(f"/v1/audit?subject={subject}", headers=auth())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_each_change_of_a_round_is_audited(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    open_round: Callable[..., Any],
    apply: Callable[..., Any],
    session: AsyncSession,
) -> None:
    round_id = (await open_round())["id"]
    body = application_body(ASAHIKAWA, programmes=["☆"], amounts=[10_000_000])
    submitted = await apply(round_id, body)
    assert submitted.status_code == 201, submitted.text
    app_id = submitted.json()["id"]
    (event,) = await _trail(review, auth, f"joint_review_application:{app_id}")
    assert (event["action"], event["actor"]) == (
        "joint_review_application.submitted",
        "operator:operator-test",
    )
    assert event["after"]["programme_ids"] == ["mirai-gijutsu"]
    assert event["after"]["lead_lg_code"] == ASAHIKAWA

    session.add(
        Reviewer(
            subject="rev-audit",
            name="審査員",
            email="rev-audit@example.ac.jp",
            organisation="東北大学",
            organisation_key=normalise_search_key("東北大学"),
            programme="mirai-gijutsu",
        )
    )
    await session.commit()
    reviewer = auth(Role.reviewer, programme="mirai-gijutsu", subject="rev-audit")
    url = f"/v1/joint-review-rounds/{round_id}/applications/{app_id}/assessment"
    first = await review.put(url, json=SCORES, headers=reviewer)
    assert first.status_code == 201, first.text
    again = await review.put(
        url, json=SCORES, headers={**reviewer, "If-Match": first.headers["ETag"]}
    )
    changed = {**SCORES, "spread": {"score": 2, "comment": "展開先が未定"}}
    third = await review.put(
        url, json=changed, headers={**reviewer, "If-Match": again.headers["ETag"]}
    )
    assert third.status_code == 200, third.text
    assessment = first.json()["id"]
    saved = await _trail(review, auth, f"joint_review_assessment:{assessment}")
    assert [(e["action"], e["actor"]) for e in saved] == [
        ("joint_review_assessment.saved", "reviewer:rev-audit")
    ] * 2  # the unchanged second PUT recorded nothing
    assert saved[1]["before"]["spread_score"] == 5 and saved[1]["after"]["spread_score"] == 2
    assert saved[1]["after"]["spread_comment"]["characters"] == len("展開先が未定")

    selections = f"/v1/joint-review-rounds/{round_id}/selections"
    made = await review.post(
        selections, json={"programme": "☆", "application_id": app_id}, headers=auth()
    )
    assert made.status_code == 201, made.text
    taken = await review.delete(f"{selections}/{made.json()['id']}", headers=auth())
    assert taken.status_code == 204
    trail = await _trail(review, auth, f"joint_review_selection:{made.json()['id']}")
    assert [e["action"] for e in trail] == [
        "joint_review_selection.selected",
        "joint_review_selection.withdrawn",
    ]
    assert trail[0]["after"] == trail[1]["before"]
    assert trail[0]["after"]["programme_id"] == "mirai-gijutsu"

    round_url = f"/v1/joint-review-rounds/{round_id}"
    etag = (await review.get(round_url, headers=auth())).headers["ETag"]
    closed = await review.post(
        f"{round_url}/close", json=EARLY_CLOSE, headers={**auth(), "If-Match": etag}
    )
    assert closed.status_code == 200, closed.text
    assert [e["action"] for e in await _trail(review, auth, f"joint_review_round:{round_id}")] == [
        "joint_review_round.opened",
        "joint_review_round.closed",
    ]
