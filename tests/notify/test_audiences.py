"""宛先の規則: each kind of symposium letter goes to its audience from the one table, for manual
and scheduled campaigns alike; an audience a kind does not take is a 422. Letters really go out
through real SMTP (committed rows, removed afterwards) and are counted at the sink by Message-ID."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from typing import get_args

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.fiscal_year import TOKYO
from libs.common.settings import Settings
from services.notify.campaigns import audiences
from services.notify.campaigns.reminders import due_segments, unanswered_day
from services.notify.campaigns.schemas import CampaignKind
from services.notify.campaigns.tasks import send_symposium_reminders
from services.notify.deliveries.sender import send_due
from services.state_machines import DOCS
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.notify.committed_world import World
from tests.notify.symposium_data import create_symposium, future_symposium, operator
from tests.notify.test_campaigns import approve, draft
from tests.notify.test_reminders import at, campaign
from tests.notify.test_rsvp import answer, links_for

DAY = datetime.now(TOKYO).date() + timedelta(days=20)
START = datetime.combine(DAY, time(13, 30), tzinfo=TOKYO)


def jst(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO)


def letters(smtp: SmtpServer, tag: str) -> list[EmailMessage]:
    return [m for m in maildir_messages(smtp.maildir) if str(m["Subject"]).startswith(tag)]


def addressees(found: list[EmailMessage]) -> list[str]:
    return sorted(str(m["To"].addresses[0].addr_spec) for m in found)


def test_every_campaign_kind_has_one_audience_rule_and_the_docs_show_it() -> None:
    assert set(get_args(get_args(CampaignKind)[0])) == set(audiences.CAMPAIGN_KINDS)
    assert set(audiences.CAMPAIGN_KINDS) < set(audiences.AUDIENCES)
    page = (DOCS / "notify.md").read_text(encoding="utf-8")
    assert audiences.documented(page)
    for kind in audiences.AUDIENCES:
        assert f"| `{kind}`" in page
    assert audiences.resolve("reminder", None) is audiences.Audience.unanswered
    assert audiences.resolve("update", None) is audiences.Audience.not_declined


@pytest.mark.parametrize(
    ("kind", "audience", "allowed"),
    [
        ("reminder", "all", ["unanswered", "attending"]),
        ("update", "unanswered", ["not_declined"]),
        ("cancellation", "attending", ["not_declined"]),
        ("invitation", "everyone", ["not_yet_invited", "all", "contacts"]),
    ],
)
async def test_an_audience_the_kind_does_not_take_is_a_422_naming_it(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    kind: str,
    audience: str,
    allowed: list[str],
) -> None:
    symposium = await create_symposium(registry, token, future_symposium())
    refused = await notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": kind, "audience": audience},
        headers=operator(token),
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["errors"][0]["field"] == "body.audience"
    assert problem["errors"][0]["rule"] == "audience_for_kind"
    assert problem["allowed"] == allowed
    for name in allowed:
        assert name in problem["errors"][0]["message"]


async def test_reminders_reach_the_unanswered_updates_and_cancellations_all_but_decliners(
    world: World,
    token: Callable[..., str],
    make_settings: Callable[..., Settings],
    smtp_server: SmtpServer,
) -> None:
    symposium = await world.symposium(future_symposium(START, capacity=1))
    staff = await world.staff(5)
    attending, waitlisted, declining, silent, quiet = staff
    invitation = await draft(world.notify, token, symposium["id"], "invitation")
    assert invitation["context"] == {"audience": "not_yet_invited"}
    assert (await approve(world.notify, token, invitation["id"])).status_code == 200
    assert await send_due(world.ctx) == {"sent": 5}
    settings = make_settings("notify")
    for person, choice in ((attending, "attend"), (waitlisted, "attend"), (declining, "decline")):
        await answer(world.notify, links_for(settings, person, symposium)[choice], choice)
    # The attending and the waitlisted each get their confirmation (受付確認); a decline none.
    assert await send_due(world.ctx) == {"sent": 2}
    confirmed = letters(smtp_server, "【出席受付】") + letters(
        smtp_server, "【キャンセル待ち受付】"
    )
    assert addressees(confirmed) == sorted([attending["email"], waitlisted["email"]])

    reminder = await draft(world.notify, token, symposium["id"], "reminder")
    assert (reminder["recipient_count"], reminder["context"]) == (2, {"audience": "unanswered"})
    assert "13:30開始" in reminder["preview"]["text"]
    assert "13:30開始" in reminder["preview"]["html"]
    await approve(world.notify, token, reminder["id"])
    assert await send_due(world.ctx) == {"sent": 2}
    reminded = letters(smtp_server, "【リマインド】")
    assert len({m["Message-ID"] for m in reminded}) == 2
    assert addressees(reminded) == sorted([silent["email"], quiet["email"]])

    to_attendees = await draft(
        world.notify, token, symposium["id"], "reminder", audience="attending"
    )
    assert to_attendees["recipient_count"] == 1
    assert to_attendees["preview"]["email"] == attending["email"]

    update = await draft(world.notify, token, symposium["id"], "update")
    assert (update["recipient_count"], update["context"]["audience"]) == (4, "not_declined")
    await approve(world.notify, token, update["id"])
    assert await send_due(world.ctx) == {"sent": 4}
    updated = letters(smtp_server, "【")
    updated = [m for m in updated if "変更" in str(m["Subject"])]
    assert len({m["Message-ID"] for m in updated}) == 4
    assert declining["email"] not in addressees(updated)

    path = f"/v1/symposia/{symposium['id']}"
    current = await world.registry.get(path, headers=operator(token))
    cancelled = await world.registry.post(
        f"{path}/cancellation",
        json={"reason": "荒天のため"},
        headers={**operator(token), "If-Match": current.headers["ETag"]},
    )
    assert cancelled.status_code == 200, cancelled.text
    notice = await draft(world.notify, token, symposium["id"], "cancellation", reason="荒天のため")
    assert notice["recipient_count"] == 4
    assert "/v1/rsvp/" not in notice["preview"]["text"]
    await approve(world.notify, token, notice["id"])
    assert await send_due(world.ctx) == {"sent": 4}
    told = [m for m in letters(smtp_server, "【") if "中止" in str(m["Subject"])]
    assert len({m["Message-ID"] for m in told}) == 4
    assert declining["email"] not in addressees(told)


async def test_deliveries_filter_by_contact_and_page(
    world: World, token: Callable[..., str], make_settings: Callable[..., Settings]
) -> None:
    symposium = await world.symposium(future_symposium(START))
    one, other = await world.staff(2)
    for kind in ("invitation", "reminder"):  # each contact has two deliveries
        sent = await draft(world.notify, token, symposium["id"], kind)
        await approve(world.notify, token, sent["id"])
        assert await send_due(world.ctx) == {"sent": 2}

    found = await world.notify.get(
        "/v1/deliveries", params={"contact_id": one["id"]}, headers=operator(token)
    )
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert len(items) == 2 and {d["contact_id"] for d in items} == {one["id"]}

    first = await world.notify.get(
        "/v1/deliveries", params={"contact_id": other["id"], "limit": 1}, headers=operator(token)
    )
    assert [d["contact_id"] for d in first.json()["items"]] == [other["id"]]
    following = await world.notify.get(first.json()["next"], headers=operator(token))
    assert [d["contact_id"] for d in following.json()["items"]] == [other["id"]]
    assert following.json()["items"][0]["id"] != first.json()["items"][0]["id"]
    assert following.json()["next"] is None

    nobody = await world.notify.get(
        "/v1/deliveries", params={"contact_id": str(uuid.uuid4())}, headers=operator(token)
    )
    assert nobody.json()["items"] == []
    malformed = await world.notify.get(
        "/v1/deliveries", params={"contact_id": "not-a-uuid"}, headers=operator(token)
    )
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "query.contact_id"


def test_the_unanswered_reminder_day_covers_short_notice() -> None:
    start = jst(date(2026, 12, 9), 13, 30)  # a Wednesday
    # Announced well ahead: three days before.
    assert unanswered_day(start, jst(date(2026, 11, 20), 10), 3) == date(2026, 12, 6)
    assert unanswered_day(start, None, 3) == date(2026, 12, 6)
    # Announced Monday for Wednesday: halfway, on Tuesday.
    assert unanswered_day(start, jst(date(2026, 12, 7), 10), 3) == date(2026, 12, 8)
    # Exactly three days ahead: not on the invitation's own day, but halfway.
    assert unanswered_day(start, jst(date(2026, 12, 6), 9), 3) == date(2026, 12, 7)
    # The day before: no day is left between the invitation and the start.
    assert unanswered_day(start, jst(date(2026, 12, 8), 18), 3) is None
    assert unanswered_day(start, jst(date(2026, 12, 1), 9), 0) is None
    assert due_segments(start, date(2026, 12, 8), 3, jst(date(2026, 12, 7), 10)) == [
        "unanswered",
        "attending",
    ]


async def test_a_symposium_announced_two_days_ahead_is_reminded_the_next_day(
    world: World,
    token: Callable[..., str],
    committed: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
) -> None:
    today = datetime.now(TOKYO).date()
    symposium = await world.symposium(future_symposium(jst(today + timedelta(days=2), 13, 30)))
    staff = await world.staff(2)
    invitation = await draft(world.notify, token, symposium["id"], "invitation")
    await approve(world.notify, token, invitation["id"])
    assert await send_due(world.ctx) == {"sent": 2}

    due = await send_symposium_reminders(world.ctx, at(today + timedelta(days=1), 10))
    # Tomorrow is also the day before: the (empty) attendee reminder is due with it.
    drafted = [await campaign(committed, found) for found in due["reminders"]]
    by_audience = {c.context["audience"]: recipients for c, recipients in drafted}
    assert by_audience == {"unanswered": sorted(c["email"] for c in staff), "attending": []}
    again = await send_symposium_reminders(world.ctx, at(today + timedelta(days=1), 11))
    assert again["reminders"] == []
    assert await send_due(world.ctx) == {"sent": 2}
    reminded = letters(smtp_server, "【リマインド】")
    assert len({m["Message-ID"] for m in reminded}) == 2
    for message in reminded:
        text = message.get_body(("plain",))
        assert text is not None and "13:30開始" in text.get_content()
