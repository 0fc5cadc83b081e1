"""Reviewers see and score only their programme's applications; a conflict of interest hides one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from libs.common.search_text import normalise_search_key
from services.review.reviewers.models import Reviewer
from tests.review.joint.conftest import ASAHIKAWA, MURORAN, OBIHIRO, application_body

SCORES = {
    "innovation": {"score": 4, "comment": "ドローン物流の先進性が高い"},
    "feasibility": {"score": 3, "comment": "体制は確か"},
    "spread": {"score": 5, "comment": "近隣町村への展開が見込める"},
}


async def _reviewer(
    session: AsyncSession, subject: str, programme: str, organisation: str = "東北大学", **kw: Any
) -> None:
    session.add(
        Reviewer(
            subject=subject,
            name=f"審査員 {subject}",
            email=f"{subject}@example.ac.jp",
            organisation=organisation,
            organisation_key=normalise_search_key(organisation),
            programme=programme,
            **kw,
        )
    )
    await session.commit()


@pytest.fixture
async def applications(open_round: Callable[..., Any], apply: Callable[..., Any]) -> dict[str, Any]:
    """A round with one application to ☆ only, one to ○ only and one to both."""
    round_id = (await open_round())["id"]
    ids = {}
    for name, lead, programmes in (
        ("mirai", ASAHIKAWA, ["mirai-gijutsu"]),
        ("maas", MURORAN, ["meti-maas"]),
        ("both", OBIHIRO, ["☆", "○"]),
    ):
        response = await apply(round_id, application_body(lead, programmes=programmes))
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    return {"round": round_id, **ids}


async def test_a_reviewer_lists_and_reads_only_their_programmes_applications(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    applications: dict[str, Any],
    session: AsyncSession,
) -> None:
    await _reviewer(session, "rev-mirai", "mirai-gijutsu")
    await _reviewer(session, "rev-maas", "meti-maas")
    base = f"/v1/joint-review-rounds/{applications['round']}/applications"
    mirai = auth(Role.reviewer, programme="mirai-gijutsu", subject="rev-mirai")
    listed = await review.get(base, headers=mirai)
    assert listed.status_code == 200
    assert {a["id"] for a in listed.json()["items"]} == {
        applications["mirai"],
        applications["both"],
    }
    maas = auth(Role.reviewer, programme="meti-maas", subject="rev-maas")
    assert {a["id"] for a in (await review.get(base, headers=maas)).json()["items"]} == {
        applications["maas"],
        applications["both"],
    }
    assert (await review.get(f"{base}/{applications['mirai']}", headers=mirai)).status_code == 200
    other = await review.get(f"{base}/{applications['maas']}", headers=mirai)
    assert other.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"
    # Operators see all; partners see none.
    assert len((await review.get(base, headers=auth())).json()["items"]) == 3
    assert (await review.get(base, headers=auth(Role.partner))).status_code == 403
    # A municipality sees the applications it is part of.
    own = await review.get(base, headers=auth(Role.municipality, lg_code=MURORAN))
    assert [a["id"] for a in own.json()["items"]] == [applications["maas"]]


async def test_a_reviewer_scores_their_programmes_application_and_replaces_with_if_match(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    applications: dict[str, Any],
    session: AsyncSession,
) -> None:
    await _reviewer(session, "rev-mirai", "mirai-gijutsu")
    headers = auth(Role.reviewer, programme="mirai-gijutsu", subject="rev-mirai")
    base = f"/v1/joint-review-rounds/{applications['round']}/applications"
    url = f"{base}/{applications['mirai']}/assessment"
    created = await review.put(url, json=SCORES, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["programme_id"] == "mirai-gijutsu" and body["reviewer"] == "rev-mirai"
    assert [(c["criterion"], c["score"]) for c in body["criteria"]] == [
        ("innovation", 4),
        ("feasibility", 3),
        ("spread", 5),
    ]
    assert body["total"] == 12
    changed = {**SCORES, "feasibility": {"score": 2, "comment": "資金計画に不安"}}
    assert (await review.put(url, json=changed, headers=headers)).status_code == 428
    replaced = await review.put(
        url, json=changed, headers={**headers, "If-Match": created.headers["ETag"]}
    )
    assert replaced.status_code == 200 and replaced.json()["total"] == 11
    # Another programme's application cannot be scored, nor can a score leave 1–5.
    other = await review.put(
        f"{base}/{applications['maas']}/assessment", json=SCORES, headers=headers
    )
    assert other.status_code == 404
    bad = {**SCORES, "spread": {"score": 6}}
    assert (await review.put(url, json=bad, headers=headers)).status_code == 422
    listed = await review.get(f"{base}/{applications['mirai']}/assessments", headers=auth())
    assert [a["total"] for a in listed.json()["items"]] == [11]


@pytest.mark.parametrize(
    ("subject", "organisation", "lg_code"),
    [
        ("rev-asahikawa", "旭川市", ASAHIKAWA),  # by code
        ("rev-by-name", "北海道旭川市", None),  # by name with its prefecture
        ("rev-city-hall", "旭川市役所", None),  # by its office
        ("rev-department", "旭川市 総合政策部", None),  # by a department of it
        ("rev-full-width", "北海道　旭川市役所　総合政策部スマートシティ推進課", None),
    ],
)
async def test_a_conflict_of_interest_hides_the_application_and_refuses_its_scores(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    applications: dict[str, Any],
    session: AsyncSession,
    subject: str,
    organisation: str,
    lg_code: str | None,
) -> None:
    await _reviewer(session, subject, "mirai-gijutsu", organisation, lg_code=lg_code)
    base = f"/v1/joint-review-rounds/{applications['round']}/applications"
    headers = auth(Role.reviewer, programme="mirai-gijutsu", subject=subject)
    # 旭川市's application is not theirs to see, however they wrote their organisation …
    url = f"{base}/{applications['mirai']}"
    for path in ("", "/assessments"):
        response = await review.get(url + path, headers=headers)
        assert response.status_code == 404, response.text
    listed = (await review.get(base, headers=headers)).json()["items"]
    assert [a["id"] for a in listed] == [applications["both"]]
    # … nor to score: the write names the rule and its reasons, and nothing is stored.
    refused = await review.put(f"{url}/assessment", json=SCORES, headers=headers)
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert problem["rule"] == "conflict_of_interest"
    assert problem["reasons"] == [
        "審査員は提案団体「旭川市」に所属しています"
        "（the reviewer belongs to the proposing local government 旭川市）"
    ]
    stored = await review.get(f"{url}/assessments", headers=auth())
    assert stored.json()["items"] == []
    # The same reviewer may score an application of another region.
    fine = await review.put(
        f"{base}/{applications['both']}/assessment", json=SCORES, headers=headers
    )
    assert fine.status_code == 201, fine.text


async def test_a_neighbouring_government_or_its_university_is_no_conflict(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    applications: dict[str, Any],
    session: AsyncSession,
) -> None:
    for subject, organisation in (("rev-hokkaido", "北海道庁"), ("rev-college", "旭川市立大学")):
        await _reviewer(session, subject, "mirai-gijutsu", organisation)
        headers = auth(Role.reviewer, programme="mirai-gijutsu", subject=subject)
        url = (
            f"/v1/joint-review-rounds/{applications['round']}/applications/{applications['mirai']}"
        )
        assert (await review.get(url, headers=headers)).status_code == 200
        scored = await review.put(f"{url}/assessment", json=SCORES, headers=headers)
        assert scored.status_code == 201, scored.text


async def test_scoring_needs_a_reviewer_record_of_the_tokens_programme(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    applications: dict[str, Any],
    session: AsyncSession,
) -> None:
    url = (
        f"/v1/joint-review-rounds/{applications['round']}/applications/"
        f"{applications['both']}/assessment"
    )
    unknown = auth(Role.reviewer, programme="mirai-gijutsu", subject="nobody")
    assert (await review.put(url, json=SCORES, headers=unknown)).status_code == 403
    await _reviewer(session, "rev-maas", "meti-maas")
    mismatched = auth(Role.reviewer, programme="mirai-gijutsu", subject="rev-maas")
    assert (await review.put(url, json=SCORES, headers=mismatched)).status_code == 403
    matched = auth(Role.reviewer, programme="meti-maas", subject="rev-maas")
    assert (await review.put(url, json=SCORES, headers=matched)).status_code == 201
    # Each reviewer reads only their own assessments.
    listed = await review.get(url.removesuffix("assessment") + "assessments", headers=matched)
    assert [a["reviewer"] for a in listed.json()["items"]] == ["rev-maas"]


async def test_application_pages_follow_next_and_refuse_a_forged_cursor(
    review: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    applications: dict[str, Any],
) -> None:
    url: str | None = f"/v1/joint-review-rounds/{applications['round']}/applications?limit=2"
    seen: list[str] = []
    while url:
        page = (await review.get(url, headers=auth())).json()
        seen += [a["id"] for a in page["items"]]
        url = page["next"]
    assert sorted(seen) == sorted(applications[k] for k in ("mirai", "maas", "both"))
    forged = await review.get(
        f"/v1/joint-review-rounds/{applications['round']}/applications?cursor=WyJ4Il0",
        headers=auth(),
    )
    assert forged.status_code == 422
    rounds = await review.get("/v1/joint-review-rounds?cursor=WzFd", headers=auth())
    assert rounds.status_code == 422
