"""Contact reads are documents built from one statement's rows (services/registry/contacts/
queries.py): each must answer byte for byte what the response model gives for the same contact,
with the same ETag, for every role — links, suppression reports stored in any form, the office's
own contacts — so the two paths can never drift apart."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from libs.common.auth import Principal, Role
from libs.common.pagination import Page
from services.registry.contacts import service
from services.registry.contacts.models import Contact
from tests.fixtures.clients import bearer
from tests.registry.test_contacts import CHICHIBU, TOKYO_TO, add_project_with_council, person

# As migration 0010 wrote the reports of contacts suppressed before it: the time in UTC with
# milliseconds (to_jsonb of a timestamptz), the keys in JSONB's order.
_MIGRATED_REASONS = text(
    "UPDATE registry.contacts SET suppression = 'bounced', suppression_reason = '550',"
    " suppressed_at = '2024-05-01T03:04:05.678+00', suppression_reasons = jsonb_build_array("
    "jsonb_build_object('state', 'bounced', 'reason', '550', 'at',"
    " to_jsonb('2024-05-01T03:04:05.678+00'::timestamptz), 'by', 'registry'))"
    " WHERE id = :id"
)


async def _contacts(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    session: AsyncSession,
) -> None:
    project, council = await add_project_with_council(session, CHICHIBU)
    linked = await registry.post("/v1/contacts", json=person("a@example.jp"), headers=operator)
    for link in ({"council_id": str(council.id)}, {"project_id": str(project.id)}):
        added = await registry.post(
            f"/v1/contacts/{linked.json()['id']}/links", json=link, headers=operator
        )
        assert added.status_code == 201, added.text
    suppressed = await registry.post(
        "/v1/contacts", json=person("b@example.jp", name="秩父 次郎", phone=None), headers=operator
    )
    for state in ("unsubscribed", "bounced"):
        await registry.post(
            f"/v1/contacts/{suppressed.json()['id']}/suppression",
            json={"state": state, "reason": f"{state} です"},
            headers=service_caller,
        )
    migrated = await registry.post(
        "/v1/contacts", json=person("c@example.jp", name="東京 三郎", lg_code=TOKYO_TO),
        headers=operator,
    )  # fmt: skip
    await session.execute(_MIGRATED_REASONS, {"id": migrated.json()["id"]})
    office = person("d@example.jp", name="事務局", organisation="", lg_code=None)
    assert (await registry.post("/v1/contacts", json=office, headers=operator)).status_code == 201


async def _stored(session: AsyncSession) -> list[Contact]:
    query = (
        select(Contact)
        .options(selectinload(Contact.links))
        .order_by(Contact.name, Contact.id)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(query)).all())


async def test_reads_answer_what_the_models_give_for_every_role(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    token: Callable[..., str],
    session: AsyncSession,
) -> None:
    await _contacts(registry, operator, service_caller, session)
    stored = await _stored(session)
    callers = [
        Principal("op", Role.operator),
        Principal("city", Role.municipality, lg_code=CHICHIBU),
        Principal("partner", Role.partner),
    ]
    for principal in callers:
        claims = {"lg_code": principal.lg_code} if principal.lg_code else {}
        headers = bearer(token(principal.role, **claims))
        visible = [
            c for c in stored if principal.role is not Role.municipality or c.lg_code == CHICHIBU
        ]
        shown = service.shown(principal)
        listed = await registry.get("/v1/contacts", headers=headers)
        expected = Page[shown].model_validate(  # type: ignore[valid-type]
            {"items": [service.present(c, principal) for c in visible]}
        )
        assert listed.content == expected.model_dump_json().encode(), principal.role
        for contact in visible:
            one = await registry.get(f"/v1/contacts/{contact.id}", headers=headers)
            model = service.present(contact, principal)
            assert one.content == model.model_dump_json().encode(), principal.role
            assert one.headers["ETag"] == service.contact_etag(contact, principal)
    assert "+09:00" in (await registry.get("/v1/contacts", headers=operator)).text


async def test_a_page_continues_after_its_last_contact(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    token: Callable[..., str],
    session: AsyncSession,
) -> None:
    await _contacts(registry, operator, service_caller, session)
    stored = [str(c.id) for c in await _stored(session)]
    seen: list[str] = []
    url: str | None = "/v1/contacts?limit=3"
    while url:
        page = (await registry.get(url, headers=operator)).json()
        assert len(page["items"]) <= 3
        seen += [c["id"] for c in page["items"]]
        url = page["next"]
    assert seen == stored
    full = (await registry.get("/v1/contacts?limit=4", headers=operator)).json()
    assert full["next"] is None  # exactly one page: no link to an empty one


async def test_each_filter_and_their_combinations_narrow_the_page(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    service_caller: dict[str, str],
    session: AsyncSession,
) -> None:
    await _contacts(registry, operator, service_caller, session)
    wild = person("e@example.jp", name="百%_/", organisation="", stakeholder_category="school")
    assert (await registry.post("/v1/contacts", json=wild, headers=operator)).status_code == 201
    stored = await _stored(session)
    linked = next(c for c in stored if c.links)

    async def names(**params: str) -> list[str]:
        answer = await registry.get("/v1/contacts", params=params, headers=operator)
        assert answer.status_code == 200, answer.text
        return [c["name"] for c in answer.json()["items"]]

    assert await names(stakeholder_category="school") == ["百%_/"]
    assert await names(lg_code=TOKYO_TO) == ["東京 三郎"]
    assert await names(suppressed="true") == ["東京 三郎", "秩父 次郎"]
    assert len(await names(suppressed="false")) == len(stored) - 2
    assert await names(q="%_/") == ["百%_/"]
    assert await names(q="_") == ["百%_/"]  # a wildcard is a character like any other
    assert await names(q="次郎", suppressed="true", lg_code=CHICHIBU) == ["秩父 次郎"]
    assert await names(q="次郎", suppressed="false") == []
    for link in linked.links:
        key = "project_id" if link.project_id else "council_id"
        assert await names(**{key: str(link.project_id or link.council_id)}) == [linked.name]
    paged: list[str] = []
    url: str | None = "/v1/contacts?limit=1&suppressed=false"
    while url:
        page = (await registry.get(url, headers=operator)).json()
        paged += [c["name"] for c in page["items"]]
        url = page["next"]
    assert paged == await names(suppressed="false")
