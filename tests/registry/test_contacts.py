"""Contacts through the API on real PostgreSQL: email rules, who sees what, links, suppression."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Role
from services.registry.audit.models import AuditEvent
from services.registry.contacts.change_repository import CHANGEABLE
from services.registry.contacts.schemas import ContactUpdate
from services.registry.councils.models import Council
from services.registry.local_governments.models import LocalGovernment
from services.registry.programmes.models import Programme
from services.registry.projects.models import Project, ProjectProposer
from tests.fixtures.clients import bearer

CHICHIBU, TOKYO_TO = "112071", "130001"


async def add_local_governments(session: AsyncSession) -> None:
    for code, name, prefecture in ((CHICHIBU, "秩父市", "埼玉県"), (TOKYO_TO, "東京都", "東京都")):
        if await session.get(LocalGovernment, code) is None:
            session.add(
                LocalGovernment(
                    code=code,
                    name=name,
                    prefecture_code=code[:2],
                    prefecture=prefecture,
                    kind="city",
                    search_key=name,
                )
            )
    await session.flush()


async def add_project_with_council(session: AsyncSession, proposer: str) -> tuple[Project, Council]:
    await add_local_governments(session)
    if await session.get(Programme, "test-mirai") is None:
        session.add(
            Programme(id="test-mirai", mark="T", ministry="内閣府", bureau="test", name="test")
        )
    project = Project(
        programme_id="test-mirai",
        title=f"{proposer}の事業",
        selection_fiscal_year=2021,
        term_start=date(2021, 4, 1),
        term_end=date(2024, 3, 31),
        status="supported",
        proposers=[ProjectProposer(lg_code=proposer, is_lead=True, position=0)],
    )
    session.add(project)
    await session.flush()
    council = Council(project_id=project.id, name="協議会", members=[])
    session.add(council)
    await session.flush()
    return project, council


@pytest.fixture(autouse=True)
async def chichibu_and_tokyo(session: AsyncSession) -> None:
    """Every test here keeps contacts of 秩父市 and 東京都."""
    await add_local_governments(session)


def person(email: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": "秩父 花子",
        "email": email,
        "phone": "0494-22-2211",
        "organisation": "秩父市 未来技術推進課",
        "stakeholder_category": "local_government",
        "lg_code": CHICHIBU,
        **fields,
    }


async def test_email_is_validated_normalised_and_unique(
    registry: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    created = await registry.post(
        "/v1/contacts", json=person("Ｈａｎａｋｏ@Example.JP"), headers=operator
    )
    assert created.status_code == 201, created.text
    assert created.json()["email"] == "Hanako@example.jp"
    assert created.headers["ETag"].startswith(f'"contact-{created.json()["id"]}-')
    again = await registry.get(f"/v1/contacts/{created.json()['id']}", headers=operator)
    assert again.headers["ETag"] == created.headers["ETag"]  # one representation, one ETag

    invalid = await registry.post("/v1/contacts", json=person("not-an-address"), headers=operator)
    assert invalid.status_code == 422
    assert [(e["field"], e["rule"]) for e in invalid.json()["errors"]] == [("body.email", "email")]

    duplicate = await registry.post(
        "/v1/contacts", json=person("Hanako@EXAMPLE.jp", name="別人"), headers=operator
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["field"] == "body.email"
    assert duplicate.json()["contact_id"] == created.json()["id"]
    count = await session.scalar(select(func.count()).select_from(AuditEvent))
    assert count == 1

    bad_category = await registry.post(
        "/v1/contacts", json=person("x@example.jp", stakeholder_category="press"), headers=operator
    )
    assert bad_category.json()["errors"][0]["field"] == "body.stakeholder_category"


async def test_partner_never_sees_email_or_phone(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    created = await registry.post(
        "/v1/contacts", json=person("hanako@example.jp"), headers=operator
    )
    partner = bearer(token(Role.partner))

    one = await registry.get(f"/v1/contacts/{created.json()['id']}", headers=partner)
    assert one.status_code == 200
    assert set(one.json()) == {
        "id",
        "name",
        "organisation",
        "stakeholder_category",
        "lg_code",
        "links",
    }
    listed = await registry.get("/v1/contacts", headers=partner)
    assert [set(item) for item in listed.json()["items"]] == [set(one.json())]
    assert "hanako" not in listed.text and "0494" not in listed.text
    assert (await registry.get("/v1/contacts?suppressed=true", headers=partner)).status_code == 403
    writing = await registry.post("/v1/contacts", json=person("p@example.jp"), headers=partner)
    assert writing.status_code == 403

    full = await registry.get(f"/v1/contacts/{created.json()['id']}", headers=operator)
    assert full.json()["email"] == "hanako@example.jp"
    assert full.json()["phone"] == "0494-22-2211"


async def test_municipality_reaches_only_its_own_contacts(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    ours = await registry.post("/v1/contacts", json=person("ours@example.jp"), headers=operator)
    theirs = await registry.post(
        "/v1/contacts", json=person("theirs@example.jp", lg_code=TOKYO_TO), headers=operator
    )
    chichibu = bearer(token(Role.municipality, lg_code=CHICHIBU))

    assert (
        await registry.get(f"/v1/contacts/{ours.json()['id']}", headers=chichibu)
    ).status_code == 200
    denied = await registry.get(f"/v1/contacts/{theirs.json()['id']}", headers=chichibu)
    assert denied.status_code == 403
    patch = await registry.patch(
        f"/v1/contacts/{theirs.json()['id']}",
        json={"name": "x"},
        headers={**chichibu, "If-Match": theirs.headers["ETag"]},
    )
    assert patch.status_code == 403
    listed = await registry.get("/v1/contacts", headers=chichibu)
    assert [c["email"] for c in listed.json()["items"]] == ["ours@example.jp"]
    assert (
        await registry.get(f"/v1/contacts?lg_code={TOKYO_TO}", headers=chichibu)
    ).status_code == 403

    own_new = await registry.post(
        "/v1/contacts", json=person("new@example.jp", lg_code=None), headers=chichibu
    )
    assert own_new.status_code == 201
    assert own_new.json()["lg_code"] == CHICHIBU
    foreign_new = await registry.post(
        "/v1/contacts", json=person("f@example.jp", lg_code=TOKYO_TO), headers=chichibu
    )
    assert foreign_new.status_code == 403


async def test_patch_needs_if_match_and_keeps_email_rules(
    registry: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    first = await registry.post("/v1/contacts", json=person("a@example.jp"), headers=operator)
    await registry.post("/v1/contacts", json=person("b@example.jp"), headers=operator)
    url = f"/v1/contacts/{first.json()['id']}"

    assert (await registry.patch(url, json={"name": "新"}, headers=operator)).status_code == 428
    stale = await registry.patch(url, json={"name": "新"}, headers={**operator, "If-Match": '"x"'})
    assert stale.status_code == 412
    taken = await registry.patch(
        url, json={"email": "b@EXAMPLE.JP"}, headers={**operator, "If-Match": first.headers["ETag"]}
    )
    assert taken.status_code == 409
    invalid = await registry.patch(
        url, json={"email": "a@@example"}, headers={**operator, "If-Match": first.headers["ETag"]}
    )
    assert invalid.json()["errors"][0]["field"] == "body.email"
    ok = await registry.patch(
        url,
        json={"organisation": "スマートシティ推進室", "email": "A2@EXAMPLE.JP"},
        headers={**operator, "If-Match": first.headers["ETag"]},
    )
    assert ok.status_code == 200
    assert ok.json()["organisation"] == "スマートシティ推進室"
    assert ok.json()["email"] == "A2@example.jp"
    assert ok.json()["version"] == 2
    assert ok.headers["ETag"] != first.headers["ETag"]
    found = await registry.get("/v1/contacts", params={"q": "ｽﾏｰﾄ ｼﾃｨ"}, headers=operator)
    assert [c["id"] for c in found.json()["items"]] == [first.json()["id"]]
    old = await registry.get("/v1/contacts", params={"q": "未来技術推進課"}, headers=operator)
    assert len(old.json()["items"]) == 1  # only the untouched contact still has it


async def test_links_to_projects_and_councils(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    session: AsyncSession,
    token: Callable[..., str],
) -> None:
    project, council = await add_project_with_council(session, CHICHIBU)
    other_project, _ = await add_project_with_council(session, TOKYO_TO)
    created = await registry.post("/v1/contacts", json=person("l@example.jp"), headers=operator)
    contact_id = created.json()["id"]
    links_url = f"/v1/contacts/{contact_id}/links"

    neither = await registry.post(links_url, json={}, headers=operator)
    assert neither.status_code == 422
    to_project = await registry.post(
        links_url, json={"project_id": str(project.id)}, headers=operator
    )
    assert to_project.status_code == 201
    again = await registry.post(links_url, json={"project_id": str(project.id)}, headers=operator)
    assert again.status_code == 409
    to_council = await registry.post(
        links_url, json={"council_id": str(council.id)}, headers=operator
    )
    assert to_council.status_code == 201
    chichibu = bearer(token(Role.municipality, lg_code=CHICHIBU))
    foreign = await registry.post(
        links_url, json={"project_id": str(other_project.id)}, headers=chichibu
    )
    assert foreign.status_code == 403

    by_council = await registry.get(
        "/v1/contacts", params={"council_id": str(council.id)}, headers=operator
    )
    assert [c["id"] for c in by_council.json()["items"]] == [contact_id]
    by_project = await registry.get(
        "/v1/contacts", params={"project_id": str(other_project.id)}, headers=operator
    )
    assert by_project.json()["items"] == []

    current = await registry.get(f"/v1/contacts/{contact_id}", headers=operator)
    assert len(current.json()["links"]) == 2
    link_url = f"{links_url}/{to_project.json()['id']}"
    assert (await registry.delete(link_url, headers=operator)).status_code == 428
    stale = await registry.delete(
        link_url, headers={**operator, "If-Match": created.headers["ETag"]}
    )
    assert stale.status_code == 412
    removed = await registry.delete(
        link_url, headers={**operator, "If-Match": current.headers["ETag"]}
    )
    assert removed.status_code == 200
    assert [ln["council_id"] for ln in removed.json()["links"]] == [str(council.id)]


async def test_suppression_by_id_is_idempotent_and_can_be_lifted(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    token: Callable[..., str],
    session: AsyncSession,
) -> None:
    service = bearer(token(Role.service))
    one = await registry.post("/v1/contacts", json=person("one@example.jp"), headers=operator)
    await registry.post("/v1/contacts", json=person("two@example.jp"), headers=operator)
    url = f"/v1/contacts/{one.json()['id']}/suppression"

    first = await registry.post(
        url, json={"state": "unsubscribed", "reason": "本人希望"}, headers=service
    )
    assert first.status_code == 200
    assert first.json()["suppression"] == "unsubscribed"
    assert first.json()["suppressed_at"].endswith("+09:00")
    repeat = await registry.post(
        url, json={"state": "unsubscribed", "reason": "再送"}, headers=service
    )
    assert repeat.status_code == 200
    assert repeat.json()["suppression_reason"] == "本人希望"
    assert repeat.headers["ETag"] == first.headers["ETag"]
    assert [r["reason"] for r in repeat.json()["suppression_reasons"]] == ["本人希望"]
    municipality = bearer(token(Role.municipality, lg_code=CHICHIBU))
    denied = await registry.post(url, json={"state": "bounced"}, headers=municipality)
    assert denied.status_code == 403

    suppressed = await registry.get("/v1/contacts", params={"suppressed": "true"}, headers=operator)
    assert [c["id"] for c in suppressed.json()["items"]] == [one.json()["id"]]
    assert (await registry.delete(url, headers=operator)).status_code == 428
    lifted = await registry.delete(url, headers={**operator, "If-Match": repeat.headers["ETag"]})
    assert lifted.status_code == 200
    assert lifted.json()["suppression"] is None
    reachable = await registry.get("/v1/contacts", params={"suppressed": "false"}, headers=operator)
    assert len(reachable.json()["items"]) == 2
    actions = await session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("contact.%suppressed"))
    )
    assert sorted(actions) == ["contact.suppressed", "contact.unsuppressed"]


async def test_suppression_reasons_accumulate_and_the_strongest_is_in_effect(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    """An unsubscribe, then a bounce, then another unsubscribe: each kind is kept with when and
    who, the bounce is in effect from its arrival, and a later repeat displaces nothing."""
    service = bearer(token(Role.service))
    one = await registry.post("/v1/contacts", json=person("both@example.jp"), headers=operator)
    url = f"/v1/contacts/{one.json()['id']}/suppression"
    unsubscribed = await registry.post(
        url, json={"state": "unsubscribed", "reason": "本人希望"}, headers=service
    )
    bounced = await registry.post(
        "/v1/contacts/suppressions",
        json={"email": "both@example.jp", "state": "bounced", "reason": "550 5.1.1"},
        headers=service,
    )
    assert (bounced.status_code, bounced.json()["changed"]) == (200, 1)
    again = await registry.post(
        url, json={"state": "unsubscribed", "reason": "二度目"}, headers=operator
    )
    out = again.json()
    assert (out["suppression"], out["suppression_reason"]) == ("bounced", "550 5.1.1")
    assert out["suppressed_at"] > unsubscribed.json()["suppressed_at"]
    assert [(r["state"], r["reason"]) for r in out["suppression_reasons"]] == [
        ("unsubscribed", "本人希望"),
        ("bounced", "550 5.1.1"),
    ]
    assert out["suppression_reasons"][0] == unsubscribed.json()["suppression_reasons"][0]
    assert all(r["by"] for r in out["suppression_reasons"])
    # A bounce after the bounce changes nothing either.
    bounced_again = await registry.post(
        url, json={"state": "bounced", "reason": ""}, headers=service
    )
    assert bounced_again.json()["suppression_reasons"] == out["suppression_reasons"]


async def test_suppression_by_address_reaches_every_spelling(
    registry: httpx.AsyncClient, operator: dict[str, str], token: Callable[..., str]
) -> None:
    service = bearer(token(Role.service))
    one = await registry.post("/v1/contacts", json=person("Bounce@example.jp"), headers=operator)
    two = await registry.post(  # the same mailbox, held apart by another owner
        "/v1/contacts",
        json=person("bounce@example.jp", name="同じ箱", lg_code=TOKYO_TO),
        headers=operator,
    )
    body = {"email": "BOUNCE@example.jp", "state": "bounced", "reason": "550 user unknown"}

    by_address = await registry.post("/v1/contacts/suppressions", json=body, headers=service)
    assert by_address.status_code == 200
    assert by_address.json()["email"] == "BOUNCE@example.jp"
    assert set(by_address.json()["contact_ids"]) == {one.json()["id"], two.json()["id"]}
    assert by_address.json()["changed"] == 2
    replay = await registry.post("/v1/contacts/suppressions", json=body, headers=service)
    assert (replay.status_code, replay.json()["changed"]) == (200, 0)
    unknown = await registry.post(
        "/v1/contacts/suppressions", json={**body, "email": "nobody@example.jp"}, headers=service
    )
    assert unknown.status_code == 404
    invalid = await registry.post(
        "/v1/contacts/suppressions", json={**body, "email": "nobody"}, headers=service
    )
    assert invalid.json()["errors"][0]["field"] == "body.email"
    partner = bearer(token(Role.partner))
    assert (
        await registry.post("/v1/contacts/suppressions", json=body, headers=partner)
    ).status_code == 403


async def test_list_pages_by_cursor(registry: httpx.AsyncClient, operator: dict[str, str]) -> None:
    for index in range(5):
        await registry.post(
            "/v1/contacts",
            json=person(f"p{index}@example.jp", name=f"名前{index}"),
            headers=operator,
        )
    seen: list[str] = []
    url: str | None = "/v1/contacts?limit=2"
    while url:
        page = (await registry.get(url, headers=operator)).json()
        seen += [c["name"] for c in page["items"]]
        url = page["next"]
    assert seen == [f"名前{index}" for index in range(5)]


def test_a_change_writes_back_every_field_a_patch_may_send() -> None:
    # A PATCH is written back by change_repository.write, which writes its CHANGEABLE columns
    # only: a field added to ContactUpdate and not there would be answered but never stored.
    assert set(ContactUpdate.model_fields) <= set(CHANGEABLE)
