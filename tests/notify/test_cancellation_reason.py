"""中止理由: the reason given when the symposium is cancelled in the registry is the one the
cancellation letter says, unless the campaign gives its own; and everyone is told once. Real
SMTP."""

from __future__ import annotations

from services.notify.deliveries.sender import send_due
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.notify.committed_world import World
from tests.notify.symposium_data import future_symposium, operator
from tests.notify.test_campaigns import approve, draft


async def test_the_registrys_cancellation_reason_reaches_the_letter(
    world: World, smtp_server: SmtpServer
) -> None:
    symposium = await world.symposium(future_symposium())
    await world.staff(2)
    invitation = await draft(world.notify, world.token, symposium["id"], "invitation")
    assert (await approve(world.notify, world.token, invitation["id"])).status_code == 200
    assert await send_due(world.ctx) == {"sent": 2}
    cancelled = await world.registry.post(
        f"/v1/symposia/{symposium['id']}/cancellation",
        json={"reason": "講師の体調不良"},
        headers=operator(world.token),
    )
    assert cancelled.json()["cancellation_reason"] == "講師の体調不良"

    cancellation = await draft(world.notify, world.token, symposium["id"], "cancellation")

    assert cancellation["context"]["reason"] == "講師の体調不良"
    assert "講師の体調不良により、" in cancellation["preview"]["text"]
    assert (await approve(world.notify, world.token, cancellation["id"])).status_code == 200
    assert await send_due(world.ctx) == {"sent": 2}
    letters = [m for m in maildir_messages(smtp_server.maildir) if "中止" in str(m["Subject"])]
    assert len(letters) == 2
    for letter in letters:
        body = letter.get_body(("plain",))
        assert body is not None and "講師の体調不良により、" in body.get_content()
    # Everyone has been told: a second cancellation for this version is refused.
    again = await world.notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": "cancellation"},
        headers=operator(world.token),
    )
    assert again.status_code == 409, again.text
    assert (again.json()["rule"], again.json()["campaign_id"]) == (
        "already_announced",
        cancellation["id"],
    )
