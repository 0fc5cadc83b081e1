"""Targeted sends: a second invitation reaches only those no earlier one reached, a named list of
contacts, and one person's letter sent again with a reason, audited. Real SMTP: letters are
counted at the sink by Message-ID."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from services.notify.deliveries.sender import send_due
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.notify.committed_world import World
from tests.notify.symposium_data import create_contact, future_symposium, operator
from tests.notify.test_campaigns import approve, calendar_event, draft


async def more_staff(world: World, count: int, start: int) -> list[dict[str, Any]]:
    made = [
        await create_contact(
            world.registry,
            world.token,
            name=f"追加職員{i}",
            email=f"extra{i}.{world.tag}@city.example.jp",
        )
        for i in range(start, start + count)
    ]
    world.contact_ids += [c["id"] for c in made]
    return made


async def invite(world: World, symposium_id: str, **extra: Any) -> dict[str, Any]:
    campaign = await draft(world.notify, world.token, symposium_id, "invitation", **extra)
    if campaign["recipient_count"]:
        approved = await approve(world.notify, world.token, campaign["id"])
        assert approved.status_code == 200, approved.text
        await send_due(world.ctx)
    return campaign


def sent_to(smtp: SmtpServer) -> Counter[str]:
    mails = maildir_messages(smtp.maildir)
    assert len({m["Message-ID"] for m in mails}) == len(mails)  # each letter once
    return Counter(str(m["To"].addresses[0].addr_spec) for m in mails)


async def test_a_second_invitation_reaches_only_those_not_yet_invited_unless_all_is_asked(
    world: World, smtp_server: SmtpServer
) -> None:
    symposium = await world.symposium(future_symposium())
    first = await world.staff(3)
    assert (await invite(world, symposium["id"]))["recipient_count"] == 3
    later = await more_staff(world, 2, 0)

    second = await invite(world, symposium["id"])

    assert second["context"]["audience"] == "not_yet_invited"
    assert second["recipient_count"] == 2
    assert sent_to(smtp_server) == Counter({c["email"]: 1 for c in [*first, *later]})
    nobody = await invite(world, symposium["id"])
    assert (nobody["recipient_count"], nobody["status"]) == (0, "draft")
    read = await world.notify.get(f"/v1/campaigns/{nobody['id']}", headers=operator(world.token))
    cancelled = await world.notify.post(
        f"/v1/campaigns/{nobody['id']}/cancellation",
        headers={**operator(world.token), "If-Match": read.headers["ETag"]},
    )
    assert cancelled.status_code == 200, cancelled.text

    again = await invite(world, symposium["id"], audience="all")

    assert again["recipient_count"] == 5
    assert sent_to(smtp_server) == Counter({c["email"]: 2 for c in [*first, *later]})


async def test_a_named_list_of_contacts_is_invited_whoever_they_are(
    world: World, smtp_server: SmtpServer
) -> None:
    symposium = await world.symposium(future_symposium())
    staff = await world.staff(2)
    (speaker,) = await world.staff(1, "private_company")  # not in the audience: invited by name

    named = await invite(
        world, symposium["id"], audience="contacts", contact_ids=[staff[1]["id"], speaker["id"]]
    )

    assert named["recipient_count"] == 2
    assert sent_to(smtp_server) == Counter({staff[1]["email"]: 1, speaker["email"]: 1})
    # The rest of the audience is still "not yet invited".
    rest = await invite(world, symposium["id"])
    assert rest["recipient_count"] == 1
    assert sent_to(smtp_server)[staff[0]["email"]] == 1


@pytest.mark.parametrize(
    ("extra", "field", "rule"),
    [
        ({"audience": "contacts"}, "body.contact_ids", "required_for_audience"),
        ({"contact_ids": [str(uuid.uuid4())]}, "body.contact_ids", "only_with_contacts_audience"),
        (
            {"audience": "contacts", "contact_ids": ["KNOWN", str(uuid.uuid4())]},
            "body.contact_ids.1",
            "unknown_contact",
        ),
    ],
)
async def test_a_named_list_that_cannot_be_followed_is_a_422_and_drafts_nothing(
    world: World, extra: dict[str, Any], field: str, rule: str
) -> None:
    symposium = await world.symposium(future_symposium())
    (known,) = await world.staff(1)
    ids = [known["id"] if i == "KNOWN" else i for i in extra.get("contact_ids", [])]
    body = {**extra, **({"contact_ids": ids} if ids else {})}
    refused = await world.notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": "invitation", **body},
        headers=operator(world.token),
    )
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [(field, rule)]
    listed = await world.notify.get(
        f"/v1/campaigns?symposium_id={symposium['id']}", headers=operator(world.token)
    )
    assert listed.json()["items"] == []


async def first_delivery(world: World, campaign_id: str) -> dict[str, Any]:
    listed = await world.notify.get(
        f"/v1/deliveries?campaign_id={campaign_id}", headers=operator(world.token)
    )
    delivery: dict[str, Any] = listed.json()["items"][0]
    return delivery


async def test_one_persons_letter_is_sent_again_with_a_reason_and_the_audit_keeps_it(
    world: World, smtp_server: SmtpServer
) -> None:
    symposium = await world.symposium(future_symposium())
    (person,) = await world.staff(1)
    campaign = await invite(world, symposium["id"])
    original = await first_delivery(world, campaign["id"])
    url = f"/v1/deliveries/{original['id']}/resend"
    no_reason = await world.notify.post(url, json={}, headers=operator(world.token))
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "body.reason"
    partner = await world.notify.post(
        url, json={"reason": "x"}, headers=operator(world.token) | {"Authorization": "Bearer x"}
    )
    assert partner.status_code == 401

    resent = await world.notify.post(
        url, json={"reason": "迷惑メールに入ったとの連絡"}, headers=operator(world.token)
    )

    assert resent.status_code == 201, resent.text
    assert resent.json()["state"] == "queued" and resent.json()["email"] == person["email"]
    assert await send_due(world.ctx) == {"sent": 1}
    mails = maildir_messages(smtp_server.maildir)
    assert sent_to(smtp_server) == Counter({person["email"]: 2})
    assert mails[0]["Subject"] == mails[1]["Subject"]
    assert {str(calendar_event(m)["uid"]) for m in mails} == {str(calendar_event(mails[0])["uid"])}
    assert all(m["List-Unsubscribe"] for m in mails)
    audit = await world.notify.get(
        f"/v1/audit?subject=delivery:{original['id']}", headers=operator(world.token)
    )
    (event,) = audit.json()["items"]
    assert event["action"] == "delivery.resent"
    assert event["after"]["reason"] == "迷惑メールに入ったとの連絡"
    assert event["actor"].startswith("operator:")


async def test_a_letter_from_before_a_move_or_to_a_suppressed_address_is_not_sent_again(
    world: World, token: Callable[..., str], smtp_server: SmtpServer
) -> None:
    symposium = await world.symposium(future_symposium())
    await world.staff(2)
    campaign = await invite(world, symposium["id"])
    listed = await world.notify.get(
        f"/v1/deliveries?campaign_id={campaign['id']}", headers=operator(token)
    )
    one, other = listed.json()["items"]
    bounced = await world.notify.post(
        "/v1/bounces",
        json={"email": other["email"], "type": "hard", "reason": "5.1.1 user unknown"},
        headers=operator(token),
    )
    assert bounced.status_code == 200, bounced.text
    suppressed = await world.notify.post(
        f"/v1/deliveries/{other['id']}/resend", json={"reason": "再送"}, headers=operator(token)
    )
    assert suppressed.status_code == 409 and suppressed.json()["rule"] == "suppressed"

    current = await world.registry.get(f"/v1/symposia/{symposium['id']}", headers=operator(token))
    moved = await world.registry.patch(
        f"/v1/symposia/{symposium['id']}",
        json={"theme": symposium["theme"], "join_url": "https://meet.example.jp/new"},
        headers={**operator(token), "If-Match": current.headers["ETag"]},
    )
    assert moved.json()["sequence"] == 1
    stale = await world.notify.post(
        f"/v1/deliveries/{one['id']}/resend", json={"reason": "再送"}, headers=operator(token)
    )

    assert stale.status_code == 409 and stale.json()["rule"] == "stale_draft"
    assert await send_due(world.ctx) == {}
    assert len(maildir_messages(smtp_server.maildir)) == 2
