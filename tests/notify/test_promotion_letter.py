"""The waitlist promotion is a full invitation, and RSVP links follow their symposium when it moves.

Real SMTP: the letter is read back from the sink and its links are used over HTTP."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx
import icalendar
import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.fiscal_year import TOKYO
from libs.common.settings import Settings
from services.notify.campaigns.context import symposium_links
from services.notify.deliveries.sender import send_due
from services.notify.rsvp.models import Rsvp
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.notify.committed_world import World
from tests.notify.symposium_data import future_symposium, operator


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings("notify")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def answer(notify: httpx.AsyncClient, link: str, response: str) -> httpx.Response:
    """What the page's form posts: the link's path, the chosen response."""
    return await notify.post(path_of(link).split("?")[0], data={"response": response})


async def move_end(world: World, symposium_id: str, ends_at: datetime) -> dict[str, Any]:
    path = f"/v1/symposia/{symposium_id}"
    current = await world.registry.get(path, headers=operator(world.token))
    moved = await world.registry.patch(
        path,
        json={"ends_at": ends_at.isoformat()},
        headers={**operator(world.token), "If-Match": current.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    body: dict[str, Any] = moved.json()
    return body


async def promote_second(world: World, settings: Settings, symposium: dict[str, Any]) -> None:
    """Capacity one: the first attends, the second waits, the first declines."""
    staff = await world.staff(2)
    invitation = await world.notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": "invitation"},
        headers=operator(world.token),
    )
    assert invitation.status_code == 201, invitation.text
    links = [
        symposium_links(settings, contact_id=uuid.UUID(c["id"]), symposium=symposium) for c in staff
    ]
    assert (
        "出席のご回答を承りました"
        in (await answer(world.notify, links[0]["attend"], "attend")).text
    )
    assert "キャンセル待ち" in (await answer(world.notify, links[1]["attend"], "attend")).text
    assert await send_due(world.ctx) == {"sent": 2}  # the two answers' confirmations
    assert "欠席" in (await answer(world.notify, links[0]["decline"], "decline")).text


def promotions(smtp_server: SmtpServer) -> list[EmailMessage]:
    mails = maildir_messages(smtp_server.maildir)
    return [m for m in mails if str(m["Subject"]).startswith("【参加確定】")]


def links_in(mail: EmailMessage) -> dict[str, str]:
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    found = {
        "attend": re.search(r"出席する：(\S+)", text),
        "decline": re.search(r"欠席する：(\S+)", text),
        "unsubscribe": re.search(r"(https?://\S+/v1/unsubscribe/\S+)", text),
    }
    assert all(found.values()), text
    return {name: match.group(1) for name, match in found.items() if match}


async def test_the_promotion_letter_is_a_full_invitation_whose_links_work(
    world: World,
    settings: Settings,
    committed: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
) -> None:
    symposium = await world.symposium(future_symposium(capacity=1))
    await promote_second(world, settings, symposium)

    assert await send_due(world.ctx) == {"sent": 1}

    mails = promotions(smtp_server)
    assert len({m["Message-ID"] for m in mails}) == len(mails) == 1
    (mail,) = mails
    assert "【参加確定】" in str(mail["Subject"])
    (ics,) = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    (event,) = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert str(event["UID"]) == f"symposium-{symposium['id']}@jisso"
    links = links_in(mail)
    assert mail["List-Unsubscribe"] == f"<{links['unsubscribe']}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = mail.get_body(("html",))
    assert html is not None and "配信を停止" in html.get_content()

    page = await world.notify.get(path_of(links["decline"]))
    assert page.status_code == 200 and "欠席" in page.text
    declined = await answer(world.notify, links["decline"], "decline")
    assert declined.status_code == 200 and "欠席のご回答を承りました" in declined.text
    async with committed() as session:
        promoted = await session.scalar(
            select(Rsvp)
            .where(Rsvp.symposium_id == uuid.UUID(symposium["id"]))
            .where(Rsvp.email == mail["To"].addresses[0].addr_spec)
        )
    assert promoted is not None and promoted.response == "declined"
    unsubscribe = await world.notify.get(path_of(links["unsubscribe"]))
    assert unsubscribe.status_code == 200, unsubscribe.text


async def test_a_mailed_rsvp_link_follows_the_symposium_when_it_moves(
    world: World,
    settings: Settings,
    committed: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
) -> None:
    """Mailed while the symposium ends in a few seconds; moved a day later; used after the old
    end: it still answers. Moved back to end now: the same link is refused."""
    now = datetime.now(TOKYO)
    old_end = now + timedelta(seconds=4)
    symposium = await world.symposium(
        future_symposium(now - timedelta(hours=1), capacity=1, ends_at=old_end.isoformat())
    )
    await promote_second(world, settings, symposium)
    assert await send_due(world.ctx) == {"sent": 1}
    (mail,) = promotions(smtp_server)
    links = links_in(mail)
    token = path_of(links["attend"]).split("/")[-1].split("?")[0]
    baked = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert baked == int(old_end.timestamp())

    await move_end(world, symposium["id"], now + timedelta(days=1))
    await asyncio.sleep(max(0.0, baked - datetime.now(UTC).timestamp()) + 0.5)

    assert datetime.now(UTC).timestamp() > baked  # the end written into the link has passed
    page = await world.notify.get(path_of(links["decline"]))
    assert page.status_code == 200, page.text
    declined = await answer(world.notify, links["decline"], "decline")
    assert "欠席のご回答を承りました" in declined.text

    await move_end(world, symposium["id"], datetime.now(TOKYO) + timedelta(seconds=1))
    await asyncio.sleep(1.5)

    closed = await world.notify.get(path_of(links["attend"]))
    assert closed.status_code == 400
    assert "リンクが無効か、有効期限が切れています" in closed.text
    refused = await answer(world.notify, links["attend"], "attend")
    assert refused.status_code == 400
    async with committed() as session:
        rsvp = await session.scalar(
            select(Rsvp)
            .where(Rsvp.symposium_id == uuid.UUID(symposium["id"]))
            .where(Rsvp.email == mail["To"].addresses[0].addr_spec)
        )
    assert rsvp is not None and rsvp.response == "declined"
