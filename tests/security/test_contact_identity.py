"""Contact addresses: no oracle across local governments (issue 14, item 4), one identity rule
for an address everywhere (item 7).

Contacts are owned per local government: the same mailbox may be a contact of 秩父市 and, apart,
of 東京都. A municipality creating or changing a contact learns nothing about another one's
contacts (no 409, no id), while the mailbox stays one: one invitation per symposium campaign and
one suppression for every record of it. Inside one owner, spellings differing only in case are one
contact (409), and the address is kept as written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from libs.common.auth import Role
from libs.common.migrations import upgrade
from services.notify.deliveries.models import Delivery
from tests.databases import scratch_database
from tests.fixtures.clients import bearer
from tests.notify.symposium_data import future_symposium
from tests.registry.test_contacts import CHICHIBU, TOKYO_TO, add_local_governments, person
from tests.security.wiring import Wired


def tagged(local: str) -> str:
    """An address no other test uses (the audience is every contact of the transaction)."""
    return f"{local}.{uuid.uuid4().hex[:8]}@example.jp"


async def created(
    registry: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str]
) -> Any:
    response = await registry.post("/v1/contacts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def test_an_address_held_by_another_local_government_is_no_conflict_and_names_nothing(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    await add_local_governments(session)
    registry = wired.clients["registry"]
    chichibu = bearer(token(Role.municipality, lg_code=CHICHIBU))
    tokyo = bearer(token(Role.municipality, lg_code=TOKYO_TO))
    shared, other = tagged("Shared.Person"), tagged("other")
    theirs = await created(registry, person(shared), chichibu)
    their_other = await created(registry, person(other), chichibu)
    secret_ids = {theirs.json()["id"], their_other.json()["id"]}

    # Same mailbox, another spelling, another owner: a contact of its own, nothing of 秩父市's.
    mine = await created(registry, person(shared.upper(), lg_code=TOKYO_TO), tokyo)
    assert mine.json()["id"] not in secret_ids
    assert mine.json()["email"] == shared.upper().replace("EXAMPLE.JP", "example.jp")
    # Changing a contact onto an address another owner holds answers as for any free address.
    spare = await created(registry, person(tagged("spare"), lg_code=TOKYO_TO), tokyo)
    moved = await registry.patch(
        f"/v1/contacts/{spare.json()['id']}",
        json={"email": other},
        headers={**tokyo, "If-Match": spare.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    for answer in (mine, spare, moved):
        seen = answer.text + str(answer.headers)
        assert not any(secret in seen for secret in secret_ids)

    # Inside its own scope the conflict stays, naming only the caller's own contact.
    again = await registry.post(
        "/v1/contacts", json=person(shared.lower(), lg_code=TOKYO_TO), headers=tokyo
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "body.email"
    assert again.json()["contact_id"] == mine.json()["id"]
    # Each municipality lists only its own record of the mailbox.
    listed = await registry.get("/v1/contacts", headers=tokyo)
    assert {c["id"] for c in listed.json()["items"]} & secret_ids == set()


async def test_one_mailbox_in_two_local_governments_gets_one_invitation_and_one_suppression(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    await add_local_governments(session)
    registry, notify = wired.clients["registry"], wired.clients["notify"]
    operator, service = bearer(token(Role.operator)), bearer(token(Role.service))
    tokyo = bearer(token(Role.municipality, lg_code=TOKYO_TO))
    box = tagged("Same.Box")
    first = await created(registry, person(box), operator)
    second = await created(registry, person(box, lg_code=TOKYO_TO), tokyo)
    symposium = await registry.post("/v1/symposia", json=future_symposium(), headers=operator)
    assert symposium.status_code == 201, symposium.text
    sid = symposium.json()["id"]

    audience = await registry.get(f"/v1/symposia/{sid}/audience", headers=service)
    invited = [c for c in audience.json()["items"] if c["email"].lower() == box.lower()]
    assert len(invited) == 1  # one record speaks for the mailbox
    assert invited[0]["id"] in {first.json()["id"], second.json()["id"]}
    campaign = await notify.post(
        "/v1/campaigns", json={"symposium_id": sid, "kind": "invitation"}, headers=operator
    )
    assert campaign.status_code == 201, campaign.text
    queued = await session.scalar(
        select(func.count()).select_from(Delivery).where(func.lower(Delivery.email) == box.lower())
    )
    assert queued == 1

    bounced = await registry.post(
        "/v1/contacts/suppressions",
        json={"email": box.upper(), "state": "bounced", "reason": "550 user unknown"},
        headers=service,
    )
    assert bounced.status_code == 200, bounced.text
    assert set(bounced.json()["contact_ids"]) == {first.json()["id"], second.json()["id"]}
    for contact in (first, second):
        read = await registry.get(f"/v1/contacts/{contact.json()['id']}", headers=operator)
        assert read.json()["suppression"] == "bounced"
    after = await registry.get(f"/v1/symposia/{sid}/audience", headers=service)
    assert all(c["email"].lower() != box.lower() for c in after.json()["items"])


async def test_spellings_differing_only_in_case_are_one_contact_of_an_owner(
    wired: Wired, session: AsyncSession, token: Callable[..., str]
) -> None:
    await add_local_governments(session)
    registry = wired.clients["registry"]
    operator = bearer(token(Role.operator))
    written = tagged("Hanako.Case")
    hanako = await created(registry, person(written.replace("example.jp", "Example.JP")), operator)
    assert hanako.json()["email"] == written  # local part as written, domain lower-cased

    twin = await registry.post("/v1/contacts", json=person(written.lower()), headers=operator)
    assert twin.status_code == 409, twin.text
    assert twin.json()["contact_id"] == hanako.json()["id"]
    office = await created(registry, person(written.upper(), lg_code=None), operator)
    assert office.json()["lg_code"] is None  # the office's own record is another owner

    other = await created(registry, person(tagged("other")), operator)
    renamed = await registry.patch(
        f"/v1/contacts/{other.json()['id']}",
        json={"email": written.upper()},
        headers={**operator, "If-Match": other.headers["ETag"]},
    )
    assert renamed.status_code == 409, renamed.text
    assert renamed.json()["contact_id"] == hanako.json()["id"]


def test_one_kernel_rule_says_when_two_addresses_are_one_mailbox() -> None:
    from libs.common.email_identity import address_key, canonical_address
    from services.notify.letters.addresses import normalise_email

    assert canonical_address("Ｈａｎａｋｏ@Example.JP", "body.email") == "Hanako@example.jp"
    assert address_key("Hanako@example.jp") == "hanako@example.jp"
    assert address_key(canonical_address(" HANAKO@EXAMPLE.JP", "x")) == "hanako@example.jp"
    # notify compares (suppressions, de-duplication, bounces) by the same key.
    assert normalise_email("Hanako@Example.JP") == address_key("Hanako@example.jp")


async def test_the_migration_merges_an_owners_case_twins_into_the_oldest(
    server_urls: tuple[str, str],
) -> None:
    """``registry_0006`` on rows written before it: twins of one owner become the oldest record,
    which keeps the suppression either had; the unique index then holds."""
    async with scratch_database(server_urls[0], "jisso_migration") as url:
        engine = create_async_engine(url)
        try:
            await upgrade("registry", url, "registry_0005")
            insert = text(
                "INSERT INTO registry.contacts (id, name, email, organisation, search_key, "
                "stakeholder_category, suppression, version, created_at) VALUES (:id, 'x', :email, "
                "'', '', 'other', :suppression, 1, now() - make_interval(mins => :age))"
            )
            oldest, twin, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            async with engine.begin() as conn:
                for id_, email, suppression, age in (
                    (oldest, "Twin@example.jp", None, 30),
                    (twin, "twin@example.jp", "bounced", 20),
                    (other, "other@example.jp", None, 10),
                ):
                    await conn.execute(
                        insert, {"id": id_, "email": email, "suppression": suppression, "age": age}
                    )
            await upgrade("registry", url)
            async with engine.begin() as conn:
                rows = (
                    await conn.execute(
                        text("SELECT id, email, email_key, suppression FROM registry.contacts")
                    )
                ).all()
                assert sorted(rows, key=lambda r: r.email_key) == [
                    (other, "other@example.jp", "other@example.jp", None),
                    (oldest, "Twin@example.jp", "twin@example.jp", "bounced"),
                ]
                merged = (
                    await conn.execute(
                        text(
                            "SELECT subject_id, after FROM registry.audit_events "
                            "WHERE action = 'contact.merged'"
                        )
                    )
                ).all()
                assert merged == [(str(twin), {"merged_into": str(oldest)})]
                with pytest.raises(IntegrityError):
                    await conn.execute(
                        insert,
                        {
                            "id": uuid.uuid4(),
                            "email": "TWIN@example.jp",
                            "suppression": None,
                            "age": 0,
                        },
                    )
        finally:
            await engine.dispose()
