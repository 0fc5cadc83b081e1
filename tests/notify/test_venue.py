"""会場: an in-person or hybrid symposium is announced only with its venue, which is the calendar's
LOCATION; the join URL goes in URL and the body. Real SMTP."""

from __future__ import annotations

from services.notify.deliveries.sender import send_due
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.notify.committed_world import World
from tests.notify.symposium_data import future_symposium, operator
from tests.notify.test_campaigns import approve, calendar_event, draft

VENUE = "秩父市役所 本庁舎 3階 大会議室"
JOIN_URL = "https://meet.example.jp/hybrid-4"


async def test_a_hybrid_symposium_is_invited_to_only_with_its_venue_as_the_location(
    world: World, smtp_server: SmtpServer
) -> None:
    symposium = await world.symposium(future_symposium(format="hybrid", join_url=JOIN_URL))
    headers = operator(world.token)
    refused = await world.notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": "invitation"},
        headers=headers,
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == "venue_required"
    assert "会場" in refused.json()["detail"]

    url = f"/v1/symposia/{symposium['id']}"
    current = await world.registry.get(url, headers=headers)
    placed = await world.registry.patch(
        url, json={"venue": VENUE}, headers={**headers, "If-Match": current.headers["ETag"]}
    )
    assert placed.status_code == 200, placed.text
    assert (placed.json()["venue"], placed.json()["sequence"]) == (VENUE, 1)
    await world.staff(1)
    campaign = await draft(world.notify, world.token, symposium["id"], "invitation")
    assert (await approve(world.notify, world.token, campaign["id"])).status_code == 200

    assert await send_due(world.ctx) == {"sent": 1}

    (mail,) = maildir_messages(smtp_server.maildir)
    event = calendar_event(mail)
    assert (str(event["location"]), str(event["url"])) == (VENUE, JOIN_URL)
    assert int(event["sequence"]) == 1
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    body = text.get_content()
    assert VENUE in body and JOIN_URL in body and "会場・オンライン併用" in body


async def test_a_web_symposium_needs_no_venue_and_its_location_is_the_url(
    world: World, smtp_server: SmtpServer
) -> None:
    symposium = await world.symposium(future_symposium(join_url=JOIN_URL))
    await world.staff(1)
    campaign = await draft(world.notify, world.token, symposium["id"], "invitation")
    assert (await approve(world.notify, world.token, campaign["id"])).status_code == 200
    assert await send_due(world.ctx) == {"sent": 1}
    (mail,) = maildir_messages(smtp_server.maildir)
    assert str(calendar_event(mail)["location"]) == JOIN_URL
    public = await world.registry.get(
        f"/v1/symposia/{symposium['id']}",
        headers={"Authorization": f"Bearer {world.token('partner')}"},
    )
    assert public.json()["venue"] is None and "join_url" not in public.json()
