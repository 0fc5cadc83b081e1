"""Applications: the lead proposer drafts and submits; the deadline refuses, a grace period
admits."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from tests.fixtures.apps import FrozenClock
from tests.review.continuation_support import (
    CHICHIBU,
    CONTINUED,
    SECTIONS,
    Auth,
    Project,
    Steps,
    create_project,
    ensure_programme,
    ok,
)


@pytest.fixture
async def two_projects(
    session: AsyncSession, registry: httpx.AsyncClient, auth: Auth
) -> list[Project]:
    """Two R1 projects (仙北市, 富山市) in the registry."""
    await ensure_programme(session)
    return [
        await create_project(registry, auth, item, selection_fiscal_year="R1")
        for item in CONTINUED[:2]
    ]


async def test_a_late_submission_is_refused_until_a_grace_period_admits_it(
    two_projects: list[Project], review: httpx.AsyncClient, auth: Auth, clock: FrozenClock
) -> None:
    steps = Steps(review, auth)
    cycle = await steps.open_cycle()
    senboku = two_projects[0]
    clock.set("2021-10-29T12:00")
    application_id, etag = await steps.draft(cycle["id"], senboku)

    clock.set("2021-11-01T17:00:01")  # one second after the moved deadline
    late = await steps.submit(application_id, etag, senboku.lg_code)
    assert late.status_code == 422
    assert late.headers["content-type"] == "application/problem+json"
    problem = late.json()
    assert problem["rule"] == "application_deadline"
    assert problem["deadline"] == "2021-11-01T17:00:00+09:00"
    assert problem["requested_deadline"] == "2021-10-31T17:00:00+09:00"
    assert "令和3年11月1日 17:00" in problem["detail"]

    grace = ok(
        await review.post(
            f"/v1/continuation-cycles/{cycle['id']}/grace-periods",
            json={
                "project_id": senboku.id,
                "until": "2021-11-05T17:00:00",
                "reason": "大雨災害の対応で提出が遅れるため",
            },
            headers={**auth(Role.operator, subject="office-1"), "Idempotency-Key": "grace-1"},
        ),
        201,
    )
    assert grace["granted_by"] == "operator:office-1"
    assert grace["until"] == "2021-11-05T17:00:00+09:00"
    assert grace["granted_at"] == "2021-11-01T17:00:01+09:00"

    clock.set("2021-11-04T09:00")
    submitted = ok(await steps.submit(application_id, etag, senboku.lg_code))
    assert submitted["state"] == "submitted"
    assert submitted["submitted_under_grace_until"] == "2021-11-05T17:00:00+09:00"

    trail = ok(
        await review.get(
            f"/v1/audit?subject=continuation_project:{cycle['id']}:{senboku.id}",
            headers=auth(Role.operator),
        )
    )["items"]
    granted = next(e for e in trail if e["action"] == "continuation_project.grace_granted")
    assert granted["after"]["reason"] == "大雨災害の対応で提出が遅れるため"
    assert granted["actor"] == "operator:office-1"


async def test_a_grace_period_that_ran_out_refuses_again(
    two_projects: list[Project], review: httpx.AsyncClient, auth: Auth, clock: FrozenClock
) -> None:
    steps = Steps(review, auth)
    cycle = await steps.open_cycle()
    toyama = two_projects[1]
    clock.set("2021-10-01T10:00")
    application_id, etag = await steps.draft(cycle["id"], toyama)
    clock.set("2021-11-02T10:00")
    ok(
        await review.post(
            f"/v1/continuation-cycles/{cycle['id']}/grace-periods",
            json={"project_id": toyama.id, "until": "2021-11-03T10:00", "reason": "システム障害"},
            headers=auth(Role.operator),
        ),
        201,
    )
    clock.set("2021-11-03T10:00:01")
    refused = await steps.submit(application_id, etag, toyama.lg_code)
    assert refused.status_code == 422
    assert refused.json()["grace_until"] == "2021-11-03T10:00:00+09:00"


async def test_only_the_lead_drafts_and_only_once(
    two_projects: list[Project], review: httpx.AsyncClient, auth: Auth, clock: FrozenClock
) -> None:
    steps = Steps(review, auth)
    cycle = await steps.open_cycle()
    senboku = two_projects[0]
    url = f"/v1/continuation-cycles/{cycle['id']}/applications"

    clock.set("2021-08-31T10:00")
    early = await review.post(
        url, json={"project_id": senboku.id}, headers=steps.lead(senboku.lg_code)
    )
    assert (early.status_code, early.json()["rule"]) == (422, "application_opening")

    clock.set("2021-09-15T10:00")
    other = await review.post(url, json={"project_id": senboku.id}, headers=steps.lead("162019"))
    assert other.status_code == 403
    created = await review.post(
        url,
        json={"project_id": senboku.id, "future_vision": "将来像"},
        headers=steps.lead(senboku.lg_code),
    )
    draft = ok(created, 201)
    assert draft["state"] == "draft"
    again = await review.post(
        url, json={"project_id": senboku.id}, headers=steps.lead(senboku.lg_code)
    )
    assert again.status_code == 409
    assert again.json()["application_id"] == draft["id"]
    mine = ok(await review.get(url, headers=steps.lead(senboku.lg_code)))["items"]
    assert [a["id"] for a in mine] == [draft["id"]]
    assert ok(await review.get(url, headers=steps.lead("162019")))["items"] == []
    hidden = await review.get(
        f"/v1/continuation-applications/{draft['id']}", headers=steps.lead("162019")
    )
    assert hidden.status_code == 404


async def test_a_submission_needs_every_section_and_the_current_etag(
    two_projects: list[Project], review: httpx.AsyncClient, auth: Auth, clock: FrozenClock
) -> None:
    steps = Steps(review, auth)
    cycle = await steps.open_cycle()
    senboku = two_projects[0]
    clock.set("2021-09-15T10:00")
    created = await review.post(
        f"/v1/continuation-cycles/{cycle['id']}/applications",
        json={"project_id": senboku.id, "future_vision": "将来像"},
        headers=steps.lead(senboku.lg_code),
    )
    draft = ok(created, 201)
    incomplete = await steps.submit(draft["id"], created.headers["ETag"], senboku.lg_code)
    assert incomplete.status_code == 422
    assert {e["field"] for e in incomplete.json()["errors"]} == {
        "application.achievements",
        "application.plan",
    }

    app_url = f"/v1/continuation-applications/{draft['id']}"
    missing = await review.patch(app_url, json=SECTIONS, headers=steps.lead(senboku.lg_code))
    assert missing.status_code == 428
    edited = await review.patch(
        app_url,
        json=SECTIONS,
        headers={**steps.lead(senboku.lg_code), "If-Match": created.headers["ETag"]},
    )
    assert ok(edited)["attachments"][0]["name"] == "継続申請書.pdf"
    stale = await steps.submit(draft["id"], created.headers["ETag"], senboku.lg_code)
    assert stale.status_code == 412
    ok(await steps.submit(draft["id"], edited.headers["ETag"], senboku.lg_code))

    after = await review.patch(
        app_url,
        json={"plan": "変更"},
        headers={**steps.lead(senboku.lg_code), "If-Match": await steps.etag(draft["id"])},
    )
    assert after.status_code == 409
    assert after.json()["rule"] == "state_transition"
    assert after.json()["state"] == "submitted"


async def test_a_project_not_in_the_cohort_cannot_apply(
    two_projects: list[Project],
    registry: httpx.AsyncClient,
    review: httpx.AsyncClient,
    auth: Auth,
    clock: FrozenClock,
) -> None:
    steps = Steps(review, auth)
    cycle = await steps.open_cycle()
    later = await create_project(registry, auth, CHICHIBU, selection_fiscal_year="R2")
    clock.set("2021-09-15T10:00")
    response = await review.post(
        f"/v1/continuation-cycles/{cycle['id']}/applications",
        json={"project_id": later.id},
        headers=steps.lead(later.lg_code),
    )
    assert response.status_code == 404


async def test_every_edit_of_a_draft_is_audited_and_an_empty_one_is_not(
    two_projects: list[Project], review: httpx.AsyncClient, auth: Auth, clock: FrozenClock
) -> None:
    steps = Steps(review, auth)
    cycle = await steps.open_cycle()
    senboku = two_projects[0]
    clock.set("2021-09-15T10:00")
    created = await review.post(
        f"/v1/continuation-cycles/{cycle['id']}/applications",
        json={"project_id": senboku.id, "future_vision": "将来像"},
        headers=steps.lead(senboku.lg_code),
    )
    draft = ok(created, 201)
    app_url = f"/v1/continuation-applications/{draft['id']}"
    lead = steps.lead(senboku.lg_code)
    clock.set("2021-09-16T11:00")
    edited = await review.patch(
        app_url, json={"plan": "今後の計画"}, headers={**lead, "If-Match": created.headers["ETag"]}
    )
    same = await review.patch(
        app_url, json={"plan": "今後の計画"}, headers={**lead, "If-Match": edited.headers["ETag"]}
    )
    assert same.headers["ETag"] == edited.headers["ETag"]  # nothing changed: no new version
    assert ok(same)["updated_at"] == "2021-09-16T11:00:00+09:00"
    # A section may be left out or emptied, never nulled: refused with the field and the rule.
    nulled = await review.patch(
        app_url,
        json={"plan": None, "attachments": None},
        headers={**lead, "If-Match": same.headers["ETag"]},
    )
    assert nulled.status_code == 422, nulled.text
    assert [(e["field"], e["rule"]) for e in nulled.json()["errors"]] == [
        ("body.plan", "not_null"),
        ("body.attachments", "not_null"),
    ]

    trail = ok(
        await review.get(
            f"/v1/audit?subject=continuation_application:{draft['id']}", headers=steps.operator
        )
    )["items"]
    assert [e["action"] for e in trail] == [
        "continuation_application.drafted",
        "continuation_application.edited",
    ]
    event = trail[1]
    assert event["actor"] == f"municipality:lg-{senboku.lg_code}"
    assert event["after"]["edited"] == ["plan"]
    assert event["before"]["plan"] == {"characters": 0, "sha256": "e3b0c44298fc1c14"}
    assert event["after"]["plan"]["characters"] == len("今後の計画")
    assert event["before"]["future_vision"] == event["after"]["future_vision"]
