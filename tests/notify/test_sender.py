"""The sender against a real SMTP server, with committed rows (cleaned up by their tag)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from devtools.embedded import free_port
from services.notify.campaigns.models import Campaign
from services.notify.deliveries.held_data import HeldMessage, hold_message
from services.notify.deliveries.models import Delivery, Suppression
from services.notify.deliveries.tasks import send_due_deliveries
from services.notify.letters.links import verify_link
from services.notify.letters.smtp import SmtpTarget
from services.notify.messages.tasks import send_transactional
from services.notify.models import outbox
from tests.fixtures.smtp import SmtpServer, maildir_messages
from tests.fixtures.workers import Committed, fast_notify_settings

DECISION = {
    "project_name": "ドローン物流実装事業",
    "local_government": "秩父市",
    "decision": "approved",
    "decided_on": "2021-12-17",
    "term_end": "2024-03-31",
}


def payload(key: str, *emails: str) -> dict[str, Any]:
    return {
        "kind": "continuation_decision",
        "dedupe_key": key,
        "context": DECISION,
        "recipients": [{"name": f"受信者 {e[:1]}", "email": e} for e in emails],
    }


async def deliveries(sm: async_sessionmaker[AsyncSession], tag: str) -> dict[str, Delivery]:
    async with sm() as session:
        rows = await session.scalars(select(Delivery).where(Delivery.email.like(f"%{tag}%")))
        return {d.email.split(".")[0]: d for d in rows.all()}


def received(smtp: SmtpServer, tag: str) -> list[Any]:
    return [m for m in maildir_messages(smtp.maildir) if tag in str(m["To"])]


async def test_a_transactional_message_reaches_each_recipient_once(
    committed_ctx: Committed, smtp_server: SmtpServer
) -> None:
    ctx, tag = committed_ctx.ctx, committed_ctx.tag
    emails = [committed_ctx.email(n) for n in ("aoki", "baba", "chiba")]
    created = await send_transactional(ctx, payload(f"decision:{tag}", *emails))
    assert created["created"] is True

    report = await send_due_deliveries(ctx, {})
    assert report == {"sent": 3}
    rows = await deliveries(ctx["sessionmaker"], tag)
    assert {name: d.state for name, d in rows.items()} == dict.fromkeys(
        ("aoki", "baba", "chiba"), "sent"
    )
    assert all(d.sent_at is not None and d.attempts == 1 for d in rows.values())

    mails = received(smtp_server, tag)
    assert sorted(m["To"].addresses[0].addr_spec for m in mails) == sorted(emails)
    assert {m["Message-ID"] for m in mails} == {d.smtp_message_id for d in rows.values()}
    assert {m["Subject"] for m in mails} == {"【通知】継続審査の結果について：ドローン物流実装事業"}
    body = mails[0].get_body(("plain",)).get_content()
    assert "継続を承認します" in body and "令和6年3月31日（日）まで延長" in body
    assert "List-Unsubscribe" not in mails[0]  # a decision letter cannot be unsubscribed from

    # The producer's job runs again (arq may): the key is known, nothing more goes out.
    again = await send_transactional(
        ctx, payload(f"decision:{tag}", *emails, committed_ctx.email("dan"))
    )
    assert again == {"message_id": created["message_id"], "created": False}
    assert await send_due_deliveries(ctx, {}) == {}
    assert len(received(smtp_server, tag)) == 3


async def test_the_end_of_data_marker_and_the_commit_leave_back_to_back(
    committed_ctx: Committed, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every COMMIT is the very next write after an end-of-data marker, in the same turn of the
    event loop (commit_release.py)."""
    ctx, tag = committed_ctx.ctx, committed_ctx.tag
    smtp_port = int(smtp_server.url.rsplit(":", 1)[1])
    writes: list[tuple[str, bytes, int]] = []
    turns = 0
    transports: Any = asyncio.selector_events._SelectorSocketTransport  # type: ignore[attr-defined]
    loops: Any = asyncio.BaseEventLoop
    original_write, original_once = transports.write, loops._run_once

    def write(self: Any, data: bytes) -> None:
        peer = self.get_extra_info("peername")
        writes.append(("smtp" if peer and peer[1] == smtp_port else "db", bytes(data), turns))
        original_write(self, data)

    def run_once(self: Any) -> None:
        nonlocal turns
        turns += 1
        original_once(self)

    monkeypatch.setattr(transports, "write", write)
    monkeypatch.setattr(loops, "_run_once", run_once)
    emails = [committed_ctx.email(f"w{i}") for i in range(4)]
    await send_transactional(ctx, payload(f"decision:{tag}", *emails))
    assert await send_due_deliveries(ctx, {}) == {"sent": 4}

    markers = [i for i, (to, data, _) in enumerate(writes) if to == "smtp" and data == b".\r\n"]
    assert len(markers) == 4
    for i in markers:
        to, data, turn = writes[i + 1]
        assert to == "db" and b"COMMIT" in data, writes[i + 1]
        assert turn == writes[i][2]


async def test_a_451_is_retried_after_backoff_and_then_delivered(
    committed_ctx: Committed, smtp_server: SmtpServer
) -> None:
    ctx, tag = committed_ctx.ctx, committed_ctx.tag
    ctx["notify_settings"] = fast_notify_settings(
        backoff_base_seconds=600, backoff_max_seconds=3600
    )
    smtp_server.fail_file.write_text("451")
    await send_transactional(ctx, payload(f"decision:{tag}", committed_ctx.email("aoki")))

    assert await send_due_deliveries(ctx, {}) == {"retrying": 1}
    (row,) = (await deliveries(ctx["sessionmaker"], tag)).values()
    assert row.state == "retrying" and row.attempts == 1
    assert row.last_error is not None and row.last_error.startswith("451")
    assert row.next_attempt_at is not None
    wait = row.next_attempt_at - datetime.now(UTC)
    assert timedelta(seconds=250) < wait <= timedelta(seconds=600)  # 600 s, jittered down to half
    assert received(smtp_server, tag) == []

    smtp_server.fail_file.unlink()
    assert await send_due_deliveries(ctx, {}) == {}  # not due yet
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await send_due_deliveries(ctx, {"as_of": later}) == {"sent": 1}
    (row,) = (await deliveries(ctx["sessionmaker"], tag)).values()
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)
    assert len(received(smtp_server, tag)) == 1


async def test_transient_failures_give_up_after_max_attempts(
    committed_ctx: Committed, smtp_server: SmtpServer
) -> None:
    ctx, tag = committed_ctx.ctx, committed_ctx.tag
    # No backoff: every run of the loop retries at once, until the third attempt gives up.
    ctx["notify_settings"] = fast_notify_settings(max_attempts=3)
    smtp_server.fail_file.write_text("421")
    await send_transactional(ctx, payload(f"decision:{tag}", committed_ctx.email("aoki")))
    assert await send_due_deliveries(ctx, {}) == {"retrying": 2, "failed": 1}
    (row,) = (await deliveries(ctx["sessionmaker"], tag)).values()
    assert row.state == "failed" and row.attempts == 3
    assert row.last_error is not None and row.last_error.startswith("gave up after 3 attempts: 421")


async def test_a_550_recipient_bounces_and_is_suppressed_the_others_arrive(
    committed_ctx: Committed, smtp_server: SmtpServer
) -> None:
    ctx, tag = committed_ctx.ctx, committed_ctx.tag
    gone, here = committed_ctx.email("gone"), committed_ctx.email("here")
    smtp_server.reject_file.write_text(f"# test\n{gone}\n")
    await send_transactional(ctx, payload(f"decision:{tag}", gone, here))
    assert await send_due_deliveries(ctx, {}) == {"bounced": 1, "sent": 1}
    rows = await deliveries(ctx["sessionmaker"], tag)
    assert rows["gone"].state == "bounced"
    assert rows["gone"].last_error is not None and rows["gone"].last_error.startswith("550")
    assert [m["To"].addresses[0].addr_spec for m in received(smtp_server, tag)] == [here]
    async with ctx["sessionmaker"]() as session:
        suppression = await session.get(Suppression, gone)
        jobs = (
            await session.execute(
                select(outbox.c.function, outbox.c.payload).where(
                    outbox.c.function == "record_suppression_in_registry",
                    outbox.c.payload["email"].astext == gone,
                )
            )
        ).all()
    assert suppression is not None and suppression.state == "bounced"
    assert [(f, p["state"]) for f, p in jobs] == [("record_suppression_in_registry", "bounced")]

    # The next letter to that address is recorded as suppressed and never sent.
    await send_transactional(ctx, payload(f"second:{tag}", gone))
    assert await send_due_deliveries(ctx, {}) == {}
    async with ctx["sessionmaker"]() as session:
        states = (await session.scalars(select(Delivery.state).where(Delivery.email == gone))).all()
    assert sorted(states) == ["bounced", "suppressed"]


async def test_an_address_suppressed_after_queueing_is_not_sent(
    committed_ctx: Committed, smtp_server: SmtpServer
) -> None:
    ctx, tag = committed_ctx.ctx, committed_ctx.tag
    address = committed_ctx.email("late")
    await send_transactional(ctx, payload(f"decision:{tag}", address))
    async with ctx["sessionmaker"]() as session, session.begin():
        session.add(Suppression(email=address, state="unsubscribed", reason="test"))
    assert await send_due_deliveries(ctx, {}) == {"suppressed": 1}
    assert (await deliveries(ctx["sessionmaker"], tag))["late"].state == "suppressed"
    assert received(smtp_server, tag) == []


async def test_smtp_down_then_back_every_message_is_delivered(
    committed_ctx: Committed, smtp_server: SmtpServer
) -> None:
    ctx, tag = committed_ctx.ctx, committed_ctx.tag
    up = ctx["settings"]
    ctx["settings"] = up.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{free_port()}"})
    ctx["notify_settings"] = fast_notify_settings(backoff_base_seconds=60, backoff_max_seconds=60)
    emails = [committed_ctx.email(f"r{i}") for i in range(5)]
    await send_transactional(ctx, payload(f"decision:{tag}", *emails))
    assert await send_due_deliveries(ctx, {}) == {"retrying": 5}
    rows = await deliveries(ctx["sessionmaker"], tag)
    assert all("SMTPConnect" in (d.last_error or "") for d in rows.values())

    ctx["settings"] = up
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await send_due_deliveries(ctx, {"as_of": later}) == {"sent": 5}
    assert len(received(smtp_server, tag)) == 5


async def test_a_row_left_sending_by_a_dead_sender_is_sent_after_its_lease(
    committed_ctx: Committed, smtp_server: SmtpServer
) -> None:
    ctx, tag = committed_ctx.ctx, committed_ctx.tag
    stale, fresh = committed_ctx.email("stale"), committed_ctx.email("fresh")
    await send_transactional(ctx, payload(f"decision:{tag}", stale, fresh))
    async with ctx["sessionmaker"]() as session, session.begin():
        for address, age in ((stale, timedelta(minutes=10)), (fresh, timedelta(seconds=1))):
            await session.execute(
                update(Delivery)
                .where(Delivery.email == address)
                .values(state="sending", claimed_at=datetime.now(UTC) - age, attempts=1)
            )
    # The lease is 300 s: only the row claimed ten minutes ago is orphaned.
    assert await send_due_deliveries(ctx, {}) == {"sent": 1}
    rows = await deliveries(ctx["sessionmaker"], tag)
    assert (rows["stale"].state, rows["stale"].attempts) == ("sent", 2)
    assert rows["fresh"].state == "sending"


async def test_batches_overlap_yet_no_row_in_flight_is_claimed_again(
    committed_ctx: Committed, smtp_server: SmtpServer
) -> None:
    """The next batch is claimed while the last is in flight; with a lease shorter than a send,
    every row in flight looks orphaned, and still each is sent once, on its first claim."""
    ctx, tag = committed_ctx.ctx, committed_ctx.tag
    ctx["notify_settings"] = fast_notify_settings(sending_lease_seconds=0.02)  # batches of 5
    emails = [committed_ctx.email(f"r{i:02d}") for i in range(12)]
    await send_transactional(ctx, payload(f"decision:{tag}", *emails))
    assert await send_due_deliveries(ctx, {}) == {"sent": 12}
    rows = (await deliveries(ctx["sessionmaker"], tag)).values()
    assert {(row.state, row.attempts) for row in rows} == {("sent", 1)}
    delivered = [m["To"].addresses[0].addr_spec for m in received(smtp_server, tag)]
    assert sorted(delivered) == sorted(emails)


async def test_a_campaign_is_sent_once_approved_with_ics_links_and_list_unsubscribe(
    committed_ctx: Committed, smtp_server: SmtpServer
) -> None:
    ctx, tag = committed_ctx.ctx, committed_ctx.tag
    symposium_id = uuid.uuid4()
    symposium = {
        "id": str(symposium_id),
        "number": 4,
        "theme": "共通の課題",
        "starts_at": "2099-02-17T13:30:00+09:00",
        "ends_at": "2099-02-17T15:00:00+09:00",
        "format": "web",
        "join_url": "https://meet.example.jp/r3-4",
        "status": "scheduled",
        "sequence": 1,
    }
    campaign = Campaign(
        symposium_id=symposium_id,
        kind="invitation",
        status="draft",
        symposium=symposium,
        sequence=1,
        context={},
        recipient_count=2,
        created_by=f"operator:{tag}",
    )
    emails = [committed_ctx.email("kato"), committed_ctx.email("sato")]
    contacts = {address: uuid.uuid4() for address in emails}
    async with ctx["sessionmaker"]() as session, session.begin():
        session.add(campaign)
        await session.flush()
        for address in emails:
            session.add(
                Delivery(
                    campaign_id=campaign.id,
                    dedupe_key=f"campaign:{campaign.id}:{address}",
                    kind="symposium_invitation",
                    contact_id=contacts[address],
                    email=address,
                    name="加藤 一郎",
                    state="queued",
                    attempts=0,
                    smtp_message_id=f"<{uuid.uuid4()}@jisso>",
                )
            )
    try:
        assert await send_due_deliveries(ctx, {}) == {}  # a draft sends nothing
        async with ctx["sessionmaker"]() as session, session.begin():
            await session.execute(
                update(Campaign).where(Campaign.id == campaign.id).values(status="approved")
            )
        assert await send_due_deliveries(ctx, {}) == {"sent": 2}
        async with ctx["sessionmaker"]() as session:
            done = await session.get(Campaign, campaign.id)
        assert done is not None and done.status == "done" and done.completed_at is not None

        mails = received(smtp_server, tag)
        assert len(mails) == 2
        mail = mails[0]
        assert (
            mail["Subject"]
            == "【ご案内】第4回 未来技術実装ミニシンポジウム（令和81年2月17日（火）開催）"
        )
        unsubscribe = mail["List-Unsubscribe"].strip("<>")
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        claims = verify_link(ctx["settings"], unsubscribe.rsplit("/", 1)[1], action="unsubscribe")
        assert claims.contact_id == contacts[mail["To"].addresses[0].addr_spec]
        (ics,) = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
        assert ics.get_param("method") == "REQUEST"
        (event,) = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")
        assert str(event["UID"]) == f"symposium-{symposium_id}@jisso"
        assert event["SEQUENCE"] == 1
        text_body = mail.get_body(("plain",)).get_content()
        assert "令和81年2月17日（火）13:30〜15:00" in text_body
        assert "response=attend" in text_body
    finally:
        async with ctx["sessionmaker"]() as session, session.begin():
            await session.execute(
                text("DELETE FROM notify.campaigns WHERE id = :id"), {"id": campaign.id}
            )


async def held(smtp_server: SmtpServer, recipient: str) -> HeldMessage:
    client = SmtpTarget.from_url(smtp_server.url).client()
    await client.connect()
    raw = f"To: {recipient}\r\nSubject: held\r\n\r\n" + "本文です\r\n" * 200
    return await hold_message(
        client, sender="office@jisso.invalid", recipient=recipient, message=raw.encode(), wait=5
    )


async def wait_for(predicate: Any, seconds: float = 3.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def test_the_kernel_semantics_the_protocol_relies_on(smtp_server: SmtpServer) -> None:
    """A held body without its marker is discarded; a staged (corked) marker is delivered when
    the socket is closed as a dying process's is; an abandoned one never is."""

    def count() -> int:
        return len(maildir_messages(smtp_server.maildir))

    unmarked = await held(smtp_server, "unmarked@example.jp")
    unmarked.client.transport.close()  # type: ignore[union-attr]  # the kernel's close at death
    abandoned = await held(smtp_server, "abandoned@example.jp")
    assert abandoned.stage()
    abandoned.abandon()
    await asyncio.sleep(0.5)
    assert count() == 0

    dying = await held(smtp_server, "dying@example.jp")
    assert dying.stage()
    dying.client.transport.close()  # type: ignore[union-attr]  # never uncorked: died first
    assert await wait_for(lambda: count() == 1)
    (mail,) = maildir_messages(smtp_server.maildir)
    assert mail["To"] == "dying@example.jp"

    released = await held(smtp_server, "released@example.jp")
    assert released.stage()
    released.release()
    reply = await released.reply()
    assert reply.code == 250
    await released.client.quit()
    assert count() == 2
