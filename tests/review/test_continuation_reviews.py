"""Reviewers: registration, conflicts of interest refused with reasons, assessments and
visibility."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from tests.fixtures.apps import FrozenClock
from tests.review.continuation_support import (
    CONTINUED,
    COUNCIL_UNIVERSITY,
    Auth,
    Steps,
    create_project,
    ensure_programme,
    ok,
)


@pytest.fixture
async def toyama_application(
    session: AsyncSession,
    registry: httpx.AsyncClient,
    review: httpx.AsyncClient,
    auth: Auth,
    clock: FrozenClock,
) -> str:
    """富山市's submitted application (its council has 早稲田大学), reviews started."""
    await ensure_programme(session)
    toyama = await create_project(registry, auth, CONTINUED[1], selection_fiscal_year="R1")
    steps = Steps(review, auth)
    cycle = await steps.open_cycle()
    clock.set("2021-10-01T10:00")
    application_id, etag = await steps.draft(cycle["id"], toyama)
    ok(await steps.submit(application_id, etag, toyama.lg_code))
    return application_id


async def test_reviewers_are_registered_by_operators(review: httpx.AsyncClient, auth: Auth) -> None:
    body = {
        "subject": "reviewer-yamada",
        "name": "山田 太郎",
        "email": "yamada@example.ac.jp",
        "organisation": "ﾜｾﾀﾞ大学",
    }
    created = ok(await review.post("/v1/reviewers", json=body, headers=auth(Role.operator)), 201)
    assert (
        created["organisation_key"]
        == ok(await review.get("/v1/reviewers/reviewer-yamada", headers=auth(Role.operator)))[
            "organisation_key"
        ]
    )
    duplicate = await review.post("/v1/reviewers", json=body, headers=auth(Role.operator))
    assert duplicate.status_code == 409
    bad_code = await review.post(
        "/v1/reviewers",
        json={**body, "subject": "r2", "lg_code": "112072"},
        headers=auth(Role.operator),
    )
    assert bad_code.status_code == 422
    assert bad_code.json()["errors"][0]["rule"] == "check_digit"
    listed = ok(await review.get("/v1/reviewers", headers=auth(Role.operator)))["items"]
    assert [r["subject"] for r in listed] == ["reviewer-yamada"]
    forbidden = await review.get("/v1/reviewers", headers=auth(Role.reviewer, programme="☆"))
    assert forbidden.status_code == 403


async def test_a_conflicted_reviewer_is_refused_with_every_reason(
    toyama_application: str, review: httpx.AsyncClient, auth: Auth
) -> None:
    steps = Steps(review, auth)
    # A Toyama city officer seconded to the university: both rules apply.
    await steps.register_reviewer("reviewer-conflicted", f"{COUNCIL_UNIVERSITY}", lg_code="162019")
    await steps.register_reviewer("reviewer-city", "富山市")
    await steps.register_reviewer("reviewer-free", "東京大学")

    refused = await steps.assign(toyama_application, "reviewer-conflicted")
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["rule"] == "conflict_of_interest"
    # Each reason names the member or proposer as the registry writes it; the officer's code
    # makes them 富山市 on the council too.
    assert problem["reasons"] == [
        "審査員の所属する地方公共団体（162019）は当該事業の地域実装協議会の構成員「富山市」です"
        "（the reviewer's local government is the council member 富山市）",
        "審査員の所属（早稲田大学）は当該事業の地域実装協議会の構成員「早稲田大学」と同じ団体です"
        "（the reviewer's organisation is the council member 早稲田大学）",
        "審査員は提案団体「富山市」に所属しています"
        "（the reviewer belongs to the proposing local government 富山市）",
    ]
    by_name = await steps.assign(toyama_application, "reviewer-city")
    assert by_name.status_code == 409
    assert len(by_name.json()["reasons"]) == 2  # 富山市 is both on the council and the proposer

    ok(await steps.assign(toyama_application, "reviewer-free"), 201)
    assignments = ok(
        await review.get(
            f"/v1/continuation-applications/{toyama_application}/assignments",
            headers=auth(Role.operator),
        )
    )["items"]
    assert [a["reviewer_subject"] for a in assignments] == ["reviewer-free"]
    application = ok(
        await review.get(
            f"/v1/continuation-applications/{toyama_application}", headers=auth(Role.operator)
        )
    )
    assert application["state"] == "under_review"


async def test_others_assessments_show_only_after_submitting_ones_own(
    toyama_application: str, review: httpx.AsyncClient, auth: Auth
) -> None:
    steps = Steps(review, auth)
    for subject in ("reviewer-a", "reviewer-b"):
        await steps.register_reviewer(subject, "東京大学")
        ok(await steps.assign(toyama_application, subject), 201)
    url = f"/v1/continuation-applications/{toyama_application}"
    await steps.assess(toyama_application, "reviewer-a", score=5)

    draft = {
        c: {"score": 3, "comment": "概ね妥当"} for c in ("future_vision", "achievements", "plan")
    }
    saved = await review.put(f"{url}/assessment", json=draft, headers=steps.reviewer("reviewer-b"))
    assert ok(saved)["state"] == "assessing"
    hidden = ok(await review.get(f"{url}/assessments", headers=steps.reviewer("reviewer-b")))
    assert hidden["others_visible"] is False
    assert [a["reviewer_subject"] for a in hidden["items"]] == ["reviewer-b"]

    replace = await review.put(
        f"{url}/assessment", json=draft, headers=steps.reviewer("reviewer-b")
    )
    assert replace.status_code == 428  # replacing a draft needs its ETag
    out_of_range = {**draft, "plan": {"score": 6, "comment": "x"}}
    invalid = await review.put(
        f"{url}/assessment",
        json=out_of_range,
        headers={**steps.reviewer("reviewer-b"), "If-Match": saved.headers["ETag"]},
    )
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "body.plan.score"

    ok(
        await review.post(
            f"{url}/assessment/submission",
            headers={**steps.reviewer("reviewer-b"), "If-Match": saved.headers["ETag"]},
        )
    )
    shown = ok(await review.get(f"{url}/assessments", headers=steps.reviewer("reviewer-b")))
    assert shown["others_visible"] is True
    assert {a["reviewer_subject"]: a["total"] for a in shown["items"]} == {
        "reviewer-a": 15,
        "reviewer-b": 9,
    }
    stranger = await review.get(f"{url}/assessments", headers=steps.reviewer("reviewer-c"))
    assert stranger.status_code == 403
    operator = ok(await review.get(f"{url}/assessments", headers=auth(Role.operator)))
    assert len(operator["items"]) == 2


async def test_a_draft_is_replaced_with_its_etag_and_scores_are_one_to_five(
    toyama_application: str, review: httpx.AsyncClient, auth: Auth
) -> None:
    steps = Steps(review, auth)
    await steps.register_reviewer("reviewer-b", "東京大学")
    ok(await steps.assign(toyama_application, "reviewer-b"), 201)
    url = f"/v1/continuation-applications/{toyama_application}/assessment"
    draft = {
        c: {"score": 3, "comment": "概ね妥当"} for c in ("future_vision", "achievements", "plan")
    }
    saved = await review.put(url, json=draft, headers=steps.reviewer("reviewer-b"))
    replace = await review.put(url, json=draft, headers=steps.reviewer("reviewer-b"))
    assert replace.status_code == 428  # replacing a draft needs its ETag
    invalid = await review.put(
        url,
        json={**draft, "plan": {"score": 6, "comment": "x"}},
        headers={**steps.reviewer("reviewer-b"), "If-Match": saved.headers["ETag"]},
    )
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "body.plan.score"
    ok(
        await review.post(
            f"{url}/submission",
            headers={**steps.reviewer("reviewer-b"), "If-Match": saved.headers["ETag"]},
        )
    )
    resubmit = await review.post(
        f"{url}/submission", headers={**steps.reviewer("reviewer-b"), "If-Match": "*"}
    )
    assert (resubmit.status_code, resubmit.json()["rule"]) == (409, "state_transition")


async def test_an_unassigned_reviewer_cannot_assess(
    toyama_application: str, review: httpx.AsyncClient, auth: Auth
) -> None:
    steps = Steps(review, auth)
    draft = {c: {"score": 3, "comment": "x"} for c in ("future_vision", "achievements", "plan")}
    response = await review.put(
        f"/v1/continuation-applications/{toyama_application}/assessment",
        json=draft,
        headers=steps.reviewer("reviewer-nobody"),
    )
    assert response.status_code == 403
    unknown = await steps.assign(toyama_application, "reviewer-nobody")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["rule"] == "unknown_reviewer"
