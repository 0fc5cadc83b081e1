"""Conflicts of interest as people write organisations, in the continuation review: assignment
refused by identity (法人格, offices, departments, the office's aliases); a conflicted assigned
reviewer's writes refused with the rule and nothing stored; assignments withdrawn (audited)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from tests.fixtures.apps import FrozenClock
from tests.review.continuation_support import (
    CONTINUED,
    Auth,
    Steps,
    create_project,
    ensure_programme,
    ok,
)

DRAFT = {c: {"score": 3, "comment": "概ね妥当"} for c in ("future_vision", "achievements", "plan")}


@pytest.fixture
async def toyama(
    session: AsyncSession,
    registry: httpx.AsyncClient,
    review: httpx.AsyncClient,
    auth: Auth,
    clock: FrozenClock,
) -> dict[str, str]:
    """富山市's submitted application; its council: 富山市, （株）未来交通, 早稲田大学."""
    await ensure_programme(session)
    project = await create_project(registry, auth, CONTINUED[1], selection_fiscal_year="R1")
    steps = Steps(review, auth)
    cycle = await steps.open_cycle()
    clock.set("2021-10-01T10:00")
    application_id, etag = await steps.draft(cycle["id"], project)
    ok(await steps.submit(application_id, etag, project.lg_code))
    return {"application": application_id, "project": project.id}


async def _assignments(review: httpx.AsyncClient, auth: Auth, application: str) -> Any:
    url = f"/v1/continuation-applications/{application}/assignments"
    return {a["reviewer_subject"]: a for a in ok(await review.get(url, headers=auth()))["items"]}


@pytest.mark.parametrize(
    ("organisation", "names"),
    [
        ("未来交通株式会社 技術開発部", "「（株）未来交通」"),
        ("㈱未来交通", "「（株）未来交通」"),
        ("学校法人早稲田大学 理工学術院", "「早稲田大学」"),
        ("富山市役所", "提案団体「富山市」"),
        ("富山県富山市 企画管理部", "提案団体「富山市」"),
        ("富山市総合政策部", "提案団体「富山市」"),
    ],
)
async def test_assignment_is_refused_however_the_organisation_is_written(
    toyama: dict[str, str], review: httpx.AsyncClient, auth: Auth, organisation: str, names: str
) -> None:
    steps = Steps(review, auth)
    await steps.register_reviewer("reviewer-written", organisation)
    refused = await steps.assign(toyama["application"], "reviewer-written")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["rule"] == "conflict_of_interest"
    assert any(names in reason for reason in problem["reasons"]), problem["reasons"]
    assert await _assignments(review, auth, toyama["application"]) == {}


async def test_a_neighbouring_government_is_no_conflict(
    toyama: dict[str, str], review: httpx.AsyncClient, auth: Auth
) -> None:
    steps = Steps(review, auth)
    for subject, organisation in (("reviewer-pref", "富山県庁"), ("reviewer-uni", "富山県立大学")):
        await steps.register_reviewer(subject, organisation)
        ok(await steps.assign(toyama["application"], subject), 201)


async def test_an_alias_the_office_files_makes_the_conflict_and_its_removal_undoes_it(
    toyama: dict[str, str], review: httpx.AsyncClient, auth: Auth
) -> None:
    steps = Steps(review, auth)
    await steps.register_reviewer("reviewer-mkt", "MKT")
    body = {"written": "ＭＫＴ", "canonical": "株式会社未来交通", "note": "未来交通の略称"}
    created = await review.post(
        "/v1/organisation-aliases", json=body, headers={**auth(), "Idempotency-Key": "alias-1"}
    )
    alias = ok(created, 201)
    assert alias["written_key"] == "mkt"
    duplicate = await review.post(
        "/v1/organisation-aliases", json={**body, "written": "(株)MKT"}, headers=auth()
    )
    assert (duplicate.status_code, duplicate.json()["rule"]) == (409, "alias_exists")
    refused = await steps.assign(toyama["application"], "reviewer-mkt")
    assert refused.status_code == 409
    assert "「（株）未来交通」" in refused.json()["reasons"][0]

    url = f"/v1/organisation-aliases/{alias['id']}"
    patched = await review.patch(
        url, json={"note": "社内略称"}, headers={**auth(), "If-Match": created.headers["ETag"]}
    )
    assert ok(patched)["note"] == "社内略称" and patched.headers["ETag"] != created.headers["ETag"]
    nulled = await review.patch(
        url, json={"canonical": None}, headers={**auth(), "If-Match": patched.headers["ETag"]}
    )
    assert nulled.status_code == 422, nulled.text
    assert [(e["field"], e["rule"]) for e in nulled.json()["errors"]] == [
        ("body.canonical", "not_null")
    ]
    assert (await review.delete(url, headers=auth())).status_code == 428
    stale = await review.delete(url, headers={**auth(), "If-Match": created.headers["ETag"]})
    assert stale.status_code == 412
    removed = await review.delete(url, headers={**auth(), "If-Match": patched.headers["ETag"]})
    assert removed.status_code == 204
    ok(await steps.assign(toyama["application"], "reviewer-mkt"), 201)
    trail = ok(
        await review.get(f"/v1/audit?subject=organisation_alias:{alias['id']}", headers=auth())
    )
    assert [e["action"] for e in trail["items"]] == [
        "organisation_alias.created",
        "organisation_alias.updated",
        "organisation_alias.removed",
    ]
    assert trail["items"][0]["after"]["canonical"] == "株式会社未来交通"


async def test_an_alias_that_leads_back_to_itself_is_refused(
    review: httpx.AsyncClient, auth: Auth
) -> None:
    ok(
        await review.post(
            "/v1/organisation-aliases", json={"written": "A社", "canonical": "B社"}, headers=auth()
        ),
        201,
    )
    for body in ({"written": "B社", "canonical": "(株)A社"}, {"written": "C", "canonical": "C"}):
        refused = await review.post("/v1/organisation-aliases", json=body, headers=auth())
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["rule"] == "alias_cycle"
    forbidden = await review.get(
        "/v1/organisation-aliases", headers=auth(Role.reviewer, programme="☆")
    )
    assert forbidden.status_code == 403


async def test_a_conflict_after_assignment_refuses_the_reviewers_writes_and_stores_nothing(
    toyama: dict[str, str], registry: httpx.AsyncClient, review: httpx.AsyncClient, auth: Auth
) -> None:
    steps = Steps(review, auth)
    await steps.register_reviewer("reviewer-tohoku", "東北大学")
    ok(await steps.assign(toyama["application"], "reviewer-tohoku"), 201)
    url = f"/v1/continuation-applications/{toyama['application']}/assessment"
    saved = await review.put(url, json=DRAFT, headers=steps.reviewer("reviewer-tohoku"))
    ok(saved)
    # The council takes in the reviewer's university, written the registry's way.
    council = ok(await registry.get(f"/v1/projects/{toyama['project']}/council", headers=auth()))
    member = {"organisation": "国立大学法人 東北大学", "category": "university"}
    ok(
        await registry.post(f"/v1/councils/{council['id']}/members", json=member, headers=auth()),
        201,
    )

    changed = {**DRAFT, "plan": {"score": 5, "comment": "変更"}}
    headers = {**steps.reviewer("reviewer-tohoku"), "If-Match": saved.headers["ETag"]}
    for method, path, body in (("PUT", "", changed), ("POST", "/submission", None)):
        refused = await review.request(method, url + path, json=body, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["rule"] == "conflict_of_interest"
        assert "「国立大学法人 東北大学」" in refused.json()["reasons"][0]
    # Nothing stored: the draft is as it was; reads are hidden (404).
    stored = ok(
        await review.get(
            f"/v1/continuation-applications/{toyama['application']}/assessments", headers=auth()
        )
    )["items"]
    assert [(a["state"], a["scores"]["plan"]["score"]) for a in stored] == [("assessing", 3)]
    hidden = await review.get(
        f"/v1/continuation-applications/{toyama['application']}",
        headers=steps.reviewer("reviewer-tohoku"),
    )
    assert hidden.status_code == 404


async def test_a_withdrawn_assessment_no_longer_counts_stays_in_the_audit_and_may_be_redone(
    toyama: dict[str, str], review: httpx.AsyncClient, auth: Auth
) -> None:
    steps = Steps(review, auth)
    for subject in ("reviewer-a", "reviewer-b"):
        await steps.register_reviewer(subject, "東京大学")
        ok(await steps.assign(toyama["application"], subject), 201)
    await steps.assess(toyama["application"], "reviewer-a", score=5)  # submitted
    url = f"/v1/continuation-applications/{toyama['application']}"

    assigned = await _assignments(review, auth, toyama["application"])
    withdrawal = f"{url}/assignments/{assigned['reviewer-a']['id']}/withdrawal"
    reason = {"reason": "審査員の所属先が協議会に加入予定のため"}
    assert (await review.post(withdrawal, json=reason, headers=auth())).status_code == 428
    withdrawn = await review.post(
        withdrawal, json=reason, headers={**auth(), "If-Match": assigned["reviewer-a"]["etag"]}
    )
    body = ok(withdrawn)
    assert body["state"] == "withdrawn"
    assert body["withdrawal_reason"] == reason["reason"]
    assert body["withdrawn_by"].startswith("operator:")
    # The submitted assessment no longer counts: no scores on the row, none shown to others …
    everyone = ok(await review.get(f"{url}/assessments", headers=auth()))["items"]
    by_subject = {a["reviewer_subject"]: a for a in everyone}
    assert (by_subject["reviewer-a"]["state"], by_subject["reviewer-a"]["scores"]) == (
        "withdrawn",
        None,
    )
    await steps.assess(toyama["application"], "reviewer-b", score=2)
    seen = ok(await review.get(f"{url}/assessments", headers=steps.reviewer("reviewer-b")))
    assert seen["others_visible"] is True
    assert [a["reviewer_subject"] for a in seen["items"]] == ["reviewer-b"]
    # … and the withdrawn reviewer no longer sees the application.
    gone = await review.get(url, headers=steps.reviewer("reviewer-a"))
    assert gone.status_code == 404
    # The audit trail keeps what was withdrawn, with who and why.
    trail = ok(
        await review.get(
            f"/v1/audit?subject=continuation_assignment:{assigned['reviewer-a']['id']}",
            headers=auth(),
        )
    )["items"]
    event = next(e for e in trail if e["action"] == "continuation_assignment.withdrawn")
    assert event["before"]["state"] == "assessed"
    assert event["before"]["scores"]["plan"]["score"] == 5
    assert event["after"]["withdrawal_reason"] == reason["reason"]

    # Assigned again: from scratch.
    again = ok(await steps.assign(toyama["application"], "reviewer-a"), 201)
    assert again["state"] == "assigned" and again["withdrawn_at"] is None
    assert again["id"] == assigned["reviewer-a"]["id"]


async def test_a_draft_withdrawn_is_discarded_and_a_decided_application_keeps_its_reviewers(
    toyama: dict[str, str], review: httpx.AsyncClient, auth: Auth
) -> None:
    steps = Steps(review, auth)
    for subject in ("reviewer-draft", "reviewer-done"):
        await steps.register_reviewer(subject, "東京大学")
        ok(await steps.assign(toyama["application"], subject), 201)
    url = f"/v1/continuation-applications/{toyama['application']}"
    ok(await review.put(f"{url}/assessment", json=DRAFT, headers=steps.reviewer("reviewer-draft")))
    assigned = await _assignments(review, auth, toyama["application"])
    draft = assigned["reviewer-draft"]
    ok(
        await review.post(
            f"{url}/assignments/{draft['id']}/withdrawal",
            json={"reason": "辞退の申出"},
            headers={**auth(), "If-Match": draft["etag"]},
        )
    )
    # The withdrawn draft is gone; the reviewer who submitted sees no withdrawn scores.
    await steps.assess(toyama["application"], "reviewer-done")
    seen = ok(await review.get(f"{url}/assessments", headers=steps.reviewer("reviewer-done")))
    assert [a["reviewer_subject"] for a in seen["items"]] == ["reviewer-done"]

    ok(await steps.decide(toyama["application"]), 201)
    done = (await _assignments(review, auth, toyama["application"]))["reviewer-done"]
    refused = await review.post(
        f"{url}/assignments/{done['id']}/withdrawal",
        json={"reason": "決定後"},
        headers={**auth(), "If-Match": done["etag"]},
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == "state_transition"
