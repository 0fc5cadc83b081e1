"""Reminders: the unanswered N days before, the attending the day before, and an update instead
when the symposium has moved; each once, however often the hourly job runs. Letters really go
out (committed rows, removed afterwards)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.fiscal_year import TOKYO
from libs.common.settings import Settings
from services.notify.campaigns.models import Campaign
from services.notify.campaigns.tasks import send_symposium_reminders
from services.notify.deliveries.models import Delivery
from services.notify.deliveries.sender import send_due
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.notify.committed_world import World
from tests.notify.symposium_data import future_symposium, operator
from tests.notify.test_campaigns import calendar_event
from tests.notify.test_rsvp import answer, links_for

DAY = datetime.now(TOKYO).date() + timedelta(days=20)
START = datetime.combine(DAY, time(13, 30), tzinfo=TOKYO)
NOTHING: dict[str, list[str]] = {"reminders": [], "updates": []}


def at(day: date, hour: int) -> dict[str, str]:
    """The job's payload for that day and hour in Japan (as the scheduler would give it)."""
    return {"as_of": datetime.combine(day, time(hour), tzinfo=TOKYO).astimezone(UTC).isoformat()}


async def invite(
    world: World, token: Callable[..., str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A symposium on DAY, three invited staff, the invitation sent."""
    symposium = await world.symposium(future_symposium(START))
    staff = await world.staff(3)
    draft = await world.notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": "invitation"},
        headers=operator(token),
    )
    await world.notify.post(
        f"/v1/campaigns/{draft.json()['id']}/approval",
        headers={**operator(token), "If-Match": draft.headers["ETag"]},
    )
    assert await send_due(world.ctx) == {"sent": 3}
    return symposium, staff


async def campaign(
    committed: async_sessionmaker[AsyncSession], campaign_id: str
) -> tuple[Campaign, list[str]]:
    """The campaign and the addresses it writes to."""
    async with committed() as session:
        found = await session.get(Campaign, uuid.UUID(campaign_id))
        rows = await session.scalars(
            select(Delivery.email).where(Delivery.campaign_id == uuid.UUID(campaign_id))
        )
        assert found is not None
        return found, sorted(rows.all())


def tags_to(smtp: SmtpServer, email: str) -> list[str]:
    """The 【…】 tag of each subject this address received (【ご案内】, 【リマインド】…)."""
    return sorted(
        str(m["Subject"]).split("】")[0] + "】"
        for m in maildir_messages(smtp.maildir)
        if m["To"].addresses[0].addr_spec == email
    )


async def test_the_unanswered_hear_three_days_before_and_attendees_the_day_before(
    world: World,
    token: Callable[..., str],
    make_settings: Callable[..., Settings],
    committed: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
) -> None:
    symposium, (attending, declining, silent) = await invite(world, token)
    settings = make_settings("notify")
    await answer(world.notify, links_for(settings, attending, symposium)["attend"], "attend")
    await answer(world.notify, links_for(settings, declining, symposium)["decline"], "decline")
    remind = world.ctx

    assert await send_symposium_reminders(remind, at(DAY - timedelta(days=3), 8)) == NOTHING
    assert await send_symposium_reminders(remind, at(DAY - timedelta(days=4), 10)) == NOTHING

    three_days = await send_symposium_reminders(remind, at(DAY - timedelta(days=3), 10))
    (reminder_id,) = three_days["reminders"]
    reminder, recipients = await campaign(committed, reminder_id)
    assert (reminder.kind, reminder.status, reminder.context) == (
        "reminder",
        "sending",
        {"audience": "unanswered"},
    )
    assert recipients == [silent["email"]]
    assert await send_symposium_reminders(remind, at(DAY - timedelta(days=3), 11)) == NOTHING

    day_before = await send_symposium_reminders(remind, at(DAY - timedelta(days=1), 9))
    (attendee_reminder_id,) = day_before["reminders"]
    assert (await campaign(committed, attendee_reminder_id))[1] == [attending["email"]]

    assert await send_due(world.ctx) == {"sent": 3}  # the two reminders and one 受付確認
    assert tags_to(smtp_server, silent["email"]) == ["【ご案内】", "【リマインド】"]
    assert tags_to(smtp_server, attending["email"]) == [
        "【ご案内】",
        "【出席受付】",
        "【開催のご案内】",  # sent now, weeks ahead: 【明日開催】 only the day before
    ]
    assert tags_to(smtp_server, declining["email"]) == ["【ご案内】"]


async def test_a_moved_symposium_gets_an_update_instead_of_a_stale_reminder(
    world: World,
    token: Callable[..., str],
    committed: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
) -> None:
    symposium, staff = await invite(world, token)
    path = f"/v1/symposia/{symposium['id']}"
    current = await world.registry.get(path, headers=operator(token))
    later = START + timedelta(hours=2)
    moved = await world.registry.patch(
        path,
        json={
            "starts_at": later.isoformat(),
            "ends_at": (later + timedelta(minutes=90)).isoformat(),
        },
        headers={**operator(token), "If-Match": current.headers["ETag"]},
    )
    assert moved.json()["sequence"] == symposium["sequence"] + 1

    due = await send_symposium_reminders(world.ctx, at(DAY - timedelta(days=3), 10))

    assert due["reminders"] == []
    (update_id,) = due["updates"]
    update, recipients = await campaign(committed, update_id)
    assert (update.kind, update.status, update.sequence) == (
        "update",
        "sending",
        moved.json()["sequence"],
    )
    assert update.context["previous"] == {
        "starts_at": symposium["starts_at"],
        "ends_at": symposium["ends_at"],
    }
    assert recipients == sorted(c["email"] for c in staff)
    assert await send_symposium_reminders(world.ctx, at(DAY - timedelta(days=3), 12)) == NOTHING

    assert await send_due(world.ctx) == {"sent": 3}
    letters = [m for m in maildir_messages(smtp_server.maildir) if "変更" in str(m["Subject"])]
    assert len(letters) == 3
    for letter in letters:
        event = calendar_event(letter)
        assert event.decoded("dtstart") == later
        assert int(event["sequence"]) == moved.json()["sequence"]
        text = letter.get_body(("plain",))
        assert text is not None and "15:30〜17:00" in text.get_content()

    # The update told everyone the new time: the day before, the (empty) attendee reminder is
    # drafted from the registry's current symposium, not from a stale one.
    day_before = await send_symposium_reminders(world.ctx, at(DAY - timedelta(days=1), 10))
    (reminder_id,) = day_before["reminders"]
    reminder, _ = await campaign(committed, reminder_id)
    assert reminder.symposium["starts_at"] == moved.json()["starts_at"]
    assert (reminder.recipient_count, reminder.status) == (0, "done")
