"""RSVP and unsubscribe pages over HTTP: capacity, the waitlist, promotion, and links that fail."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import icalendar
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.auth import Role
from libs.common.settings import Settings
from services.notify.campaigns.context import symposium_links
from services.notify.deliveries.models import Suppression
from services.notify.deliveries.sender import send_due
from services.notify.letters.links import sign_link
from services.notify.messages.models import Message
from services.notify.models import outbox
from services.notify.rsvp import service
from services.notify.rsvp.models import Rsvp
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.notify.committed_world import World
from tests.notify.symposium_data import (
    create_contact,
    create_symposium,
    future_symposium,
    local_government_staff,
    operator,
)


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings("notify")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def links_for(
    settings: Settings, contact: dict[str, Any], symposium: dict[str, Any]
) -> dict[str, str]:
    found = symposium_links(settings, contact_id=uuid.UUID(contact["id"]), symposium=symposium)
    return {name: path_of(url) for name, url in found.items()}


async def answer(notify: httpx.AsyncClient, link: str, response: str) -> httpx.Response:
    """What the page's form posts: the link's path, the chosen response."""
    reply = await notify.post(link.split("?")[0], data={"response": response})
    assert reply.headers["content-type"].startswith("text/html")
    return reply


async def summary(notify: httpx.AsyncClient, token: Callable[..., str], sid: str) -> dict[str, Any]:
    response = await notify.get(f"/v1/symposia/{sid}/rsvp-summary", headers=operator(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_capacity_two_waitlists_the_third_and_a_decline_promotes_them(
    world: World,
    token: Callable[..., str],
    settings: Settings,
    committed: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
) -> None:
    symposium = await world.symposium(future_symposium(capacity=2))
    staff = await world.staff(3)
    invitation = await world.notify.post(
        "/v1/campaigns",
        json={"symposium_id": symposium["id"], "kind": "invitation"},
        headers=operator(token),
    )
    assert invitation.status_code == 201
    links = [links_for(settings, contact, symposium) for contact in staff]

    first, second, third = [await answer(world.notify, link["attend"], "attend") for link in links]

    assert "出席のご回答を承りました" in first.text
    assert "出席のご回答を承りました" in second.text
    assert "キャンセル待ち（1番目）" in third.text
    sid = symposium["id"]
    assert await summary(world.notify, token, sid) == {
        "symposium_id": sid,
        "attending": 2,
        "waitlisted": 1,
        "declined": 0,
    }

    declined = await answer(world.notify, links[0]["decline"], "decline")

    assert "欠席のご回答を承りました" in declined.text
    assert await summary(world.notify, token, sid) == {
        "symposium_id": sid,
        "attending": 2,
        "waitlisted": 0,
        "declined": 1,
    }
    async with committed() as session:
        promoted = await session.scalar(select(Rsvp).where(Rsvp.email == staff[2]["email"]))
        assert promoted is not None
        letter = await session.scalar(
            select(Message).where(Message.dedupe_key.startswith(f"rsvp-promoted:{promoted.id}:"))
        )
        assert letter is not None
        send_job = select(func.count()).where(
            outbox.c.function == "send_due_deliveries",
            outbox.c.payload["message_id"].astext == str(letter.id),
        )
        assert await session.scalar(send_job) == 1
    assert (promoted.response, promoted.name) == ("attending", staff[2]["name"])
    assert (letter.kind, letter.context["symposium"]["id"]) == ("symposium_waitlist_promoted", sid)

    # The campaign is still a draft: only letters about answers are due. The first's attendance
    # confirmation and the third's waitlist one were withdrawn unsent when their answers changed.
    assert await send_due(world.ctx) == {"sent": 2}
    confirmation, mail = sorted(
        maildir_messages(smtp_server.maildir),
        key=lambda m: m["To"].addresses[0].addr_spec != staff[1]["email"],
    )
    assert confirmation["To"].addresses[0].addr_spec == staff[1]["email"]
    assert str(confirmation["Subject"]).startswith("【出席受付】")
    (accepted,) = [
        p for p in confirmation.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    assert "PARTSTAT=ACCEPTED" in accepted.get_content()
    assert mail["To"].addresses[0].addr_spec == staff[2]["email"]
    assert "【参加確定】" in str(mail["Subject"])
    body = mail.get_body(("plain",))
    assert body is not None and f"{staff[2]['name']} 様" in body.get_content()
    # The place is now theirs: the invitation's calendar entry, as a REQUEST with the same UID.
    (ics,) = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = ics.get_content()
    assert ics.get_param("method") == "REQUEST" and "METHOD:REQUEST" in calendar
    (event,) = icalendar.Calendar.from_ical(calendar).walk("VEVENT")
    assert str(event["UID"]) == f"symposium-{sid}@jisso"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"  # the place is theirs
    assert event["SEQUENCE"] == symposium["sequence"]
    # A full invitation (test_promotion_letter.py reads its links and uses them).
    assert mail["List-Unsubscribe"] is not None


async def test_the_page_shows_the_symposium_escaped_in_japan_time_with_a_plain_form(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    settings: Settings,
) -> None:
    fields = future_symposium(theme="<b>AI</b> & IoT", capacity=30)
    symposium = await create_symposium(registry, token, fields)
    (contact,) = await local_government_staff(registry, token, 1, "page")
    links = links_for(settings, contact, symposium)

    page = await notify.get(links["decline"])

    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["referrer-policy"] == "no-referrer"
    html = page.text
    assert '<html lang="ja">' in html and '<meta charset="utf-8">' in html
    assert "&lt;b&gt;AI&lt;/b&gt; &amp; IoT" in html and "<b>AI</b>" not in html
    assert "13:30〜15:00（日本時間）" in html
    assert '<form method="post">' in html and "<script" not in html
    assert 'value="decline" checked' in html and 'value="attend" checked' not in html
    assert "定員は30名" in html

    await answer(notify, links["attend"], "attend")
    again = await notify.get(links["attend"])
    assert "現在のご回答：<strong>出席</strong>" in again.text


async def test_the_same_answer_twice_keeps_its_place(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    settings: Settings,
) -> None:
    symposium = await create_symposium(registry, token, future_symposium(capacity=1))
    staff = await local_government_staff(registry, token, 3, "twice")
    links = [links_for(settings, contact, symposium) for contact in staff]
    for link in links:
        await answer(notify, link["attend"], "attend")

    again = await answer(notify, links[2]["attend"], "attend")

    assert "キャンセル待ち（2番目）" in again.text
    assert "既に承っております" in again.text
    assert (await summary(notify, token, symposium["id"]))["waitlisted"] == 2


@pytest.mark.parametrize(
    "make_link",
    [
        pytest.param(lambda s, sid: "not-a-token", id="garbage"),
        pytest.param(
            lambda s, sid: sign_link(
                s,
                action="rsvp",
                contact_id=uuid.uuid4(),
                symposium_id=sid,
                expires_at=datetime.now(UTC) - timedelta(minutes=1),
            ),
            id="expired",
        ),
        pytest.param(
            lambda s, sid: sign_link(
                s,
                action="unsubscribe",
                contact_id=uuid.uuid4(),
                symposium_id=None,
                expires_at=datetime.now(UTC) + timedelta(days=1),
            ),
            id="another-action",
        ),
    ],
)
async def test_a_bad_link_gets_a_japanese_page_not_json(
    notify: httpx.AsyncClient,
    settings: Settings,
    session: AsyncSession,
    make_link: Callable[[Settings, uuid.UUID], str],
) -> None:
    link = make_link(settings, uuid.uuid4())
    for response in (
        await notify.get(f"/v1/rsvp/{link}?response=attend"),
        await notify.post(f"/v1/rsvp/{link}", data={"response": "attend"}),
    ):
        assert response.status_code == 400
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "リンクが無効か、有効期限が切れています" in response.text
        assert '<html lang="ja">' in response.text
    assert (await session.scalars(select(Rsvp))).all() == []


async def test_a_form_without_a_choice_is_a_page_that_asks_for_one(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    settings: Settings,
) -> None:
    symposium = await create_symposium(registry, token, future_symposium())
    (contact,) = await local_government_staff(registry, token, 1, "nochoice")
    link = links_for(settings, contact, symposium)["attend"].split("?")[0]
    response = await notify.post(link, data={"response": "maybe"})
    assert response.status_code == 400
    assert "「出席する」か「欠席する」を選んでから送信してください" in response.text


async def test_answers_to_a_cancelled_symposium_are_not_recorded(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    settings: Settings,
    session: AsyncSession,
) -> None:
    symposium = await create_symposium(registry, token, future_symposium())
    (contact,) = await local_government_staff(registry, token, 1, "called-off")
    current = await registry.get(f"/v1/symposia/{symposium['id']}", headers=operator(token))
    await registry.post(
        f"/v1/symposia/{symposium['id']}/cancellation",
        headers={**operator(token), "If-Match": current.headers["ETag"]},
    )
    links = links_for(settings, contact, symposium)

    page = await notify.get(links["attend"])
    posted = await answer(notify, links["attend"], "attend")

    assert "開催中止" in page.text and "<form" not in page.text
    assert posted.status_code == 200 and "開催中止" in posted.text
    assert (await session.scalars(select(Rsvp))).all() == []


async def test_the_unsubscribe_page_only_asks_and_its_form_unsubscribes(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    settings: Settings,
    session: AsyncSession,
) -> None:
    contact = await create_contact(registry, token, name="頁 読子", email="Page.Reader@Example.jp")
    symposium = {"id": str(uuid.uuid4()), "ends_at": "2099-01-01T00:00:00+09:00"}
    link = links_for(settings, contact, symposium)["unsubscribe"]

    page = await notify.get(link)
    assert page.status_code == 200
    assert 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert await session.get(Suppression, "page.reader@example.jp") is None

    done = await notify.post(link, data={"List-Unsubscribe": "One-Click"})
    assert "配信を停止しました" in done.text
    suppression = await session.get(Suppression, "page.reader@example.jp")
    assert suppression is not None
    assert (suppression.state, suppression.contact_id) == ("unsubscribed", uuid.UUID(contact["id"]))


async def test_a_one_click_value_longer_than_the_contract_says_is_refused_naming_it(
    registry: httpx.AsyncClient,
    notify: httpx.AsyncClient,
    token: Callable[..., str],
    settings: Settings,
    session: AsyncSession,
) -> None:
    contact = await create_contact(registry, token, name="長 値子", email="long.value@example.jp")
    symposium = {"id": str(uuid.uuid4()), "ends_at": "2099-01-01T00:00:00+09:00"}
    link = links_for(settings, contact, symposium)["unsubscribe"]

    refused = await notify.post(link, data={"List-Unsubscribe": "One-Click" * 3})

    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert (error["field"], error["rule"]) == ("body.List-Unsubscribe", "string_too_long")
    assert await session.get(Suppression, "long.value@example.jp") is None


async def test_rsvp_counts_are_for_operators(
    notify: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    path = f"/v1/symposia/{uuid.uuid4()}/rsvp-summary"
    assert (await notify.get(path)).status_code == 401
    partner = {"Authorization": f"Bearer {token(Role.partner)}"}
    assert (await notify.get(path, headers=partner)).status_code == 403


async def test_concurrent_acceptances_never_exceed_capacity(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    """Twelve answers at once, each in its own connection and transaction, for three places."""
    symposium: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "number": 1,
        "theme": "同時アクセス",
        "starts_at": "2099-01-01T13:30:00+09:00",
        "ends_at": "2099-01-01T15:00:00+09:00",
        "capacity": 3,
        "status": "scheduled",
    }
    sid = uuid.UUID(symposium["id"])

    async def accept(i: int) -> service.Outcome:
        holder = service.LinkHolder(uuid.uuid4(), f"rush{i}@example.jp", sid)
        async with committed() as session, session.begin():
            return await service.respond(
                session, symposium=symposium, holder=holder, answer="attend"
            )

    letters = Message.context["symposium"]["id"].astext == str(sid)
    try:
        outcomes = await asyncio.gather(*(accept(i) for i in range(12)))
        async with committed() as session:
            stored = (
                await session.scalars(select(Rsvp.response).where(Rsvp.symposium_id == sid))
            ).all()
            confirmations = (
                await session.scalars(select(Message.context["response"].astext).where(letters))
            ).all()
    finally:
        async with committed() as session, session.begin():
            removed = (
                await session.scalars(delete(Message).where(letters).returning(Message.id))
            ).all()
            jobs = outbox.c.payload["message_id"].astext.in_([str(m) for m in removed])
            await session.execute(delete(outbox).where(jobs))
            await session.execute(delete(Rsvp).where(Rsvp.symposium_id == sid))

    assert sorted(stored) == ["attending"] * 3 + ["waitlisted"] * 9
    assert sorted(confirmations) == sorted(stored)  # each answer confirmed once (受付確認)
    assert sorted(o.position for o in outcomes if o.position) == list(range(1, 10))
    assert sum(o.response == "attending" for o in outcomes) == 3
