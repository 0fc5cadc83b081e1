"""A capacity change acts: raising it promotes at once (with the letter), lowering it below the
number attending is refused unless forced, and forced, nobody is bumped. Real SMTP."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from libs.common.settings import Settings
from services.notify.campaigns.context import symposium_links
from services.notify.deliveries.sender import send_due
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.notify.committed_world import World
from tests.notify.symposium_data import future_symposium, operator


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings("notify")


async def attend(
    world: World, settings: Settings, contact: dict[str, Any], symposium: dict[str, Any]
) -> str:
    """What the RSVP page's form posts for this contact's attend link."""
    links = symposium_links(settings, contact_id=uuid.UUID(contact["id"]), symposium=symposium)
    path = links["attend"].split("://", 1)[1].split("/", 1)[1].split("?")[0]
    reply = await world.notify.post(f"/{path}", data={"response": "attend"})
    assert reply.status_code == 200, reply.text
    return reply.text


def promotions(smtp_server: SmtpServer) -> list[EmailMessage]:
    mails = maildir_messages(smtp_server.maildir)
    return [m for m in mails if str(m["Subject"]).startswith("【参加確定】")]


async def capacity(world: World, sid: str, body: dict[str, Any]) -> httpx.Response:
    return await world.notify.put(
        f"/v1/symposia/{sid}/capacity", json=body, headers=operator(world.token)
    )


async def test_raising_capacity_promotes_the_first_in_line_at_once_with_the_letter(
    world: World, settings: Settings, smtp_server: SmtpServer
) -> None:
    symposium = await world.symposium(future_symposium(capacity=1))
    sid = symposium["id"]
    staff = await world.staff(4)
    made = await world.notify.post(
        "/v1/campaigns",
        json={"symposium_id": sid, "kind": "invitation"},
        headers=operator(world.token),
    )
    assert made.status_code == 201
    pages = [await attend(world, settings, contact, symposium) for contact in staff]
    assert "キャンセル待ち（3番目）" in pages[3]
    assert await send_due(world.ctx) == {"sent": 4}  # each answer's confirmation (受付確認)

    raised = await capacity(world, sid, {"capacity": 3})

    assert raised.status_code == 200, raised.text
    body = raised.json()
    assert (body["capacity"], body["attending"], body["waitlisted"]) == (3, 3, 1)
    assert len(body["promoted"]) == 2 and body["over_capacity"] == 0
    assert await send_due(world.ctx) == {"sent": 2}
    mails = promotions(smtp_server)
    assert len({m["Message-ID"] for m in mails}) == len(mails) == 2
    # One capacity: the registry's symposium holds what notify set.
    registry_view = await world.registry.get(f"/v1/symposia/{sid}", headers=operator(world.token))
    assert registry_view.json()["capacity"] == 3
    assert {m["To"].addresses[0].addr_spec for m in mails} == {s["email"] for s in staff[1:3]}
    assert all("【参加確定】" in str(m["Subject"]) and m["List-Unsubscribe"] for m in mails)
    # The same capacity again promotes nobody and sends nothing more.
    again = await capacity(world, sid, {"capacity": 3})
    assert again.json()["promoted"] == []
    assert not await send_due(world.ctx)
    assert len(promotions(smtp_server)) == 2


async def test_lowering_below_attending_is_refused_unless_forced_and_then_nobody_is_bumped(
    world: World, settings: Settings
) -> None:
    symposium = await world.symposium(future_symposium(capacity=3))
    sid = symposium["id"]
    staff = await world.staff(4)
    for contact in staff[:3]:
        assert "出席のご回答を承りました" in await attend(world, settings, contact, symposium)

    refused = await capacity(world, sid, {"capacity": 1})

    assert refused.status_code == 409
    problem = refused.json()
    assert (problem["attending"], problem["capacity"]) == (3, 1)
    assert problem["errors"][0]["rule"] == "capacity_below_attending"
    assert problem["errors"][0]["field"] == "body.capacity"
    summary = await world.notify.get(
        f"/v1/symposia/{sid}/rsvp-summary", headers=operator(world.token)
    )
    assert summary.json()["attending"] == 3
    # Refused: nothing changed anywhere.
    registry_view = await world.registry.get(f"/v1/symposia/{sid}", headers=operator(world.token))
    assert registry_view.json()["capacity"] == 3

    forced = await capacity(world, sid, {"capacity": 1, "force": True})

    assert forced.status_code == 200, forced.text
    body = forced.json()
    assert (body["attending"], body["over_capacity"], body["promoted"]) == (3, 2, [])
    registry_view = await world.registry.get(f"/v1/symposia/{sid}", headers=operator(world.token))
    assert registry_view.json()["capacity"] == 1
    # New acceptances wait until attendance is below the new capacity.
    assert "キャンセル待ち（1番目）" in await attend(world, settings, staff[3], symposium)
