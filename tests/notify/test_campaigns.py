"""Campaigns end to end: the real registry app answers, the real sender writes to a real SMTP
server, and the Maildir is counted. Tests that send use committed rows (``committed_world``); the
others run in the test's transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.auth import Role
from libs.common.settings import Settings
from services.notify.campaigns.context import symposium_links
from services.notify.campaigns.models import Campaign
from services.notify.deliveries.models import Delivery, Suppression
from services.notify.deliveries.sender import send_due
from services.notify.deliveries.tasks import record_suppression_in_registry
from services.notify.letters.textformat import japanese_date
from services.notify.models import outbox
from services.registry.contacts.models import Contact
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.notify.committed_world import World
from tests.notify.symposium_data import (
    create_symposium,
    future_symposium,
    local_government_staff,
    operator,
)


async def campaign_rows(
    committed: async_sessionmaker[AsyncSession], model: Any, *where: Any
) -> list[Any]:
    async with committed() as session:
        return list((await session.scalars(select(model).where(*where))).all())


async def draft(
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    symposium_id: str,
    kind: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    response = await notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium_id, "kind": kind, **extra},
        headers=headers or operator(token),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["ETag"]
    return body


async def approve(
    notify: httpx.AsyncClient, token: Callable[..., str], campaign_id: str
) -> httpx.Response:
    current = await notify.get(f"/v1/campaigns/{campaign_id}", headers=operator(token))
    return await notify.post(
        f"/v1/campaigns/{campaign_id}/approval",
        headers={**operator(token), "If-Match": current.headers["ETag"]},
    )


def calendar_event(message: EmailMessage) -> Any:
    """The VEVENT of the message's ICS attachment (exactly one)."""
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload).walk("VEVENT")[0]


def recipients_of(smtp: SmtpServer) -> Counter[str]:
    return Counter(str(m["To"].addresses[0].addr_spec) for m in maildir_messages(smtp.maildir))


async def test_a_symposium_reaches_local_government_staff_once_each(
    world: World,
    committed: async_sessionmaker[AsyncSession],
    token: Callable[..., str],
    smtp_server: SmtpServer,
) -> None:
    # A symposium still to come: one that is over is never invited to (issue 17, item 5).
    symposium = await world.symposium(future_symposium())
    staff = await world.staff(3)
    for category in ("national_government", "school", "private_company", "resident_representative"):
        await world.staff(1, category)
    # The same mailbox once more, in full-width letters: the registry's lower() does not see it,
    # notify's NFKC normalisation does.
    twin = Contact(
        name="職員0（重複）",
        email=f"ｌｏｃａｌ＿ｇｏｖｅｒｎｍｅｎｔ０.{world.tag}@city.example.jp",
        stakeholder_category="local_government",
        search_key="",
    )
    async with committed() as session, session.begin():
        session.add(twin)
    world.contact_ids.append(str(twin.id))

    campaign = await draft(world.notify, token, symposium["id"], "invitation")

    assert campaign["status"] == "draft"
    assert campaign["recipient_count"] == 3
    assert campaign["counts"] == {"queued": 3}
    assert campaign["sequence"] == symposium["sequence"]
    assert campaign["symposium"]["audience"] == ["local_government"]
    preview = campaign["preview"]
    assert preview["email"] == staff[0]["email"]
    day = japanese_date(symposium["starts_at"])
    series = f"{symposium['fiscal_year_label']} 第{symposium['number']}回"
    assert series in preview["subject"] and day in preview["subject"]
    assert "13:30〜15:00" in preview["text"] and "/v1/rsvp/" in preview["text"]

    approved = await approve(world.notify, token, campaign["id"])
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "sending"
    assert approved.json()["approved_by"].startswith("operator:")

    report = await send_due(world.ctx)

    assert report.get("sent") == 3
    assert recipients_of(smtp_server) == Counter({c["email"]: 1 for c in staff})
    for message in maildir_messages(smtp_server.maildir):
        event = calendar_event(message)
        assert event.decoded("dtstart").isoformat() == symposium["starts_at"]
        assert str(event["dtstart"].params["TZID"]) == "Asia/Tokyo"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    done = await world.notify.get(f"/v1/campaigns/{campaign['id']}", headers=operator(token))
    assert done.json()["status"] == "done"
    assert done.json()["counts"] == {"sent": 3}
    assert done.headers["ETag"] != approved.headers["ETag"]


async def test_one_click_unsubscribe_leaves_the_next_campaign_and_reaches_the_registry(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    make_settings: Callable[..., Settings],
    session: AsyncSession,
    notify_job_ctx: dict[str, Any],
) -> None:
    symposium = await create_symposium(registry, token, future_symposium())
    staff = await local_government_staff(registry, token, 2, "unsub")
    first = await draft(notify, token, symposium["id"], "invitation")
    assert first["recipient_count"] == 2
    # The List-Unsubscribe URL the sender puts in staff[0]'s letter (the same helper builds it).
    unsubscribe_url = symposium_links(
        make_settings("notify"),
        contact_id=uuid.UUID(staff[0]["id"]),
        symposium=symposium,
    )["unsubscribe"]
    path = urlsplit(unsubscribe_url).path

    # What a mail client does for RFC 8058: POST the fixed body, no cookies, no token.
    response = await notify.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert "配信を停止しました" in response.text
    suppression = await session.get(Suppression, staff[0]["email"])
    assert suppression is not None and suppression.state == "unsubscribed"
    assert suppression.reason == "one-click unsubscribe"

    # notify's own table already keeps the address out, before the registry has heard of it
    # (the first draft is withdrawn: one invitation campaign under way per symposium).
    current = await notify.get(f"/v1/campaigns/{first['id']}", headers=operator(token))
    withdrawn = await notify.post(
        f"/v1/campaigns/{first['id']}/cancellation",
        headers={**operator(token), "If-Match": current.headers["ETag"]},
    )
    assert withdrawn.status_code == 200
    second = await draft(notify, token, symposium["id"], "invitation")
    assert second["recipient_count"] == 1
    assert second["preview"]["email"] == staff[1]["email"]

    jobs = (
        (
            await session.execute(
                select(outbox.c.payload).where(
                    outbox.c.function == "record_suppression_in_registry"
                )
            )
        )
        .scalars()
        .all()
    )
    assert [(j["email"], j["state"]) for j in jobs] == [(staff[0]["email"], "unsubscribed")]
    await record_suppression_in_registry(notify_job_ctx, jobs[0])
    contact = await registry.get(f"/v1/contacts/{staff[0]['id']}", headers=operator(token))
    assert contact.json()["suppression"] == "unsubscribed"
    audience = await registry.get(
        f"/v1/symposia/{symposium['id']}/audience", headers=operator(token)
    )
    assert [c["email"] for c in audience.json()["items"]] == [staff[1]["email"]]

    again = await notify.post(path)
    assert again.status_code == 200
    recorded = select(func.count()).where(outbox.c.function == "record_suppression_in_registry")
    assert await session.scalar(recorded) == 1


async def test_approving_again_or_sending_again_sends_nothing_twice(
    world: World,
    committed: async_sessionmaker[AsyncSession],
    token: Callable[..., str],
    smtp_server: SmtpServer,
) -> None:
    symposium = await world.symposium(future_symposium())
    await world.staff(4)
    # One operator (a token names its subject), one key: the second POST is a replay.
    key = {**operator(token), "Idempotency-Key": f"draft-{world.tag}"}
    campaign = await draft(world.notify, token, symposium["id"], "invitation", headers=key)
    replayed = await draft(world.notify, token, symposium["id"], "invitation", headers=key)
    assert replayed["id"] == campaign["id"]
    drafted = await campaign_rows(committed, Campaign, Campaign.symposium_id == symposium["id"])
    assert len(drafted) == 1

    first = await approve(world.notify, token, campaign["id"])
    stale = await world.notify.post(
        f"/v1/campaigns/{campaign['id']}/approval",
        headers={**operator(token), "If-Match": first.headers["ETag"]},
    )
    assert stale.status_code == 200 and stale.json()["status"] == "sending"
    assert (await send_due(world.ctx)).get("sent") == 4
    after_send = await approve(world.notify, token, campaign["id"])
    assert after_send.status_code == 200
    assert after_send.json()["status"] == "done"
    assert await send_due(world.ctx) == {}

    assert sum(recipients_of(smtp_server).values()) == 4
    assert set(recipients_of(smtp_server).values()) == {1}
    async with committed() as session:
        send_jobs = await session.scalar(
            select(func.count()).where(
                outbox.c.function == "send_due_deliveries",
                outbox.c.payload["campaign_id"].astext == campaign["id"],
            )
        )
    assert send_jobs == 1


async def test_with_the_smtp_server_down_messages_wait_and_then_go_once(
    world: World,
    committed: async_sessionmaker[AsyncSession],
    token: Callable[..., str],
    smtp_server: SmtpServer,
) -> None:
    symposium = await world.symposium(future_symposium())
    staff = await world.staff(5)
    campaign = await draft(world.notify, token, symposium["id"], "invitation")
    await approve(world.notify, token, campaign["id"])
    mine = Delivery.campaign_id == uuid.UUID(campaign["id"])

    smtp = smtp_server.server
    smtp.requested_port = smtp.port  # come back on the same port: SMTP_URL does not change
    smtp.stop()
    assert await send_due(world.ctx) == {"retrying": 5}
    assert {d.state for d in await campaign_rows(committed, Delivery, mine)} == {"retrying"}

    assert smtp.start() == smtp_server.url
    smtp_server.fail_file.write_text("421")  # it answers, but defers everything for a while
    await wait_until_due(committed, mine)
    assert await send_due(world.ctx) == {"retrying": 5}
    assert recipients_of(smtp_server) == Counter()

    smtp_server.fail_file.unlink()
    await wait_until_due(committed, mine)
    assert await send_due(world.ctx) == {"sent": 5}

    assert recipients_of(smtp_server) == Counter({c["email"]: 1 for c in staff})
    rows = await campaign_rows(committed, Delivery, mine)
    assert sorted(d.attempts for d in rows) == [3] * 5
    current = await world.notify.get(f"/v1/campaigns/{campaign['id']}", headers=operator(token))
    assert current.json()["counts"] == {"sent": 5}
    assert current.json()["status"] == "done"


async def wait_until_due(committed: async_sessionmaker[AsyncSession], *where: Any) -> None:
    """Sleep out the backoff of the rows (a second or two with the test's knobs)."""
    rows = await campaign_rows(committed, Delivery, *where)
    latest = max(d.next_attempt_at for d in rows if d.next_attempt_at is not None)
    await asyncio.sleep(max(0.0, (latest - datetime.now(UTC)).total_seconds()) + 0.05)


async def test_a_cancelled_symposium_allows_only_a_cancellation(
    registry: httpx.AsyncClient, notify: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    symposium = await create_symposium(registry, token, future_symposium())
    await local_government_staff(registry, token, 1, "cancel")
    refused = await notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": "cancellation"},
        headers=operator(token),
    )
    assert refused.status_code == 409

    current = await registry.get(f"/v1/symposia/{symposium['id']}", headers=operator(token))
    cancelled = await registry.post(
        f"/v1/symposia/{symposium['id']}/cancellation",
        json={"reason": "荒天のため"},
        headers={**operator(token), "If-Match": current.headers["ETag"]},
    )
    assert cancelled.status_code == 200, cancelled.text

    invitation = await notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": "invitation"},
        headers=operator(token),
    )
    assert invitation.status_code == 409
    assert invitation.headers["content-type"] == "application/problem+json"
    assert invitation.json()["rule"] == "cancellation_only"
    notice = await draft(notify, token, symposium["id"], "cancellation", reason="荒天のため")
    # A cancellation goes to the invited who have not declined (宛先の規則): nobody was invited
    # yet. test_audiences sends one to invitees through SMTP.
    assert (notice["recipient_count"], notice["preview"]) == (0, None)
    assert notice["context"] == {"audience": "not_declined", "reason": "荒天のため"}


async def test_a_draft_can_be_withdrawn_and_is_then_never_sent(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    session: AsyncSession,
) -> None:
    symposium = await create_symposium(registry, token, future_symposium())
    await local_government_staff(registry, token, 2, "withdraw")
    campaign = await draft(notify, token, symposium["id"], "invitation")
    path = f"/v1/campaigns/{campaign['id']}"

    no_etag = await notify.post(f"{path}/cancellation", headers=operator(token))
    assert no_etag.status_code == 428
    current = await notify.get(path, headers=operator(token))
    withdrawn = await notify.post(
        f"{path}/cancellation", headers={**operator(token), "If-Match": current.headers["ETag"]}
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "cancelled"
    assert withdrawn.json()["counts"] == {}
    refused = await approve(notify, token, campaign["id"])
    assert refused.status_code == 409
    problem = refused.json()
    assert (problem["rule"], problem["state"], problem["event"]) == (
        "state_transition",
        "cancelled",
        "approve",
    )
    assert problem["allowed_events"] == ["cancel"]

    listed = await notify.get(
        "/v1/campaigns", params={"symposium_id": symposium["id"]}, headers=operator(token)
    )
    assert [c["status"] for c in listed.json()["items"]] == ["cancelled"]
    partner = await notify.get(path, headers={"Authorization": f"Bearer {token(Role.partner)}"})
    assert partner.status_code == 403
