"""受付確認: an answer that takes a place or a place in line is confirmed by mail; an answer
changed before its confirmation went out withdraws it; every later calendar entry carries the
reader's own answer (PARTSTAT) and the office's reply address as ORGANIZER. Real SMTP."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from icalendar import Calendar

from libs.common.settings import Settings
from services.notify.deliveries.sender import send_due
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.notify.committed_world import World
from tests.notify.symposium_data import future_symposium, operator
from tests.notify.test_campaigns import approve, draft
from tests.notify.test_rsvp import answer, links_for

OFFICE = "mirai-office@example.go.jp"
JOIN_URL = "https://meet.example.jp/season"


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings("notify")


def by_reader(smtp: SmtpServer) -> dict[str, list[EmailMessage]]:
    found: dict[str, list[EmailMessage]] = {}
    for mail in maildir_messages(smtp.maildir):
        found.setdefault(mail["To"].addresses[0].addr_spec, []).append(mail)
    return found


def attendee(mail: EmailMessage) -> Any:
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    if not parts:
        return None
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload).walk("VEVENT")[0]


def plain(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


@pytest.mark.parametrize("world", [{"reply_address": OFFICE}], indirect=True)
async def test_answers_are_confirmed_withdrawn_when_changed_and_updates_carry_each_answer(
    world: World, settings: Settings, smtp_server: SmtpServer
) -> None:
    symposium = await world.symposium(future_symposium(capacity=1, join_url=JOIN_URL))
    staff = await world.staff(4)
    attending, waiting, changed_mind, silent = staff
    invitation = await draft(world.notify, world.token, symposium["id"], "invitation")
    assert (await approve(world.notify, world.token, invitation["id"])).status_code == 200
    assert await send_due(world.ctx) == {"sent": 4}
    links = {c["email"]: links_for(settings, c, symposium) for c in staff}
    await answer(world.notify, links[attending["email"]]["attend"], "attend")
    await answer(world.notify, links[waiting["email"]]["attend"], "attend")
    # Waitlisted, then declined before the confirmation went out: it is withdrawn, never sent.
    await answer(world.notify, links[changed_mind["email"]]["attend"], "attend")
    await answer(world.notify, links[changed_mind["email"]]["decline"], "decline")

    assert await send_due(world.ctx) == {"sent": 2}

    mails = by_reader(smtp_server)
    (accepted,) = [m for m in mails[attending["email"]] if "【出席受付】" in str(m["Subject"])]
    assert attendee(accepted)["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert str(attendee(accepted)["ORGANIZER"]) == f"mailto:{OFFICE}"
    assert accepted["Reply-To"].addresses[0].addr_spec == OFFICE
    assert "カレンダーの「承諾」「辞退」などのボタンでは出欠のご回答になりません" in plain(accepted)
    waitlisted = mails[waiting["email"]]
    (in_line,) = [m for m in waitlisted if "【キャンセル待ち受付】" in str(m["Subject"])]
    assert attendee(in_line) is None  # no place yet: no calendar entry
    assert "キャンセル待ち（1番目）" in plain(in_line)
    assert JOIN_URL in plain(accepted) and JOIN_URL not in plain(in_line)  # no place, no URL
    assert len(mails[changed_mind["email"]]) == 1  # the invitation only

    current = await world.registry.get(
        f"/v1/symposia/{symposium['id']}", headers=operator(world.token)
    )
    moved = await world.registry.patch(
        f"/v1/symposia/{symposium['id']}",
        json={"join_url": "https://meet.example.jp/moved"},
        headers={**operator(world.token), "If-Match": current.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    update = await draft(world.notify, world.token, symposium["id"], "update")
    assert (await approve(world.notify, world.token, update["id"])).status_code == 200
    assert await send_due(world.ctx) == {"sent": 3}  # everyone but the one who declined

    updates = {
        reader: [m for m in found if "【変更のご案内】" in str(m["Subject"])]
        for reader, found in by_reader(smtp_server).items()
    }
    partstat = {
        reader: attendee(found[0])["ATTENDEE"].params["PARTSTAT"]
        for reader, found in updates.items()
        if found
    }
    assert partstat == {
        attending["email"]: "ACCEPTED",
        waiting["email"]: "TENTATIVE",
        silent["email"]: "NEEDS-ACTION",
    }
