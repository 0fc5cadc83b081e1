"""Mail goes to an address as its owner wrote it; identity, de-duplication and suppression ignore
its case (issue 14, item 7).

``Hanako.Yamada@Example.JP`` is written to at ``Hanako.Yamada@example.jp`` (RFC 5321 lets the
receiving server treat the local part case-sensitively, so notify never changes it), while
``hanako.yamada@EXAMPLE.jp`` names the same mailbox for one delivery per campaign or message,
for a suppression and for a bounce. The mail is read back from a real SMTP server's Maildir.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from libs.common.auth import Role
from libs.common.migrations import upgrade
from libs.common.settings import Settings
from services.notify.deliveries.sender import send_due
from services.registry.local_governments.models import LocalGovernment
from tests.databases import scratch_database
from tests.fixtures.clients import bearer
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.fixtures.world import add_local_government
from tests.notify.committed_world import World, committed_world
from tests.notify.symposium_data import future_symposium
from tests.registry.test_contacts import CHICHIBU, person


@pytest.fixture
async def chichibu(committed: async_sessionmaker[AsyncSession]) -> AsyncIterator[str]:
    """秩父市, committed for the world's contacts, removed afterwards if this test added it."""
    async with committed() as session, session.begin():
        added = await session.get(LocalGovernment, CHICHIBU) is None
        if added:
            await add_local_government(session, CHICHIBU, "秩父市")
    yield CHICHIBU
    if added:
        async with committed() as session, session.begin():
            gone = await session.get(LocalGovernment, CHICHIBU)
            if gone is not None:
                await session.delete(gone)


@pytest.fixture
async def world(
    make_settings: Callable[..., Settings],
    committed: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    smtp_server: SmtpServer,
    token: Callable[..., str],
    chichibu: str,
) -> AsyncIterator[World]:
    async with committed_world(
        make_settings=make_settings,
        committed=committed,
        engine=engine,
        smtp_server=smtp_server,
        token=token,
    ) as made:
        yield made


def mail_to(sink: SmtpServer, tag: str) -> list[EmailMessage]:
    return [m for m in maildir_messages(sink.maildir) if tag in str(m["To"])]


def envelope_and_header(mail: EmailMessage) -> tuple[str, str]:
    """(RCPT TO as the SMTP server received it, the To header's address)."""
    return str(mail["X-RcptTo"]), str(mail["To"].addresses[0].addr_spec)


async def contact(world: World, email: str, **fields: Any) -> dict[str, Any]:
    operator = bearer(world.token(Role.operator))
    made = await world.registry.post("/v1/contacts", json=person(email, **fields), headers=operator)
    assert made.status_code == 201, made.text
    world.contact_ids.append(made.json()["id"])
    body: dict[str, Any] = made.json()
    return body


async def send_invitation(world: World) -> dict[str, Any]:
    operator = bearer(world.token(Role.operator))
    symposium = await world.symposium(future_symposium())
    drafted = await world.notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": "invitation"},
        headers=operator,
    )
    assert drafted.status_code == 201, drafted.text
    approved = await world.notify.post(
        f"/v1/campaigns/{drafted.json()['id']}/approval",
        headers={**operator, "If-Match": drafted.headers["ETag"]},
    )
    assert approved.status_code == 200, approved.text
    await send_due(world.ctx)
    body: dict[str, Any] = drafted.json()
    return body


async def deliveries(world: World, campaign: dict[str, Any], email: str) -> list[Any]:
    """The campaign's deliveries to the mailbox ``email`` names (other tests' contacts may be in
    the audience too)."""
    listed = await world.notify.get(
        "/v1/deliveries",
        params={"campaign_id": campaign["id"], "email": email},
        headers=bearer(world.token(Role.operator)),
    )
    assert listed.status_code == 200, listed.text
    items: list[Any] = listed.json()["items"]
    return items


async def message_to(world: World, key: str, *emails: str) -> dict[str, Any]:
    sent = await world.notify.post(
        "/v1/messages",
        json={
            "kind": "continuation_decision",
            "dedupe_key": f"{key}:{world.tag}",
            "context": {
                "project_name": "ドローン物流実装事業",
                "local_government": "秩父市",
                "decision": "approved",
                "decided_on": "2021-12-17",
                "term_end": "2024-03-31",
            },
            "recipients": [{"name": "山田 花子", "email": e} for e in emails],
        },
        headers=bearer(world.token(Role.service)),
    )
    assert sent.status_code == 201, sent.text
    body: dict[str, Any] = sent.json()
    return body


async def test_a_campaign_writes_to_the_address_as_written_once_per_mailbox(
    world: World, smtp_server: SmtpServer
) -> None:
    written = f"Hanako.Yamada.{world.tag}@example.jp"
    hanako = await contact(world, f"Hanako.Yamada.{world.tag}@Example.JP", lg_code=None)
    assert hanako["email"] == written
    # The same mailbox, spelt otherwise, a contact of 秩父市 too: still one letter.
    await contact(world, written.upper().replace("EXAMPLE.JP", "example.jp"))

    campaign = await send_invitation(world)

    assert [d["email"] for d in await deliveries(world, campaign, written)] == [written]
    (mail,) = mail_to(smtp_server, world.tag)
    assert envelope_and_header(mail) == (written, written)
    # The delivery keeps the spelling; any spelling finds it.
    listed = await world.notify.get(
        "/v1/deliveries",
        params={"email": written.lower().replace("example.jp", "EXAMPLE.jp")},
        headers=bearer(world.token(Role.operator)),
    )
    assert listed.status_code == 200, listed.text
    assert [(d["email"], d["state"]) for d in listed.json()["items"]] == [(written, "sent")]


async def test_a_message_writes_as_written_and_a_suppression_in_any_case_stops_the_mailbox(
    world: World, smtp_server: SmtpServer
) -> None:
    written = f"Hanako.Yamada.{world.tag}@example.jp"
    spellings = (f"Hanako.Yamada.{world.tag}@Example.JP", f"HANAKO.yamada.{world.tag}@example.jp")

    first = await message_to(world, "decision", *spellings)
    assert [(d["email"], d["state"]) for d in first["deliveries"]] == [(written, "queued")]
    await send_due(world.ctx)
    (mail,) = mail_to(smtp_server, world.tag)
    assert envelope_and_header(mail) == (written, written)

    # Queued before the mailbox bounces, claimed after: never sent.
    queued = await message_to(world, "reminder", spellings[1])
    assert [d["email"] for d in queued["deliveries"]] == [spellings[1]]
    bounced = await world.notify.post(
        "/v1/bounces",
        json={"email": f"hanako.yamada.{world.tag}@EXAMPLE.jp", "type": "hard", "reason": "550"},
        headers=bearer(world.token(Role.operator)),
    )
    assert bounced.status_code == 200, bounced.text
    outcome = bounced.json()["outcomes"][0]
    assert outcome["action"] == "suppressed"
    assert outcome["delivery_id"] == first["deliveries"][0]["id"]  # the latest sent to the mailbox
    await send_due(world.ctx)
    assert len(mail_to(smtp_server, world.tag)) == 1
    operator = bearer(world.token(Role.operator))
    after = await world.notify.get(f"/v1/messages/{queued['id']}", headers=operator)
    assert after.json()["counts"] == {"suppressed": 1}

    # Written to after the suppression, in yet another spelling: nothing is queued.
    later = await message_to(world, "result", spellings[0])
    assert later["counts"] == {"suppressed": 1}
    await contact(world, spellings[0], lg_code=None)
    campaign = await send_invitation(world)
    assert await deliveries(world, campaign, spellings[1]) == []
    assert len(mail_to(smtp_server, world.tag)) == 1


async def test_the_migration_keys_existing_rows_by_the_kernel_rule(
    server_urls: tuple[str, str],
) -> None:
    """``notify_0004`` on rows written before it: ASCII rows keyed in SQL, others in Python, both
    exactly as ``address_key``; then one row per mailbox and campaign, one answer per symposium."""
    async with scratch_database(server_urls[0], "jisso_migration") as url:
        engine = create_async_engine(url)
        campaign, symposium = uuid.uuid4(), uuid.uuid4()
        delivery = text(
            "INSERT INTO notify.deliveries (id, campaign_id, dedupe_key, kind, contact_id, email, "
            "name, state, attempts, smtp_message_id) VALUES (gen_random_uuid(), :campaign, "
            "gen_random_uuid()::text, 'symposium_invitation', gen_random_uuid(), :email, '', "
            "'sent', 1, gen_random_uuid()::text)"
        )
        try:
            await upgrade("notify", url, "notify_0003")
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO notify.campaigns (id, symposium_id, kind, status, symposium, "
                        "sequence, context, recipient_count, created_by, version) VALUES (:id, "
                        "gen_random_uuid(), 'invitation', 'done', '{}', 0, '{}', 3, 'x', 1)"
                    ),
                    {"id": campaign},
                )
                for email in ("hanako@example.jp", "Taro.IZU@example.jp", "ÉLODIE@example.jp"):
                    await conn.execute(delivery, {"campaign": campaign, "email": email})
                await conn.execute(
                    text(
                        "INSERT INTO notify.rsvps"
                        " (id, symposium_id, email, name, response, version)"
                        " VALUES (gen_random_uuid(), :symposium, 'Jiro@example.jp', '',"
                        " 'attending', 1)"
                    ),
                    {"symposium": symposium},
                )
            await upgrade("notify", url)
            async with engine.begin() as conn:
                keys = await conn.execute(text("SELECT email, email_key FROM notify.deliveries"))
                assert {tuple(row) for row in keys} == {
                    ("hanako@example.jp", "hanako@example.jp"),
                    ("Taro.IZU@example.jp", "taro.izu@example.jp"),
                    ("ÉLODIE@example.jp", "élodie@example.jp"),  # keyed in Python
                }
                answer = await conn.execute(text("SELECT email, email_key FROM notify.rsvps"))
                assert [tuple(row) for row in answer] == [("Jiro@example.jp", "jiro@example.jp")]
            twins = (  # a second spelling of a mailbox: in the campaign, in the symposium's answers
                "INSERT INTO notify.deliveries (id, campaign_id, dedupe_key, kind, email, "
                "email_key, name, state, attempts, smtp_message_id) VALUES (gen_random_uuid(), "
                ":campaign, 'twin', 'symposium_invitation', 'TARO.izu@example.jp', "
                "'taro.izu@example.jp', '', 'queued', 0, 'twin')",
                "INSERT INTO notify.rsvps (id, symposium_id, email, email_key, name, response, "
                "version) VALUES (gen_random_uuid(), :symposium, 'JIRO@example.jp', "
                "'jiro@example.jp', '', 'declined', 1)",
            )
            for twin in twins:
                with pytest.raises(IntegrityError):
                    async with engine.begin() as conn:
                        await conn.execute(
                            text(twin), {"campaign": campaign, "symposium": symposium}
                        )
        finally:
            await engine.dispose()
