"""Campaign rules against the symposium as the registry has it now (issue 17, items 1 and 5):
a stale draft is refused at approval and nothing reaches the SMTP sink; one invitation campaign
under way per symposium; no invitation to a symposium that is over. Real registry, real sender,
real SMTP server; the Maildir is counted."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from libs.common.errors import Conflict
from libs.common.fiscal_year import TOKYO
from services.notify.campaigns.guards import check_not_over
from services.notify.deliveries.sender import send_due
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.notify.committed_world import World
from tests.notify.symposium_data import create_symposium, future_symposium, operator
from tests.notify.test_campaigns import approve, calendar_event, draft


async def move(world: World, token: Callable[..., str], symposium: dict[str, Any]) -> Any:
    """The symposium two hours later: the registry raises its ``sequence``."""
    path = f"/v1/symposia/{symposium['id']}"
    current = await world.registry.get(path, headers=operator(token))
    later = datetime.fromisoformat(symposium["starts_at"]) + timedelta(hours=2)
    moved = await world.registry.patch(
        path,
        json={
            "starts_at": later.isoformat(),
            "ends_at": (later + timedelta(minutes=90)).isoformat(),
        },
        headers={**operator(token), "If-Match": current.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    return moved.json()


async def withdraw(world: World, token: Callable[..., str], campaign_id: str) -> None:
    path = f"/v1/campaigns/{campaign_id}"
    current = await world.notify.get(path, headers=operator(token))
    withdrawn = await world.notify.post(
        f"{path}/cancellation", headers={**operator(token), "If-Match": current.headers["ETag"]}
    )
    assert withdrawn.status_code == 200, withdrawn.text


async def test_a_stale_draft_is_refused_and_a_fresh_one_sends_the_new_sequence(
    world: World, token: Callable[..., str], smtp_server: SmtpServer
) -> None:
    symposium = await world.symposium(future_symposium())
    staff = await world.staff(2)
    assert symposium["sequence"] == 0
    old = await draft(world.notify, token, symposium["id"], "invitation")
    moved = await move(world, token, symposium)
    assert moved["sequence"] == 1

    refused = await approve(world.notify, token, old["id"])

    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert (problem["rule"], problem["draft_sequence"], problem["symposium_sequence"]) == (
        "stale_draft",
        0,
        1,
    )
    assert await send_due(world.ctx) == {}
    assert maildir_messages(smtp_server.maildir) == []
    still = await world.notify.get(f"/v1/campaigns/{old['id']}", headers=operator(token))
    assert (still.json()["status"], still.json()["counts"]) == ("draft", {"queued": 2})

    # The stale draft is still the active invitation: a second one waits until it is withdrawn.
    second = await world.notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": "invitation"},
        headers=operator(token),
    )
    assert second.status_code == 409, second.text
    assert second.json()["rule"] == "one_active_invitation"
    assert second.json()["campaign_id"] == old["id"]
    await withdraw(world, token, old["id"])

    fresh = await draft(world.notify, token, symposium["id"], "invitation")
    assert fresh["sequence"] == 1
    approved = await approve(world.notify, token, fresh["id"])
    assert approved.status_code == 200, approved.text
    assert (await send_due(world.ctx)).get("sent") == 2

    messages = maildir_messages(smtp_server.maildir)
    assert Counter(str(m["To"].addresses[0].addr_spec) for m in messages) == Counter(
        {c["email"]: 1 for c in staff}
    )
    assert len({m["Message-ID"] for m in messages}) == 2
    for message in messages:
        event = calendar_event(message)
        assert int(event["SEQUENCE"]) == 1
        assert event.decoded("dtstart") == datetime.fromisoformat(moved["starts_at"])


async def test_a_new_invitation_may_follow_one_that_is_done(
    world: World, token: Callable[..., str], smtp_server: SmtpServer
) -> None:
    symposium = await world.symposium(future_symposium())
    await world.staff(1)
    first = await draft(world.notify, token, symposium["id"], "invitation")
    assert (await approve(world.notify, token, first["id"])).status_code == 200
    assert (await send_due(world.ctx)).get("sent") == 1

    again = await draft(world.notify, token, symposium["id"], "invitation", audience="all")

    assert again["status"] == "draft" and again["recipient_count"] == 1
    await withdraw(world, token, again["id"])
    assert len(maildir_messages(smtp_server.maildir)) == 1


async def test_two_invitations_drafted_at_once_leave_one(
    world: World, token: Callable[..., str]
) -> None:
    symposium = await world.symposium(future_symposium())
    await world.staff(1)

    async def post() -> httpx.Response:
        return await world.notify.post(
            "/v1/campaigns",
            json={"symposium_id": symposium["id"], "kind": "invitation"},
            headers=operator(token),
        )

    answers = await asyncio.gather(post(), post(), post())

    assert sorted(a.status_code for a in answers) == [201, 409, 409]
    assert {a.json()["rule"] for a in answers if a.status_code == 409} == {"one_active_invitation"}


async def test_a_symposium_that_is_over_gets_no_invitation(
    registry: httpx.AsyncClient, notify: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    day = datetime.now(TOKYO).date() - timedelta(days=3)
    past = future_symposium(datetime(day.year, day.month, day.day, 13, 30, tzinfo=TOKYO))
    symposium = await create_symposium(registry, token, past)
    assert symposium["status"] == "held"

    refused = await notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": "invitation"},
        headers=operator(token),
    )

    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == "symposium_over"
    assert refused.json()["symposium_status"] == "held"


@pytest.mark.parametrize(
    ("status", "ends"),
    [("scheduled", timedelta(minutes=-1)), ("held", timedelta(days=1)), ("cancelled", None)],
)
def test_an_invitation_is_refused_once_the_end_passed_or_the_registry_says_over(
    status: str, ends: timedelta | None
) -> None:
    """The end as notify sees it (a symposium whose end passed before the registry's nightly
    run marked it held) as well as the registry's status."""
    end = datetime.now(TOKYO) + (ends or timedelta(days=1))
    symposium = {"status": status, "ends_at": end.isoformat()}
    with pytest.raises(Conflict) as refused:
        check_not_over(symposium, "invitation")
    assert refused.value.extensions["rule"] == "symposium_over"
    check_not_over(symposium, "update")  # the rule is the invitation's; others have their own
    check_not_over(
        {"status": "scheduled", "ends_at": (end + timedelta(days=9)).isoformat()}, "invitation"
    )
